"""County administration: campaigns, their honors, windows and quotas."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from workflow_app.admin.forms import CampaignForm, CertificateTemplateForm
from workflow_app.campaigns.models import Campaign, HonorType
from workflow_app.campaigns.services import (
    CAMPAIGN_FIELDS,
    create_campaign,
    quota_table,
    quota_units,
    save_campaign,
    save_certificate_template,
    set_quota,
)
from workflow_app.certificates.pdf import MissingGlyphs
from workflow_app.certificates.printing import preview_pdf
from workflow_app.core.forms import CsrfForm
from workflow_app.core.http import get_or_404
from workflow_app.core.images import ImageRefused, check_image
from workflow_app.extensions import db
from workflow_app.nominations.services import sniff_type
from workflow_app.policy import admin_counties, can_administer

bp = Blueprint("admin", __name__, url_prefix="/admin")
MAX_QUOTA = 100_000  # places per township and honor: far above any real quota


def _counties():
    counties = [unit for unit in admin_counties(current_user) if unit.level == "county"]
    if not counties:
        abort(403, _("Only a county administrator may open this page."))
    return counties


def _load_campaign(campaign_id: int) -> Campaign:
    campaign = get_or_404(Campaign, campaign_id)
    if not can_administer(current_user, campaign.county):
        abort(403)
    return campaign


def _campaign_form(campaign: Campaign | None) -> CampaignForm:
    form = CampaignForm(obj=campaign)
    form.honor_types.choices = [SelectChoice(ht.id, ht.name) for ht in
                                db.session.scalars(select(HonorType).where(HonorType.active)
                                                   .order_by(HonorType.sort_order))]
    if campaign is not None and request.method == "GET":
        form.honor_types.data = [ht.id for ht in campaign.honor_types]
    return form


def _values(form: CampaignForm) -> dict:
    return {name: form[name].data for name in (*CAMPAIGN_FIELDS, "honor_types")}


@bp.route("/campaigns")
@login_required
def campaigns():
    counties = _counties()
    rows = db.session.scalars(select(Campaign).where(Campaign.county_id.in_([c.id for c in counties]))
                              .order_by(Campaign.year.desc(), Campaign.id.desc())).all()
    return render_template("admin/campaigns.html", campaigns=rows)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required
def new_campaign():
    county = _counties()[0]
    form = _campaign_form(None)
    if form.validate_on_submit():
        campaign = create_campaign(county, _values(form))
        flash(_("Campaign created. Now set its quotas."), "success")
        return redirect(url_for(".quotas", campaign_id=campaign.id))
    return render_template("admin/campaign_form.html", form=form, campaign=None)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def edit_campaign(campaign_id: int):
    campaign = _load_campaign(campaign_id)
    form = _campaign_form(campaign)
    if form.validate_on_submit():
        save_campaign(campaign, _values(form))
        flash(_("Campaign saved."), "success")
        return redirect(url_for(".campaigns"))
    return render_template("admin/campaign_form.html", form=form, campaign=campaign)


@bp.route("/campaigns/<int:campaign_id>/quotas", methods=["GET", "POST"])
@login_required
def quotas(campaign_id: int):
    campaign = _load_campaign(campaign_id)
    units = quota_units(campaign)
    table = quota_table(campaign)
    errors: dict[str, str] = {}
    form = CsrfForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        wanted = {}
        for unit in units:
            for honor in campaign.honor_types:
                key = f"q-{unit.id}-{honor.id}"
                raw = (request.form.get(key) or "").strip()
                used = table.get((unit.id, honor.id)).used if (unit.id, honor.id) in table else 0
                if raw == "":
                    wanted[(unit, honor)] = None
                elif not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_QUOTA)) or int(raw) > MAX_QUOTA:
                    # ASCII digits only: "²" and "١٢" pass isdigit() but not int(), and the column is 32-bit
                    errors[key] = _("Enter a whole number up to %(max)d, or leave empty for no limit.",
                                    max=MAX_QUOTA)
                elif int(raw) < used:
                    errors[key] = _("%(used)d places are already used.", used=used)
                else:
                    wanted[(unit, honor)] = int(raw)
        if not errors:
            for (unit, honor), value in wanted.items():
                set_quota(campaign, honor, unit, value)
            flash(_("Quotas saved."), "success")
            return redirect(url_for(".quotas", campaign_id=campaign.id))
        flash(_("Some quotas were not valid; nothing was saved."), "danger")
    return render_template("admin/quotas.html", campaign=campaign, units=units, table=table,
                           errors=errors, form=form, posted=request.form)


# ---------------------------------------------------------------- certificate templates
# Every certificate decodes the seal and the background: a 42 mm seal needs ~1,000 pixels across and an
# A4 page at 300 dpi 3,508 × 2,480, so these limits leave room and keep a decompression bomb out.
IMAGE_MAX_BYTES = 5 * 1024 * 1024  # the message says 5 MB
SEAL_MAX_PIXELS = 16_000_000
BACKGROUND_MAX_PIXELS = 40_000_000


def _image(upload, allowed: tuple[str, ...], max_pixels: int) -> bytes | None:
    """The uploaded image's bytes if it really is one of ``allowed`` (sniffed, then its header read) and has
    at most ``max_pixels``."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    content = upload.read(IMAGE_MAX_BYTES + 1)
    if len(content) > IMAGE_MAX_BYTES:
        raise ValueError(_("The image is larger than 5 MB."))
    if not content:
        raise ValueError(_("The file is empty."))
    kind = sniff_type(content[:16])
    if kind not in allowed:
        raise ValueError(_("This file is not an image of the accepted type."))
    try:
        check_image(content, max_pixels)
    except ImageRefused as refused:
        raise ValueError(str(refused.message)) from None
    return content


