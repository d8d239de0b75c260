"""Bulk review from the to-do list: each nomination on its own (guards, audit row), one refusal
does not hide the others, a return needs a comment, the confirmation is CSRF-protected."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.factories import SECOND_TOWNSHIP, bring_to
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.review.services import ReviewError, bulk_review


def county_review(world, name: str, second_township: bool = False) -> Nomination:
    unit, chair = (world.branch2, world.chair2) if second_township else (world.branch1, world.chair1)
    item = factories.nomination(world.campaign, "outstanding_union_worker", unit, chair, nominee_name=name,
                                id_number=factories.id_number())
    return bring_to(item, "county_review", SECOND_TOWNSHIP if second_township else None)


def audit_count(nomination_id: int) -> int:
    return db.session.scalar(select(func.count()).where(AuditEntry.nomination_id == nomination_id))


@pytest.fixture
def three(world):
    """Three nominations at the county; the second township's quota is already used up."""
    a, b = county_review(world, "甲一"), county_review(world, "乙二")
    full = county_review(world, "丙三", second_township=True)
    factories.quota(world.campaign, "outstanding_union_worker", world.town2, 1)
    bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch2, world.chair2,
                                  nominee_name="丁四", id_number=factories.id_number()),
             "public_notice", SECOND_TOWNSHIP)
    db.session.commit()
    return a, b, full


def test_service_approves_each_and_reports_each_refusal(world, three):
    a, b, full = three
    before = {n.id: audit_count(n.id) for n in three}
    result = bulk_review(world.county_reviewer, [a.id, full.id, b.id], "approve", "同意")
    assert [o.nominee for o in result.succeeded] == ["甲一", "乙二"]
    assert [o.nominee for o in result.failed] == ["丙三"]
    assert world.town2.name in result.failed[0].reason  # the quota guard names the township
    db.session.expire_all()
    assert db.session.get(Nomination, a.id).state == "public_notice"
    assert db.session.get(Nomination, b.id).state == "public_notice"
    assert db.session.get(Nomination, full.id).state == "county_review"
    assert audit_count(a.id) == before[a.id] + 1 and audit_count(b.id) == before[b.id] + 1
    assert audit_count(full.id) == before[full.id]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.nomination_id == a.id)
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.comment == "同意"


def test_service_return_needs_a_comment(world, three):
    with pytest.raises(ReviewError):
        bulk_review(world.county_reviewer, [n.id for n in three], "return_for_revision", "  ")
    db.session.expire_all()
    assert all(db.session.get(Nomination, n.id).state == "county_review" for n in three)
    result = bulk_review(world.county_reviewer, [three[0].id], "return_for_revision", "请补充事迹")
    assert len(result.succeeded) == 1 and not result.failed


def test_service_refuses_other_actions_and_foreign_nominations(world, three):
    with pytest.raises(ReviewError):
        bulk_review(world.county_reviewer, [three[0].id], "reject", "x")
    # The first township's reviewer may not see the second township's nomination; nor a missing id.
    result = bulk_review(world.town_reviewer1, [three[2].id, 999999], "approve", "")
    assert not result.succeeded
    assert [o.nominee for o in result.failed] == [f"#{three[2].id}", "#999999"]  # no name leaks
    db.session.expire_all()
    assert db.session.get(Nomination, three[2].id).state == "county_review"


def test_pages_confirm_then_show_successes_and_failures(client, world, three, login_as):
    login_as("county")
    a, b, full = three
    todo = client.get("/todo/").get_data(as_text=True)
    assert 'id="bulk-form"' in todo and f'name="ids" value="{a.id}"' in todo
    assert 'name="ids"' not in client.get("/nominations/").get_data(as_text=True)  # the to-do page only

    ids = [str(a.id), str(b.id), str(full.id)]
    page = client.post("/todo/bulk", data={"ids": ids, "event": "approve", "comment": "同意公示"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "3" in re.search(r'id="bulk-summary">([^<]*)<', body).group(1)
    assert all(name in body for name in ("甲一", "乙二", "丙三")) and "同意公示" in body
    db.session.expire_all()
    assert db.session.get(Nomination, a.id).state == "county_review"  # nothing done before confirming

    done = client.post("/todo/bulk", data={"ids": ids, "event": "approve", "comment": "同意公示", "confirm": "1"})
    body = done.get_data(as_text=True)
    succeeded = body[body.index('id="bulk-succeeded"'):body.index('id="bulk-failed"')]
    failed = body[body.index('id="bulk-failed"'):]
    assert "甲一" in succeeded and "乙二" in succeeded and "丙三" not in succeeded
    assert "丙三" in failed and world.town2.name in failed
    db.session.expire_all()
    assert db.session.get(Nomination, a.id).state == "public_notice"


def test_chairs_get_no_bulk_review(client, world, login_as):
    bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                  id_number=factories.id_number()), "returned")
    login_as("chair1")
    body = client.get("/todo/").get_data(as_text=True)
    assert "马金凤" in body and 'id="bulk-form"' not in body and 'name="ids"' not in body


