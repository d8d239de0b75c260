"""Statistics pages: reports filed by townships and reviewed by the county, the yearly targets,
the county dashboard and the campaign dashboard. Thin handlers: load, check access, act."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload
from wtforms import SelectChoice

from states.engine import TransitionRefused
from states.statistics_report import EVENT_LABELS, STATE_LABELS, available_events, describe
from workflow_app.campaigns.models import Campaign
from workflow_app.core.forms import CsrfForm
from workflow_app.core.http import get_or_404, parse_id, refusals_go_to
from workflow_app.core.timeutil import china_today
from workflow_app.core.xlsx import xlsx_response
from workflow_app.extensions import db
from workflow_app.policy import can_administer, can_view_report, filing_units, report_filter, statistics_counties
from workflow_app.stats import services
from workflow_app.stats.charts import dashboard_charts
from workflow_app.stats.export import download_name, export_statistics
from workflow_app.stats.forms import (
    FIGURE_LABELS,
    MEASURE_LABELS,
    TARGET_LABELS,
    PeriodForm,
    ReportActionForm,
    ReportForm,
    TargetForm,
    period_label,
    quarter_choices,
)
from workflow_app.stats.models import WHOLE_YEAR, StatisticsReport
from workflow_app.stats.queries import MEASURES, SORT_KEYS, Row, campaign_dashboard, county_dashboard
from workflow_app.stats.rules import filing_assignment

bp = Blueprint("stats", __name__, url_prefix="/stats")


@bp.context_processor
def labels():
    return {"FIGURE_LABELS": FIGURE_LABELS, "MEASURE_LABELS": MEASURE_LABELS, "TARGET_LABELS": TARGET_LABELS,
            "REPORT_STATE_LABELS": STATE_LABELS, "REPORT_EVENT_LABELS": EVENT_LABELS, "MEASURES": MEASURES,
            "period_label": period_label}


@bp.app_context_processor
def navigation():
    def sees_statistics() -> bool:
        """Township reviewers and county staff; branch chairs and branch reviewers do not file statistics."""
        return current_user.is_authenticated and any(
            a.role in ("reviewer", "admin") and a.org_unit.level in ("province", "city", "county", "township")
            for a in current_user.roles)

    return {"sees_statistics": sees_statistics}


def _period_args() -> tuple[int | None, int]:
    year = parse_id(request.args.get("year"))
    quarter = parse_id(request.args.get("quarter")) or WHOLE_YEAR
    return year, quarter if quarter <= 4 else WHOLE_YEAR


def _load_report(report_id: int) -> StatisticsReport:
    report = get_or_404(StatisticsReport, report_id)
    if not can_view_report(current_user, report):
        abort(403)
    return report


# ---------------------------------------------------------------- the county dashboard
@bp.route("/")
@login_required
def index():
    if statistics_counties(current_user):
        return redirect(url_for(".dashboard"))
    return redirect(url_for(".reports"))


def _latest_year(county) -> int:
    """The latest year with an accepted yearly report in the county, else this year."""
    year = db.session.scalar(
        select(func.max(StatisticsReport.year)).where(
            report_filter(current_user), StatisticsReport.state == "accepted", StatisticsReport.quarter == WHOLE_YEAR))
    return year or china_today().year


@bp.route("/dashboard")
@login_required
def dashboard():
    counties = statistics_counties(current_user)
    if not counties:
        abort(403, _("The county dashboard is for county reviewers and administrators."))
    chosen = parse_id(request.args.get("county"))
    county = next((unit for unit in counties if unit.id == chosen), counties[0])
    year, quarter = _period_args()
    year = year or _latest_year(county)
    sort = request.args.get("sort", "")
    board = county_dashboard(county, year, quarter, sort if sort.lstrip("-") in SORT_KEYS else "")
    campaigns = db.session.scalars(select(Campaign).where(Campaign.county_id == county.id)  # links: year and name
                                   .order_by(Campaign.year.desc(), Campaign.id.desc()).limit(5)
                                   .options(lazyload(Campaign.county), lazyload(Campaign.honor_types))).all()
    return render_template("stats/dashboard.html", board=board, counties=counties, sort=sort, campaigns=campaigns,
                           quarters=quarter_choices(), charts=dashboard_charts(board))


@bp.route("/dashboard/export", methods=["POST"])
@login_required
def export_dashboard():
    """The dashboard's table as .xlsx (POST: every export writes its log row)."""
    counties = statistics_counties(current_user)
    chosen = parse_id(request.form.get("county"))
    county = next((unit for unit in counties if unit.id == chosen), None)
    if county is None or not CsrfForm().validate_on_submit():  # the CSRF token
        abort(403 if county is None else 400)
    year = parse_id(request.form.get("year")) or china_today().year
    quarter = parse_id(request.form.get("quarter")) or WHOLE_YEAR
    try:
        services.check_period(year, quarter)
    except services.StatisticsError as error:
        abort(400, str(error.message))
    content = export_statistics(county, year, quarter, actor=current_user, client_ip=request.remote_addr)
    return xlsx_response(content, download_name(county, year, quarter))


