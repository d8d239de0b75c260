"""The to-do list (待办) and what hangs on it: bulk review, the units that keep the county waiting, and
handing a leaver's reviews to a successor."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from wtforms import SelectChoice

from workflow_app.auth.models import RoleAssignment, User
from workflow_app.core.forms import CsrfForm
from workflow_app.core.http import refusals_go_to
from workflow_app.core.timeutil import utcnow
from workflow_app.extensions import db
from workflow_app.nominations.queries import ListFilters, filter_options
from workflow_app.orgs.models import OrgUnit
from workflow_app.policy import delegated_reviews, submitting_units
from workflow_app.review import queries, services
from workflow_app.review.forms import ReassignForm

bp = Blueprint("review", __name__)


@bp.app_template_global()
def todo_count() -> int:
    """The header's to-do badge."""
    return queries.todo_count(current_user)


@bp.route("/todo/")
@login_required
def todo():
    filters = ListFilters.from_args(request.args)
    page = queries.todo_page(current_user, filters, current_app.config["PAGE_SIZE"])
    if not filters.narrows:
        queries.remember_todo_count(page.total)
    now = utcnow()
    overdue_ids = {n.id for n in page.items if queries.is_overdue(n, now)}
    county = any(a.org_unit.level == "county" and a.role in ("admin", "reviewer") for a in current_user.roles)
    return render_template("review/todo.html", page=page, filters=filters, **filter_options(current_user),
                           can_create=bool(submitting_units(current_user)), overdue_ids=overdue_ids,
                           show_late_units=county, bulk=_reviews(current_user))


def _reviews(user) -> bool:
    """Bulk review is offered to reviewers (and those standing in for one)."""
    return any(a.role == "reviewer" for a in user.roles) or bool(delegated_reviews(user))


@bp.route("/todo/bulk", methods=["POST"])
@login_required
def bulk():
    """Step one shows what will happen (count, names, action, comment); step two (``confirm``) does it."""
    ids = services.parse_ids(request.form.getlist("ids"))
    event = request.form.get("event", "")
    comment = (request.form.get("comment") or "").strip()
    back = urlencode(parse_qsl(request.form.get("back") or ""))  # the list's filters, re-encoded
    back_url = url_for(".todo") + (f"?{back}" if back else "")  # always this site's /todo/ path
    refusals_go_to(back_url)
    services.check_request(event, comment, ids)
    form = CsrfForm()  # CSRF only (CSRFProtect already refused a bad token)
    if request.form.get("confirm") != "1":
        nominations, others = services.selection(current_user, ids)
        return render_template("review/bulk_confirm.html", nominations=nominations, others=others, ids=ids,
                               event=event, action=services.event_label(event), comment=comment, form=form,
                               back=back, back_url=back_url)
    result = services.bulk_review(current_user, ids, event, comment, client_ip=request.remote_addr)
    return render_template("review/bulk_result.html", result=result, action=services.event_label(event),
                           comment=comment, back_url=back_url)


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
    sections = [(county, queries.late_units(county)) for county in counties]
    return render_template("review/late_units.html", sections=sections,
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
        services.reassign_reviewer(assignment, successor, deactivate=form.deactivate.data)
        flash(_("The reviewer role of %(leaver)s at %(unit)s, with its to-dos, now belongs to %(successor)s.",
                leaver=leaver.display_name, unit=unit_name, successor=successor.display_name), "success")
        if form.deactivate.data:
            flash(_("%(name)s can no longer log in.", name=leaver.display_name), "info")
        return redirect(url_for(".reassign"))
    return render_template("review/reassign.html", form=form)
