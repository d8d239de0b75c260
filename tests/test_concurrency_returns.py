"""A recall racing the next level on a real PostgreSQL server, with one connection per racer: the township
recalls its approval at the very moment the county approves (or returns) the nomination. Exactly one of
them happens, with its one audit row; the other is told who was first."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import bring_to, user_named
from tests.racing import csrf_token, flashes, logged_in, racing_app, reads_before_writes, require_postgres, together
from tests.test_concurrency import race
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination

pytestmark = pytest.mark.postgres

AFTER = {"recall_approval": "township_review", "approve": "public_notice", "return_for_revision": "returned"}


@pytest.fixture(autouse=True)
def only_on_postgres(migrated_database):
    require_postgres(migrated_database)


def waiting_at_the_county(world) -> int:
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "county_review")
    nomination_id = nomination.id
    db.session.commit()
    db.session.remove()
    return nomination_id


def events_after_the_township(nomination_id: int) -> list[str]:
    """The audit rows written after the township's approval brought it to the county."""
    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.nomination_id == nomination_id)
                              .order_by(AuditEntry.id)).all()
    return [row.event for row in rows[3:]]


@pytest.mark.parametrize("county_event", ["approve", "return_for_revision"])
def test_a_recall_and_the_county_acting_at_the_same_moment_exactly_one_happens(app, world, county_event):
    nomination_id = waiting_at_the_county(world)
    with racing_app(app, 2) as racing:
        results = race(racing, nomination_id, [("town1", "recall_approval"), ("county", county_event)])

    won = [r for r in results if r[1] == "won"]
    lost = [r for r in results if r[1] == "lost"]
    assert len(won) == 1 and len(lost) == 1, results
    winner, loser = won[0][0], lost[0]
    event = "recall_approval" if winner == "town1" else county_event
    assert user_named(winner).display_name in loser[2], loser  # "已由马志远（…）办理" / "已由刘秀兰…"
    assert events_after_the_township(nomination_id) == [event]
    assert db.session.get(Nomination, nomination_id).state == AFTER[event]


def test_the_township_pressing_recall_as_the_county_presses_approve_on_the_page(app, world):
    """The same race through the web form, with real CSRF tokens and the page's version, both requests
    holding their first write until the other has read the nomination."""
    nomination_id = waiting_at_the_county(world)
    with racing_app(app, 2, csrf=True) as racing:
        forms = []
        for username, event, comment in (("town1", "recall_approval", "材料有误，撤回重审。"),
                                         ("county", "approve", "同意。")):
            client = logged_in(racing, username)
            page = client.get(f"/nominations/{nomination_id}").get_data(as_text=True)
            assert f'value="{event}"' in page, f"{username} is offered {event}"
            version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
            forms.append((client, {"csrf_token": csrf_token(page), "event": event, "version": version,
                                   "comment": comment}))
        with reads_before_writes(racing, 2):
            responses = together([lambda c=client, f=form: c.post(f"/nominations/{nomination_id}/transition", data=f)
                                  for client, form in forms])
        assert [type(r).__name__ for r in responses if isinstance(r, Exception)] == []
        assert [r.status_code for r in responses] == [302, 302]
        said = [flashes(client) for client, _ in forms]

    categories = [[category for category, _ in messages] for messages in said]
    assert sorted(categories) == [["success"], ["warning"]], said
    winner = 0 if categories[0] == ["success"] else 1
    loser_said = said[1 - winner][0][1]
    assert f"已由{('马志远', '刘秀兰')[winner]}" in loser_said, loser_said
    event = ("recall_approval", "approve")[winner]
    assert events_after_the_township(nomination_id) == [event]
    assert db.session.get(Nomination, nomination_id).state == AFTER[event]
