"""Who may see and do what, cell by cell, through the web client as the people themselves.

The world (tests/factories.build_world): a county with township 1 (branch 1 under it) and township 2
(branch 2 under it), and a county-direct unit. Every nomination in the matrix is put forward by
branch 1's chair, so the people around it are: its own chair, branch 1's and township 1's reviewers,
the county reviewer and the county administrator ("inside"); and branch 2's chair, branch 2's and
township 2's reviewers ("outside").

The expectations are written out by hand from the paper process, not computed from the policy
module, so a change in policy.py or states/nomination.py that lets the wrong person in shows up here.

The file shares one app and one world across its tests: every test makes nominations of its own
and nothing changes users or units (the few users added have names of their own), so the tests stay
independent, while a few hundred cells run on warm template and SQL caches.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage
from werkzeug.security import generate_password_hash

from states.nomination import fire
from tests import factories
from tests.conftest import module_app
from workflow_app.auth.models import RoleAssignment, User
from workflow_app.core.timeutil import china_today
from workflow_app.extensions import db
from workflow_app.nominations import services
from workflow_app.nominations.models import Attachment, AuditEntry, Nomination

PDF = b"%PDF-1.4\n% a scanned certificate\n"
# The login route is exercised for real, but with a cheap hash: scrypt's tenth of a second per
# login would dominate a file that logs in a few hundred times.
CHEAP_HASH = generate_password_hash(factories.PASSWORD, method="pbkdf2:sha256:1")


# ---------------------------------------------------------------- one app for the file
@pytest.fixture(scope="module")
def shared(migrated_database, tmp_path_factory):
    application = module_app(migrated_database, tmp_path_factory, "authorization")
    with application.app_context():
        built = factories.build_world()
        db.session.execute(update(User).values(password_hash=CHEAP_HASH))
        db.session.commit()
        ids = {name: (type(row), row.id) for name, row in vars(built).items()}
        db.session.remove()
    yield SimpleNamespace(app=application, world_ids=ids)
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def app(shared):
    """Overrides conftest's: this file's shared app, in a fresh app context (and session) per test."""
    with shared.app.app_context():
        yield shared.app
        db.session.remove()


@pytest.fixture
def world(app, shared):
    """Overrides conftest's: the shared build_world() rows, loaded into this test's session."""
    return SimpleNamespace(**{name: db.session.get(kind, ident) for name, (kind, ident) in shared.world_ids.items()})


# ---------------------------------------------------------------- the people
PEOPLE = [
    pytest.param("chair1", id="chair_of_the_nominating_branch"),
    pytest.param("chair2", id="chair_of_another_branch"),
    pytest.param("branch1", id="branch_reviewer_inside"),
    pytest.param("branch2", id="branch_reviewer_outside"),
    pytest.param("town1", id="township_reviewer_inside"),
    pytest.param("town2", id="township_reviewer_outside"),
    pytest.param("county", id="county_reviewer"),
    pytest.param("admin", id="county_admin"),
]
# A draft is the chair's own business; once submitted, everyone above branch 1 may read it.
READERS_OF_A_DRAFT = {"chair1"}
READERS_ONCE_SUBMITTED = {"chair1", "branch1", "town1", "county", "admin"}


def may_read(username: str, state: str) -> bool:
    return username in (READERS_OF_A_DRAFT if state == "draft" else READERS_ONCE_SUBMITTED)


# How the nomination got to each state, and who did each step (shared with the other tests).
PATH_TO = factories.ROUTE_TO


# ---------------------------------------------------------------- helpers
def user_named(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def nomination_at(world, state: str, *, attachment: bool = False, campaign=None, **fields) -> Nomination:
    """A complete person nomination of branch 1 by its chair, walked through the real machine."""
    nomination = factories.nomination(campaign or world.campaign, "outstanding_union_worker", world.branch1,
                                      world.chair1, **fields)
    if attachment:
        services.add_attachment(nomination, FileStorage(io.BytesIO(PDF), filename="先进事迹证明.pdf"), world.chair1)
    for event, username in PATH_TO[state]:
        if event == "end_notice":
            notice_over(nomination)
        fire(nomination, event, user_named(username), "意见")
    db.session.commit()
    assert nomination.state == state
    return nomination


def notice_over(nomination: Nomination) -> None:
    """Move the notice period into the past (committed): the notice may end only once its last day
    is over. A plain UPDATE, so the version (and a snapshot taken before) stays as it was."""
    ended = china_today() - timedelta(days=1)
    db.session.execute(update(Nomination).where(Nomination.id == nomination.id).values(
        notice_starts_on=ended - timedelta(days=6), notice_ends_on=ended))
    db.session.commit()
    db.session.refresh(nomination)


def snapshot(nomination: Nomination) -> tuple:
    """What a refused action must leave alone: state, version and every audit row."""
    db.session.expire_all()
    row = db.session.get(Nomination, nomination.id)
    audit = db.session.scalars(select(AuditEntry.id).where(AuditEntry.nomination_id == row.id)
                               .order_by(AuditEntry.id)).all()
    return row.state, row.version, row.nominee_name, tuple(audit)


def audit_rows(nomination: Nomination) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.nomination_id == nomination.id)
                                   .order_by(AuditEntry.id)))


def post_event(client, nomination: Nomination, event: str, comment: str = "意见", **extra):
    db.session.refresh(nomination)
    return client.post(f"/nominations/{nomination.id}/transition",
                       data={"event": event, "version": nomination.version, "comment": comment, **extra})


def offered_events(html: str) -> set[str]:
    return set(re.findall(r'name="event" value="(\w+)"', html))


def stored_files(app) -> set[str]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


# ---------------------------------------------------------------- pages
@pytest.mark.parametrize("username", PEOPLE)
@pytest.mark.parametrize("state", ["draft", "township_review"])
def test_the_detail_page_opens_only_for_the_chair_and_the_reviewers_above_the_branch(
        client, world, login_as, state, username):
    nomination = nomination_at(world, state, nominee_name="马金凤")
    login_as(username)
    response = client.get(f"/nominations/{nomination.id}")
    page = response.get_data(as_text=True)
    if may_read(username, state):
        assert response.status_code == 200
        assert "马金凤" in page and nomination.id_number in page
    else:
        assert response.status_code == 403
        assert "马金凤" not in page and nomination.id_number not in page, "the refusal must not leak the nominee"


# Only the nominating chair edits, and only a draft or a nomination returned for revision.
EDITORS = {"draft": {"chair1"}, "returned": {"chair1"}, "county_review": set()}


@pytest.mark.parametrize("username", PEOPLE)
@pytest.mark.parametrize("state", list(EDITORS))
def test_only_the_nominating_chair_edits_and_only_drafts_or_returned_nominations(
        client, world, login_as, state, username):
    nomination = nomination_at(world, state, nominee_name="马金凤")
    login_as(username)
    before = snapshot(nomination)
    form_page = client.get(f"/nominations/{nomination.id}/edit")
    saved = client.post(f"/nominations/{nomination.id}/edit",
                        data=factories.edit_form(nomination, nominee_name="冒名顶替"))
    after = snapshot(nomination)
    if username in EDITORS[state]:
        assert (form_page.status_code, saved.status_code) == (200, 302)
        assert after[2] == "冒名顶替"
    else:
        assert (form_page.status_code, saved.status_code) == (403, 403)
        assert after == before


@pytest.mark.parametrize("username", PEOPLE)
@pytest.mark.parametrize("state", ["draft", "county_review"])
def test_only_the_nominating_chair_attaches_files_and_only_while_the_nomination_is_editable(
        app, client, world, login_as, state, username):
    nomination = nomination_at(world, state)
    login_as(username)
    files_before = stored_files(app)
    response = client.post(f"/nominations/{nomination.id}/attachments",
                           data={"file": (io.BytesIO(PDF), "证明.pdf")}, content_type="multipart/form-data")
    db.session.expire_all()
    attachments = db.session.scalars(select(Attachment).where(Attachment.nomination_id == nomination.id)).all()
    if username in EDITORS[state]:
        assert response.status_code == 302
        assert [a.original_name for a in attachments] == ["证明.pdf"]
        assert (Path(app.config["UPLOAD_FOLDER"]) / attachments[0].storage_name).read_bytes() == PDF
    else:
        assert response.status_code == 403
        assert attachments == []
        assert stored_files(app) == files_before, "a refused upload must not leave a file behind"


@pytest.mark.parametrize("username", PEOPLE)
@pytest.mark.parametrize("state", ["draft", "county_review"])
def test_attachments_download_for_exactly_those_who_may_read_the_nomination(
        client, world, login_as, state, username):
    nomination = nomination_at(world, state, attachment=True)
    login_as(username)
    response = client.get(f"/nominations/{nomination.id}/attachments/{nomination.attachments[0].id}")
    try:
        if may_read(username, state):
            assert response.status_code == 200
            assert response.data == PDF
        else:
            assert response.status_code == 403
            assert PDF not in response.data
    finally:
        response.close()


@pytest.mark.parametrize("username", PEOPLE)
@pytest.mark.parametrize("state", ["draft", "county_review"])
def test_only_the_nominating_chair_removes_attachments_of_an_editable_nomination(
        client, world, login_as, state, username):
    nomination = nomination_at(world, state, attachment=True)
    attachment_id = nomination.attachments[0].id
    login_as(username)
    response = client.post(f"/nominations/{nomination.id}/attachments/{attachment_id}/delete")
    db.session.expire_all()
    still_there = db.session.get(Attachment, attachment_id) is not None
    if username in EDITORS[state]:
        assert (response.status_code, still_there) == (302, False)
    else:
        assert (response.status_code, still_there) == (403, True)


CHAIR_OF = {"chair1": "branch1", "chair2": "branch2"}


@pytest.mark.parametrize("username", PEOPLE)
def test_only_a_branch_chair_starts_a_nomination_and_only_in_their_own_branchs_name(
        client, world, login_as, username):
    campaign = factories.campaign(world.county, name="新建测试")
    db.session.commit()
    honor = factories.honor("outstanding_union_worker")
    login_as(username)
    assert client.get("/nominations/new").status_code == (200 if username in CHAIR_OF else 403)
    for unit_name in ("branch1", "branch2"):
        unit = getattr(world, unit_name)
        form = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in factories.person_fields().items()}
        response = client.post(f"/nominations/new/details?campaign_id={campaign.id}&honor_type_id={honor.id}"
                               f"&org_unit_id={unit.id}", data=form)
        db.session.expire_all()
        made = db.session.scalars(select(Nomination).where(Nomination.campaign_id == campaign.id,
                                                           Nomination.org_unit_id == unit.id)).all()
        if CHAIR_OF.get(username) == unit_name:
            assert response.status_code == 302
            assert [n.created_by_id for n in made] == [user_named(username).id]
        else:
            assert response.status_code in (200, 403)  # the form refuses the unit, or the page the person
            assert made == []


# ---------------------------------------------------------------- workflow events
# (event, the state where it applies, the one person who may fire it there, where it leads)
EVENTS = [
    pytest.param("submit", "draft", "chair1", "branch_review", id="submit_a_draft"),
    pytest.param("submit", "returned", "chair1", "branch_review", id="resubmit_a_returned_one"),
    pytest.param("approve", "branch_review", "branch1", "township_review", id="approve_at_branch"),
    pytest.param("approve", "township_review", "town1", "county_review", id="approve_at_township"),
    pytest.param("approve", "county_review", "county", "public_notice", id="approve_at_county"),
    pytest.param("return_for_revision", "branch_review", "branch1", "returned", id="return_at_branch"),
    pytest.param("return_for_revision", "township_review", "town1", "returned", id="return_at_township"),
    pytest.param("return_for_revision", "county_review", "county", "returned", id="return_at_county"),
    pytest.param("reject", "branch_review", "branch1", "rejected", id="reject_at_branch"),
    pytest.param("reject", "township_review", "town1", "rejected", id="reject_at_township"),
    pytest.param("reject", "county_review", "county", "rejected", id="reject_at_county"),
    pytest.param("withdraw", "draft", "chair1", "withdrawn", id="withdraw_a_draft"),
    pytest.param("withdraw", "township_review", "chair1", "withdrawn", id="withdraw_during_review"),
    pytest.param("end_notice", "public_notice", "admin", "approved", id="end_the_public_notice"),
    pytest.param("certify", "approved", "admin", "certified", id="certify"),
    pytest.param("revoke", "certified", "admin", "revoked", id="revoke"),
]


@pytest.mark.parametrize("username", PEOPLE)
@pytest.mark.parametrize(("event", "state", "the_one", "leads_to"), EVENTS)
def test_each_workflow_step_belongs_to_exactly_one_person(
        client, world, login_as, event, state, the_one, leads_to, username):
    nomination = nomination_at(world, state)
    login_as(username)
    if may_read(username, state):
        offered = offered_events(client.get(f"/nominations/{nomination.id}").get_data(as_text=True))
        assert (event in offered) == (username == the_one), f"the {event} button is shown to the wrong people"
    before = snapshot(nomination)
    if event == "end_notice":
        # Only now, after the page was looked at (a view closes a notice that is over by itself).
        notice_over(nomination)

    response = post_event(client, nomination, event, "理由充分")

    if username == the_one:
        assert response.status_code == 302
        db.session.refresh(nomination)
        assert nomination.state == leads_to
        last = audit_rows(nomination)[-1]
        assert (last.event, last.from_state, last.to_state, last.actor_id, last.comment) == (
            event, state, leads_to, user_named(username).id, "理由充分")
        assert len(audit_rows(nomination)) == len(before[3]) + 1
    else:
        # Someone who may read the nomination is told why on its page; anyone else gets 403.
        assert response.status_code == (302 if may_read(username, state) else 403)
        assert snapshot(nomination) == before


# ---------------------------------------------------------------- own submissions
def make_user(username: str, name: str, roles: list[tuple[str, object]]) -> User:
    item = User(username=username, display_name=name, password_hash=CHEAP_HASH)
    for role, unit in roles:
        item.roles.append(RoleAssignment(role=role, org_unit=unit))
    db.session.add(item)
    db.session.commit()
    return item


@pytest.mark.parametrize(("reviews_at", "submitted_by", "review_state"), [
    pytest.param("branch1", "both", "branch_review", id="chair_who_also_reviews_the_branch_submits_then_reviews"),
    pytest.param("town1", "both", "township_review", id="chair_who_also_reviews_the_township_meets_it_again_there"),
    pytest.param("branch1", "chair1", "branch_review", id="chair_drafted_it_and_a_colleague_submitted_it"),
])
def test_nobody_reviews_a_nomination_they_put_forward_even_holding_the_reviewer_role(
        client, world, login_as, reviews_at, submitted_by, review_state):
    username = f"both_{reviews_at}_{submitted_by}"
    both = make_user(username, "双重身份", [("submitter", world.branch1), ("reviewer", getattr(world, reviews_at))])
    nomination = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, both,
                                      nominee_name=f"自荐人{username}")
    db.session.commit()
    login_as(username if submitted_by == "both" else submitted_by)
    assert post_event(client, nomination, "submit").status_code == 302
    if review_state == "township_review":
        login_as("branch1")
        post_event(client, nomination, "approve")
    db.session.refresh(nomination)
    assert nomination.state == review_state

    name = f"自荐人{username}"
    login_as(username)
    assert name not in client.get("/todo/").get_data(as_text=True), "it must not wait in their own to-do list"
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert name in page  # they may read it: it is their own branch's
    assert offered_events(page) & {"approve", "return_for_revision", "reject"} == set()
    before = snapshot(nomination)
    for event in ("approve", "return_for_revision", "reject"):
        post_event(client, nomination, event, "自己审自己")
        assert snapshot(nomination) == before, f"{event} on one's own nomination went through"

    # The nomination is not stuck: it waits for the level's other reviewer, who can act on it.
    login_as(reviews_at)
    assert name in client.get("/todo/").get_data(as_text=True)
    post_event(client, nomination, "approve")
    db.session.refresh(nomination)
    assert nomination.state != review_state


# ---------------------------------------------------------------- lists
LISTED = {
    # name: (unit, state)
    "草稿甲": ("branch1", "draft"),
    "草稿乙": ("branch2", "draft"),
    "草稿直": ("direct", "draft"),
    "支部审甲": ("branch1", "branch_review"),
    "镇审甲": ("branch1", "township_review"),
    "公示甲": ("branch1", "public_notice"),
    "县审乙": ("branch2", "county_review"),
    "退回乙": ("branch2", "returned"),
    "县审直": ("direct", "county_review"),
}
SUBMITTED = {"支部审甲", "镇审甲", "公示甲", "县审乙", "退回乙", "县审直"}
# (what /nominations/ shows, what /todo/ shows) for each person, by hand.
EXPECTED_LISTS = {
    "chair1": ({"草稿甲", "支部审甲", "镇审甲", "公示甲"}, set()),
    "chair2": ({"草稿乙", "县审乙", "退回乙"}, {"退回乙"}),
    "chaird": ({"草稿直", "县审直"}, set()),
    "branch1": ({"支部审甲", "镇审甲", "公示甲"}, {"支部审甲"}),
    "branch2": ({"县审乙", "退回乙"}, set()),
    "branchd": ({"县审直"}, set()),
    "town1": ({"支部审甲", "镇审甲", "公示甲"}, {"镇审甲"}),
    "town2": ({"县审乙", "退回乙"}, set()),
    "county": (SUBMITTED, {"县审乙", "县审直"}),
    "admin": (SUBMITTED, {"公示甲"}),
}
CHAIRS = {"branch1": "chair1", "branch2": "chair2", "direct": "chaird"}
# Paths for the nominations of branch 2 and of the county-direct unit (branch 1's is PATH_TO).
OTHER_PATHS = {
    ("branch2", "county_review"): [("submit", "chair2"), ("approve", "branch2"), ("approve", "town2")],
    ("branch2", "returned"): [("submit", "chair2"), ("return_for_revision", "branch2")],
    ("direct", "county_review"): [("submit", "chaird"), ("approve", "branchd")],
}


@pytest.fixture
def listed(world):
    """The nominations above, in a campaign of their own: lists are looked at with
    ``?campaign=`` so that the other tests' nominations (all in branch 1) stay out of the way."""
    campaign = factories.campaign(world.county, name="名单测试")
    for name, (unit_name, state) in LISTED.items():
        unit, chair = getattr(world, unit_name), user_named(CHAIRS[unit_name])
        nomination = factories.nomination(campaign, "outstanding_union_worker", unit, chair, nominee_name=name)
        path = PATH_TO[state] if unit_name == "branch1" or state == "draft" else OTHER_PATHS[(unit_name, state)]
        for event, username in path:
            fire(nomination, event, user_named(username), "意见")
        assert nomination.state == state
    db.session.commit()
    return f"?campaign={campaign.id}"


