"""The to-do list (待办): what waits for the current user."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from workflow_app.nominations.blueprint import filter_options
from workflow_app.nominations.queries import ListFilters, todo_page
from workflow_app.policy import submitting_units

bp = Blueprint("review", __name__, url_prefix="/todo")


@bp.route("/")
@login_required
def todo():
    filters = ListFilters.from_args(request.args)
    page = todo_page(current_user, filters, current_app.config["PAGE_SIZE"])
    return render_template("review/todo.html", page=page, filters=filters, **filter_options(),
                           can_create=bool(submitting_units(current_user)))
