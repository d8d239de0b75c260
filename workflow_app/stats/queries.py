"""The dashboards' figures, each in a fixed number of statements whatever the number of
townships, reports or nominations (tests count them)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from states.nomination import IN_REVIEW, LEVEL_OF_STATE
from workflow_app.campaigns.models import Campaign, HonorType
from workflow_app.campaigns.services import quota_table, quota_units
from workflow_app.core.timeutil import utcnow
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.orgs.models import OrgUnit
from workflow_app.stats import figures as rules
from workflow_app.stats.models import OPEN_STATES, WHOLE_YEAR, StatisticsReport, StatisticsTarget
from workflow_app.stats.services import reporting_units

MODEL_HOME = "model_worker_home"
GRANTED = ("approved", "certified")  # an honor counts once its notice ended without objection
# The measures of the plan: (key, target column, how each is computed from figures).
MEASURES = ("establishment", "membership", "model_home_share", "wage_bargaining")
TARGET_OF = {"establishment": "establishment_rate", "membership": "membership_rate",
             "model_home_share": "model_home_share", "wage_bargaining": "wage_bargaining_share"}


def measure_parts(measure: str, figures: dict[str, int], model_homes: int) -> tuple[int, int]:
    """(part, whole) of a measure: what the rate counts, and over what."""
    covered = figures["units_with_union"] + figures["units_in_joint_union"]
    return {
        "establishment": (covered, figures["enterprise_units"]),
        "membership": (figures["members"], figures["workers"]),
        "model_home_share": (model_homes, figures["grassroots_unions"]),
        "wage_bargaining": (figures["wage_bargaining_units"], covered),
    }[measure]


@dataclass
class Row:
    """One township (or the county-direct group, or the county total) in the chosen period."""

    unit: OrgUnit | None  # None for the county total
    figures: dict[str, int] | None  # from the accepted report; None when there is none yet
    model_homes: int = 0
    pending_state: str | None = None  # a version being prepared or awaiting review
    report: StatisticsReport | None = None
    previous: dict[str, int] | None = None  # the same period a year (or a quarter) before
    previous_homes: int = 0
    rates: dict[str, object] = field(default_factory=dict)  # measure -> percent (Decimal) or None
    gaps: dict[str, rules.Gap | None] = field(default_factory=dict)
    change: dict[str, object] = field(default_factory=dict)  # measure -> points since the previous period

    def compute(self, target: StatisticsTarget | None) -> None:
        if self.figures is None:
            return
        for measure in MEASURES:
            part, whole = measure_parts(measure, self.figures, self.model_homes)
            self.rates[measure] = rules.percent(rules.ratio(part, whole))
            goal = getattr(target, TARGET_OF[measure]) if target is not None else None
            self.gaps[measure] = rules.gap(part, whole, goal)
            if self.previous is not None:
                before = rules.percent(rules.ratio(*measure_parts(measure, self.previous, self.previous_homes)))
                now = self.rates[measure]
                self.change[measure] = None if before is None or now is None else now - before


@dataclass
class CountyDashboard:
    county: OrgUnit
    year: int
    quarter: int
    target: StatisticsTarget | None
    rows: list[Row]
    total: Row
    trend: list[dict]  # one point per period: {"year", "quarter", "rates": {...}, "targets": {...}}
    filed: int  # rows with an accepted report

    def status_counts(self, measure: str) -> dict[str, int]:
        counts = dict.fromkeys(rules.STATUSES, 0)
        for row in self.rows:
            gap = row.gaps.get(measure)
            if gap is not None:
                counts[gap.status] += 1
        return counts


def previous_period(year: int, quarter: int) -> tuple[int, int]:
    if quarter == WHOLE_YEAR:
        return year - 1, WHOLE_YEAR
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def first_honour_years(county: OrgUnit) -> list[tuple[int, int]]:
    """(quota unit id, first year) for every grassroots union of the county granted the model worker
    home title (counted once, in the year it was first granted; a revoked title no longer counts)."""
    return list(db.session.execute(
        select(Nomination.quota_unit_id, func.min(Campaign.year))
        .join(Campaign, Campaign.id == Nomination.campaign_id)
        .join(HonorType, HonorType.id == Nomination.honor_type_id)
        .where(HonorType.code == MODEL_HOME, Nomination.state.in_(GRANTED), Campaign.county_id == county.id)
        .group_by(Nomination.org_unit_id, Nomination.quota_unit_id)
    ).all())


def homes_by(honours: list[tuple[int, int]], year: int) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for unit_id, first_year in honours:
        if first_year <= year:
            counts[unit_id] += 1
    return counts


def county_dashboard(county: OrgUnit, year: int, quarter: int = WHOLE_YEAR, sort: str = "") -> CountyDashboard:
    units = reporting_units(county)
    unit_ids = [unit.id for unit in units]
    before = previous_period(year, quarter)
    reports = db.session.scalars(select(StatisticsReport).where(
        StatisticsReport.org_unit_id.in_(unit_ids),
        ((StatisticsReport.year == year) & (StatisticsReport.quarter == quarter))
        | ((StatisticsReport.year == before[0]) & (StatisticsReport.quarter == before[1])),
        StatisticsReport.state.in_(("accepted", *OPEN_STATES)),
    )).all()
    accepted = {(r.org_unit_id, r.year, r.quarter): r for r in reports if r.state == "accepted"}
    pending = {r.org_unit_id: r.state for r in reports
               if r.state in OPEN_STATES and (r.year, r.quarter) == (year, quarter)}
    targets = {t.year: t for t in db.session.scalars(select(StatisticsTarget))}
    target = targets.get(year)
    honours = first_honour_years(county)
    homes_now, homes_before = homes_by(honours, year), homes_by(honours, before[0])

    rows = []
    for unit in units:
        report = accepted.get((unit.id, year, quarter))
        prior = accepted.get((unit.id, *before))
        row = Row(unit=unit, figures=report.figures if report else None, model_homes=homes_now[unit.id],
                  pending_state=pending.get(unit.id), report=report, previous=prior.figures if prior else None,
                  previous_homes=homes_before[unit.id])
        row.compute(target)
        rows.append(row)
    filed = [row for row in rows if row.figures is not None]
    total = Row(unit=None, figures=rules.total([row.figures for row in filed]) if filed else None,
                model_homes=sum(row.model_homes for row in filed))
    total.compute(target)
    rows = sort_rows(rows, sort)
    trend = county_trend(unit_ids, quarter != WHOLE_YEAR, targets, honours)
    return CountyDashboard(county=county, year=year, quarter=quarter, target=target, rows=rows, total=total,
                           trend=trend, filed=len(filed))


SORT_KEYS = ("unit", *MEASURES)


def sort_rows(rows: list[Row], sort: str) -> list[Row]:
    """Sort by unit code (default) or by a measure's rate; townships without figures go last."""
    key = sort.lstrip("-")
    if key not in MEASURES:
        return rows
    descending = sort.startswith("-")
    with_rate = [row for row in rows if row.rates.get(key) is not None]
    without = [row for row in rows if row.rates.get(key) is None]
    return sorted(with_rate, key=lambda row: row.rates[key], reverse=descending) + without


