"""The workflow machine on its own: every transition, every guard, routing and atomicity."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import states.nomination as workflow
from states.nomination import STATES, TRANSITIONS, TransitionRefused, available_events, fire, review_chain
from tests import factories
from tests.factories import bring_to, user_named
from workflow_app.core.timeutil import china_today
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination

# Who naturally performs an event from a state (the one the permission guards accept).
ACTOR = {
    "submit": lambda state: "chair1",
    "withdraw": lambda state: "chair1",
    "approve": lambda state: {"branch_review": "branch1", "township_review": "town1"}.get(state, "county"),
    "return_for_revision": lambda state: {"branch_review": "branch1", "township_review": "town1"}.get(state, "county"),
    "reject": lambda state: {"branch_review": "branch1", "township_review": "town1"}.get(state, "county"),
    "end_notice": lambda state: "admin",
    "raise_objection": lambda state: None,  # the public, through the notice page
    "dismiss_objection": lambda state: "county",
    "uphold_objection": lambda state: "county",
    "certify": lambda state: "admin",
    "revoke": lambda state: "admin",
    "return_to_level": lambda state: {"township_review": "town1"}.get(state, "county"),
    # The reviewer whose approval brought it here (bring_to: the level below approved last).
    "recall_approval": lambda state: {"township_review": "branch1", "county_review": "town1"}.get(state, "county"),
}
# The level a return to a lower level asks for, where there is one.
RETURN_LEVEL = {"township_review": "branch", "county_review": "township"}
# The paper process for a branch under a township, written out by hand on purpose.
REVIEWS = ("branch_review", "township_review", "county_review")
ALLOWED = {
    ("draft", "submit"): "branch_review",
    ("returned", "submit"): "branch_review",
    ("branch_review", "approve"): "township_review",
    ("township_review", "approve"): "county_review",
    ("county_review", "approve"): "public_notice",
    **{(state, "return_for_revision"): "returned" for state in REVIEWS},
    **{(state, "reject"): "rejected" for state in REVIEWS},
    **{(state, "withdraw"): "withdrawn" for state in ("draft", "returned", *REVIEWS)},
    ("public_notice", "end_notice"): "approved",
    ("approved", "certify"): "certified",
    ("approved", "revoke"): "revoked",
    ("certified", "revoke"): "revoked",
    ("county_review", "return_to_level"): "township_review",
    ("township_review", "return_to_level"): "branch_review",
    ("county_review", "recall_approval"): "township_review",
    ("township_review", "recall_approval"): "branch_review",
}


def audit_count(nomination) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.nomination_id == nomination.id))


def make(world, code="outstanding_union_worker", unit=None, chair=None, **fields):
    nomination = factories.nomination(world.campaign, code, unit or world.branch1, chair or world.chair1, **fields)
    db.session.commit()
    return nomination


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("event", workflow.EVENTS)
def test_every_event_from_every_state(world, state, event):
    """Allowed pairs move to their destination with one audit row; all others are refused and change nothing."""
    nomination = bring_to(make(world), state)
    before = audit_count(nomination)
    username = ACTOR[event](state)
    actor = user_named(username) if username else None
    # Ending the notice waits for its last day to pass; everything else happens today.
    today = nomination.notice_ends_on + timedelta(days=1) if event == "end_notice" and nomination.notice_ends_on \
        else None
    if (state, event) in ALLOWED:
        fire(nomination, event, actor, "意见", data={"vote_due": 10, "vote_present": 9, "vote_in_favour": 8,
                                                     "return_level": RETURN_LEVEL.get(state)}, today=today)
        db.session.commit()
        assert nomination.state == ALLOWED[(state, event)]
        assert audit_count(nomination) == before + 1
    else:
        with pytest.raises(TransitionRefused):
            fire(nomination, event, actor, "意见", data={"return_level": RETURN_LEVEL.get(state, "branch")},
                 today=today)
        db.session.rollback()
        db.session.refresh(nomination)
        assert nomination.state == state
        assert audit_count(nomination) == before


def test_the_machine_knows_every_state_and_event():
    assert set(STATES) == {"draft", "branch_review", "township_review", "county_review", "public_notice",
                           "approved", "certified", "returned", "rejected", "withdrawn", "revoked"}
    assert {t.dest for t in TRANSITIONS} | {"draft"} == set(STATES)


def test_version_goes_up_with_every_transition(world):
    nomination = make(world)
    version = nomination.version
    bring_to(nomination, "township_review")
    assert nomination.version == version + 2


# ------------------------------------------------------------ routing
def test_county_direct_unit_has_no_township_level(world):
    nomination = make(world, unit=world.direct, chair=world.chair_direct)
    assert review_chain(nomination) == ["branch", "county"]
    fire(nomination, "submit", world.chair_direct)
    fire(nomination, "approve", world.branch_reviewer_direct)
    assert nomination.state == "county_review"


def test_chain_is_data_an_honor_type_may_skip_the_branch(world):
    honor = factories.honor("outstanding_union_activist")
    honor.review_chain = ["township", "county"]
    nomination = make(world, code="outstanding_union_activist")
    fire(nomination, "submit", world.chair1)
    assert nomination.state == "township_review"


# ------------------------------------------------------------ guards, one story each
def test_only_the_units_chair_may_submit(world):
    nomination = make(world)
    with pytest.raises(TransitionRefused):
        fire(nomination, "submit", world.chair2)


def test_a_reviewer_of_another_township_may_not_approve(world):
    nomination = bring_to(make(world), "township_review")
    with pytest.raises(TransitionRefused):
        fire(nomination, "approve", world.town_reviewer2)


def test_a_county_reviewer_may_not_act_at_branch_level(world):
    nomination = bring_to(make(world), "branch_review")
    with pytest.raises(TransitionRefused):
        fire(nomination, "approve", world.county_reviewer)


def test_no_one_reviews_a_nomination_they_submitted(world):
    from workflow_app.auth.models import RoleAssignment

    world.chair1.roles.append(RoleAssignment(role="reviewer", org_unit=world.branch1))
    db.session.commit()
    nomination = bring_to(make(world), "branch_review")
    with pytest.raises(TransitionRefused) as refusal:
        fire(nomination, "approve", world.chair1)
    assert "submitted" in str(refusal.value) or "提交" in str(refusal.value) or "申报" in str(refusal.value)


def test_only_a_county_admin_or_the_system_ends_the_notice_and_only_after_it(world):
    nomination = bring_to(make(world), "public_notice")
    after = nomination.notice_ends_on + timedelta(days=1)
    with pytest.raises(TransitionRefused):
        fire(nomination, "end_notice", world.county_reviewer, today=after)
    with pytest.raises(TransitionRefused):  # the last day itself still belongs to the notice
        fire(nomination, "end_notice", None, today=nomination.notice_ends_on)
    fire(nomination, "end_notice", None, today=after)
    assert (nomination.state, nomination.notice_result) == ("approved", "no_objection")


@pytest.mark.parametrize("shift", ["before", "after"])
def test_submission_outside_the_window_is_refused(world, shift):
    today = china_today()
    if shift == "before":
        world.campaign.opens_on, world.campaign.closes_on = today + timedelta(days=1), today + timedelta(days=9)
    else:
        world.campaign.opens_on, world.campaign.closes_on = today - timedelta(days=9), today - timedelta(days=1)
    nomination = make(world)
    with pytest.raises(TransitionRefused):
        fire(nomination, "submit", world.chair1)


def test_the_deadline_day_itself_is_still_open(world):
    world.campaign.closes_on = china_today()
    nomination = make(world)
    fire(nomination, "submit", world.chair1)
    assert nomination.state == "branch_review"


def test_incomplete_nomination_cannot_be_submitted(world):
    nomination = make(world, political_status=None)
    with pytest.raises(TransitionRefused) as refusal:
        fire(nomination, "submit", world.chair1)
    assert refusal.value.message is not None


def test_model_worker_home_needs_an_attachment(world):
    nomination = make(world, code="model_worker_home")
    with pytest.raises(TransitionRefused):
        fire(nomination, "submit", world.chair1)


def test_party_recommendation_needs_an_adult(world):
    born = china_today().replace(year=china_today().year - 17)
    nomination = make(world, code="party_recommendation", birth_date=born, id_number=factories.id_number(born))
    with pytest.raises(TransitionRefused):
        fire(nomination, "submit", world.chair1)


def test_one_live_nomination_per_person_per_campaign(world):
    first = make(world)
    fire(first, "submit", world.chair1)
    second = make(world, id_number=factories.id_number(), code="outstanding_union_activist")
    second.id_number = None
    db.session.commit()
    second.id_number = first.id_number
    with pytest.raises(IntegrityError):  # the partial unique index refuses the second live row
        db.session.commit()
    db.session.rollback()
    fire(first, "withdraw", world.chair1)
    db.session.commit()
    third = make(world, code="outstanding_union_activist", id_number=first.id_number)
    fire(third, "submit", world.chair1)  # a withdrawn nomination frees the person
    assert third.state == "branch_review"


VOTES = [
    ({}, False),
    ({"vote_due": 10, "vote_present": 7, "vote_in_favour": 7}, False),  # 7/10 < 4/5 quorum
    ({"vote_due": 10, "vote_present": 8, "vote_in_favour": 4}, False),  # half is not a majority
    ({"vote_due": 10, "vote_present": 11, "vote_in_favour": 9}, False),  # more present than due
    ({"vote_due": 10, "vote_present": 8, "vote_in_favour": 5}, True),
]


@pytest.mark.parametrize(("vote", "carries"), VOTES)
def test_party_recommendation_needs_a_vote_with_quorum_and_majority(world, vote, carries):
    nomination = make(world, code="party_recommendation", political_status="masses")
    fire(nomination, "submit", world.chair1)
    if carries:
        fire(nomination, "approve", world.branch_reviewer1, data=vote)
        assert (nomination.state, nomination.vote_in_favour) == ("township_review", vote["vote_in_favour"])
    else:
        with pytest.raises(TransitionRefused):
            fire(nomination, "approve", world.branch_reviewer1, data=vote)


def test_quorum_rule_is_configurable_per_campaign(world):
    world.campaign.vote_quorum_numerator, world.campaign.vote_quorum_denominator = 2, 3
    nomination = make(world, code="party_recommendation", political_status="masses")
    fire(nomination, "submit", world.chair1)
    fire(nomination, "approve", world.branch_reviewer1, data={"vote_due": 9, "vote_present": 6, "vote_in_favour": 4})
    assert nomination.state == "township_review"


def test_county_never_approves_beyond_the_quota(world):
    factories.quota(world.campaign, "outstanding_union_worker", world.town1, 1)
    first = bring_to(make(world), "county_review")
    second = bring_to(make(world, id_number=factories.id_number()), "county_review")
    fire(first, "approve", world.county_reviewer)
    with pytest.raises(TransitionRefused) as refusal:
        fire(second, "approve", world.county_reviewer)
    assert "1" in str(refusal.value)
    # Another township's quota is its own.
    other = factories.nomination(world.campaign, "outstanding_union_worker", world.branch2, world.chair2)
    for event, who in (("submit", world.chair2), ("approve", world.branch_reviewer2),
                       ("approve", world.town_reviewer2), ("approve", world.county_reviewer)):
        fire(other, event, who)
    assert other.state == "public_notice"


@pytest.mark.parametrize("event", ["return_for_revision", "reject"])
def test_returning_or_rejecting_needs_a_reason(world, event):
    nomination = bring_to(make(world), "branch_review")
    with pytest.raises(TransitionRefused):
        fire(nomination, event, world.branch_reviewer1, "   ")
    fire(nomination, event, world.branch_reviewer1, "理由")


# ------------------------------------------------------------ what the buttons offer
def test_buttons_follow_the_permission_guards(world):
    nomination = bring_to(make(world), "branch_review")
    assert available_events(nomination, world.branch_reviewer1) == ["approve", "return_for_revision", "reject"]
    assert available_events(nomination, world.chair1) == ["withdraw"]
    assert available_events(nomination, world.town_reviewer1) == []
    assert available_events(nomination, world.county_reviewer) == []


# ------------------------------------------------------------ atomicity
def test_state_and_audit_fail_together(world, monkeypatch):
    nomination = bring_to(make(world), "branch_review")
    before = audit_count(nomination)

    def broken(ctx):
        raise RuntimeError("disk full while writing the audit row")

    monkeypatch.setattr(workflow.WORKFLOW, "audit", broken)
    with pytest.raises(RuntimeError):
        fire(nomination, "approve", world.branch_reviewer1)
    db.session.rollback()
    fresh = db.session.get(Nomination, nomination.id)
    db.session.refresh(fresh)
    assert fresh.state == "branch_review"
    assert audit_count(fresh) == before


def test_audit_row_records_the_transition(world):
    nomination = make(world)
    entry = fire(nomination, "submit", world.chair1, "请审核", client_ip="10.1.2.3")
    db.session.commit()
    assert (entry.event, entry.from_state, entry.to_state, entry.actor_name, entry.actor_role,
            entry.actor_unit_name, entry.comment, entry.client_ip) == (
        "submit", "draft", "branch_review", "白玉华", "submitter", "清真食品公司工会", "请审核", "10.1.2.3")
    assert entry.created_at.tzinfo is not None


def test_notice_period_is_set_when_the_county_approves(world):
    world.campaign.notice_days = 7
    nomination = bring_to(make(world), "public_notice")
    assert nomination.notice_starts_on == china_today() + timedelta(days=1)  # from the day after the decision
    assert nomination.notice_ends_on - nomination.notice_starts_on == timedelta(days=6)
    assert isinstance(nomination.notice_ends_on, date)


def test_mermaid_diagram_lists_every_transition():
    text = workflow.mermaid()
    assert text.startswith("stateDiagram-v2")
    assert "county_review --> public_notice: approve" in text
    assert text.count("-->") >= sum(len(t.source) for t in TRANSITIONS)


def test_diagram_path_follows_the_chain():
    states, moves = workflow.path_of(["branch", "township", "county"])
    assert ("draft", "branch_review") in moves and ("branch_review", "township_review") in moves
    assert ("draft", "township_review") not in moves and ("branch_review", "county_review") not in moves
    states, moves = workflow.path_of(["branch", "county"])  # a county-direct unit
    assert "township_review" not in states
    assert ("branch_review", "county_review") in moves and ("returned", "branch_review") in moves