def names_on(html: str) -> set[str]:
    """Nominees listed as rows (links to their pages); the search box may echo other words."""
    return set(re.findall(r'href="/nominations/\d+(?:\?[^"]*)?"[^>]*>([^<]+)</a>', html)) & set(LISTED)


@pytest.mark.parametrize("username", list(EXPECTED_LISTS))
def test_lists_show_only_the_users_jurisdiction_and_never_other_units_drafts(client, listed, login_as, username):
    everything, waiting = EXPECTED_LISTS[username]
    login_as(username)
    assert names_on(client.get("/nominations/" + listed).get_data(as_text=True)) == everything
    assert names_on(client.get("/todo/" + listed).get_data(as_text=True)) == waiting


@pytest.mark.parametrize("query", [
    pytest.param("&state=draft", id="asking_for_drafts"),
    pytest.param("&township={town1}", id="asking_for_the_other_township"),
    pytest.param("&q=甲", id="searching_for_the_other_branchs_names"),
    pytest.param("&state=draft&township={town1}&q=草稿甲", id="all_at_once"),
])
@pytest.mark.parametrize("path", ["/nominations/", "/todo/"])
def test_list_filters_narrow_what_one_may_see_but_never_widen_it(client, world, listed, login_as, path, query):
    login_as("chair2")
    shown = names_on(client.get(path + listed + query.format(town1=world.town1.id)).get_data(as_text=True))
    assert shown <= EXPECTED_LISTS["chair2"][0]
    assert not shown & {"草稿甲", "支部审甲", "镇审甲", "公示甲", "草稿直", "县审直"}


