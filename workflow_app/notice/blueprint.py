"""Public notice (公示): the public page and objection form, the county's entries, exports and holidays."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from workflow_app.campaigns.models import Campaign
from workflow_app.certificates.pdf import MissingGlyphs
from workflow_app.core import work
from workflow_app.core.errors import UserError
from workflow_app.core.formats import day_text
from workflow_app.core.forms import CsrfForm
from workflow_app.core.http import get_or_404, parse_id, refusals_go_to
from workflow_app.core.timeutil import china_today
from workflow_app.extensions import db, limiter
from workflow_app.nominations.models import Nomination
from workflow_app.nominations.queries import Page
from workflow_app.nominations.services import form_key
from workflow_app.notice import services
from workflow_app.notice.forms import EnteredObjectionForm, HolidayForm, ObjectionForm
from workflow_app.notice.models import Holiday, Objection
from workflow_app.notice.pdf import NoticeDocument, NoticeEntry, NoticeLabels, render_notice
from workflow_app.policy import admin_counties, can_administer, can_view

bp = Blueprint("notice", __name__)


def _public_url(endpoint: str, **values) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    return base + url_for(endpoint, **values) if base else url_for(endpoint, _external=True, **values)


# ---------------------------------------------------------------- public
@bp.route("/notice")
def index():
    """Everyone under a notice that still runs, per campaign. No login: the address goes on the paper poster."""
    campaign_id = parse_id(request.args.get("campaign"))
    size = services.NOTICE_PAGE_SIZE
    page = Page(items=[], total=services.notice_count(campaign_id), page=parse_id(request.args.get("page")) or 1,
                per_page=size)
    rows = services.notice_rows(campaign_id, limit=size, offset=(min(page.page, page.pages) - 1) * size)
    groups = [(campaign, rows, services.period_of(rows)) for campaign, rows in rows]
    return render_template("notice/index.html", groups=groups, page=page)


def _load_open_for_objection(nomination_id: int) -> Nomination:
    nomination = get_or_404(Nomination, nomination_id)
    if services.notice_is_over(nomination, china_today()):
        abort(404, str(services.notice_over_message(nomination)))
    if not services.accepts_objections(nomination):
        abort(404, _("This nominee is not under public notice; objections are closed."))
    return nomination


def _objection_limit() -> str:
    return current_app.config["OBJECTION_RATE_LIMIT"]


@bp.route("/notice/<int:nomination_id>/object", methods=["GET", "POST"])
@limiter.limit(_objection_limit, methods=["POST"])
def object_to(nomination_id: int):
    """A real-name objection from anyone, with a honeypot and a minimum time on the page against bots."""
    nomination = _load_open_for_objection(nomination_id)
    form = ObjectionForm()
    status = 200
    if request.method == "POST":
        problem = None
        if form.website.data:  # a person never sees this field
            problem = _("The form could not be accepted. Please load it again and resend.")
        else:
            problem = services.token_problem(form.token.data, nomination.id)
        if problem is not None:
            flash(str(problem), "danger")
            status = 400
        elif form.validate_on_submit():
            try:
                services.record_objection(nomination, name=form.objector_name.data,
                                          contact=form.objector_contact.data, text=form.text.data,
                                          upload=form.attachment.data, channel="online",
                                          client_ip=request.remote_addr, key=services.submission_key(form.token.data))
            except services.SentTwice:
                work.rollback()  # the other request recorded this very form: say it was received
                return render_template("notice/objection_received.html", nomination=nomination)
            except UserError as error:
                flash(str(error.message), "danger")
                status = 400
            else:
                return render_template("notice/objection_received.html", nomination=nomination)
        else:
            status = 400
    form.website.data = ""
    form.token.data = services.form_token(nomination.id)
    township = services.township_name(nomination.org_unit)
    return render_template("notice/object.html", nomination=nomination, form=form, township=township), status


# ---------------------------------------------------------------- county: objections by phone or letter
def _load_for_county(nomination_id: int) -> Nomination:
    nomination = get_or_404(Nomination, nomination_id)
    if not can_view(current_user, nomination):
        abort(403)
    return nomination


@bp.route("/nominations/<int:nomination_id>/objections", methods=["POST"])
@login_required
def enter_objection(nomination_id: int):
    """A county reviewer types in an objection received by phone or letter."""
    nomination = _load_for_county(nomination_id)
    if not services.may_enter_objection(current_user, nomination):
        abort(403, _("Only a county reviewer may enter objections received by phone or letter."))
    form = EnteredObjectionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
        return redirect(url_for("nominations.show", nomination_id=nomination.id) + "#objections")
    back = url_for("nominations.show", nomination_id=nomination.id) + "#objections"
    refusals_go_to(back)
    try:
        services.record_objection(nomination, name=form.objector_name.data, contact=form.objector_contact.data,
                                  text=form.text.data, upload=form.attachment.data, channel=form.channel.data,
                                  entered_by=current_user, client_ip=request.remote_addr,
                                  key=form_key(form.form_key.data))
    except services.SentTwice:
        work.rollback()  # the other request recorded this very form
    flash(_("The objection is recorded; the nomination is back in county review until it is resolved."), "success")
    return redirect(url_for("nominations.show", nomination_id=nomination.id) + "#objections")


@bp.route("/notice/objections/<int:objection_id>/attachment")
@login_required
def objection_attachment(objection_id: int):
    objection = get_or_404(Objection, objection_id)
    nomination = objection.nomination
    if not can_view(current_user, nomination):
        abort(403)
    if not services.may_see_objector(current_user, nomination):
        abort(403, _("Only the county may see what objectors sent."))
    if not objection.attachment_storage:
        abort(404)
    path = services.objection_file(objection)
    if not path.exists():
        abort(404, _("The file is missing from storage; ask an administrator to restore it."))
    return send_file(path, mimetype=objection.attachment_type, as_attachment=request.args.get("inline") != "1",
                     download_name=objection.attachment_name, max_age=0)


# ---------------------------------------------------------------- county admin: exports
def _admin_campaign(campaign_id: int) -> Campaign:
    campaign = get_or_404(Campaign, campaign_id)
    if not can_administer(current_user, campaign.county) or not any(
            a.role == "admin" and a.org_unit.level == "county" for a in current_user.roles):
        abort(403, _("Only a county administrator may open this page."))
    return campaign


def _campaign_rows(campaign: Campaign):
    groups = services.notice_rows(campaign.id)
    return groups[0][1] if groups else []


@bp.route("/notice/<int:campaign_id>/document")
@login_required
def document(campaign_id: int):
    """The notice as a document to print and post."""
    campaign = _admin_campaign(campaign_id)
    rows = _campaign_rows(campaign)
    return render_template("notice/document.html", campaign=campaign, rows=rows, period=services.period_of(rows),
                           notice_url=_public_url("notice.index"), today=china_today())


def notice_labels() -> NoticeLabels:
    """The notice PDF's words in the reader's language; formats are filled in by the PDF layer."""
    return NoticeLabels(
        locale=str(get_locale() or "zh_Hans_CN"),
        title=_("Public notice"),
        headers=(_("No."), _("Name"), _("Unit"), _("Township"), _("Honor"), _("Main deeds")),
        intro=_("After recommendation by the grassroots unions and review at every level, %(issuer)s proposes "
                "to honour the following %(count)d nominee(s) of the %(campaign)s and publishes them for public "
                "notice. The notice runs %(period)s (until 24:00 China time on the last day)."),
        period=_("from %(start)s to %(end)s"),
        how_to_object=_("Anyone with an objection to a nominee may submit it under their real name during the "
                        "notice period: online at %(url)s, or by phone or letter to %(issuer)s. Give facts, your "
                        "real name and a way to reach you; anonymous objections or objections without facts are "
                        "not accepted. Objectors' identities are kept confidential."),
        document_title=_("Public notice: %(campaign)s"),
    )


@bp.route("/notice/<int:campaign_id>/notice.pdf")
@login_required
def pdf(campaign_id: int):
    campaign = _admin_campaign(campaign_id)
    rows = _campaign_rows(campaign)
    starts, ends = services.period_of(rows)
    data = NoticeDocument(
        campaign=_("%(year)d %(name)s", year=campaign.year, name=campaign.name), issuer=campaign.county.name,
        entries=[NoticeEntry(name=r.nomination.nominee_name, unit=r.unit, township=r.township, honor=r.honor,
                             deeds=r.nomination.deeds_summary or "") for r in rows],
        starts_on=starts, ends_on=ends, object_url=_public_url("notice.index"), issued_on=china_today(),
        labels=notice_labels())
    buffer = io.BytesIO()
    try:
        render_notice(data, buffer)
    except MissingGlyphs as missing:
        return render_template("certificates/missing_glyphs.html", characters=missing.characters), 422
    buffer.seek(0)
    return send_file(buffer, mimetype="application/pdf", download_name=f"notice-{campaign.id}.pdf",
                     as_attachment=False, max_age=0)


# ---------------------------------------------------------------- county admin: holidays
def _county_admin() -> None:
    if not any(unit.level == "county" for unit in admin_counties(current_user)):
        abort(403, _("Only a county administrator may open this page."))


@bp.route("/admin/holidays", methods=["GET", "POST"])
@login_required
def holidays():
    """Public holidays and 调休 working weekend days, for notices counted in working days."""
    _county_admin()
    form = HolidayForm()
    if form.validate_on_submit():
        day = form.day.data
        services.save_holiday(day, form.name.data, bool(form.working.data))
        flash(_("Saved %(day)s.", day=day_text(day)), "success")
        return redirect(url_for(".holidays", year=day.year))
    year = request.args.get("year", type=int) or china_today().year
    if not 2000 <= year <= 2100:
        abort(404)
    rows = db.session.scalars(select(Holiday).where(Holiday.day.between(date(year, 1, 1), date(year, 12, 31)))
                              .order_by(Holiday.day)).all()
    return render_template("notice/holidays.html", form=form, rows=rows, year=year, delete_form=CsrfForm())


@bp.route("/admin/holidays/<day>/delete", methods=["POST"])
@login_required
def delete_holiday(day: str):
    _county_admin()
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        abort(404)
    row = db.session.get(Holiday, parsed)  # a day, not a numeric id
    if row is None:
        abort(404)
    if not CsrfForm().validate_on_submit():
        abort(400)
    services.delete_holiday(row)
    flash(_("Removed %(day)s.", day=day_text(parsed)), "info")
    return redirect(url_for(".holidays", year=parsed.year))



@bp.app_template_filter("long_date")
def long_date(day) -> str:
    """A calendar day in China as people write it: 2026年3月2日 / March 2, 2026."""
    return format_date(day, "long") if day else ""


@bp.record_once
def _template_globals(state) -> None:
    state.app.jinja_env.globals.update(objection_status=services.STATUS_LABELS,
                                       objection_channel=services.CHANNEL_LABELS)