def test_page_refuses_a_return_without_comment_before_confirming(client, world, three, login_as):
    login_as("county")
    response = client.post("/todo/bulk", data={"ids": [str(three[0].id)], "event": "return_for_revision",
                                               "comment": ""}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "alert-danger" in body
    assert 'id="bulk-confirm"' not in body


def test_confirm_is_csrf_protected(app, client, world, three, login_as):
    login_as("county")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/todo/bulk", data={"ids": [str(three[0].id)], "event": "approve", "confirm": "1"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Nomination, three[0].id).state == "county_review"


def test_next_to_do_link_and_redirect(client, world, three, login_as):
    login_as("county")
    by_name = {n.nominee_name: n for n in three}
    order = client.get("/todo/?sort=name").get_data(as_text=True)
    names = re.findall(r'class="fw-semibold">([^<]+)<', order)
    assert names == sorted(by_name)
    first, second, last = (by_name[name] for name in names)
    body = client.get(f"/nominations/{first.id}?sort=name").get_data(as_text=True)
    assert 'id="next-todo"' in body and f'href="/nominations/{second.id}?sort=name"' in body
    assert 'id="next-todo"' not in client.get(f"/nominations/{last.id}?sort=name").get_data(as_text=True)
    # After an action, on to the next to-do (here the second, whichever the first's outcome).
    response = client.post(f"/nominations/{first.id}/transition",
                           data={"event": "return_for_revision", "comment": "请补充",
                                 "version": str(first.version), "sort": "name"})
    assert response.headers["Location"].endswith(f"/nominations/{second.id}?sort=name")


def test_next_to_do_stays_in_the_filtered_list(client, world, three, login_as):
    """Opened from the to-do list filtered to one township, "next to-do" and the redirect after an
    action go through that township's nominations only, and back to the same filtered list at the end."""
    login_as("county")
    a, b, other = three  # 甲一 and 乙二 in the first township, 丙三 in the second
    listing = client.get(f"/todo/?township={world.town1.id}&sort=-name").get_data(as_text=True)
    rows = re.findall(r'href="(/nominations/\d+[^"]*)" class="fw-semibold">([^<]+)<', listing)
    filtered = f"township={world.town1.id}&amp;sort=-name"
    assert rows == [(f"/nominations/{a.id}?{filtered}", "甲一"), (f"/nominations/{b.id}?{filtered}", "乙二")]

    body = client.get(f"/nominations/{a.id}?township={world.town1.id}&sort=-name").get_data(as_text=True)
    assert f'id="next-todo" href="/nominations/{b.id}?{filtered}"' in body
    # 乙二 is last of the filtered list, though the whole list goes on to 丙三.
    body = client.get(f"/nominations/{b.id}?township={world.town1.id}&sort=-name").get_data(as_text=True)
    assert 'id="next-todo"' not in body
    assert f'id="next-todo" href="/nominations/{other.id}?sort=-name"' in client.get(
        f"/nominations/{b.id}?sort=-name").get_data(as_text=True)

    form = {"comment": "请补充", "township": str(world.town1.id), "sort": "-name"}
    response = client.post(f"/nominations/{a.id}/transition",
                           data={**form, "event": "return_for_revision", "version": str(a.version)})
    assert response.headers["Location"].endswith(f"/nominations/{b.id}?township={world.town1.id}&sort=-name")
    response = client.post(f"/nominations/{b.id}/transition",
                           data={**form, "event": "return_for_revision", "version": str(b.version)})
    assert response.headers["Location"].endswith(f"/todo/?township={world.town1.id}&sort=-name")


def test_next_to_do_follows_campaign_honor_and_search_filters(client, world, three, login_as):
    login_as("county")
    a, b, _other = three
    query = f"campaign={world.campaign.id}&honor_type={a.honor_type_id}&sort=name"
    body = client.get(f"/nominations/{b.id}?{query}").get_data(as_text=True)
    assert f'id="next-todo" href="/nominations/{a.id}?{query.replace("&", "&amp;")}"' in body
    body = client.get(f"/nominations/{b.id}?{query}&q=乙").get_data(as_text=True)
    assert 'id="next-todo"' not in body  # only 乙二 matches the search
    for name, value in (("campaign", world.campaign.id), ("honor_type", a.honor_type_id), ("q", "乙")):
        assert f'<input type="hidden" name="{name}" value="{value}">' in body  # carried by the action form


def test_select_all_on_the_page_works_without_javascript(client, world, three, login_as):
    """A link reloads the list with every row ticked; sent as is, the bulk form carries them all."""
    login_as("county")
    listing = client.get(f"/todo/?township={world.town1.id}").get_data(as_text=True)
    assert not re.findall(r'name="ids" value="\d+"[^>]*checked', listing)
    link = re.search(r'href="([^"]+)" id="select-page"', listing).group(1).replace("&amp;", "&")
    assert f"township={world.town1.id}" in link
    ticked = client.get(link).get_data(as_text=True)
    ids = re.findall(r'name="ids" value="(\d+)"[^>]*checked', ticked)
    assert sorted(map(int, ids)) == sorted([three[0].id, three[1].id])
    back = re.search(r'name="back" value="([^"]*)"', ticked).group(1)
    assert "select" not in back and f"township={world.town1.id}" in back  # after the action: the list, unticked
    confirm = client.post("/todo/bulk", data={"ids": ids, "event": "approve", "comment": "", "back": back})
    body = confirm.get_data(as_text=True)
    assert 'id="bulk-confirm"' in body and "甲一" in body and "乙二" in body and "丙三" not in body
