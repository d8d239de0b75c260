"""What the statistics area does: file and correct reports, move them through their workflow,
keep the yearly targets. Plain functions that flush; the unit of work commits."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from states.engine import ConcurrentChange
from states.statistics_report import fire
from workflow_app.auth.models import User
from workflow_app.core.errors import UserError
from workflow_app.core.timeutil import china_today, utcnow
from workflow_app.extensions import db
from workflow_app.orgs.models import OrgUnit
from workflow_app.stats.figures import FIGURES
from workflow_app.stats.models import OPEN_STATES, WHOLE_YEAR, ReportEvent, StatisticsReport, StatisticsTarget
from workflow_app.stats.rules import filing_assignment

TARGET_FIELDS = ("establishment_rate", "membership_rate", "model_home_share", "wage_bargaining_share")
FIRST_YEAR = 2000  # no report or target before the plan's era


class StatisticsError(UserError):
    """A refusal whose message is for people."""


def reporting_units(county: OrgUnit) -> list[OrgUnit]:
    """The county's townships, and the county itself standing for its county-direct units (as for
    quotas), in code order: the rows of the dashboard."""
    townships = db.session.scalars(
        select(OrgUnit).where(OrgUnit.parent_id == county.id, OrgUnit.level == "township").order_by(OrgUnit.code)
    ).all()
    has_direct = db.session.scalar(
        select(OrgUnit.id).where(OrgUnit.parent_id == county.id, OrgUnit.level == "branch").limit(1)
    )
    return [*townships, county] if has_direct else list(townships)


def check_period(year: int, quarter: int) -> None:
    today = china_today()
    if not FIRST_YEAR <= year <= today.year or quarter not in range(5):
        raise StatisticsError(_l("Choose a year from %(first)d to %(last)d (and a quarter 1–4, or the whole year).",
                                 first=FIRST_YEAR, last=today.year))


def open_report(unit: OrgUnit, year: int, quarter: int) -> StatisticsReport | None:
    return db.session.scalar(select(StatisticsReport).where(
        StatisticsReport.org_unit_id == unit.id, StatisticsReport.year == year, StatisticsReport.quarter == quarter,
        StatisticsReport.state.in_(OPEN_STATES)))


def accepted_report(unit: OrgUnit, year: int, quarter: int) -> StatisticsReport | None:
    return db.session.scalar(select(StatisticsReport).where(
        StatisticsReport.org_unit_id == unit.id, StatisticsReport.year == year, StatisticsReport.quarter == quarter,
        StatisticsReport.state == "accepted"))


def latest_accepted(unit: OrgUnit) -> StatisticsReport | None:
    """The unit's most recent accepted figures, to start the next report from."""
    return db.session.scalars(select(StatisticsReport).where(
        StatisticsReport.org_unit_id == unit.id, StatisticsReport.state == "accepted")
        .order_by(StatisticsReport.year.desc(), StatisticsReport.quarter.desc()).limit(1)).first()


def create_report(actor: User, unit: OrgUnit, year: int, quarter: int = WHOLE_YEAR, data: dict | None = None,
                  ) -> StatisticsReport:
    """A new draft for a period, or a correction of the accepted report of that period."""
    check_period(year, quarter)
    draft = StatisticsReport(org_unit=unit, year=year, quarter=quarter, created_by_id=actor.id, state="draft")
    if filing_assignment(actor, draft) is None:
        raise StatisticsError(_l("You may not file statistics for %(unit)s.", unit=unit.name))
    if open_report(unit, year, quarter) is not None:
        raise StatisticsError(_l("A report for this period is already being prepared: continue that one."))
    previous = accepted_report(unit, year, quarter)
    if previous is not None:
        draft.supersedes = previous
        draft.revision = previous.revision + 1
        draft.membership_base = previous.membership_base
        for name in FIGURES:
            setattr(draft, name, getattr(previous, name))
    for name, value in (data or {}).items():
        setattr(draft, name, value)
    try:
        # Added inside the savepoint: begin_nested() flushes what is pending first, outside it, so a
        # clash there would roll back the whole transaction rather than the savepoint.
        with db.session.begin_nested():
            db.session.add(draft)
            db.session.flush()
    except IntegrityError:
        # Two people started the same period at once: the unique index lets one through.
        raise StatisticsError(_l("A report for this period is already being prepared: continue that one.")) from None
    return draft


def update_report(report: StatisticsReport, actor: User, data: dict, *, expected_version: int | None) -> None:
    if report.state not in ("draft", "returned"):
        raise StatisticsError(_l("Only drafts and returned reports can be changed; an accepted report is "
                                 "corrected by filing a correction."))
    if filing_assignment(actor, report) is None:
        raise StatisticsError(_l("You may not file statistics for %(unit)s.", unit=report.org_unit.name))
    report_id = report.id
    if expected_version is not None and expected_version != report.version:
        raise ConcurrentChange(report_id, _stale_edit, category="danger")
    for name, value in data.items():
        setattr(report, name, value)
    try:
        db.session.flush()
    except StaleDataError:  # another save committed after this one read the row: its version moved on
        raise ConcurrentChange(report_id, _stale_edit, category="danger") from None


def _stale_edit():
    return _l("Someone else saved this report meanwhile. Your changes were not saved; please look at it again.")


def delete_draft(report: StatisticsReport, actor: User) -> None:
    """A draft that was never submitted can be thrown away (a returned one keeps its history)."""
    if report.state != "draft" or report.events or filing_assignment(actor, report) is None:
        raise StatisticsError(_l("Only a draft that was never submitted can be deleted, by whoever files it."))
    db.session.delete(report)
    db.session.flush()


def perform_transition(report: StatisticsReport, event: str, actor: User, comment: str = "", *,
                       expected_version: int | None = None, client_ip: str | None = None) -> ReportEvent:
    """Fire the event in the caller's unit of work (TransitionRefused or ConcurrentChange when refused)."""
    return fire(report, event, actor, comment, client_ip=client_ip, expected_version=expected_version)


# ---------------------------------------------------------------- targets
def targets_by_year() -> dict[int, StatisticsTarget]:
    return {row.year: row for row in db.session.scalars(select(StatisticsTarget).order_by(StatisticsTarget.year))}


def save_target(year: int, values: dict[str, Decimal | None], actor: User) -> StatisticsTarget:
    """Set one year's goals (percent, 0–100; None for no goal)."""
    if not FIRST_YEAR <= year <= 2100:
        raise StatisticsError(_l("Choose a year from %(first)d to %(last)d.", first=FIRST_YEAR, last=2100))
    for name in TARGET_FIELDS:
        value = values.get(name)
        if value is not None and not Decimal(0) <= value <= Decimal(100):
            raise StatisticsError(_l("A target is a percentage from 0 to 100."))
    target = db.session.get(StatisticsTarget, year) or StatisticsTarget(year=year)
    for name in TARGET_FIELDS:
        setattr(target, name, values.get(name))
    target.updated_by_id = actor.id
    target.updated_at = utcnow()
    db.session.add(target)
    db.session.flush()
    return target
