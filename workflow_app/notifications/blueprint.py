"""Notifications, delegations, late units and reviewer reassignment pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select, update
from wtforms import SelectChoice

from workflow_app.auth.models import RoleAssignment, User
from workflow_app.core.timeutil import china_today, utcnow
from workflow_app.extensions import db
from workflow_app.notifications import services
from workflow_app.notifications.forms import DelegationForm, EmailForm, ReassignForm
from workflow_app.notifications.models import Delegation, Notification
from workflow_app.orgs.models import OrgUnit
from workflow_app.web import get_or_404

bp = Blueprint("notifications", __name__)
PAGE = 100


@bp.app_template_global()
def unread_notifications() -> int:
    """The header bell: one COUNT query."""
    if not current_user.is_authenticated:
        return 0
    return services.unread_count(current_user)


@bp.app_template_global()
def notification_text(notification: Notification) -> str:
    return services.message(notification.kind, notification.params)


# ---------------------------------------------------------------- notifications
@bp.route("/notifications")
@login_required
def index():
    rows = db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                              .order_by(Notification.id.desc()).limit(PAGE)).all()
    return render_template("notifications/index.html", notifications=rows,
                           email_form=EmailForm(email=current_user.email))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    row = get_or_404(Notification, notification_id)
    if row.user_id != current_user.id:
        abort(404)
    if row.read_at is None:
        row.read_at = utcnow()
        db.session.commit()
    if request.form.get("open") and row.nomination_id:
        return redirect(url_for("nominations.show", nomination_id=row.nomination_id))
    return redirect(url_for(".index"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def mark_all_read():
    db.session.execute(update(Notification).where(Notification.user_id == current_user.id,
                                                  Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    return redirect(url_for(".index"))


@bp.route("/notifications/email", methods=["POST"])
@login_required
def save_email():
    form = EmailForm()
    if form.validate_on_submit():
        current_user.email = (form.email.data or "").strip() or None
        db.session.commit()
        flash(_("Saved."), "success")
    else:
        for error in form.email.errors:
            flash(str(error), "danger")
    return redirect(url_for(".index"))


# ---------------------------------------------------------------- delegations
def _delegation_form() -> DelegationForm:
    form = DelegationForm()
    form.delegate.choices = [SelectChoice(user.id, user.display_name)
                             for user in services.delegate_candidates(current_user)]
    if request.method == "GET":
        form.starts_on.data = form.starts_on.data or china_today()
        form.ends_on.data = form.ends_on.data or china_today()
    return form


@bp.route("/delegations", methods=["GET", "POST"])
@login_required
def delegations():
    form = _delegation_form()
    if request.method == "POST":
        if not current_user.has_role("reviewer"):
            abort(403, _("Only a reviewer can delegate reviews."))
        if form.validate_on_submit():
            try:
                services.create_delegation(current_user, db.session.get(User, form.delegate.data),
                                           form.starts_on.data, form.ends_on.data, created_by=current_user)
            except services.NotificationError as error:
                db.session.rollback()
                flash(str(error.message), "danger")
            else:
                db.session.commit()
                flash(_("Delegation saved."), "success")
                return redirect(url_for(".delegations"))
    return render_template("notifications/delegations.html", form=form, today=china_today(),
                           rows=services.delegations_of(current_user),
                           can_delegate=current_user.has_role("reviewer"))


@bp.route("/delegations/<int:delegation_id>/revoke", methods=["POST"])
@login_required
def revoke(delegation_id: int):
    row = get_or_404(Delegation, delegation_id)
    try:
        services.revoke_delegation(row, current_user)
    except services.NotificationError as error:
        db.session.rollback()
        abort(403, str(error.message))
    db.session.commit()
    flash(_("Delegation revoked."), "success")
    return redirect(url_for(".delegations"))


# ---------------------------------------------------------------- county pages
def _county_units(roles: tuple[str, ...]) -> list[OrgUnit]:
    units = [a.org_unit for a in current_user.roles if a.role in roles and a.org_unit.level == "county"]
    if not units:
        abort(403, _("Only the county may open this page."))
    return units


@bp.route("/late-units")
@login_required
def late_units():
    counties = _county_units(("admin", "reviewer"))
    sections = [(county, services.late_units(county)) for county in counties]
    return render_template("notifications/late_units.html", sections=sections,
                           can_reassign=current_user.has_role("admin"))


@bp.route("/admin/reassign-reviewer", methods=["GET", "POST"])
@login_required
def reassign():
    counties = _county_units(("admin",))
    paths = [county.path for county in counties]
    in_counties = select(OrgUnit.id).where(or_(*[OrgUnit.path.startswith(path) for path in paths]))
    assignments = db.session.scalars(
        select(RoleAssignment).join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.role == "reviewer", RoleAssignment.org_unit_id.in_(in_counties))
        .order_by(RoleAssignment.org_unit_id, User.display_name)).all()
    people = db.session.scalars(
        select(User).where(User.active.is_(True), User.id.in_(
            select(RoleAssignment.user_id).where(RoleAssignment.org_unit_id.in_(in_counties))))
        .order_by(User.display_name)).all()
    form = ReassignForm()
    form.assignment.choices = [SelectChoice(a.id, f"{a.user.display_name} · {a.org_unit.name}") for a in assignments]
    form.successor.choices = [SelectChoice(user.id, f"{user.display_name} ({user.username})") for user in people]
    if form.validate_on_submit():
        assignment = next(a for a in assignments if a.id == form.assignment.data)
        successor = next(user for user in people if user.id == form.successor.data)
        leaver = assignment.user
        unit_name = assignment.org_unit.name
        try:
            services.reassign_reviewer(assignment, successor, deactivate=form.deactivate.data)
        except services.NotificationError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
        else:
            db.session.commit()
            flash(_("The reviewer role of %(leaver)s at %(unit)s, with its to-dos, now belongs to %(successor)s.",
                    leaver=leaver.display_name, unit=unit_name, successor=successor.display_name), "success")
            if form.deactivate.data:
                flash(_("%(name)s can no longer log in.", name=leaver.display_name), "info")
            return redirect(url_for(".reassign"))
    return render_template("notifications/reassign.html", form=form)
