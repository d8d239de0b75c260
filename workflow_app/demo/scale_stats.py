"""Statistics reports for the large benchmark data set: three years of yearly reports per reporting
unit (each township, and each county for its county-direct units), filed and accepted; a tenth of the
last year's still waiting for the county. Figures always pass ``stats.figures.problems``."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, Table, select

from workflow_app.demo.bulk import next_id
from workflow_app.stats.models import WHOLE_YEAR, ReportEvent, StatisticsReport, StatisticsTarget


def figures(rng: random.Random) -> dict[str, int]:
    """Consistent figures of one township: covered ≤ units, members ≤ workers, and so on."""
    units = rng.randint(40, 200)
    own = int(units * rng.uniform(0.4, 0.7))
    joint = int((units - own) * rng.uniform(0.2, 0.8))
    workers = units * rng.randint(20, 80)
    members = int(workers * rng.uniform(0.6, 0.92))
    return {"enterprise_units": units, "units_with_union": own, "units_in_joint_union": joint, "workers": workers,
            "members": members, "migrant_members": int(members * rng.uniform(0.2, 0.5)),
            "wage_bargaining_units": int((own + joint) * rng.uniform(0.3, 0.8)),
            "grassroots_unions": own + (1 if joint else 0) or 1}


def reports(conn: Connection, tree, people, today: date, rng: random.Random) -> tuple[list[dict], list[dict]]:
    report_ids = itertools.count(next_id(conn, StatisticsReport.__table__))
    event_ids = itertools.count(next_id(conn, ReportEvent.__table__))
    rows, events = [], []
    for county in tree.counties:
        reviewer = people.by_unit[("county", county["id"])]
        for unit in [*tree.townships[county["id"]], county]:
            filer = people.by_unit[("township", unit["id"])] if unit["level"] == "township" else \
                people.by_unit[("admin", county["id"])]
            for year in range(today.year - 3, today.year):
                accepted = year < today.year - 1 or rng.random() < 0.9
                submitted = datetime(year + 1, 1, 10, 9, tzinfo=UTC) + timedelta(hours=rng.uniform(0, 400))
                decided = submitted + timedelta(hours=rng.uniform(2, 200))
                report_id = next(report_ids)
                rows.append({
                    "id": report_id, "org_unit_id": unit["id"], "year": year, "quarter": WHOLE_YEAR, "revision": 1,
                    "supersedes_id": None, "state": "accepted" if accepted else "submitted", "version": 3 if accepted
                    else 2, "state_since": decided if accepted else submitted, "created_by_id": filer["id"],
                    "created_at": submitted - timedelta(hours=3), "updated_at": decided if accepted else submitted,
                    "submitted_by_id": filer["id"], "submitted_at": submitted, **figures(rng),
                    "membership_base": "unionised", "note": ""})
                moves = [("submit", "draft", "submitted", filer, submitted)]
                if accepted:
                    moves.append(("accept", "submitted", "accepted", reviewer, decided))
                for event, source, dest, actor, moment in moves:
                    events.append({
                        "id": next(event_ids), "report_id": report_id, "event": event, "from_state": source,
                        "to_state": dest, "actor_id": actor["id"], "actor_name": actor["display_name"],
                        "actor_role": "admin" if actor is filer and unit is county else "reviewer",
                        "actor_unit_name": (unit if actor is filer else county)["name"], "comment": "",
                        "client_ip": "10.0.0.1", "created_at": moment})
    return rows, events


def tables(rows: list[dict], events: list[dict]) -> list[tuple[Table, list[dict]]]:
    return [(StatisticsReport.__table__, rows), (ReportEvent.__table__, events)]


def add_targets(conn: Connection, today: date) -> None:
    """Targets for the years the reports cover, where none are set yet."""
    table = StatisticsTarget.__table__
    have = set(conn.scalars(select(table.c.year)))
    for year in range(today.year - 3, today.year + 1):
        if year not in have:
            conn.execute(table.insert().values(year=year, establishment_rate=Decimal("90"),
                                               membership_rate=Decimal("85"), model_home_share=Decimal("5"),
                                               wage_bargaining_share=Decimal("60")))
