"""The nomination summary list (汇总表) as a spreadsheet: the list page's rows, filters and order.

ID numbers and phones are masked unless ``full`` is asked for; only county administrators (and the
command line, an administrator's act) may ask. Every export, masked or full, is logged."""

from __future__ import annotations

from dataclasses import asdict
from typing import BinaryIO

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, select

from states.nomination import STATE_LABELS
from workflow_app.auth.models import User
from workflow_app.campaigns.models import Campaign
from workflow_app.core.idnumber import mask_id_number, mask_phone
from workflow_app.core.timeutil import china_today
from workflow_app.core.xlsx import XLSX, CellValue, Column, write_sheet, write_sheet_to
from workflow_app.exports.services import record_export
from workflow_app.extensions import db
from workflow_app.jobs.kinds import Result
from workflow_app.jobs.models import Job
from workflow_app.jobs.services import Progress, create_job
from workflow_app.nominations.fields import FIELD_LABELS, choice_label
from workflow_app.nominations.models import Nomination
from workflow_app.nominations.queries import ListFilters, list_ids, list_select
from workflow_app.orgs.models import OrgUnit
from workflow_app.policy import is_county_admin, visible_filter

KIND = "nominations"
JOB_KIND = "nomination_export"
JOB_CHUNK = 500


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


def start_export(actor: User, filters: ListFilters, *, full: bool, unit: OrgUnit, client_ip: str | None) -> Job:
    """A queued export job (flushed; the caller commits and dispatches). It runs under the same
    visibility as the list page, computed for ``actor`` when the job runs."""
    params = {"filters": filters_record(filters), "full": full, "client_ip": client_ip}
    return create_job(JOB_KIND, params, actor, unit)


def run_export_job(job: Job, out: BinaryIO, progress: Progress) -> Result:
    """The job: the ids in list order, then the rows a chunk at a time into a streamed sheet."""
    actor = db.session.get(User, job.created_by_id)
    filters = ListFilters(**job.params["filters"])
    full = job.params["full"] and may_export_full(actor)
    ids = list_ids(visible_filter(actor), filters)
    progress.start(len(ids))

    def rows():
        number = 0
        for start in range(0, len(ids), JOB_CHUNK):
            chunk = ids[start:start + JOB_CHUNK]
            loaded = {n.id: n for n in db.session.scalars(select(Nomination).where(Nomination.id.in_(chunk)))}
            for nomination_id in chunk:
                if nomination_id in loaded:
                    number += 1
                    yield row(number, loaded[nomination_id], full=full)
            progress.advance(len(chunk))

    with force_locale(actor.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):  # headers in the reader's words
        count = write_sheet_to(out, _("Nomination summary"), columns(), rows())
        campaign = db.session.get(Campaign, filters.campaign_id) if filters.campaign_id else None
        filename = download_name(f"{campaign.year}{campaign.name}" if campaign else None, china_today())
    record_export(KIND, actor=actor, filters=filters_record(filters), row_count=count, full=full,
                  client_ip=job.params.get("client_ip"))
    return Result(filename, XLSX)


def download_name(campaign_name: str | None, today) -> str:
    """e.g. ``推荐对象汇总表-2026测试评选-20261201.xlsx`` (the words in the reader's language)."""
    parts = [_("Nomination summary")] + ([campaign_name] if campaign_name else []) + [f"{today:%Y%m%d}"]
    return "-".join(part.replace("/", "-") for part in parts) + ".xlsx"
