"""The nomination summary list (汇总表) as a spreadsheet: the list page's rows, filters and order.

ID numbers and phones are masked unless ``full`` is asked for; only county administrators (and the
command line, an administrator's act) may ask. Every export, masked or full, is logged."""

from __future__ import annotations

from dataclasses import asdict

from flask_babel import gettext as _
from sqlalchemy import ColumnElement

from states.nomination import STATE_LABELS
from workflow_app.auth.models import User
from workflow_app.core.idnumber import mask_id_number, mask_phone
from workflow_app.core.xlsx import CellValue, Column, write_sheet
from workflow_app.exports.services import record_export
from workflow_app.extensions import db
from workflow_app.nominations.fields import FIELD_LABELS, choice_label
from workflow_app.nominations.models import Nomination
from workflow_app.nominations.queries import ListFilters, list_select
from workflow_app.policy import is_county_admin

KIND = "nominations"


def may_export_full(user: User) -> bool:
    """Full ID numbers and phones are for county administrators only."""
    return is_county_admin(user)


def columns() -> list[Column]:
    """The headers, in the reader's language (the app's own labels)."""
    return [
        Column(_("No."), width=6),
        Column(_("Nominee")),
        Column(str(FIELD_LABELS["gender"])),
        Column(str(FIELD_LABELS["ethnicity"])),
        Column(str(FIELD_LABELS["birth_date"]), width=12),
        Column(str(FIELD_LABELS["political_status"])),
        Column(_("Unit")),
        Column(_("Township")),
        Column(_("Honor")),
        Column(_("State")),
        Column(str(FIELD_LABELS["id_number"]), width=22),
        Column(str(FIELD_LABELS["phone"]), width=16),
        Column(_("Submitted at"), width=18),
        Column(_("Updated"), width=18),
    ]


def row(number: int, nomination: Nomination, *, full: bool) -> list[CellValue]:
    township = nomination.quota_unit
    return [
        number,
        nomination.nominee_name,
        choice_label("gender", nomination.gender) or None,
        nomination.ethnicity,
        nomination.birth_date,
        choice_label("political_status", nomination.political_status) or None,
        nomination.org_unit.name,
        township.name if township.level == "township" else _("County-direct"),
        nomination.honor_type.name,
        str(STATE_LABELS.get(nomination.state, nomination.state)),
        (nomination.id_number if full else mask_id_number(nomination.id_number)) or None,
        (nomination.phone if full else mask_phone(nomination.phone)) or None,
        nomination.submitted_at,
        nomination.updated_at,
    ]


def filters_record(filters: ListFilters) -> dict:
    """The filters worth keeping in the log (paging is not one)."""
    record = asdict(filters)
    record.pop("page", None)
    return {key: value for key, value in record.items() if value not in (None, "")}


def export_nominations(where: ColumnElement[bool], filters: ListFilters, *, full: bool, actor: User | None,
                       client_ip: str | None = None) -> tuple[bytes, int]:
    """The .xlsx of every nomination ``where`` admits under ``filters``, and its row count.
    Adds the ``export_log`` row (flushed, not committed: the caller commits once the file is made)."""
    nominations = db.session.scalars(list_select(where, filters)).unique().all()
    content = write_sheet(_("Nomination summary"), columns(),
                          (row(number, n, full=full) for number, n in enumerate(nominations, start=1)))
    record_export(KIND, actor=actor, filters=filters_record(filters), row_count=len(nominations), full=full,
                  client_ip=client_ip)
    return content, len(nominations)


def download_name(campaign_name: str | None, today) -> str:
    """e.g. ``推荐对象汇总表-2026测试评选-20261201.xlsx`` (the words in the reader's language)."""
    parts = [_("Nomination summary")] + ([campaign_name] if campaign_name else []) + [f"{today:%Y%m%d}"]
    return "-".join(part.replace("/", "-") for part in parts) + ".xlsx"
