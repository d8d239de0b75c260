"""Races on a real PostgreSQL server, with one connection per racer: reviewers on one nomination
(through the services and through the web form), a chair and a reviewer, two chairs, the last quota
place, and county admins issuing certificates at the same moment."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import run_together
from tests.factories import bring_to, user_named
from tests.racing import csrf_token, flashes, logged_in, racing_app, require_postgres, together
from workflow_app.campaigns.models import Campaign
from workflow_app.certificates.models import Certificate
from workflow_app.certificates.numbering import format_number
from workflow_app.certificates.storage import stored_pdf, unreferenced_files
from workflow_app.core import work
from workflow_app.core.errors import UserError
from workflow_app.extensions import db
from workflow_app.nominations import services
from workflow_app.nominations.models import AuditEntry, Nomination

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def only_on_postgres(migrated_database):
    require_postgres(migrated_database)


def race(app, nomination_id: int, attempts: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Each (username, event) runs in its own thread and connection; all read the row, then all
    write at once. Returns (username, outcome, message) per attempt."""
    barrier = threading.Barrier(len(attempts))
    results: list[tuple[str, str, str]] = []
    lock = threading.Lock()

    def attempt(username: str, event: str) -> None:
        with app.app_context():
            try:
                nomination = db.session.get(Nomination, nomination_id)
                actor = user_named(username)
                version = nomination.version
                barrier.wait(timeout=10)
                try:
                    with work.unit():  # as the request does: one commit, or a rollback
                        services.perform_transition(nomination, event, actor, "同意", expected_version=version)
                    outcome = (username, "won", "")
                except UserError as error:  # the loser's message is worded after its rollback: who was first
                    outcome = (username, "lost", str(error.message))
                with lock:
                    results.append(outcome)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=pair) for pair in attempts]
    run_together(threads)
    assert len(results) == len(attempts), "a racing thread did not finish"
    return results


def audit_rows(nomination_id: int, to_state: str) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.nomination_id == nomination_id, AuditEntry.to_state == to_state))


def county_reviewers(world, count: int) -> list[str]:
    names = [f"county{i}" for i in range(count)]
    for index, name in enumerate(names):
        factories.user(name, "reviewer", world.county, f"县审核员{index}")
    return names


@pytest.mark.parametrize("reviewers", [2, 8, 32])
def test_county_reviewers_racing_on_one_nomination_exactly_one_wins(app, world, reviewers):
    names = county_reviewers(world, reviewers)
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "county_review")
    nomination_id = nomination.id
    db.session.commit()
    db.session.remove()

    with racing_app(app, reviewers) as racing:
        results = race(racing, nomination_id, [(name, "approve") for name in names])

    winners = [r for r in results if r[1] == "won"]
    losers = [r for r in results if r[1] == "lost"]
    assert len(winners) == 1 and len(losers) == reviewers - 1
    winner_name = user_named(winners[0][0]).display_name
    assert all(winner_name in message for _, _, message in losers), losers
    assert db.session.get(Nomination, nomination_id).state == "public_notice"
    assert audit_rows(nomination_id, "public_notice") == 1


def test_thirty_two_reviewers_pressing_approve_on_the_page_at_once_one_wins_the_rest_are_told_who(app, world):
    """The same race through the web form: each reviewer logged in with a client of their own, the
    page's CSRF token and version, and all 32 posts released together."""
    names = county_reviewers(world, 32)
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "county_review")
    nomination_id = nomination.id
    db.session.remove()

    with racing_app(app, 32, csrf=True) as racing:
        forms = []
        for name in names:
            client = logged_in(racing, name)
            page = client.get(f"/nominations/{nomination_id}").get_data(as_text=True)
            version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
            forms.append((client, {"csrf_token": csrf_token(page), "event": "approve", "version": version,
                                   "comment": "同意"}))
        responses = together([lambda c=client, f=form: c.post(f"/nominations/{nomination_id}/transition", data=f)
                              for client, form in forms])
        assert [type(r).__name__ for r in responses if isinstance(r, Exception)] == []
        assert {r.status_code for r in responses} == {302}  # post/redirect/get, winners and losers alike
        outcomes = [flashes(client) for client, _ in forms]

    won = [i for i, said in enumerate(outcomes) if [category for category, _ in said] == ["success"]]
    assert len(won) == 1, outcomes
    winner = user_named(names[won[0]]).display_name
    for index, said in enumerate(outcomes):
        if index != won[0]:
            assert len(said) == 1 and said[0][0] == "warning" and f"已由{winner}" in said[0][1], said
    assert db.session.get(Nomination, nomination_id).state == "public_notice"
    assert audit_rows(nomination_id, "public_notice") == 1


