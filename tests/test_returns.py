"""Returns to any lower level of the chain, and a reviewer recalling their own approval: the machine's
guards one story each, what the buttons offer, who hears of it, and the approval form."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from states.nomination import TransitionRefused, available_events, describe, fire
from tests import factories
from tests.factories import bring_to, user_named
from workflow_app.auth.models import RoleAssignment
from workflow_app.certificates.paper_forms import approval_form_data
from workflow_app.delegations.models import Delegation
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry
from workflow_app.notice.services import record_objection
from workflow_app.notifications.models import Notification
from workflow_app.notifications.services import message

VOTE = {"vote_due": 10, "vote_present": 9, "vote_in_favour": 8}
DIRECT = {"chair1": "chaird"}  # bring_to's chair, for the county-direct unit


def make(world, state: str, unit=None, chair=None, people=None, **fields):
    item = factories.nomination(world.campaign, "outstanding_union_worker", unit or world.branch1,
                                chair or world.chair1, id_number=factories.id_number(), **fields)
    return bring_to(item, state, people)


def walk(nomination) -> list[tuple[str, str, str]]:
    return [(e.event, e.from_state, e.to_state) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.nomination_id == nomination.id).order_by(AuditEntry.id))]


def refusal(nomination, event, actor, comment="理由", **data) -> TransitionRefused:
    with pytest.raises(TransitionRefused) as raised:
        fire(nomination, event, actor, comment, data=data)
    db.session.rollback()
    return raised.value


# ---------------------------------------------------------------- returns to a lower level
def test_the_county_returns_it_to_the_township_which_reviews_again_before_the_county(world):
    nomination = make(world, "county_review")
    fire(nomination, "return_to_level", world.county_reviewer, "请乡镇总工会核实事迹。",
         data={"return_level": "township"})
    db.session.commit()
    assert nomination.state == "township_review"
    assert available_events(nomination, world.town_reviewer1)[:3] == ["approve", "return_for_revision",
                                                                     "return_to_level"]
    fire(nomination, "approve", world.town_reviewer1, "已核实，同意上报。")
    fire(nomination, "approve", world.county_reviewer, "同意。")
    assert nomination.state == "public_notice"
    assert walk(nomination)[3:] == [("return_to_level", "county_review", "township_review"),
                                    ("approve", "township_review", "county_review"),
                                    ("approve", "county_review", "public_notice")]


def test_a_return_to_the_branch_climbs_every_level_again_with_a_new_vote(world):
    nomination = make(world, "county_review")
    fire(nomination, "return_to_level", world.county_reviewer, "请基层重新表决。", data={"return_level": "branch"})
    assert nomination.state == "branch_review"
    fire(nomination, "approve", world.branch_reviewer1, "重新表决通过。", data=VOTE)
    assert nomination.state == "township_review"  # the township reviews again too
    fire(nomination, "approve", world.town_reviewer1, "同意。")
    assert nomination.state == "county_review"


def test_the_township_returns_it_to_the_branch(world):
    nomination = make(world, "township_review")
    fire(nomination, "return_to_level", world.town_reviewer1, "请补充会议记录。", data={"return_level": "branch"})
    assert nomination.state == "branch_review"


def test_the_page_asks_which_lower_level_nearest_first(world):
    nomination = make(world, "county_review")
    offer = next(o for o in describe(nomination, world.county_reviewer) if o.event == "return_to_level")
    assert offer.inputs == ("return_level",) and offer.choices == {"return_level": ("township", "branch")}
    assert offer.needs_comment
    township = make(world, "township_review")
    offer = next(o for o in describe(township, world.town_reviewer1) if o.event == "return_to_level")
    assert offer.choices == {"return_level": ("branch",)}
    # The branch is the bottom of the chain: nothing lower to return to.
    assert "return_to_level" not in available_events(make(world, "branch_review"), world.branch_reviewer1)


def test_a_county_direct_unit_has_no_township_to_return_to(world):
    nomination = make(world, "branch_review", unit=world.direct, chair=world.chair_direct, people=DIRECT)
    fire(nomination, "approve", world.branch_reviewer_direct, "同意。")
    db.session.commit()
    assert nomination.state == "county_review"
    offer = next(o for o in describe(nomination, world.county_reviewer) if o.event == "return_to_level")
    assert offer.choices == {"return_level": ("branch",)}
    refused = refusal(nomination, "return_to_level", world.county_reviewer, return_level="township")
    assert refused.guard == "return_level_chosen" and "基层" in str(refused.message)
    fire(nomination, "return_to_level", world.county_reviewer, "请补充。", data={"return_level": "branch"})
    assert nomination.state == "branch_review"


@pytest.mark.parametrize("level", [None, "", "county", "province", "乡镇", ["township"]])
def test_a_return_needs_a_lower_level_of_this_chain(world, level):
    nomination = make(world, "county_review")
    refused = refusal(nomination, "return_to_level", world.county_reviewer, return_level=level)
    assert refused.guard == "return_level_chosen"
    assert "乡镇（街道）" in str(refused.message) and "基层" in str(refused.message)
    db.session.refresh(nomination)
    assert nomination.state == "county_review" and len(walk(nomination)) == 3


def test_a_return_needs_a_reason_and_the_reviewer_of_this_level(world):
    nomination = make(world, "county_review")
    assert refusal(nomination, "return_to_level", world.county_reviewer, "  ",
                   return_level="township").guard == "comment_given"
    for outsider in (world.town_reviewer1, world.town_reviewer2, world.chair1, world.admin):
        assert refusal(nomination, "return_to_level", outsider,
                       return_level="branch").guard == "actor_reviews_at_this_level"
    db.session.refresh(nomination)
    assert nomination.state == "county_review"


# ---------------------------------------------------------------- recalling an approval
def test_a_reviewer_recalls_their_own_approval_while_the_next_level_has_not_acted(world):
    nomination = make(world, "county_review")
    assert available_events(nomination, world.town_reviewer1) == ["recall_approval"]
    assert "recall_approval" not in available_events(nomination, world.county_reviewer)
    entry = fire(nomination, "recall_approval", world.town_reviewer1, "发现材料有误，撤回重审。")
    db.session.commit()
    assert nomination.state == "township_review"
    assert (entry.actor_name, entry.actor_role, entry.actor_unit_name, entry.comment) == (
        "马志远", "reviewer", "槐店回族镇总工会", "发现材料有误，撤回重审。")
    # The branch's approval below still stands: the township decides again (and the branch's approval is no
    # longer the last word on it, so the branch cannot recall it in turn; the township may return it there).
    assert available_events(nomination, world.town_reviewer1)[0] == "approve"
    assert "recall_approval" not in available_events(nomination, world.branch_reviewer1)


def test_a_county_direct_branch_recalls_from_the_county(world):
    nomination = make(world, "branch_review", unit=world.direct, chair=world.chair_direct, people=DIRECT)
    fire(nomination, "approve", world.branch_reviewer_direct, "同意。")
    fire(nomination, "recall_approval", world.branch_reviewer_direct, "撤回，补充材料。")
    assert nomination.state == "branch_review"


def test_a_recall_needs_a_reason(world):
    nomination = make(world, "township_review")
    assert refusal(nomination, "recall_approval", world.branch_reviewer1, " ").guard == "comment_given"


def test_only_the_reviewer_who_approved_recalls_not_a_colleague_nor_the_next_level(world):
    colleague = factories.user("town1b", "reviewer", world.town1, "海玉梅")
    db.session.commit()
    nomination = make(world, "county_review")
    assert available_events(nomination, colleague) == []
    refused = refusal(nomination, "recall_approval", colleague)
    assert refused.guard == "actor_made_the_last_approval" and "马志远" in str(refused.message)
    for other in (world.county_reviewer, world.town_reviewer2, world.chair1, world.branch_reviewer1):
        assert refusal(nomination, "recall_approval", other).guard == "actor_made_the_last_approval"


def test_a_delegate_standing_in_for_the_approver_recalls_on_their_behalf(world):
    deputy = factories.user("town1_deputy", "reviewer", world.town2, "穆副主席")  # not a reviewer of town1
    db.session.add(Delegation(delegator_id=world.town_reviewer1.id, delegate_id=deputy.id, starts_on=date.today(),
                              ends_on=date.today() + timedelta(days=2), created_by_id=world.town_reviewer1.id))
    db.session.commit()
    nomination = make(world, "county_review")
    assert "recall_approval" in available_events(nomination, deputy)
    entry = fire(nomination, "recall_approval", deputy, "代为撤回。")
    assert (entry.actor_name, entry.on_behalf_of_name, entry.actor_unit_name) == (
        "穆副主席", "马志远", "槐店回族镇总工会")


def test_once_the_next_level_has_acted_the_approval_can_no_longer_be_recalled(world):
    nomination = make(world, "county_review")
    fire(nomination, "return_to_level", world.county_reviewer, "请核实。", data={"return_level": "township"})
    db.session.commit()
    # It waits at the township again, but the branch's approval is no longer the last word on it.
    assert "recall_approval" not in available_events(nomination, world.branch_reviewer1)
    refused = refusal(nomination, "recall_approval", world.branch_reviewer1)
    assert refused.guard == "next_level_has_not_acted" and "刘秀兰" in str(refused.message)


def test_an_objection_back_at_the_county_is_no_approval_to_recall(world):
    noticed = make(world, "public_notice")
    record_objection(noticed, name="李四", contact="13900000000", text="材料不实", channel="phone",
                     entered_by=world.county_reviewer)
    db.session.commit()
    assert noticed.state == "county_review"
    assert available_events(noticed, world.town_reviewer1) == []
    assert refusal(noticed, "recall_approval", world.town_reviewer1).guard == "next_level_has_not_acted"


def test_a_reviewer_who_has_left_the_level_can_not_recall(world):
    nomination = make(world, "county_review")
    role = db.session.scalar(select(RoleAssignment).where(RoleAssignment.user_id == world.town_reviewer1.id))
    db.session.delete(role)
    db.session.commit()
    db.session.expire_all()
    assert refusal(nomination, "recall_approval", user_named("town1")).guard == "actor_made_the_last_approval"


# ---------------------------------------------------------------- who hears of it
def notified(nomination) -> set[tuple[str, str]]:
    rows = db.session.scalars(select(Notification).where(Notification.nomination_id == nomination.id)
                              .order_by(Notification.id)).all()
    users = {u.id: u.username for u in [user_named(n) for n in ("branch1", "town1", "county", "chair1", "town1b")]
             if u is not None}
    return {(row.kind, users.get(row.user_id, str(row.user_id))) for row in rows}


def test_the_level_returned_to_hears_of_it_and_a_recall_tells_both_levels(app, world):
    colleague = factories.user("town1b", "reviewer", world.town1, "海玉梅")
    db.session.commit()
    nomination = make(world, "county_review")
    db.session.execute(Notification.__table__.delete())
    fire(nomination, "return_to_level", world.county_reviewer, "请核实。", data={"return_level": "township"})
    assert notified(nomination) == {("level_return", "town1"), ("level_return", "town1b")}
    assert colleague.id

    db.session.execute(Notification.__table__.delete())
    fire(nomination, "approve", world.town_reviewer1, "已核实。")
    db.session.execute(Notification.__table__.delete())
    fire(nomination, "recall_approval", world.town_reviewer1, "还需补充。")
    assert notified(nomination) == {("recalled", "town1b"), ("recalled_away", "county")}
    assert all(len(kind) <= Notification.kind.type.length for kind in ("level_return", "recalled", "recalled_away"))
    row = db.session.scalar(select(Notification).where(Notification.kind == "recalled_away"))
    with app.test_request_context():
        assert "马志远" in message(row.kind, row.params) and row.params["comment"] == "还需补充。"


# ---------------------------------------------------------------- the approval form
def test_the_approval_form_shows_the_latest_opinion_of_a_level_reviewed_again_and_the_return(app, world):
    nomination = make(world, "county_review")
    fire(nomination, "return_to_level", world.county_reviewer, "请核实事迹。", data={"return_level": "township"})
    with app.test_request_context():
        boxes = {box.level_label: box for box in approval_form_data(nomination).reviews}
    township = boxes["乡镇（街道）总工会意见"]
    assert township.opinion == "" and len(township.history) == 1  # it reviews again: no opinion stands yet
    assert "刘秀兰" in township.history[0] and "请核实事迹。" in township.history[0]
    assert boxes["基层工会意见"].opinion == "测试意见"  # below the level returned to, the opinion stands

    fire(nomination, "approve", world.town_reviewer1, "经核实，事迹属实。")
    fire(nomination, "recall_approval", world.town_reviewer1, "撤回，再核一遍。")
    fire(nomination, "approve", world.town_reviewer1, "再次核实，同意上报。")
    db.session.commit()
    with app.test_request_context():
        boxes = {box.level_label: box for box in approval_form_data(nomination).reviews}
    township = boxes["乡镇（街道）总工会意见"]
    assert township.opinion == "再次核实，同意上报。" and township.reviewer == "马志远"
    assert len(township.history) == 2 and "撤回" in township.history[1] and "撤回，再核一遍。" in township.history[1]
    assert boxes["县总工会意见"].opinion == ""


def test_the_printed_approval_form_carries_the_return(client, world, login_as):
    nomination = make(world, "county_review")
    fire(nomination, "return_to_level", world.county_reviewer, "请核实事迹。", data={"return_level": "township"})
    fire(nomination, "approve", world.town_reviewer1, "经核实，事迹属实。")
    db.session.commit()
    login_as("county")
    response = client.get(f"/nominations/{nomination.id}/approval-form.pdf")
    assert response.status_code == 200
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages))
    assert "退回本级重新审核" in text and "请核实事迹。" in text and "经核实，事迹属实。" in text


# ---------------------------------------------------------------- through the page and the API
def post(client, nomination, event, comment="", **extra):
    db.session.refresh(nomination)
    return client.post(f"/nominations/{nomination.id}/transition",
                       data={"event": event, "version": nomination.version, "comment": comment, **extra})


def flashed(client) -> list[str]:
    with client.session_transaction() as session:
        return [text for _category, text in session.pop("_flashes", [])]


def test_the_county_returns_it_to_the_township_from_the_page_which_finds_it_in_its_to_do(client, world, login_as):
    nomination = make(world, "county_review")
    login_as("county")
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    menu = re.search(r'<select[^>]*name="return_level".*?</select>', page, re.S).group(0)
    assert re.findall(r'value="(\w*)"', menu) == ["", "township", "branch"]  # a choice to make, nearest first
    assert "槐店回族镇总工会" in menu and "清真食品公司工会" in menu
    assert 'data-needs-choice="return_level"' in page

    # Without a level nothing happens, and the message says which levels there are.
    assert post(client, nomination, "return_to_level", "请核实。").status_code == 302
    assert flashed(client) == ["请选择退回到哪一级：乡镇（街道）、基层。"]
    db.session.refresh(nomination)
    assert nomination.state == "county_review"

    done = post(client, nomination, "return_to_level", "请乡镇总工会核实事迹。", return_level="township")
    assert done.status_code == 302
    assert flashed(client) == ["操作成功：退回下级重审。"]
    db.session.refresh(nomination)
    assert nomination.state == "township_review"
    login_as("town1")
    assert nomination.nominee_name in client.get("/todo/").get_data(as_text=True)
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    item = re.search(r'<li class="timeline-item timeline-back" data-event="return_to_level">.*?</li>', page, re.S)
    assert item and "退回下级重审" in item.group(0) and "县总工会审核 → 乡镇（街道）总工会审核" in item.group(0)
    assert "请乡镇总工会核实事迹。" in item.group(0) and "刘秀兰" in item.group(0)


def test_the_township_recalls_its_approval_from_the_page(client, world, login_as):
    nomination = make(world, "county_review")
    login_as("town1")
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert re.findall(r'name="event" value="(\w+)"', page) == ["recall_approval"]
    assert 'name="return_level"' not in page
    post(client, nomination, "recall_approval", "")
    db.session.refresh(nomination)
    assert nomination.state == "county_review"  # a reason is needed
    post(client, nomination, "recall_approval", "材料有误，撤回重审。")
    assert flashed(client)[-1] == "操作成功：撤回同意意见。"
    db.session.refresh(nomination)
    assert nomination.state == "township_review"
    login_as("county")
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert re.findall(r'name="event" value="(\w+)"', page) == []  # no longer the county's


def test_the_api_describes_the_choice_and_returns_and_recalls_as_the_page_does(client, world):
    from tests.test_api import API, auth, token_for

    nomination = make(world, "county_review")
    county, town = token_for("county"), token_for("town1")
    url = f"{API}/nominations/{nomination.id}"
    detail = client.get(url, headers=auth(county)).get_json()
    action = next(a for a in detail["actions"] if a["event"] == "return_to_level")
    assert action["inputs"] == ["return_level"] and action["choices"] == {"return_level": ["township", "branch"]}
    assert action["needs_comment"] is True
    recall = client.get(url, headers=auth(town)).get_json()["actions"]
    assert [(a["event"], a["choices"]) for a in recall] == [("recall_approval", {})]

    body = {"event": "return_to_level", "comment": "请核实。", "version": nomination.version}
    bad = client.post(f"{url}/transitions", headers=auth(county), json={**body, "return_level": "乡镇"})
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_body"
    missing = client.post(f"{url}/transitions", headers=auth(county), json=body)
    assert missing.status_code == 422 and missing.get_json()["guard"] == "return_level_chosen"
    done = client.post(f"{url}/transitions", headers=auth(county), json={**body, "return_level": "township"})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert (done.get_json()["event"]["event"], done.get_json()["nomination"]["state"]) == (
        "return_to_level", "township_review")
    again = done.get_json()["nomination"]["version"]
    approved = client.post(f"{url}/transitions", headers=auth(town), json={"event": "approve", "version": again})
    assert approved.status_code == 200
    recalled = client.post(f"{url}/transitions", headers=auth(town), json={
        "event": "recall_approval", "comment": "撤回。", "version": approved.get_json()["nomination"]["version"]})
    assert recalled.status_code == 200 and recalled.get_json()["nomination"]["state"] == "township_review"
    late = client.post(f"{url}/transitions", headers=auth(county), json={
        "event": "recall_approval", "comment": "撤回。", "version": recalled.get_json()["nomination"]["version"]})
    assert late.status_code == 422 and late.get_json()["guard"] == "next_level_has_not_acted"


def test_the_demo_shows_nominations_the_county_returned_to_the_township(app):
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    returns = db.session.scalars(select(AuditEntry).where(AuditEntry.event == "return_to_level")).all()
    assert {(e.from_state, e.to_state, e.actor_name) for e in returns} == {
        ("county_review", "township_review", "刘秀兰")}
    waiting = {e.nomination.nominee_name: e.nomination.state for e in returns}
    assert waiting == {"穆秀英": "township_review", "杨志刚": "county_review"}
    huaidian = user_named("huaidian")
    again = next(e.nomination for e in returns if e.nomination.state == "county_review")
    assert available_events(again, huaidian) == ["recall_approval"]  # the township may still take it back
