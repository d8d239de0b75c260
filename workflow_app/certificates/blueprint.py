"""Certificates: issuing and printing (county admins), and the public verification page."""

from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from workflow_app.campaigns.models import Campaign, HonorType
from workflow_app.certificates import batch
from workflow_app.certificates.models import Certificate
from workflow_app.certificates.paper_forms import approval_form_data
from workflow_app.certificates.pdf import MissingGlyphs, render_approval_form
from workflow_app.certificates.printing import print_certificates
from workflow_app.certificates.services import batch_query, find_by_number, record_prints, verified_by_token
from workflow_app.certificates.storage import stored_pdf
from workflow_app.core import work
from workflow_app.core.errors import UserError
from workflow_app.core.forms import CsrfForm
from workflow_app.core.http import get_or_404, parse_id
from workflow_app.core.pagecache import render_cached
from workflow_app.core.timeutil import utcnow
from workflow_app.extensions import db, limiter
from workflow_app.nominations.models import Nomination
from workflow_app.nominations.services import perform_transition
from workflow_app.policy import admin_counties, can_administer, can_view

bp = Blueprint("certificates", __name__)


def _county_admin():
    counties = [unit for unit in admin_counties(current_user) if unit.level == "county"]
    if not counties:
        abort(403, _("Only a county administrator may open this page."))
    return counties


def _admin_of(certificate: Certificate) -> None:
    if not can_administer(current_user, certificate.nomination.org_unit):
        abort(403)


def _pdf_response(render, filename: str):
    """Render into memory first: a refusal (missing characters) must not leave half a file."""
    buffer = io.BytesIO()
    try:
        render(buffer)  # and log the print, if it is one
    except MissingGlyphs as missing:
        return render_template("certificates/missing_glyphs.html", characters=missing.characters), 422
    buffer.seek(0)
    return send_file(buffer, mimetype="application/pdf", download_name=filename, as_attachment=False)


@bp.route("/certificates/")
@login_required
def index():
    counties = _county_admin()
    campaigns = db.session.scalars(select(Campaign).where(Campaign.county_id.in_([c.id for c in counties]))
                                   .order_by(Campaign.year.desc(), Campaign.id.desc())).all()
    campaign_id = parse_id(request.args.get("campaign")) or (campaigns[0].id if campaigns else None)
    honor_type_id = parse_id(request.args.get("honor_type"))
    waiting = issued = []
    if campaign_id:
        waiting_query = select(Nomination).where(Nomination.campaign_id == campaign_id,
                                                 Nomination.state == "approved")
        if honor_type_id:
            waiting_query = waiting_query.where(Nomination.honor_type_id == honor_type_id)
        waiting = db.session.scalars(waiting_query.order_by(Nomination.quota_unit_id, Nomination.org_unit_id,
                                                            Nomination.id)).all()
        issued = db.session.scalars(batch_query(campaign_id, honor_type_id, include_revoked=True)).all()
    return render_template("certificates/index.html", campaigns=campaigns, campaign_id=campaign_id,
                           honor_types=db.session.scalars(select(HonorType).order_by(HonorType.sort_order)).all(),
                           honor_type_id=honor_type_id, waiting=waiting, issued=issued, form=CsrfForm())


@bp.route("/certificates/issue", methods=["POST"])
@login_required
def issue():
    _county_admin()
    if not CsrfForm().validate_on_submit():
        abort(400)
    ids = [number for number in (parse_id(v) for v in request.form.getlist("nomination")) if number]
    if not ids:
        flash(_("Select at least one nomination."), "warning")
        return redirect(request.referrer or url_for(".index"))
    done, failed = [], []
    for nomination_id in ids:  # each its own unit of work: one refusal does not hold back the others
        nomination = db.session.get(Nomination, nomination_id)
        if nomination is None or not can_view(current_user, nomination):
            failed.append((str(nomination_id), _("Not found.")))
            continue
        name = nomination.nominee_name
        try:
            with work.unit():
                perform_transition(nomination, "certify", current_user, client_ip=request.remote_addr)
            done.append(name)
        except UserError as refusal:
            failed.append((name, str(refusal.message)))
        except Exception:  # rolled back whole (number, file, audit row): say so and go on with the others
            current_app.logger.exception("issuing the certificate of nomination %s failed", nomination_id)
            failed.append((name, _("an unexpected error; nothing was issued for it. Please try again.")))
    if done:
        flash(_("Certificates issued: %(count)d (%(names)s).", count=len(done), names="、".join(done)), "success")
    for name, reason in failed:
        flash(_("Not issued for %(name)s: %(reason)s", name=name, reason=reason), "danger")
    return redirect(request.referrer or url_for(".index"))


