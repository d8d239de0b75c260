"""The large benchmark data set (``seed-scale``), built small: every state present, every audit trail one
the machine could have produced, paths, quotas, certificates and reports consistent, and the pages work."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from sqlalchemy import func, select

from states.nomination import QUOTA_STATES, STATES, TRANSITIONS, path_of
from workflow_app.auth.models import RoleAssignment, User
from workflow_app.campaigns.models import HonorType, Quota
from workflow_app.certificates.models import Certificate
from workflow_app.demo.scale import SCALE_PASSWORD
from workflow_app.demo.trails import STATE_WEIGHTS, trail
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.orgs.models import LEVELS, OrgUnit
from workflow_app.stats.figures import problems
from workflow_app.stats.models import StatisticsReport

MOVES = {(t.trigger, source, t.dest) for t in TRANSITIONS for source in t.source}


def test_every_generated_trail_follows_the_transition_table():
    rng = random.Random(1)
    for chain in (["branch", "township", "county"], ["branch", "county"]):
        _states, moves = path_of(chain)
        for target in STATE_WEIGHTS:
            for resubmitted in (False, True):
                steps = trail(chain, target, rng, resubmitted)
                assert all((event, source, dest) in MOVES and (source, dest) in moves
                           for event, source, dest, _actor in steps), steps
                assert [s[1] for s in steps[1:]] == [s[2] for s in steps[:-1]]


def test_seed_scale_builds_a_consistent_data_set_the_pages_can_show(app, client):
    runner = app.test_cli_runner()
    # A small tree (4 counties, 254 units, 200 users) keeps it quick; the code is the one 160 counties run.
    result = runner.invoke(args=["seed-scale", "--nominations", "300", "--counties", "4", "--users", "200"])
    assert result.exit_code == 0, result.output
    assert "Built in" in result.output
    again = runner.invoke(args=["seed-scale", "--nominations", "10"])
    assert again.exit_code != 0 and "already holds data" in again.output

    states = Counter(dict(db.session.execute(select(Nomination.state, func.count()).group_by(Nomination.state)).all()))
    assert sum(states.values()) == 300 and set(states) == set(STATES)
    assert db.session.scalar(select(func.count()).select_from(User)) == 200

    units = {unit.id: unit for unit in db.session.scalars(select(OrgUnit))}
    assert len(units) == 1 + 1 + 4 * (1 + 15 + 15 * 3 + 2)
    for unit in units.values():
        parent = units.get(unit.parent_id)
        assert unit.path == (parent.path if parent else "/") + f"{unit.id}/"
        assert parent is None or LEVELS.index(parent.level) < LEVELS.index(unit.level)

    trails = defaultdict(list)
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        trails[entry.nomination_id].append(entry)
    chains = {honor.id: honor.review_chain for honor in db.session.scalars(select(HonorType))}
    certified = set()
    for nomination in db.session.scalars(select(Nomination)).unique():
        entries = trails[nomination.id]
        direct = units[nomination.quota_unit_id].level == "county"
        chain = [level for level in ("branch", "township", "county")
                 if level in chains[nomination.honor_type_id] and not (direct and level == "township")]
        _states, moves = path_of(chain)
        state = "draft"
        for entry in entries:  # replay: each step starts where the last ended and is a move the machine has
            assert entry.from_state == state, (nomination.id, [e.event for e in entries])
            assert (entry.event, entry.from_state, entry.to_state) in MOVES
            assert (entry.from_state, entry.to_state) in moves
            state = entry.to_state
        assert state == nomination.state
        assert [e.created_at for e in entries] == sorted(e.created_at for e in entries)
        assert nomination.version == len(entries) + 1
        if any(e.event == "certify" for e in entries):
            certified.add(nomination.id)
    certificates = {c.nomination_id: c for c in db.session.scalars(select(Certificate)).unique()}
    assert set(certificates) == certified
    assert all(c.is_revoked == (c.nomination.state == "revoked") for c in certificates.values())

    used = Counter((n.campaign_id, n.honor_type_id, n.quota_unit_id) for n in db.session.scalars(
        select(Nomination).where(Nomination.state.in_(QUOTA_STATES))).unique())
    quotas = {(q.campaign_id, q.honor_type_id, q.org_unit_id): q.quota for q in db.session.scalars(select(Quota))}
    assert all(count <= quotas[key] for key, count in used.items())
    assert all(not problems(report.figures) for report in db.session.scalars(select(StatisticsReport)).unique())
    assert db.session.scalar(select(func.count()).select_from(RoleAssignment).where(
        RoleAssignment.role == "submitter")) > 0

    waiting = db.session.scalar(select(Nomination.id).where(Nomination.state == "county_review").order_by(
        Nomination.id))
    token = db.session.scalar(select(Certificate.token).order_by(Certificate.id))
    assert client.get(f"/verify/{token}").status_code == 200
    reviewer = db.session.scalar(select(User).join(RoleAssignment).where(
        RoleAssignment.role == "reviewer", RoleAssignment.org_unit_id == units[db.session.get(
            Nomination, waiting).org_unit_id].ancestor_ids[2]))  # the county of that nomination
    assert client.post("/login", data={"username": reviewer.username, "password": SCALE_PASSWORD}).status_code == 302
    for url in ("/todo/", "/nominations/?state=county_review&q=王", f"/nominations/{waiting}", "/stats/dashboard"):
        assert client.get(url).status_code == 200, url
