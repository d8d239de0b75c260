"""The to-do list (待办): what waits for the current user."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from workflow_app.core.timeutil import utcnow
from workflow_app.nominations.blueprint import filter_options
from workflow_app.nominations.queries import ListFilters, todo_page
from workflow_app.notice.services import close_due_notices
from workflow_app.notifications.services import is_overdue
from workflow_app.policy import submitting_units

bp = Blueprint("review", __name__, url_prefix="/todo")


@bp.route("/")
@login_required
def todo():
    close_due_notices()  # a notice that is over leaves the to-do list by itself
    filters = ListFilters.from_args(request.args)
    page = todo_page(current_user, filters, current_app.config["PAGE_SIZE"])
    now = utcnow()
    overdue_ids = {n.id for n in page.items if is_overdue(n, now)}
    county = any(a.org_unit.level == "county" and a.role in ("admin", "reviewer") for a in current_user.roles)
    return render_template("review/todo.html", page=page, filters=filters, **filter_options(),
                           can_create=bool(submitting_units(current_user)), overdue_ids=overdue_ids,
                           show_late_units=county)
