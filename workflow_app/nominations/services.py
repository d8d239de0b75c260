"""What the nominations area does: plain functions that flush; the unit of work commits."""

from __future__ import annotations

import hashlib
import os
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from states.nomination import ConcurrentChange, fire
from workflow_app.auth.models import User
from workflow_app.campaigns.models import Campaign, HonorType
from workflow_app.core import faults, storage, work
from workflow_app.core.errors import UserError
from workflow_app.core.images import ATTACHMENT_MAX_PIXELS, ImageRefused, check_image
from workflow_app.extensions import db
from workflow_app.nominations.models import Attachment, AuditEntry, Nomination
from workflow_app.nominations.rules import ALREADY_NOMINATED, already_nominated
from workflow_app.orgs.models import OrgUnit
from workflow_app.orgs.services import ancestor_at_level

MAX_ATTACHMENTS = 20
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


class NominationError(UserError):
    """A refusal whose message is for people."""


def quota_unit_for(unit: OrgUnit) -> OrgUnit:
    """Quotas are per township; county-direct units share the county's."""
    township = ancestor_at_level(unit, "township")
    if township is not None:
        return township
    county = ancestor_at_level(unit, "county")
    if county is None:
        raise NominationError(_l("This unit is not inside a county."))
    return county


def create_nomination(actor: User, campaign: Campaign, honor_type: HonorType, unit: OrgUnit,
                      data: dict, *, creation_key: str | None = None) -> Nomination:
    """A new draft. ``creation_key`` is the form's random key: a form sent twice (a double click, a
    resend after a timeout) finds the nomination it created (``created_with``) instead of a second one."""
    if honor_type not in campaign.honor_types:
        raise NominationError(_l("This campaign does not offer that honor."))
    if not campaign.county.contains(unit):
        raise NominationError(_l("This unit does not take part in this campaign."))
    nomination = Nomination(campaign=campaign, honor_type=honor_type, org_unit=unit,
                            quota_unit=quota_unit_for(unit), created_by_id=actor.id, state="draft",
                            creation_key=creation_key)
    apply_fields(nomination, data)
    db.session.add(nomination)
    _flush_or_duplicate()
    return nomination


def form_key(value: str | None) -> str | None:
    """A form key as the form sent it, if it looks like one we made (32 hex digits)."""
    value = (value or "").strip().lower()
    return value if len(value) == 32 and all(ch in "0123456789abcdef" for ch in value) else None


def created_with(actor: User, key: str | None) -> Nomination | None:
    """The nomination this user's form with ``key`` already created, if any."""
    if key is None:
        return None
    return db.session.scalar(select(Nomination).where(Nomination.creation_key == key,
                                                      Nomination.created_by_id == actor.id))


def update_nomination(nomination: Nomination, data: dict, *, expected_version: int | None) -> None:
    nomination_id = nomination.id
    if expected_version is not None and expected_version != nomination.version:
        raise ConcurrentChange(nomination_id, _stale_edit, category="danger")
    apply_fields(nomination, data)
    try:
        _flush_or_duplicate()
    except StaleDataError:  # another save committed after this one read the row: its version moved on
        raise ConcurrentChange(nomination_id, _stale_edit, category="danger") from None


def _stale_edit():
    return _l("Someone else saved this nomination meanwhile. Your changes were not saved; please look at it again.")


def apply_fields(nomination: Nomination, data: dict) -> None:
    for name, value in data.items():
        setattr(nomination, name, value)


def _flush_or_duplicate() -> None:
    """The partial unique index is the last word on one nomination per person per campaign
    (forms check first; this catches the race of two chairs saving the same person at once)."""
    try:
        db.session.flush()
    except IntegrityError:
        raise NominationError(ALREADY_NOMINATED, code="already_nominated") from None


def duplicate_id_number(nomination: Nomination | None, campaign_id: int, id_number: str | None) -> bool:
    """The forms' early answer to "already nominated", the same check the submit guard makes."""
    return already_nominated(campaign_id, id_number, other_than=nomination.id if nomination is not None else None)


# ---------------------------------------------------------------- attachments
def clean_filename(name: str) -> str:
    """Keep the user's name (Chinese included) but drop folders and control characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    return base.strip().lstrip(".")[:200] or "file"


def sniff_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} B"


def upload_folder() -> Path:
    return storage.folder("uploads")


@dataclass(frozen=True)
class StoredUpload:
    name: str
    content_type: str
    size: int
    sha256: str
    storage_name: str


def store_upload(upload) -> StoredUpload:
    """Check an upload's size and real type (sniffed, never the client's claim) and write it under
    a random name; removed again if the unit of work does not commit."""
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise NominationError(_l("The file is larger than the limit of %(size)s.", size=human_size(limit)))
    if not content:
        raise NominationError(_l("The file is empty."))
    content_type = sniff_type(content[:16])
    if content_type is None:
        raise NominationError(_l("Only PDF, JPEG and PNG files are accepted; this file is none of them."))
    if content_type.startswith("image/"):
        try:
            check_image(content, ATTACHMENT_MAX_PIXELS)
        except ImageRefused as refused:
            raise NominationError(refused.message) from None
    storage_name = uuid.uuid4().hex
    work.remove_unless_committed(storage.write("uploads", storage_name, content))
    return StoredUpload(name=clean_filename(upload.filename), content_type=content_type, size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(), storage_name=storage_name)


def add_attachment(nomination: Nomination, upload, actor: User) -> Attachment:
    """Attach a checked upload to the nomination (flushes; the caller commits)."""
    if len(nomination.attachments) >= MAX_ATTACHMENTS:
        raise NominationError(_l("A nomination can have at most %(count)d attachments.", count=MAX_ATTACHMENTS))
    stored = store_upload(upload)
    attachment = Attachment(nomination=nomination, original_name=stored.name, content_type=stored.content_type,
                            size=stored.size, sha256=stored.sha256, storage_name=stored.storage_name,
                            uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def attachment_path(attachment: Attachment) -> Path:
    return storage.path_of("uploads", attachment.storage_name)


def remove_attachment(attachment: Attachment) -> None:
    """Delete the row; its file goes once that has committed (a rollback keeps both)."""
    work.after_commit(attachment_path(attachment).unlink, missing_ok=True)
    db.session.delete(attachment)
    db.session.flush()


# ---------------------------------------------------------------- transitions
def perform_transition(nomination: Nomination, event: str, actor: User | None, comment: str = "", *,
                       expected_version: int | None = None, client_ip: str | None = None,
                       data: dict | None = None) -> AuditEntry:
    """Fire the event in the caller's unit of work: state, audit row, effects and the notifications
    (their e-mail leaves after the commit). Raises TransitionRefused or ConcurrentChange (whose message
    says who was first), both UserErrors."""
    entry = fire(nomination, event, actor, comment, client_ip=client_ip, expected_version=expected_version,
                 data=data)
    faults.reached("transition.before_commit")
    return entry