def _load_honor_type(honor_type_id: int) -> HonorType:
    _counties()
    return get_or_404(HonorType, honor_type_id)


def _template_values(form: CertificateTemplateForm, honor_type: HonorType) -> dict:
    values = {name: form[name].data or "" for name in
              ("certificate_title", "certificate_wording", "issuer", "number_prefix", "number_format")}
    values["seal_png"] = None if form.remove_seal.data else honor_type.seal_png
    values["background_image"] = None if form.remove_background.data else honor_type.background_image
    seal = _image(form.seal.data, ("image/png",), SEAL_MAX_PIXELS)
    background = _image(form.background.data, ("image/png", "image/jpeg"), BACKGROUND_MAX_PIXELS)
    if seal:
        values["seal_png"] = seal
    if background:
        values["background_image"] = background
    return values


@bp.route("/honor-types")
@login_required
def honor_types():
    _counties()
    rows = db.session.scalars(select(HonorType).order_by(HonorType.sort_order)).all()
    return render_template("admin/honor_types.html", honor_types=rows)


@bp.route("/honor-types/<int:honor_type_id>/certificate", methods=["GET", "POST"])
@login_required
def certificate_template(honor_type_id: int):
    honor_type = _load_honor_type(honor_type_id)
    form = CertificateTemplateForm(obj=honor_type)
    if form.validate_on_submit():
        try:
            values = _template_values(form, honor_type)
        except ValueError as error:
            flash(str(error), "danger")
        else:
            save_certificate_template(honor_type, values)
            flash(_("Template saved. Certificates issued from now on use it; issued ones keep their text."),
                  "success")
            return redirect(url_for(".certificate_template", honor_type_id=honor_type.id))
    return render_template("admin/certificate_template.html", form=form, honor_type=honor_type)


@bp.route("/honor-types/<int:honor_type_id>/certificate/preview", methods=["POST"])
@login_required
def certificate_preview(honor_type_id: int):
    """The form's values, unsaved, on a sample certificate."""
    honor_type = _load_honor_type(honor_type_id)
    form = CertificateTemplateForm()
    if not form.validate_on_submit():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        abort(400, errors or _("The template is not valid."))
    try:
        values = _template_values(form, honor_type)
    except ValueError as error:
        abort(400, str(error))
    try:
        content = preview_pdf(honor_type, values)
    except MissingGlyphs as missing:
        abort(422, str(missing))
    return send_file(io.BytesIO(content), mimetype="application/pdf", download_name="preview.pdf")