@bp.route("/certificates/<int:certificate_id>.pdf")
@login_required
def pdf(certificate_id: int):
    certificate = get_or_404(Certificate, certificate_id)
    if not can_view(current_user, certificate.nomination):
        abort(403)
    if certificate.is_revoked:
        abort(409, _("This certificate was revoked; it cannot be printed."))
    stored = stored_pdf(certificate)
    if stored is not None:  # the document as issued
        record_prints([certificate], current_user, utcnow())
        # Read whole (one page, ~100 KB): no file handle outlives the request.
        return send_file(io.BytesIO(stored.read_bytes()), mimetype="application/pdf",
                         download_name=f"{certificate.number}.pdf", as_attachment=False, max_age=0)
    return _pdf_response(lambda out: print_certificates([certificate], current_user, out),
                         f"{certificate.number}.pdf")


@bp.route("/certificates/print", methods=["GET", "POST"])
@login_required
def print_batch():
    """Selected certificates or a whole campaign / honor type (POST; GET for a campaign), as one PDF
    made now; past ``PRINT_JOB_THRESHOLD`` certificates, as a background job (a zip of PDFs)."""
    counties = _county_admin()
    selection: dict = {}
    if request.method == "POST":
        if not CsrfForm().validate_on_submit():
            abort(400)
        if request.form.getlist("certificate"):
            ids = [number for number in (parse_id(v) for v in request.form.getlist("certificate")) if number]
            selection = {"certificate_ids": ids}
        else:
            selection = {"campaign_id": parse_id(request.form.get("campaign")),
                         "honor_type_id": parse_id(request.form.get("honor_type"))}
    else:
        selection = {"campaign_id": parse_id(request.args.get("campaign")),
                     "honor_type_id": parse_id(request.args.get("honor_type"))}
    if "certificate_ids" in selection:
        certificates = db.session.scalars(select(Certificate).where(Certificate.id.in_(selection["certificate_ids"]))
                                          .options(lazyload(Certificate.nomination))).all()
        for certificate in certificates:
            _admin_of(certificate)
        campaign = certificates[0].nomination.campaign if certificates else None
    else:
        if selection["campaign_id"] is None:
            abort(400, _("Choose a campaign."))
        campaign = get_or_404(Campaign, selection["campaign_id"])
        if not any(county.contains(campaign.county) for county in counties):
            abort(403)
    entries = db.session.execute(batch.selection_query(current_user, **selection)).all() if campaign else []
    if not entries:
        flash(_("There is nothing to print."), "warning")
        return redirect(url_for(".index"))
    if len(entries) > current_app.config["PRINT_JOB_THRESHOLD"]:
        if request.method != "POST":  # a GET never starts work that writes
            flash(_("This batch is large: use “Print all shown” to make it in the background."), "info")
            return redirect(url_for(".index", campaign=campaign.id, honor_type=selection.get("honor_type_id") or ""))
        job = batch.start_batch(current_user, campaign, honor_type_id=selection.get("honor_type_id"),
                                certificate_ids=selection.get("certificate_ids"))
        return redirect(url_for("jobs.show", job_id=job.id))
    ordered = {row[0]: index for index, row in enumerate(entries)}
    certificates = sorted(db.session.scalars(select(Certificate).where(Certificate.id.in_(list(ordered)))),
                          key=lambda c: ordered[c.id])
    return _pdf_response(lambda out: print_certificates(certificates, current_user, out), "certificates.pdf")


@bp.route("/verify/<token>")
def verify(token: str):
    certificate = verified_by_token(token)
    if certificate is None:
        return render_template("certificates/verify.html", certificate=None, searched=True), 404
    # Everything the page prints, read just now: a revocation shows on the next request (and changes the tag).
    return render_cached(certificate, "certificates/verify.html", certificate=certificate)


@bp.route("/verify", methods=["GET"])
@limiter.limit(lambda: current_app.config.get("VERIFY_RATE_LIMIT", "30 per minute"))
def verify_lookup():
    number, code = request.args.get("number", ""), request.args.get("code", "")
    if not number and not code:
        return render_template("certificates/verify.html", certificate=None, searched=False)
    certificate = find_by_number(number, code)
    status = 200 if certificate else 404
    return render_template("certificates/verify.html", certificate=certificate, searched=True,
                           number=number, code=code), status


@bp.route("/nominations/<int:nomination_id>/approval-form.pdf")
@login_required
def approval_form(nomination_id: int):
    """推荐审批表: the paper form with every level's opinion, for anyone who may see the nomination."""
    nomination = get_or_404(Nomination, nomination_id)
    if not can_view(current_user, nomination):
        abort(403)
    return _pdf_response(lambda out: render_approval_form(approval_form_data(nomination), out),
                         f"approval-form-{nomination.id}.pdf")