def county_trend(unit_ids: list[int], quarterly: bool, targets: dict[int, StatisticsTarget],
                 honours: list[tuple[int, int]]) -> list[dict]:
    """The county total of every period of the same kind (years, or quarters), from accepted reports."""
    sums = [func.coalesce(func.sum(getattr(StatisticsReport, name)), 0).label(name) for name in rules.FIGURES]
    period_filter = StatisticsReport.quarter > 0 if quarterly else StatisticsReport.quarter == WHOLE_YEAR
    points = []
    for row in db.session.execute(
        select(StatisticsReport.year, StatisticsReport.quarter, func.count(StatisticsReport.id).label("units"), *sums)
        .where(StatisticsReport.org_unit_id.in_(unit_ids), StatisticsReport.state == "accepted", period_filter)
        .group_by(StatisticsReport.year, StatisticsReport.quarter)
        .order_by(StatisticsReport.year, StatisticsReport.quarter)
    ).mappings():
        figures = {name: int(row[name]) for name in rules.FIGURES}
        homes = sum(homes_by(honours, row["year"]).values())
        target = targets.get(row["year"])
        points.append({
            "year": row["year"], "quarter": row["quarter"], "units": row["units"],
            "rates": {m: rules.percent(rules.ratio(*measure_parts(m, figures, homes))) for m in MEASURES},
            "targets": {m: getattr(target, TARGET_OF[m]) if target else None for m in MEASURES},
        })
    return points


