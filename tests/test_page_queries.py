"""The pages bench/pages.py measures run the same number of SQL statements with few or many nominations:
an N+1 (a query per row, per audit entry, per to-do) fails here before it reaches the benchmark."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories
from tests.conftest import count_queries
from tests.factories import SECOND_TOWNSHIP, bring_to
from workflow_app.certificates.models import Certificate
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination

PAGES = {
    "county to-do": ("county", "/todo/"),
    "township to-do": ("town1", "/todo/"),
    "list filtered and searched": ("county", "/nominations/?campaign={campaign}&state=county_review&q=马"),
    "nomination page": ("county", "/nominations/{waiting}"),
    "county dashboard": ("county", "/stats/dashboard"),
    "verification": (None, "/verify/{token}"),
}


def add(world, count: int) -> None:
    """``count`` nominations waiting for the county, as many for each township, and a certified one."""
    for index in range(count):
        for state in ("county_review", "township_review"):
            people = SECOND_TOWNSHIP if index % 2 else None
            unit, chair = (world.branch2, world.chair2) if people else (world.branch1, world.chair1)
            bring_to(factories.nomination(world.campaign, "outstanding_union_worker", unit, chair,
                                          id_number=factories.id_number()), state, people)
    bring_to(factories.nomination(world.campaign, "advanced_worker", world.branch1, world.chair1,
                                  id_number=factories.id_number()), "certified")


def statements(client, login_as, urls: dict[str, str]) -> dict[str, int]:
    """The statements one request of each page runs (after a warm-up request for per-process caches)."""
    counts = {}
    for page, (username, _pattern) in PAGES.items():
        if username:
            login_as(username)
        else:
            client.post("/logout")
        assert client.get(urls[page]).status_code == 200, page
        with count_queries() as seen:
            assert client.get(urls[page]).status_code == 200, page
        counts[page] = len(seen)
    return counts


def test_benchmarked_pages_cost_the_same_statements_for_few_or_many_nominations(client, world, login_as):
    add(world, 2)
    waiting = db.session.scalar(
        select(Nomination.id).where(Nomination.state == "county_review").order_by(Nomination.id))
    token = db.session.scalar(select(Certificate.token).order_by(Certificate.id))
    urls = {page: pattern.format(campaign=world.campaign.id, waiting=waiting, token=token)
            for page, (_username, pattern) in PAGES.items()}
    small = statements(client, login_as, urls)
    add(world, 6)
    assert statements(client, login_as, urls) == small