def masked(id_number: str) -> str:
    return id_number[:4] + "*" * 10 + id_number[-4:]


@pytest.mark.parametrize("username", [pytest.param("chair1", id="chair"), pytest.param("branch1", id="branch_reviewer"),
                                      pytest.param("admin", id="county_admin")])
def test_id_numbers_are_masked_in_lists_but_shown_in_full_on_the_detail_page(client, world, login_as, username):
    campaign = factories.campaign(world.county, name="脱敏测试")
    nomination = nomination_at(world, "branch_review", campaign=campaign, nominee_name="马金凤")
    id_number = nomination.id_number
    assert re.fullmatch(r"4116\*{10}[0-9X]{4}", masked(id_number))
    login_as(username)
    listing = client.get(f"/nominations/?campaign={campaign.id}").get_data(as_text=True)
    assert "马金凤" in names_on_any(listing) and masked(id_number) in listing
    if username == "branch1":  # it waits for them
        assert masked(id_number) in client.get(f"/todo/?campaign={campaign.id}").get_data(as_text=True)
    for path in ("/nominations/", "/todo/", f"/nominations/?campaign={campaign.id}", f"/todo/?campaign={campaign.id}"):
        assert id_number not in client.get(path).get_data(as_text=True), f"{path} shows the full ID number"
    assert id_number in client.get(f"/nominations/{nomination.id}").get_data(as_text=True)


