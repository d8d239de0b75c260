"""Background jobs: one row per batch print or large export, the source of truth for its state.

The queue (RQ on Redis) only carries the row's id; the page a user watches, the download and the
retry all read this row, so they work on every app server and whether or not Redis is configured."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.auth.models import User
from workflow_app.core.timeutil import UTCDateTime, utcnow
from workflow_app.extensions import db
from workflow_app.orgs.models import OrgUnit

STATES = ("queued", "running", "done", "failed")
FINISHED = ("done", "failed")


class Job(db.Model):
    """Who started what, with which parameters; how far it got; where its result is, or why it failed.

    ``unit`` is the part of the org tree the job's data comes from: county administrators above it may
    open the job and its result, as its starter may (``policy.can_view_job``)."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_created_by_created_at", "created_by_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    # Progress: ``done`` of ``total`` items (pages, rows); written every few hundred items, not per item.
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    # The result: a file in the storage folder "jobs", its download name, type and size.
    result_name: Mapped[str | None] = mapped_column(String(64))
    result_filename: Mapped[str | None] = mapped_column(String(200))
    result_type: Mapped[str | None] = mapped_column(String(100))
    result_bytes: Mapped[int | None] = mapped_column(BigInteger)
    # Why it failed, in words for the user (the traceback goes to the worker's log).
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queue_job_id: Mapped[str | None] = mapped_column(String(64))  # RQ's id, when it went through Redis
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the result file is removed then

    created_by: Mapped[User] = relationship(lazy="joined")
    unit: Mapped[OrgUnit] = relationship(lazy="joined")

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def has_result(self) -> bool:
        return self.state == "done" and self.result_name is not None