@bp.route("/campaigns/<int:campaign_id>")
@login_required
def campaign(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)
    if campaign.county not in statistics_counties(current_user) and not can_administer(current_user, campaign.county):
        abort(403)
    return render_template("stats/campaign.html", board=campaign_dashboard(campaign))


# ---------------------------------------------------------------- reports
@bp.route("/reports")
@login_required
def reports():
    units = filing_units(current_user)
    if not units and not statistics_counties(current_user):
        abort(403, _("Statistics reports are filed by township federations and reviewed by the county."))
    year, quarter = _period_args()
    year = year or china_today().year
    rows = db.session.scalars(
        select(StatisticsReport).where(report_filter(current_user), StatisticsReport.year == year,
                                       StatisticsReport.quarter == quarter)
        .order_by(StatisticsReport.state != "submitted", StatisticsReport.org_unit_id, StatisticsReport.revision.desc())
    ).all()
    filed = {report.org_unit_id for report in rows if report.state != "superseded"}
    expected = {unit.id: unit for county in statistics_counties(current_user)
                for unit in services.reporting_units(county)}
    expected.update({unit.id: unit for unit in units})
    waiting = [r for r in rows if r.state == "submitted" and "accept" in available_events(r, current_user)]
    return render_template("stats/reports.html", reports=rows, year=year, quarter=quarter, quarters=quarter_choices(),
                           missing=sorted((u for u in expected.values() if u.id not in filed), key=lambda u: u.code),
                           may_file={unit.id for unit in units}, waiting=waiting)


@bp.route("/reports/new", methods=["GET", "POST"])
@login_required
def new_report():
    units = filing_units(current_user)
    if not units:
        abort(403, _("Statistics reports are filed by township federations and reviewed by the county."))
    period = PeriodForm(request.args if request.method == "GET" else None, meta={"csrf": False})
    period.unit.choices = [SelectChoice(unit.id, unit.name if unit.level == "township" else _("County-direct units"))
                           for unit in units]
    if request.method == "GET" and not period.year.data:
        period.year.data = china_today().year - (1 if china_today().month < 4 else 0)
    form = ReportForm()
    if request.method == "POST":
        period = PeriodForm(meta={"csrf": False})
        period.unit.choices = [SelectChoice(unit.id, unit.name) for unit in units]
    # The period travels in hidden fields: one that does not validate (a tampered or stale page) is chosen
    # again on the first step, where its errors show, rather than labelling the figures with no period.
    chosen = (request.method == "POST" or "unit" in request.args) and period.validate()
    if request.method == "POST":
        if chosen and form.validate_on_submit():
            unit = next(unit for unit in units if unit.id == period.unit.data)
            try:
                report = services.create_report(current_user, unit, period.year.data, period.quarter.data,
                                                form.report_data())
            except services.StatisticsError as error:
                existing = services.open_report(unit, period.year.data, period.quarter.data)
                if existing is not None:  # e.g. this form sent twice: the first one made it
                    flash(str(error.message), "info")
                    return redirect(url_for(".show_report", report_id=existing.id))
                flash(str(error.message), "danger")
            else:
                return _after_save(report)
    elif chosen:
        unit = next(unit for unit in units if unit.id == period.unit.data)
        existing = services.open_report(unit, period.year.data, period.quarter.data)
        if existing is not None:
            flash(_("A report for this period is already being prepared: continue that one."), "info")
            return redirect(url_for(".show_report", report_id=existing.id))
        accepted = services.accepted_report(unit, period.year.data, period.quarter.data)
        if accepted is not None:
            flash(_("This period's report was accepted. To change it, file a correction from the report's page."),
                  "info")
            return redirect(url_for(".show_report", report_id=accepted.id))
        latest = services.latest_accepted(unit)
        if latest is not None:  # start from the last accepted figures: only what changed needs typing
            form = ReportForm(formdata=None, obj=latest)
            flash(_("The figures start from the accepted report for %(period)s; change what has changed.",
                    period=period_label(latest.year, latest.quarter)), "info")
    return render_template("stats/report_form.html", form=form, period=period, report=None, chosen=chosen)


