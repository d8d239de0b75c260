"""The to-do list (待办): what waits for the current user."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from workflow_app.core.timeutil import utcnow
from workflow_app.nominations.blueprint import filter_options
from workflow_app.nominations.forms import DeleteForm
from workflow_app.nominations.queries import ListFilters, todo_page
from workflow_app.nominations.services import NominationError
from workflow_app.notice.services import close_due_notices
from workflow_app.notifications.services import overdue_from
from workflow_app.pagecache import render_user_page
from workflow_app.policy import delegated_reviews, submitting_units
from workflow_app.review import services
from workflow_app.web import remember_todo_count

bp = Blueprint("review", __name__, url_prefix="/todo")


@bp.route("/")
@login_required
def todo():
    close_due_notices()  # a notice that is over leaves the to-do list by itself
    filters = ListFilters.from_args(request.args)
    page = todo_page(current_user, filters, current_app.config["PAGE_SIZE"])
    if not filters.narrows:
        remember_todo_count(page.total)
    now = utcnow()
    overdue = {n.id: overdue_from(n) for n in page.items}
    overdue_ids = {key for key, moment in overdue.items() if moment is not None and moment < now}
    # Kept until the data change or the first row shown turns overdue.
    expires = min((moment for moment in overdue.values() if moment is not None and moment >= now), default=None)
    county = any(a.org_unit.level == "county" and a.role in ("admin", "reviewer") for a in current_user.roles)
    return render_user_page("review/todo.html", expires=expires, page=page, filters=filters, **filter_options(),
                            can_create=bool(submitting_units(current_user)), overdue_ids=overdue_ids,
                            show_late_units=county, bulk=_reviews(current_user))


def _reviews(user) -> bool:
    """Bulk review is offered to reviewers (and those standing in for one)."""
    return any(a.role == "reviewer" for a in user.roles) or bool(delegated_reviews(user))


@bp.route("/bulk", methods=["POST"])
@login_required
def bulk():
    """Step one shows what will happen (count, names, action, comment); step two (``confirm``) does it."""
    ids = services.parse_ids(request.form.getlist("ids"))
    event = request.form.get("event", "")
    comment = (request.form.get("comment") or "").strip()
    back = urlencode(parse_qsl(request.form.get("back") or ""))  # the list's filters, re-encoded
    back_url = url_for(".todo") + (f"?{back}" if back else "")  # always this site's /todo/ path
    try:
        services.check_request(event, comment, ids)
    except NominationError as error:
        flash(str(error.message), "danger")
        return redirect(back_url)
    form = DeleteForm()  # CSRF only (CSRFProtect already refused a bad token)
    if request.form.get("confirm") != "1":
        nominations, others = services.selection(current_user, ids)
        return render_template("review/bulk_confirm.html", nominations=nominations, others=others, ids=ids,
                               event=event, action=services.event_label(event), comment=comment, form=form,
                               back=back, back_url=back_url)
    result = services.bulk_review(current_user, ids, event, comment, client_ip=request.remote_addr)
    return render_template("review/bulk_result.html", result=result, action=services.event_label(event),
                           comment=comment, back_url=back_url)
