"""The public verification page is served from the page cache, yet never stale, never another visitor's
(CSRF token, language) and never the anonymous page for someone logged in."""

from __future__ import annotations

import html
import re

from flask import template_rendered

from states.nomination import fire
from tests.test_certificates import certified
from workflow_app.core.pagecache import CSRF_MARKER
from workflow_app.extensions import db


def renders(app):
    """The templates rendered while the block runs (a page from the cache renders none)."""
    seen: list[str] = []

    def record(sender, template, context, **extra):
        seen.append(template.name)

    template_rendered.connect(record, app)
    return seen, lambda: template_rendered.disconnect(record, app)


def test_a_revocation_shows_on_the_next_request_though_the_page_was_cached(app, world):
    certificate = certified(world)
    url = f"/verify/{certificate.token}"
    seen, stop = renders(app)
    try:
        first = app.test_client().get(url).get_data(as_text=True)
        second = app.test_client().get(url).get_data(as_text=True)
        assert seen == ["certificates/verify.html"]  # the second visitor got the cached page
        assert 'data-status="valid"' in first and 'data-status="valid"' in second

        fire(certificate.nomination, "revoke", world.admin, "经核实存在违纪行为")
        db.session.commit()
        after = app.test_client().get(url).get_data(as_text=True)
    finally:
        stop()
    assert 'data-status="revoked"' in after and 'data-status="valid"' not in after
    assert len(seen) == 2


def test_a_public_page_sets_no_cookie_and_its_language_links_work(app, world):
    """A QR scan leaves no cookie behind: the page has no form that needs a CSRF token."""
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/verify/{certified(world).token}"
    visitor = app.test_client()
    response = visitor.get(url)
    page = response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers and "csrf_token" not in page and CSRF_MARKER not in page
    link = html.unescape(re.search(r'href="([^"]+)"[^>]*data-locale="en"', page).group(1))
    assert visitor.get(link).headers["Location"] == url
    assert 'lang="en"' in visitor.get(url).get_data(as_text=True)
    assert visitor.get("/language/fr").status_code == 404


def test_a_language_link_changes_nothing_for_someone_logged_in(app, client, world, login_as):
    """A GET never writes: a user's saved language changes through the footer's form, with its token."""
    login_as("county")
    assert client.get("/language/en?next=/todo/").status_code == 302
    assert 'lang="zh-CN"' in client.get("/todo/").get_data(as_text=True)
    assert 'id="language-form"' in client.get("/todo/").get_data(as_text=True)


def test_the_cached_page_follows_each_visitors_language(app, world):
    url = f"/verify/{certified(world).token}"
    chinese, english = app.test_client(), app.test_client()
    assert "有效" in chinese.get(url).get_data(as_text=True)
    english.post("/language", data={"locale": "en", "next": url})
    body = english.get(url).get_data(as_text=True)
    assert "Valid" in body and "有效" not in body
    assert "有效" in chinese.get(url).get_data(as_text=True)


def test_someone_logged_in_gets_their_own_page_not_the_anonymous_one(app, client, world, login_as):
    url = f"/verify/{certified(world).token}"
    app.test_client().get(url)  # cached for anonymous visitors
    login_as("county")
    body = client.get(url).get_data(as_text=True)
    assert world.county_reviewer.display_name in body and 'id="todo-count"' in body


def test_a_browser_that_has_the_page_gets_a_304_until_the_certificate_changes(app, world):
    certificate = certified(world)
    url = f"/verify/{certificate.token}"
    browser = app.test_client()
    first = browser.get(url)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-cache"
    seen, stop = renders(app)
    try:
        again = browser.get(url, headers={"If-None-Match": tag})
        assert (again.status_code, again.get_data(), seen) == (304, b"", [])  # nothing rendered, nothing sent
        assert browser.get(url, headers={"If-None-Match": tag, "Accept-Language": "en"}).status_code == 304
        english = app.test_client()
        english.get("/language/en?next=/")  # another language is another page: another tag
        assert english.get(url, headers={"If-None-Match": tag}).status_code == 200

        fire(certificate.nomination, "revoke", world.admin, "经核实存在违纪行为")
        db.session.commit()
        after = browser.get(url, headers={"If-None-Match": tag})
    finally:
        stop()
    assert after.status_code == 200 and 'data-status="revoked"' in after.get_data(as_text=True)
    assert after.headers["ETag"] != tag


def test_someone_logged_in_gets_no_shared_tag(app, client, world, login_as):
    certificate = certified(world)
    login_as("chair1")
    page = client.get(f"/verify/{certificate.token}")
    assert page.status_code == 200 and "ETag" not in page.headers
