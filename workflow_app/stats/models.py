"""Statistics reports of the plan's figures, filed by townships and accepted by the county,
their append-only event log, and the yearly targets."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.auth.models import User
from workflow_app.core.timeutil import UTCDateTime, utcnow
from workflow_app.extensions import db
from workflow_app.orgs.models import OrgUnit
from workflow_app.stats.figures import FIGURES

WHOLE_YEAR = 0  # ``quarter`` of a yearly report (0 rather than NULL: NULLs never clash in a unique index)
OPEN_STATES = ("draft", "submitted", "returned")
MEMBERSHIP_BASES = ("unionised", "all")


class StatisticsReport(db.Model):
    """One township's (or the county-direct group's) figures for one period. ``state`` changes only
    through ``states.statistics_report.fire``. An accepted report is locked; a correction is a new
    row (``revision`` + 1, ``supersedes_id``) and the old one is kept, superseded once the
    correction is accepted."""

    __tablename__ = "statistics_report"
    __table_args__ = (
        # At most one version being worked on, and at most one accepted, per unit and period.
        Index("uq_statistics_report_open", "org_unit_id", "year", "quarter", unique=True,
              sqlite_where=text("state IN ('draft', 'submitted', 'returned')"),
              postgresql_where=text("state IN ('draft', 'submitted', 'returned')")),
        Index("uq_statistics_report_accepted", "org_unit_id", "year", "quarter", unique=True,
              sqlite_where=text("state = 'accepted'"), postgresql_where=text("state = 'accepted'")),
        Index("ix_statistics_report_period_state", "year", "quarter", "state"),
        CheckConstraint("quarter BETWEEN 0 AND 4", name="quarter_range"),
        *[CheckConstraint(f"{name} >= 0", name=f"{name}_not_negative") for name in FIGURES],
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer, default=WHOLE_YEAR)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("statistics_report.id"))
    state: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    state_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    enterprise_units: Mapped[int] = mapped_column(Integer, default=0)
    units_with_union: Mapped[int] = mapped_column(Integer, default=0)
    units_in_joint_union: Mapped[int] = mapped_column(Integer, default=0)
    workers: Mapped[int] = mapped_column(Integer, default=0)
    members: Mapped[int] = mapped_column(Integer, default=0)
    migrant_members: Mapped[int] = mapped_column(Integer, default=0)
    wage_bargaining_units: Mapped[int] = mapped_column(Integer, default=0)
    grassroots_unions: Mapped[int] = mapped_column(Integer, default=0)
    # Which workers the membership rate counts: those of unionised units, or of all enterprises.
    membership_base: Mapped[str] = mapped_column(String(16), default="unionised")
    note: Mapped[str] = mapped_column(Text, default="")

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    supersedes: Mapped[StatisticsReport | None] = relationship(remote_side=[id])
    events: Mapped[list[ReportEvent]] = relationship(back_populates="report", order_by="ReportEvent.id",
                                                     viewonly=True)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it once, at mapping)

    @property
    def figures(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIGURES}

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def __repr__(self) -> str:
        return f"<StatisticsReport {self.org_unit_id} {self.year}Q{self.quarter} r{self.revision} {self.state}>"


class ReportEvent(db.Model):
    """One transition of a statistics report. Append-only (database triggers), names copied in."""

    __tablename__ = "statistics_report_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("statistics_report.id"), index=True)
    event: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_unit_name: Mapped[str] = mapped_column(String(120), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    client_ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[StatisticsReport] = relationship(back_populates="events")


class StatisticsTarget(db.Model):
    """The plan's goals for one year, in percent; a missing value means no goal was set."""

    __tablename__ = "statistics_target"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    establishment_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    membership_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    model_home_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    wage_bargaining_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
