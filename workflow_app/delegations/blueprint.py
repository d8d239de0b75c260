"""Delegation pages: a reviewer lets a colleague of the same unit review for them for some days."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from workflow_app.auth.models import User
from workflow_app.core.http import get_or_404
from workflow_app.core.timeutil import china_today
from workflow_app.delegations import queries, services
from workflow_app.delegations.forms import DelegationForm
from workflow_app.delegations.models import Delegation
from workflow_app.extensions import db

bp = Blueprint("delegations", __name__)


def _form() -> DelegationForm:
    form = DelegationForm()
    form.delegate.choices = [SelectChoice(user.id, user.display_name)
                             for user in queries.delegate_candidates(current_user)]
    if request.method == "GET":
        form.starts_on.data = form.starts_on.data or china_today()
        form.ends_on.data = form.ends_on.data or china_today()
    return form


@bp.route("/delegations", methods=["GET", "POST"])
@login_required
def index():
    form = _form()
    if request.method == "POST":
        if not current_user.has_role("reviewer"):
            abort(403, _("Only a reviewer can delegate reviews."))
        if form.validate_on_submit():
            services.create_delegation(current_user, db.session.get(User, form.delegate.data),
                                       form.starts_on.data, form.ends_on.data, created_by=current_user)
            flash(_("Delegation saved."), "success")
            return redirect(url_for(".index"))
    return render_template("delegations/index.html", form=form, today=china_today(),
                           rows=queries.delegations_of(current_user),
                           can_delegate=current_user.has_role("reviewer"))


@bp.route("/delegations/<int:delegation_id>/revoke", methods=["POST"])
@login_required
def revoke(delegation_id: int):
    services.revoke_delegation(get_or_404(Delegation, delegation_id), current_user)
    flash(_("Delegation revoked."), "success")
    return redirect(url_for(".index"))