def _after_save(report: StatisticsReport):
    if request.form.get("and_submit"):
        try:
            services.perform_transition(report, "submit", current_user, client_ip=request.remote_addr)
        except TransitionRefused as refusal:  # a guard's refusal changes nothing: the draft is still saved
            flash(_("Saved as a draft, but not submitted: %(reason)s", reason=refusal.message), "warning")
        else:
            flash(_("Submitted to the county."), "success")
    else:
        flash(_("Draft saved."), "success")
    return redirect(url_for(".show_report", report_id=report.id))


@bp.route("/reports/<int:report_id>")
@login_required
def show_report(report_id: int):
    report = _load_report(report_id)
    row = Row(unit=report.org_unit, figures=report.figures)
    target = db.session.get(services.StatisticsTarget, report.year)
    row.compute(target)
    versions = db.session.scalars(select(StatisticsReport).where(
        StatisticsReport.org_unit_id == report.org_unit_id, StatisticsReport.year == report.year,
        StatisticsReport.quarter == report.quarter).order_by(StatisticsReport.revision)).all()
    return render_template(
        "stats/report.html", report=report, row=row, target=target, versions=versions,
        offers=describe(report, current_user), action_form=ReportActionForm(version=report.version),
        can_edit=report.state in ("draft", "returned") and filing_assignment(current_user, report) is not None,
        can_correct=(report.state == "accepted" and filing_assignment(current_user, report) is not None
                     and services.open_report(report.org_unit, report.year, report.quarter) is None),
    )


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
@login_required
def edit_report(report_id: int):
    report = _load_report(report_id)
    if report.state not in ("draft", "returned") or filing_assignment(current_user, report) is None:
        abort(403, _("Only drafts and returned reports can be changed, by the township that files them."))
    form = ReportForm(obj=report if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = report.version
    refusals_go_to(url_for(".show_report", report_id=report.id))
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        services.update_report(report, current_user, form.report_data(), expected_version=version)
        return _after_save(report)
    return render_template("stats/report_form.html", form=form, period=None, report=report, chosen=True)


@bp.route("/reports/<int:report_id>/transition", methods=["POST"])
@login_required
def report_transition(report_id: int):
    report = _load_report(report_id)
    form = ReportActionForm()
    if not form.validate() or form.event.data not in EVENT_LABELS or form.event.data == "supersede":
        flash(_("The form was incomplete."), "danger")
        return redirect(url_for(".show_report", report_id=report.id))
    refusals_go_to(url_for(".show_report", report_id=report.id))
    services.perform_transition(report, form.event.data, current_user, form.comment.data or "",
                                expected_version=form.version.data, client_ip=request.remote_addr)
    flash(_("Done: %(action)s.", action=EVENT_LABELS[form.event.data]), "success")
    return redirect(url_for(".show_report", report_id=report.id))


@bp.route("/reports/<int:report_id>/correct", methods=["POST"])
@login_required
def correct_report(report_id: int):
    report = _load_report(report_id)
    if not CsrfForm().validate_on_submit():  # the CSRF token
        abort(400)
    if report.state != "accepted":
        abort(409, _("Only an accepted report is corrected; change a draft or returned report directly."))
    refusals_go_to(url_for(".show_report", report_id=report.id))
    correction = services.create_report(current_user, report.org_unit, report.year, report.quarter)
    flash(_("A correction (revision %(revision)d) was started from the accepted figures. Change what is wrong, "
            "then submit it; the accepted report stays in force until the county accepts the correction.",
            revision=correction.revision), "info")
    return redirect(url_for(".edit_report", report_id=correction.id))


@bp.route("/reports/<int:report_id>/delete", methods=["POST"])
@login_required
def delete_report(report_id: int):
    report = _load_report(report_id)
    if not CsrfForm().validate_on_submit():  # the CSRF token
        abort(400)
    try:
        services.delete_draft(report, current_user)
    except services.StatisticsError as error:
        abort(409, str(error.message))
    flash(_("The draft was deleted."), "success")
    return redirect(url_for(".reports", year=report.year, quarter=report.quarter or None))


# ---------------------------------------------------------------- targets
@bp.route("/targets", methods=["GET", "POST"])
@login_required
def targets():
    if not any(a.org_unit.level == "county" for a in current_user.assignments("admin")):
        abort(403, _("Only a county administrator may set the targets."))
    form = TargetForm()
    if request.method == "GET":
        chosen = parse_id(request.args.get("year"))
        existing = services.targets_by_year().get(chosen) if chosen else None
        if existing is not None:
            form = TargetForm(obj=existing)
        elif chosen:
            form.year.data = chosen
    elif form.validate_on_submit():
        values = {name: form[name].data for name in services.TARGET_FIELDS}
        services.save_target(form.year.data, values, current_user)
        flash(_("Targets for %(year)d saved.", year=form.year.data), "success")
        return redirect(url_for(".targets"))
    return render_template("stats/targets.html", form=form, targets=services.targets_by_year())
