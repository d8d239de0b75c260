"""API tokens in the browser: each user creates and revokes their own (from the account page);
a county administrator lists and revokes the tokens of the people of their county."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflow_app.core.forms import CsrfForm
from workflow_app.core.http import get_or_404
from workflow_app.core.timeutil import utcnow
from workflow_app.policy import admin_counties
from workflow_app.tokens import services
from workflow_app.tokens.forms import SCOPE_LABELS, TokenForm
from workflow_app.tokens.models import ApiToken

bp = Blueprint("api_tokens", __name__)


@bp.context_processor
def labels():
    return {"SCOPE_LABELS": SCOPE_LABELS, "now": utcnow()}


def _county_admin():
    counties = [unit for unit in admin_counties(current_user) if unit.level == "county"]
    if not counties:
        abort(403, _("Only a county administrator may open this page."))
    return counties


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def mine():
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        try:
            created = services.create_token(current_user, form.name.data, form.scope.data, days=form.days.data,
                                            created_by=current_user)
        except services.TokenError as error:
            flash(str(error.message), "danger")
        else:
            form = TokenForm(formdata=None)
    response = render_template("tokens/tokens.html", form=form, created=created,
                               tokens=services.tokens_of(current_user), revoke_form=CsrfForm(),
                               is_county_admin=bool([u for u in admin_counties(current_user) if u.level == "county"]))
    # The secret is on this page once: keep it out of caches and the back button's history.
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_mine(token_id: int):
    token = get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)  # someone else's token: not even its existence is shown
    if not CsrfForm().validate_on_submit():
        abort(400)
    if services.revoke_token(token, current_user):
        flash(_("Token %(prefix)s… revoked; it no longer works.", prefix=token.prefix), "info")
    return redirect(url_for(".mine"))


@bp.route("/admin/api-tokens")
@login_required
def county():
    counties = _county_admin()
    return render_template("tokens/county_tokens.html", tokens=services.county_tokens(counties),
                           revoke_form=CsrfForm())


@bp.route("/admin/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_in_county(token_id: int):
    counties = _county_admin()
    token = get_or_404(ApiToken, token_id)
    if not services.administers_owner(counties, token):
        abort(403)
    if not CsrfForm().validate_on_submit():
        abort(400)
    if services.revoke_token(token, current_user):
        flash(_("Token %(prefix)s… of %(name)s revoked.", prefix=token.prefix, name=token.user.display_name), "info")
    return redirect(url_for(".county"))