def names_on_any(html: str) -> set[str]:
    return set(re.findall(r'href="/nominations/\d+(?:\?[^"]*)?"[^>]*>([^<]+)</a>', html))


# ---------------------------------------------------------------- ids that name nothing
MISSING = [
    pytest.param("GET", "/nominations/{missing}", id="detail_page"),
    pytest.param("GET", "/nominations/{missing}/edit", id="edit_form"),
    pytest.param("POST", "/nominations/{missing}/edit", id="edit_save"),
    pytest.param("POST", "/nominations/{missing}/transition", id="transition"),
    pytest.param("POST", "/nominations/{missing}/attachments", id="upload"),
    pytest.param("GET", "/nominations/{missing}/attachments/{attachment}", id="download"),
    pytest.param("POST", "/nominations/{missing}/attachments/{attachment}/delete", id="remove_attachment"),
    pytest.param("GET", "/nominations/{real}/attachments/{missing}", id="missing_attachment"),
    pytest.param("GET", "/nominations/{real}/attachments/{foreign}", id="attachment_of_another_nomination"),
    pytest.param("POST", "/nominations/{real}/attachments/{missing}/delete", id="remove_missing_attachment"),
    pytest.param("POST", "/nominations/{real}/attachments/{foreign}/delete",
                 id="remove_attachment_of_another_nomination"),
]


