"""Demo statistics for Shenqiu County: every township's report for the plan's years (2010–2012)
and the last two years, with a believable story — most townships improve year on year, three lag
behind — plus this year's third-quarter reports still moving through review, one correction, and
targets for the recent years. Reports move through the real workflow (``fire``)."""

from __future__ import annotations

import random
from decimal import Decimal

from states.statistics_report import fire
from workflow_app.auth.models import User
from workflow_app.core.timeutil import china_today
from workflow_app.extensions import db
from workflow_app.orgs.models import OrgUnit
from workflow_app.stats.models import StatisticsReport, StatisticsTarget
from workflow_app.stats.services import reporting_units

LAGGARDS = {"411624109", "411624115", "411624203"}  # 刘湾镇, 冯营镇, 李老庄乡: behind the plan
# (establishment, membership) rates reached in each year by an ordinary township and by a laggard.
STORY = {
    2010: ((0.66, 0.83), (0.52, 0.74)),
    2011: ((0.77, 0.89), (0.58, 0.78)),
    2012: ((0.91, 0.935), (0.66, 0.84)),
}
RECENT = ((0.95, 0.96), (0.86, 0.90))
RECENT_TARGETS = {"establishment_rate": 92, "membership_rate": 94, "model_home_share": 20,
                  "wage_bargaining_share": 80}


def _figures(unit: OrgUnit, year: int, rates: tuple[float, float]) -> dict[str, int]:
    rng = random.Random(f"{unit.code}-{year}")
    scale = random.Random(unit.code)  # a township keeps its size over the years
    enterprises = scale.randint(40, 150) + (year - 2010) // 3
    workers = scale.randint(1800, 8500) + 40 * (year - 2010)
    establishment = min(rates[0] + rng.uniform(-0.03, 0.03), 1.0)
    membership = min(rates[1] + rng.uniform(-0.02, 0.015), 1.0)
    covered = round(enterprises * establishment)
    joint = round(covered * rng.uniform(0.2, 0.35))
    members = round(workers * membership)
    return {
        "enterprise_units": enterprises,
        "units_with_union": covered - joint,
        "units_in_joint_union": joint,
        "workers": workers,
        "members": members,
        "migrant_members": round(members * rng.uniform(0.25, 0.45)),
        "wage_bargaining_units": round(covered * (0.35 + 0.08 * (year - 2010) if year <= 2012 else 0.7)
                                       + covered * rng.uniform(0, 0.18)),
        "grassroots_unions": covered - joint + max(joint // 6, 1) + scale.randint(3, 9),
    }


def _rates(unit: OrgUnit, year: int) -> tuple[float, float]:
    normal, behind = STORY.get(year, RECENT)
    return behind if unit.code in LAGGARDS else normal


def _file(unit: OrgUnit, year: int, quarter: int, filer: User, reviewer: User, until: str,
          figures: dict[str, int] | None = None, supersedes: StatisticsReport | None = None) -> StatisticsReport:
    report = StatisticsReport(org_unit=unit, year=year, quarter=quarter, created_by_id=filer.id, state="draft",
                              revision=supersedes.revision + 1 if supersedes else 1, supersedes=supersedes,
                              **(figures or _figures(unit, year, _rates(unit, year))))
    db.session.add(report)
    db.session.flush()
    if until == "draft":
        return report
    fire(report, "submit", filer, client_ip="127.0.0.1")
    if until == "returned":
        fire(report, "return_for_revision", reviewer, "职工人数与上季度差异较大，请核实后重新上报。",
             client_ip="127.0.0.1")
    elif until == "accepted":
        fire(report, "accept", reviewer, "数据核实无误。", client_ip="127.0.0.1")
    return report


def seed_statistics(county: OrgUnit, users: dict[str, User]) -> None:
    """Reports and targets for the demo county (called once, by ``seed_demo``)."""
    today = china_today()
    for year in (today.year - 2, today.year - 1, today.year):
        if db.session.get(StatisticsTarget, year) is None:
            db.session.add(StatisticsTarget(year=year, **{k: Decimal(v) for k, v in RECENT_TARGETS.items()}))
    township_filers = {"411624100": users["huaidian"], "411624001": users["dongcheng"]}
    reviewer = users["county"]
    units = reporting_units(county)
    for year in (2010, 2011, 2012, today.year - 2, today.year - 1):
        for unit in units:
            _file(unit, year, 0, township_filers.get(unit.code, users["admin"]), reviewer, "accepted")
    # A correction: 北城街道 found double-counted workers in last year's report.
    beicheng = next(unit for unit in units if unit.code == "411624002")
    last_year = db.session.query(StatisticsReport).filter_by(org_unit_id=beicheng.id, year=today.year - 1).one()
    corrected = dict(last_year.figures, workers=last_year.workers - 120,
                     members=min(last_year.members, last_year.workers - 120))
    _file(beicheng, today.year - 1, 0, users["admin"], reviewer, "accepted", corrected, supersedes=last_year)
    # This year's third quarter, still moving: most accepted, some waiting, one returned, one draft.
    quarter = 3 if today.month > 9 else max((today.month - 1) // 3, 1)
    for index, unit in enumerate(units):
        until = {0: "submitted", 1: "returned", 2: "draft"}.get(index % 7, "accepted")
        if unit.code == "411624100":
            until = "draft"
        _file(unit, today.year, quarter, township_filers.get(unit.code, users["admin"]), reviewer, until,
              _figures(unit, today.year, _rates(unit, today.year)))
    db.session.flush()