def test_chair_withdrawing_while_reviewer_approves_only_one_happens(app, world):
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "branch_review")
    nomination_id = nomination.id
    db.session.remove()

    results = race(app, nomination_id, [("chair1", "withdraw"), ("branch1", "approve")])

    assert sorted(outcome for _, outcome, _ in results) == ["lost", "won"]
    final = db.session.get(Nomination, nomination_id).state
    assert final in ("withdrawn", "township_review")
    assert audit_rows(nomination_id, "withdrawn") + audit_rows(nomination_id, "township_review") == 1


def test_two_chairs_saving_the_same_person_at_once_one_nomination_results(app, world):
    """The partial unique index settles it when both pass the form's duplicate check."""
    id_number = factories.id_number()
    campaign_id, branch_ids = world.campaign.id, (world.branch1.id, world.branch2.id)
    db.session.commit()
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes = []

    def save(username: str, unit_id: int) -> None:
        from workflow_app.orgs.models import OrgUnit

        with app.app_context():
            try:
                chair = user_named(username)
                campaign = db.session.get(Campaign, campaign_id)
                unit = db.session.get(OrgUnit, unit_id)
                barrier.wait(timeout=10)
                try:
                    services.create_nomination(chair, campaign, factories.honor("outstanding_union_worker"), unit,
                                               factories.person_fields(id_number=id_number))
                    db.session.commit()
                    outcomes.append("saved")
                except services.NominationError:
                    outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save, args=("chair1", branch_ids[0])),
               threading.Thread(target=save, args=("chair2", branch_ids[1]))]
    run_together(threads)
    assert sorted(outcomes) == ["refused", "saved"]
    assert db.session.scalar(select(func.count(Nomination.id)).where(Nomination.id_number == id_number)) == 1


def test_county_approvals_racing_for_the_last_quota_place_only_one_gets_it(app, world):
    factories.quota(world.campaign, "outstanding_union_worker", world.town1, 1)
    factories.user("county_b", "reviewer", world.county, "县审核员乙")
    first = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1),
                     "county_review")
    second = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                           id_number=factories.id_number()), "county_review")
    ids = first.id, second.id
    db.session.commit()
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(username: str, nomination_id: int) -> None:
        with app.app_context():
            try:
                nomination = db.session.get(Nomination, nomination_id)
                actor = user_named(username)
                barrier.wait(timeout=10)
                try:
                    with work.unit():
                        services.perform_transition(nomination, "approve", actor)
                    outcomes.append("approved")
                except Exception as error:  # the refusal carries the quota message
                    outcomes.append(type(error).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=("county", ids[0])),
               threading.Thread(target=approve, args=("county_b", ids[1]))]
    run_together(threads)
    assert sorted(outcomes) == ["TransitionRefused", "approved"]
    states = sorted(db.session.get(Nomination, i).state for i in ids)
    assert states == ["county_review", "public_notice"]


def test_eight_admins_issuing_at_once_one_by_one_and_in_batches_get_gap_free_numbers(app, world):
    """Four admins issue their three certificates one request each, four send their three as one
    batch, all at the same moment, over two honors (two number sequences of twelve)."""
    admins = [f"admin{i}" for i in range(8)]
    for name in admins:
        factories.user(name, "admin", world.county, name)
    codes = ("outstanding_union_worker", "outstanding_union_activist")
    ids = [bring_to(factories.nomination(world.campaign, codes[i % 2], world.branch1, world.chair1,
                                         nominee_name=f"获奖者{i}", id_number=factories.id_number()), "approved").id
           for i in range(24)]
    db.session.remove()

    with racing_app(app, 8, csrf=True) as racing:
        clients = [logged_in(racing, name) for name in admins]
        tokens = [csrf_token(client.get("/certificates/").get_data(as_text=True)) for client in clients]

        def issue(index: int) -> list[int]:
            client, mine = clients[index], ids[index * 3:index * 3 + 3]
            batches = [mine] if index >= 4 else [[one] for one in mine]
            return [client.post("/certificates/issue", data={"csrf_token": tokens[index], "nomination": batch})
                    .status_code for batch in batches]

        statuses = together([lambda i=i: issue(i) for i in range(8)])
        said = [flashes(client) for client in clients]
    assert statuses == [[302] * 3] * 4 + [[302]] * 4, statuses
    assert all({category for category, _ in messages} == {"success"} for messages in said), said

    for code in codes:
        honor = factories.honor(code)
        issued = db.session.scalars(select(Certificate).where(Certificate.honor_type_id == honor.id)).all()
        assert sorted(c.sequence for c in issued) == list(range(1, 13))
        assert {c.number for c in issued} == {format_number(honor.number_format, year=date.today().year,
                                                            prefix=honor.number_prefix, seq=n) for n in range(1, 13)}
        assert all(stored_pdf(c) is not None for c in issued)
    assert unreferenced_files() == []
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.event == "certify")) == 24