# ---------------------------------------------------------------- campaign dashboard
@dataclass
class CampaignDashboard:
    campaign: Campaign
    units: list[OrgUnit]
    counts: dict[tuple[int, int, str], int]  # (quota unit, honor type, state) -> nominations
    quotas: dict
    level_days: dict[str, dict]  # level -> {"average": days, "stays": n, "waiting": n, "oldest": days}
    slowest: list[dict]  # reviewing units by average days, slowest first

    def count(self, unit_id: int, honor_type_id: int, states: tuple[str, ...] | None = None) -> int:
        return sum(n for (u, h, s), n in self.counts.items()
                   if u == unit_id and h == honor_type_id and (states is None or s in states))

    def state_totals(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for (_u, _h, state), n in self.counts.items():
            totals[state] += n
        return dict(totals)


def _seconds(start, end):
    """Seconds between two timestamp columns, in the database's own dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400


def campaign_dashboard(campaign: Campaign, slowest: int = 5) -> CampaignDashboard:
    counts = {(u, h, s): n for u, h, s, n in db.session.execute(
        select(Nomination.quota_unit_id, Nomination.honor_type_id, Nomination.state, func.count(Nomination.id))
        .where(Nomination.campaign_id == campaign.id, Nomination.state != "draft")
        .group_by(Nomination.quota_unit_id, Nomination.honor_type_id, Nomination.state))}

    # Each audit row leaving a review state closes a stay that began with the row before it.
    entered = func.lag(AuditEntry.created_at).over(partition_by=AuditEntry.nomination_id, order_by=AuditEntry.id)
    moves = (select(AuditEntry.from_state, Nomination.org_unit_id, Nomination.quota_unit_id,
                    AuditEntry.created_at.label("left_at"), entered.label("entered_at"))
             .join(Nomination, Nomination.id == AuditEntry.nomination_id)
             .where(Nomination.campaign_id == campaign.id).subquery())
    stays = db.session.execute(
        select(moves.c.from_state, moves.c.org_unit_id, moves.c.quota_unit_id,
               func.count().label("stays"), func.sum(_seconds(moves.c.entered_at, moves.c.left_at)).label("seconds"))
        .where(moves.c.from_state.in_(IN_REVIEW), moves.c.entered_at.is_not(None))
        .group_by(moves.c.from_state, moves.c.org_unit_id, moves.c.quota_unit_id)
    ).all()
    now = utcnow()
    waiting = db.session.execute(
        select(Nomination.state, Nomination.org_unit_id, Nomination.quota_unit_id, func.count(Nomination.id),
               func.min(Nomination.state_since))
        .where(Nomination.campaign_id == campaign.id, Nomination.state.in_(IN_REVIEW))
        .group_by(Nomination.state, Nomination.org_unit_id, Nomination.quota_unit_id)
    ).all()

    def reviewer_unit(state: str, org_unit_id: int, quota_unit_id: int) -> int:
        level = LEVEL_OF_STATE[state]
        return {"branch": org_unit_id, "township": quota_unit_id}.get(level, campaign.county_id)

    levels = {LEVEL_OF_STATE[s]: {"stays": 0, "seconds": 0.0, "waiting": 0, "oldest": None} for s in IN_REVIEW}
    per_unit: dict[tuple[str, int], dict] = defaultdict(lambda: {"stays": 0, "seconds": 0.0, "waiting": 0})
    for state, org_unit_id, quota_unit_id, count, seconds in stays:
        level = LEVEL_OF_STATE[state]
        levels[level]["stays"] += count
        levels[level]["seconds"] += float(seconds or 0)
        cell = per_unit[(level, reviewer_unit(state, org_unit_id, quota_unit_id))]
        cell["stays"] += count
        cell["seconds"] += float(seconds or 0)
    for state, org_unit_id, quota_unit_id, count, since in waiting:
        level = LEVEL_OF_STATE[state]
        levels[level]["waiting"] += count
        days = (now - since).total_seconds() / 86400 if since else None
        if days is not None and (levels[level]["oldest"] is None or days > levels[level]["oldest"]):
            levels[level]["oldest"] = days
        per_unit[(level, reviewer_unit(state, org_unit_id, quota_unit_id))]["waiting"] += count
    for cell in levels.values():
        cell["average"] = cell["seconds"] / cell["stays"] / 86400 if cell["stays"] else None

    unit_names = {unit.id: unit for unit in db.session.scalars(
        select(OrgUnit).where(OrgUnit.id.in_({unit_id for _level, unit_id in per_unit})))}
    ranked = [
        {"level": level, "unit": unit_names.get(unit_id), "stays": cell["stays"], "waiting": cell["waiting"],
         "average": cell["seconds"] / cell["stays"] / 86400}
        for (level, unit_id), cell in per_unit.items() if cell["stays"]
    ]
    ranked.sort(key=lambda item: item["average"], reverse=True)
    return CampaignDashboard(campaign=campaign, units=quota_units(campaign), counts=counts,
                             quotas=quota_table(campaign), level_days=levels, slowest=ranked[:slowest])
