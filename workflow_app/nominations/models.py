"""Nominations, their attachments and the append-only audit log of their transitions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.auth.models import User
from workflow_app.campaigns.models import Campaign, HonorType
from workflow_app.core.timeutil import UTCDateTime, utcnow
from workflow_app.extensions import db
from workflow_app.orgs.models import OrgUnit

GENDERS = ("male", "female")
POLITICAL_STATUSES = ("party_member", "probationary_party_member", "league_member", "democratic_party", "masses")
EDUCATIONS = ("postgraduate", "undergraduate", "college", "high_school", "middle_school", "primary")
CATEGORIES = (
    "front_line_worker",
    "technical",
    "enterprise_head",
    "civil_service",
    "farmer",
    "migrant_worker",
)

PERSON_FIELDS = (
    "nominee_name",
    "gender",
    "ethnicity",
    "birth_date",
    "political_status",
    "education",
    "work_unit",
    "post",
    "id_number",
    "phone",
    "category",
    "started_work_on",
    "honors_held",
)
ORGANISATION_FIELDS = (
    "nominee_name",
    "chair_name",
    "staff_count",
    "member_count",
    "satisfaction_rating",
    "phone",
    "honors_held",
)
DEEDS_SUMMARY_MAX = 500
DEEDS_FULL_MAX = 2000


class Nomination(db.Model):
    """One candidate put forward in a campaign. ``state`` changes only through
    ``states.nomination.fire``; ``version`` makes a concurrent second change fail."""

    __tablename__ = "nomination"
    __table_args__ = (
        # One live nomination per person (ID number) per campaign; a withdrawn one frees the slot.
        Index(
            "uq_nomination_campaign_id_number_live",
            "campaign_id",
            "id_number",
            unique=True,
            sqlite_where=text("id_number IS NOT NULL AND state <> 'withdrawn'"),
            postgresql_where=text("id_number IS NOT NULL AND state <> 'withdrawn'"),
        ),
        # A list filtered by campaign (and state) reads the count and the page's ids from here (0013).
        Index("ix_nomination_campaign_list", "campaign_id", "state", "org_unit_id", "updated_at", "created_by_id",
              "submitted_by_id", "nominee_name", "id"),
        Index("ix_nomination_quota", "campaign_id", "honor_type_id", "quota_unit_id", "state"),
        # Lists, to-dos and the header count narrow by (state, unit); the rest lets the count and a page's
        # ids come from the index alone (migrations 0010, 0011: the id too, for PostgreSQL).
        Index("ix_nomination_list", "state", "org_unit_id", "updated_at", "created_by_id", "submitted_by_id",
              "campaign_id", "nominee_name", "id"),
        Index("ix_nomination_notice_due", "state", "notice_ends_on"),  # close_due_notices, on every page view
        # The county dashboard's granted model worker homes, read from the index alone.
        Index("ix_nomination_honours", "campaign_id", "honor_type_id", "state", "quota_unit_id", "org_unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    honor_type_id: Mapped[int] = mapped_column(ForeignKey("honor_type.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    # The unit a quota is counted against: the township above the branch, or the county
    # for county-direct units. Kept here so quota checks and township filters are one index.
    quota_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(24), default="draft", index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    nominee_name: Mapped[str] = mapped_column(String(100), default="", index=True)
    gender: Mapped[str | None] = mapped_column(String(8))
    ethnicity: Mapped[str | None] = mapped_column(String(16))
    birth_date: Mapped[date | None] = mapped_column(Date)
    political_status: Mapped[str | None] = mapped_column(String(32))
    education: Mapped[str | None] = mapped_column(String(32))
    work_unit: Mapped[str | None] = mapped_column(String(120))
    post: Mapped[str | None] = mapped_column(String(64))
    id_number: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(32))
    started_work_on: Mapped[date | None] = mapped_column(Date)
    honors_held: Mapped[str | None] = mapped_column(Text)

    chair_name: Mapped[str | None] = mapped_column(String(64))
    staff_count: Mapped[int | None] = mapped_column(Integer)
    member_count: Mapped[int | None] = mapped_column(Integer)
    satisfaction_rating: Mapped[int | None] = mapped_column(Integer)

    deeds_summary: Mapped[str] = mapped_column(Text, default="")
    deeds_full: Mapped[str] = mapped_column(Text, default="")

    vote_due: Mapped[int | None] = mapped_column(Integer)
    vote_present: Mapped[int | None] = mapped_column(Integer)
    vote_in_favour: Mapped[int | None] = mapped_column(Integer)

    notice_starts_on: Mapped[date | None] = mapped_column(Date)
    notice_ends_on: Mapped[date | None] = mapped_column(Date)
    notice_result: Mapped[str | None] = mapped_column(String(64))  # e.g. "no_objection", kept for the record
    # When the nomination reached its current state: reminders count from here.
    state_since: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The random key of the form that created it: the same form sent twice creates one nomination.
    creation_key: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)

    campaign: Mapped[Campaign] = relationship(lazy="joined")
    honor_type: Mapped[HonorType] = relationship(lazy="joined")
    org_unit: Mapped[OrgUnit] = relationship(foreign_keys=[org_unit_id], lazy="joined")
    quota_unit: Mapped[OrgUnit] = relationship(foreign_keys=[quota_unit_id], lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="nomination", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    audit_entries: Mapped[list[AuditEntry]] = relationship(
        back_populates="nomination", order_by="AuditEntry.id", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it once, at mapping)

    @property
    def is_person(self) -> bool:
        return self.honor_type.nominee_kind == "person"

    @property
    def membership_rate(self) -> float | None:
        if self.staff_count and self.member_count is not None:
            return round(100 * self.member_count / self.staff_count, 1)
        return None

    def __repr__(self) -> str:
        return f"<Nomination {self.id} {self.state}>"


class Attachment(db.Model):
    """A file stored under the upload folder by a random name; type sniffed from content."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nomination.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    nomination: Mapped[Nomination] = relationship(back_populates="attachments")


class AuditEntry(db.Model):
    """One successful transition. Append-only: database triggers refuse UPDATE and DELETE.
    Names are copied in, so the record reads the same after a user or unit is renamed."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nomination.id"), index=True)
    event: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    actor_unit_name: Mapped[str] = mapped_column(String(120), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    # Set when a delegate acted: whose to-do it was.
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    on_behalf_of_name: Mapped[str | None] = mapped_column(String(64))
    client_ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    nomination: Mapped[Nomination] = relationship(back_populates="audit_entries")
