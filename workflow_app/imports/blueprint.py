"""County administrators import org units and users: upload → preview → confirm → result."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflow_app.core import work
from workflow_app.core.xlsx import xlsx_response
from workflow_app.imports import pending
from workflow_app.imports.common import ACTION_LABELS, MAX_BYTES, ImportFileError
from workflow_app.imports.forms import ConfirmForm, UploadForm
from workflow_app.imports.kinds import KINDS, ImportKind, plan_file, template
from workflow_app.policy import is_county_admin

bp = Blueprint("imports", __name__, url_prefix="/admin/import")

# Each new password is hashed with scrypt, slow on purpose (a tenth of a second or more): a request
# creating hundreds of users would outlive the web server's timeout. The command line has no limit.
WEB_MAX_NEW_USERS = 100


def _county_admin() -> None:
    if not is_county_admin(current_user):
        abort(403, _("Only a county administrator may open this page."))


def _kind(name: str) -> ImportKind:
    _county_admin()
    if name not in KINDS:
        abort(404)
    return KINDS[name]


@bp.route("/")
@login_required
def index():
    _county_admin()
    return render_template("imports/index.html", kinds=KINDS, form=UploadForm(), max_mb=MAX_BYTES // (1024 * 1024))


@bp.route("/<name>/template.xlsx")
@login_required
def download_template(name: str):
    kind = _kind(name)
    return xlsx_response(template(kind), "-".join([str(kind.title), _("template")]) + ".xlsx")


@bp.route("/<name>", methods=["POST"])
@login_required
def upload(name: str):
    """Check the whole file and show what would change, or every row error."""
    kind = _kind(name)
    form = UploadForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
        return redirect(url_for(".index"))
    upload_file = form.file.data
    content = upload_file.read(MAX_BYTES + 1)
    try:
        plan = plan_file(kind, upload_file.filename or "", content, current_user)
    except ImportFileError as error:
        flash(str(error), "danger")
        return redirect(url_for(".index"))
    if plan.count("create") > WEB_MAX_NEW_USERS and kind.name == "users":
        flash(_("This file creates %(count)d users; the web page takes at most %(max)d at a time. Split the file, "
                "or import it on the server with “flask import users”.", count=plan.count("create"),
                max=WEB_MAX_NEW_USERS), "danger")
        return redirect(url_for(".index"))
    token = pending.save(content, kind.name, upload_file.filename or "", current_user.id) if plan.ok else None
    return render_template("imports/preview.html", kind=kind, plan=plan, filename=upload_file.filename,
                           form=ConfirmForm(token=token), actions=ACTION_LABELS)


@bp.route("/<name>/confirm", methods=["POST"])
@login_required
def confirm(name: str):
    """Check the stored file again and write it, all or nothing."""
    kind = _kind(name)
    form = ConfirmForm()
    stored = pending.load(form.token.data or "", kind.name, current_user.id) if form.validate_on_submit() else None
    if stored is None:
        flash(_("The upload expired or was already imported; please upload the file again."), "warning")
        return redirect(url_for(".index"))
    filename, content = stored
    try:
        plan = plan_file(kind, filename, content, current_user)
    except ImportFileError as error:  # not expected: it was read once already
        flash(str(error), "danger")
        return redirect(url_for(".index"))
    if not plan.ok:  # the database changed since the preview
        return render_template("imports/preview.html", kind=kind, plan=plan, filename=filename,
                               form=ConfirmForm(), actions=ACTION_LABELS)
    generated = kind.apply(plan)
    work.after_commit(pending.drop, form.token.data)  # kept for another try if the import does not commit
    response = render_template("imports/result.html", kind=kind, plan=plan, filename=filename,
                               passwords=generated or [], actions=ACTION_LABELS)
    return response, 200, {"Cache-Control": "no-store"}  # generated passwords are shown once
