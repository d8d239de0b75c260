"""Honor types (data, editable) and campaigns with their windows and quotas."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.extensions import db
from workflow_app.orgs.models import OrgUnit

NOMINEE_KINDS = ("person", "organisation")
DEFAULT_NUMBER_FORMAT = "{prefix}-{year}-{seq:04d}"  # the seed sets each county's own


class HonorType(db.Model):
    """One kind of honor. The review chain and the required fields are data, so a
    county can add an honor type without a code change."""

    __tablename__ = "honor_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    nominee_kind: Mapped[str] = mapped_column(String(16))
    # Levels that review, top-down order irrelevant: the workflow walks them branch → county.
    review_chain: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["branch", "township", "county"])
    requires_vote: Mapped[bool] = mapped_column(Boolean, default=False)
    required_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_attachments: Mapped[int] = mapped_column(Integer, default=0)
    min_age: Mapped[int | None] = mapped_column(Integer)  # e.g. 18 for 推优入党
    # How the honor is given: "conferred" (授予), "named" (命名) or "recommendation" (推荐表).
    conferral: Mapped[str] = mapped_column(String(16), default="conferred")
    certificate_title: Mapped[str] = mapped_column(String(64), default="")
    certificate_wording: Mapped[str] = mapped_column(Text, default="")
    issuer: Mapped[str] = mapped_column(String(120), default="")
    number_prefix: Mapped[str] = mapped_column(String(16), default="")
    # Placeholders {year}, {prefix} and {seq} (with a format spec such as {seq:04d})
    number_format: Mapped[str] = mapped_column(String(120), default=DEFAULT_NUMBER_FORMAT)
    # Images load when printing asks for them, not with every list row that names the honor (deferred).
    seal_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # the red seal, PNG with transparency
    background_image: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<HonorType {self.code}>"


campaign_honor_type = Table(
    "campaign_honor_type",
    db.metadata,
    Column("campaign_id", ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True),
    Column("honor_type_id", ForeignKey("honor_type.id"), primary_key=True),
)


class Campaign(db.Model):
    """One round of selection. Dates are calendar days in China time; the window
    closes at 24:00 China time on ``closes_on``."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    year: Mapped[int] = mapped_column(Integer, index=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    notice_days: Mapped[int] = mapped_column(Integer, default=7)
    notice_working_days: Mapped[bool] = mapped_column(Boolean, default=False)
    # After a dismissed objection: "remainder" resumes the days left, "fresh" starts a new period.
    after_dismissal: Mapped[str] = mapped_column(String(16), default="remainder")
    # To-dos older than this many days are flagged and reminded daily.
    reminder_days: Mapped[int] = mapped_column(Integer, default=3)
    # Democratic vote rule: present / due >= quorum, in favour / present > majority.
    vote_quorum_numerator: Mapped[int] = mapped_column(Integer, default=4)
    vote_quorum_denominator: Mapped[int] = mapped_column(Integer, default=5)

    county: Mapped[OrgUnit] = relationship(lazy="joined")
    honor_types: Mapped[list[HonorType]] = relationship(
        secondary=campaign_honor_type, lazy="selectin", order_by="HonorType.sort_order"
    )
    quotas: Mapped[list[Quota]] = relationship(back_populates="campaign", cascade="all, delete-orphan")

    def is_open_on(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on

    def __repr__(self) -> str:
        return f"<Campaign {self.year} {self.name}>"


class Quota(db.Model):
    """How many of one honor type a township (or the county-direct units together,
    keyed by the county) may receive in a campaign."""

    __tablename__ = "quota"
    __table_args__ = (
        UniqueConstraint("campaign_id", "honor_type_id", "org_unit_id", name="uq_quota_campaign_honor_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    honor_type_id: Mapped[int] = mapped_column(ForeignKey("honor_type.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    quota: Mapped[int] = mapped_column(Integer)

    campaign: Mapped[Campaign] = relationship(back_populates="quotas")
    honor_type: Mapped[HonorType] = relationship(lazy="joined")
    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
