"""Downloads of lists as spreadsheets. POST only: every export writes its log row."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflow_app.campaigns.models import Campaign
from workflow_app.core.timeutil import china_today
from workflow_app.core.xlsx import xlsx_response
from workflow_app.exports.nominations import download_name, export_nominations, may_export_full, start_export
from workflow_app.extensions import db
from workflow_app.jobs.services import common_unit
from workflow_app.nominations.queries import ListFilters, list_count
from workflow_app.policy import visible_filter

bp = Blueprint("exports", __name__, url_prefix="/exports")

def list_args(filters: ListFilters) -> dict:
    """The list page's query string for ``filters`` (to go back to the same list)."""
    args = {"campaign": filters.campaign_id, "honor_type": filters.honor_type_id, "township": filters.township_id,
            "state": filters.state, "q": filters.q, "sort": filters.sort}
    return {key: value for key, value in args.items() if value}


@bp.route("/nominations", methods=["POST"])
@login_required
def nominations():
    """The list page's rows (same filters, same visibility) as .xlsx; full ID numbers on request."""
    filters = ListFilters.from_args(request.form)
    full = request.form.get("full") == "1"
    if full and not may_export_full(current_user):
        abort(403, _("Only a county administrator may export full ID numbers and phones."))
    if full and request.form.get("confirm") != "1":
        flash(_("Tick the box to confirm that you need the full ID numbers and phones."), "warning")
        return redirect(url_for("nominations.index", **list_args(filters)))
    if list_count(visible_filter(current_user), filters) > current_app.config["EXPORT_JOB_THRESHOLD"]:
        campaign = db.session.get(Campaign, filters.campaign_id) if filters.campaign_id else None
        unit = campaign.county if campaign else common_unit(current_user)
        job = start_export(current_user, filters, full=full, unit=unit, client_ip=request.remote_addr)
        return redirect(url_for("jobs.show", job_id=job.id))
    content, _count = export_nominations(visible_filter(current_user), filters, full=full, actor=current_user,
                                         client_ip=request.remote_addr)
    campaign = db.session.get(Campaign, filters.campaign_id) if filters.campaign_id else None
    return xlsx_response(content, download_name(f"{campaign.year}{campaign.name}" if campaign else None,
                                                china_today()))
