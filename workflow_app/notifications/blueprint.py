"""Notifications: the bell, the list, marking as read, and the address e-mail goes to."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from workflow_app.core.http import get_or_404
from workflow_app.extensions import db
from workflow_app.notifications import services
from workflow_app.notifications.forms import EmailForm
from workflow_app.notifications.models import Notification

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
    services.mark_read(row)
    if request.form.get("open") and row.nomination_id:
        return redirect(url_for("nominations.show", nomination_id=row.nomination_id))
    return redirect(url_for(".index"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def mark_all_read():
    services.mark_all_read(current_user)
    return redirect(url_for(".index"))


@bp.route("/notifications/email", methods=["POST"])
@login_required
def save_email():
    form = EmailForm()
    if form.validate_on_submit():
        services.save_email_address(current_user, form.email.data)
        flash(_("Saved."), "success")
    else:
        for error in form.email.errors:
            flash(str(error), "danger")
    return redirect(url_for(".index"))