@pytest.mark.parametrize("missing", [pytest.param(None, id="next_id"),
                                     pytest.param(10**20, id="number_too_large_for_the_database")])
@pytest.mark.parametrize(("method", "url"), MISSING)
def test_a_nomination_or_attachment_that_does_not_exist_is_404_never_500(
        client, world, login_as, method, url, missing):
    mine = nomination_at(world, "draft", attachment=True)
    other = nomination_at(world, "draft", attachment=True)
    nothing = missing or 1 + max(db.session.scalar(select(func.max(Nomination.id))),
                                 db.session.scalar(select(func.max(Attachment.id))))
    login_as("chair1")
    path = url.format(missing=nothing, real=mine.id, attachment=mine.attachments[0].id,
                      foreign=other.attachments[0].id)
    response = client.open(path, method=method, data={"event": "withdraw", "version": "1", "comment": "x"})
    response.close()
    assert response.status_code == 404
    db.session.expire_all()
    assert len(mine.attachments) == len(other.attachments) == 1
    assert (mine.state, other.state) == ("draft", "draft")


@pytest.mark.parametrize("page", ["edit", "quotas"])
def test_a_campaign_id_too_large_for_the_database_is_404_in_the_admin_area(client, world, login_as, page):
    login_as("admin")
    assert client.get(f"/admin/campaigns/{10**20}/{page}").status_code == 404

