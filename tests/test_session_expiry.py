"""A session that expired sends the user to the login page and, once logged in, back where they were:
the page they asked for, or the page whose form they sent (the form itself is not replayed)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from tests import factories
from tests.factories import bring_to
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination


def expire_session(client) -> None:
    client.delete_cookie("session")


def next_on_login_page(client, location: str) -> str:
    """Open the login page the redirect names, as the browser would, and read its hidden ``next``."""
    page = client.get(location).get_data(as_text=True)
    assert 'class="alert alert-warning"' in page  # "please log in to see this page"
    return unescape(re.search(r'name="next"[^>]*value="([^"]*)"', page).group(1))


def log_in(client, next_value: str):
    return client.post("/login", data={"username": "county", "password": factories.PASSWORD, "next": next_value})


def test_an_expired_session_returns_to_the_page_after_login(client, world, login_as):
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "county_review")
    login_as("county")
    page = f"/nominations/{nomination.id}?township={world.town1.id}&sort=name"
    assert client.get(page).status_code == 200
    expire_session(client)

    response = client.get(page)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location).path == "/login" and parse_qs(urlsplit(location).query)["next"] == [page]
    back = log_in(client, next_on_login_page(client, location))
    assert back.status_code == 302 and back.headers["Location"] == page
    assert client.get(back.headers["Location"]).status_code == 200


def test_a_form_sent_after_expiry_returns_to_its_page_and_changes_nothing(client, world, login_as):
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "county_review")
    login_as("county")
    page = f"/nominations/{nomination.id}?sort=name"
    expire_session(client)

    response = client.post(f"/nominations/{nomination.id}/transition",
                           data={"event": "approve", "version": nomination.version},
                           headers={"Referer": f"http://localhost{page}"})
    assert response.status_code == 302
    back = log_in(client, next_on_login_page(client, response.headers["Location"]))
    assert back.headers["Location"] == page  # the page, not the form's address (a GET there is 405)
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).state == "county_review"


def test_a_foreign_referrer_is_not_a_place_to_return_to(client, world):
    response = client.post("/nominations/1/transition", data={"event": "approve"},
                           headers={"Referer": "https://evil.example/phish"})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]
    assert log_in(client, next_on_login_page(client, response.headers["Location"])).headers["Location"] == "/todo/"
