"""County administration: campaigns, their honors, windows and quotas."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from workflow_app.admin.forms import CampaignForm
from workflow_app.campaigns.models import Campaign, HonorType
from workflow_app.campaigns.services import quota_table, quota_units, set_quota
from workflow_app.extensions import db
from workflow_app.nominations.forms import DeleteForm
from workflow_app.policy import admin_counties, can_administer
from workflow_app.web import get_or_404

bp = Blueprint("admin", __name__, url_prefix="/admin")


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


def _save(form: CampaignForm, campaign: Campaign) -> None:
    for name in ("name", "year", "opens_on", "closes_on", "notice_days", "notice_working_days",
                 "vote_quorum_numerator", "vote_quorum_denominator"):
        setattr(campaign, name, form[name].data)
    campaign.honor_types = list(db.session.scalars(select(HonorType).where(HonorType.id.in_(form.honor_types.data))))


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
        campaign = Campaign(county=county)
        _save(form, campaign)
        db.session.add(campaign)
        db.session.commit()
        flash(_("Campaign created. Now set its quotas."), "success")
        return redirect(url_for(".quotas", campaign_id=campaign.id))
    return render_template("admin/campaign_form.html", form=form, campaign=None)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def edit_campaign(campaign_id: int):
    campaign = _load_campaign(campaign_id)
    form = _campaign_form(campaign)
    if form.validate_on_submit():
        _save(form, campaign)
        db.session.commit()
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
    form = DeleteForm()
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
                elif not raw.isdigit():
                    errors[key] = _("Enter a whole number, or leave empty for no limit.")
                elif int(raw) < used:
                    errors[key] = _("%(used)d places are already used.", used=used)
                else:
                    wanted[(unit, honor)] = int(raw)
        if not errors:
            for (unit, honor), value in wanted.items():
                set_quota(campaign, honor, unit, value)
            db.session.commit()
            flash(_("Quotas saved."), "success")
            return redirect(url_for(".quotas", campaign_id=campaign.id))
        flash(_("Some quotas were not valid; nothing was saved."), "danger")
    return render_template("admin/quotas.html", campaign=campaign, units=units, table=table,
                           errors=errors, form=form, posted=request.form)
