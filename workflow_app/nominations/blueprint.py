"""Nomination pages: thin handlers that load, check access, then act."""

from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import defaultload
from wtforms import SelectChoice

from states.nomination import (
    BACK_DOWN_EVENTS,
    EVENT_LABELS,
    STATE_LABELS,
    ConcurrentChange,
    TransitionRefused,
    describe,
    path_of,
    review_chain,
)
from workflow_app.auth.services import safe_next
from workflow_app.campaigns.models import Campaign
from workflow_app.campaigns.services import quota_for, quota_used
from workflow_app.certificates.services import certificate_of
from workflow_app.core import work
from workflow_app.core.errors import UserError
from workflow_app.core.formats import time_text
from workflow_app.core.http import MAX_ID, get_or_404, refusals_go_to
from workflow_app.core.timeutil import china_today, utcnow
from workflow_app.exports.nominations import may_export_full
from workflow_app.extensions import db
from workflow_app.nominations import services
from workflow_app.nominations.diagram import workflow_svg
from workflow_app.nominations.forms import (
    AttachmentForm,
    DeleteForm,
    NewNominationForm,
    TransitionForm,
    form_class_for,
)
from workflow_app.nominations.models import Attachment, Nomination
from workflow_app.nominations.queries import ListFilters, filter_options, visible_page
from workflow_app.nominations.rows import table_rows
from workflow_app.notice.services import nomination_panel
from workflow_app.orgs.models import OrgUnit
from workflow_app.orgs.services import ancestors
from workflow_app.policy import can_edit, can_view, is_unit_chair, submitting_units
from workflow_app.review.queries import next_todo_id, todo_ids

bp = Blueprint("nominations", __name__, url_prefix="/nominations")
bp.add_app_template_global(table_rows, "nomination_rows")  # nominations/_table.html, on lists of every area


def load_visible(nomination_id: int) -> Nomination:
    # The campaign's honor types are not read here; they load on access if an action needs them.
    nomination = get_or_404(Nomination, nomination_id,
                            options=[defaultload(Nomination.campaign).lazyload(Campaign.honor_types)])
    if not can_view(current_user, nomination):
        abort(403)
    return nomination


def open_campaigns(units: list[OrgUnit]) -> list[Campaign]:
    """Campaigns open today that ``units`` take part in: those of their own county (in a province, other
    counties' campaigns often carry the same name)."""
    today = china_today()
    counties = {unit_id for unit in units for unit_id in unit.ancestor_ids}
    return list(db.session.scalars(
        select(Campaign).where(Campaign.opens_on <= today, Campaign.closes_on >= today,
                               Campaign.county_id.in_(counties)).order_by(Campaign.year.desc(), Campaign.id)
    ))


@bp.route("/")
@login_required
def index():
    filters = ListFilters.from_args(request.args)
    page = visible_page(current_user, filters, current_app.config["PAGE_SIZE"])
    return render_template("nominations/list.html", page=page, filters=filters, **filter_options(current_user),
                           can_create=bool(submitting_units(current_user)),
                           can_export_full=may_export_full(current_user))


def _selector() -> tuple[NewNominationForm, dict]:
    """The step-one form (campaign, honor, unit), limited to what this chair may choose."""
    units = submitting_units(current_user)
    if not units:
        abort(403, _("Only a branch chair can create nominations."))
    campaigns = open_campaigns(units)
    honor_types = {ht.id: ht for c in campaigns for ht in c.honor_types if ht.active}
    form = NewNominationForm(request.args, meta={"csrf": False})
    form.campaign_id.choices = [SelectChoice(c.id, f"{c.year} {c.name}") for c in campaigns]
    form.honor_type_id.choices = [SelectChoice(ht.id, ht.name) for ht in honor_types.values()]
    form.org_unit_id.choices = [SelectChoice(u.id, u.name) for u in units]
    return form, {"campaigns": campaigns, "honor_types": honor_types, "units": units}


@bp.route("/new")
@login_required
def new():
    form, options = _selector()
    if not options["campaigns"]:
        flash(_("No campaign is open for submissions now."), "warning")
    return render_template("nominations/new.html", form=form)


@bp.route("/new/details", methods=["GET", "POST"])
@login_required
def new_details():
    selector, options = _selector()
    if not selector.validate():
        return render_template("nominations/new.html", form=selector)
    campaign = next(c for c in options["campaigns"] if c.id == selector.campaign_id.data)
    honor_type = options["honor_types"][selector.honor_type_id.data]
    unit = next(u for u in options["units"] if u.id == selector.org_unit_id.data)
    if honor_type not in campaign.honor_types:
        selector.honor_type_id.errors.append(_("That campaign does not offer this honor."))
        return render_template("nominations/new.html", form=selector)

    form = form_class_for(honor_type)()
    key = services.form_key(form.form_key.data)
    if form.validate_on_submit():
        data = form.nominee_data()
        if (twin := services.created_with(current_user, key)) is not None:
            return _already_saved(twin)
        if services.duplicate_id_number(None, campaign.id, data.get("id_number")):
            form.id_number.errors.append(_("This person (ID number) is already nominated in this campaign."))
        else:
            try:
                nomination = services.create_nomination(current_user, campaign, honor_type, unit, data,
                                                        creation_key=key)
            except services.NominationError as error:
                work.rollback()  # the insert lost a race: look at what won it
                if (twin := services.created_with(current_user, key)) is not None:
                    return _already_saved(twin)  # the same form, sent at the same moment, got there first
                flash(str(error.message), "danger")
            else:
                return _after_save(nomination)
    form.form_key.data = key or uuid.uuid4().hex
    return render_template("nominations/edit.html", form=form, campaign=campaign, honor_type=honor_type,
                           unit=unit, nomination=None)


def _already_saved(nomination: Nomination):
    flash(_("This form was already saved; here is the nomination it created."), "info")
    return redirect(url_for(".show", nomination_id=nomination.id))


def _after_save(nomination: Nomination):
    """Save, and submit too when the chair pressed “save and submit” (a guard's refusal changes nothing, so
    the draft is still saved)."""
    if request.form.get("and_submit"):
        try:
            services.perform_transition(nomination, "submit", current_user, client_ip=request.remote_addr)
        except TransitionRefused as refusal:
            flash(_("Saved as a draft, but not submitted: %(reason)s", reason=refusal.message), "warning")
        else:
            flash(_("Submitted. It now waits for review."), "success")
        return redirect(url_for(".show", nomination_id=nomination.id))
    flash(_("Draft saved."), "success")
    return redirect(url_for(".show", nomination_id=nomination.id))


@bp.route("/<int:nomination_id>")
@login_required
def show(nomination_id: int):
    nomination = load_visible(nomination_id)
    offers = describe(nomination, current_user)
    chain = review_chain(nomination)
    quota = quota_for(nomination)
    came_from = ListFilters.from_args(request.args)  # the to-do list it was opened from, filters and all
    next_id = next_todo_id(current_user, nomination, came_from)
    # A return to a lower level names each level's unit (槐店回族镇总工会), read only when one is offered.
    returns = any(offer.choices.get("return_level") for offer in offers)
    level_units = {unit.level: unit for unit in ancestors(nomination.org_unit)} if returns else {}
    return render_template(
        "nominations/show.html",
        next_todo_url=url_for(".show", nomination_id=next_id, **came_from.list_args()) if next_id else None,
        list_args=came_from.list_args(),
        nomination=nomination,
        offers=offers,
        chain=chain,
        diagram=workflow_svg(nomination.state, *path_of(chain)),
        editable=can_edit(current_user, nomination),
        transition_form=TransitionForm(version=nomination.version),
        attachment_form=AttachmentForm(),
        delete_form=DeleteForm(),
        quota=quota,
        quota_used=quota_used(nomination) if quota else None,
        certificate=certificate_of(nomination),
        panel=nomination_panel(current_user, nomination),
        level_units=level_units,
        back_down_events=BACK_DOWN_EVENTS,
    )


@bp.route("/<int:nomination_id>/edit", methods=["GET", "POST"])
@login_required
def edit(nomination_id: int):
    nomination = load_visible(nomination_id)
    if not can_edit(current_user, nomination):
        abort(403, _("Only drafts and returned nominations can be edited, by their unit's chair."))
    form = form_class_for(nomination.honor_type)(obj=nomination if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = nomination.version
    refusals_go_to(url_for(".show", nomination_id=nomination.id))  # a stale page: start again from the nomination
    if form.validate_on_submit() and _save_edit(nomination, form):
        return _after_save(nomination)
    return render_template("nominations/edit.html", form=form, nomination=nomination,
                           campaign=nomination.campaign, honor_type=nomination.honor_type,
                           unit=nomination.org_unit)


def _save_edit(nomination: Nomination, form) -> bool:
    """The validated edit form into the nomination (flushes), for the Save button and autosave alike. False,
    with the error on the form, when the ID number is taken in this campaign; raises ConcurrentChange when the
    page was stale (its ``version``) and NominationError when refused."""
    data = form.nominee_data()
    if services.duplicate_id_number(nomination, nomination.campaign_id, data.get("id_number")):
        form.id_number.errors.append(_("This person (ID number) is already nominated in this campaign."))
        return False
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    services.update_nomination(nomination, data, expected_version=version)
    return True


@bp.route("/<int:nomination_id>/autosave", methods=["POST"])
def autosave(nomination_id: int):
    """The edit page's draft, saved in the background (static/js/app.js) with the Save button's checks.
    Answers JSON: the new version and a status line, or why nothing was saved (401, 403, 404, 409, 422)."""
    if not current_user.is_authenticated:  # not a redirect to the login page: the script reads the answer
        return _not_saved(401, _("your session has ended; log in again (copy your text first)"))
    nomination = db.session.get(Nomination, nomination_id) if 0 < nomination_id <= MAX_ID else None
    if nomination is None:
        return _not_saved(404, _("this nomination does not exist"))
    if not can_view(current_user, nomination) or not is_unit_chair(current_user, nomination):
        return _not_saved(403, _("only the nominating unit's chair may edit it"))
    if not can_edit(current_user, nomination):
        return _not_saved(409, _("it is no longer a draft (now: %(state)s)", state=STATE_LABELS[nomination.state]))
    form = form_class_for(nomination.honor_type)()
    try:
        saved = form.validate_on_submit() and _save_edit(nomination, form)
    except ConcurrentChange:
        return _not_saved(409, _("someone else saved this nomination meanwhile; reload the page"))
    except UserError as error:
        return _not_saved(422, str(error.message))
    if not saved:
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        reason = "; ".join(f"{form[name].label.text}: {' '.join(errs)}" for name, errs in errors.items()
                           if name in form and name != "csrf_token") or _("the form expired; reload the page")
        return _not_saved(422, reason, errors=errors)
    return jsonify(saved=True, version=nomination.version,
                   message=_("Saved automatically at %(time)s", time=time_text(utcnow())))


def _not_saved(status: int, reason, **extra):
    return jsonify(saved=False, message=_("Not saved: %(reason)s", reason=reason), **extra), status


@bp.route("/<int:nomination_id>/transition", methods=["POST"])
@login_required
def transition(nomination_id: int):
    nomination = load_visible(nomination_id)
    form = TransitionForm()
    if not form.validate():
        errors = "; ".join(f"{form[name].label.text}: {', '.join(map(str, errs))}"
                           for name, errs in form.errors.items() if name in form)
        flash(errors or _("The form was incomplete."), "danger")
        return redirect(url_for(".show", nomination_id=nomination.id))
    data = {name: form[name].data for name in ("vote_due", "vote_present", "vote_in_favour", "return_level")}
    came_from = ListFilters.from_args(request.form)
    todo_before = todo_ids(current_user, came_from)  # where this one stood, for "next to-do" after the action
    refusals_go_to(url_for(".show", nomination_id=nomination.id))
    services.perform_transition(nomination, form.event.data, current_user, form.comment.data or "",
                                expected_version=form.version.data, client_ip=request.remote_addr, data=data)
    flash(_("Done: %(action)s.", action=EVENT_LABELS[form.event.data]), "success")
    if form.event.data == "submit":
        return redirect(url_for(".show", nomination_id=nomination.id))
    # Same-site paths only: a posted next_url must not send the reviewer off-site.
    return redirect(safe_next(request.form.get("next_url"))
                    or _next_todo_url(todo_before, nomination.id, came_from)
                    or url_for("review.todo", **came_from.list_args()))


def _next_todo_url(before: list[int], nomination_id: int, came_from: ListFilters) -> str | None:
    """The first nomination after this one in the (filtered) to-do list as it was, that still waits for the user."""
    if nomination_id not in before:
        return None
    still = set(todo_ids(current_user, came_from))
    for candidate in before[before.index(nomination_id) + 1:]:
        if candidate in still:
            return url_for(".show", nomination_id=candidate, **came_from.list_args())
    return None


@bp.route("/<int:nomination_id>/attachments", methods=["POST"])
@login_required
def upload(nomination_id: int):
    nomination = load_visible(nomination_id)
    if not can_edit(current_user, nomination):
        abort(403, _("Attachments can only be changed while the nomination is a draft or returned."))
    form = AttachmentForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
        return redirect(url_for(".show", nomination_id=nomination.id))
    refusals_go_to(url_for(".show", nomination_id=nomination.id) + "#attachments")
    attachment = services.add_attachment(nomination, form.file.data, current_user)
    flash(_("Attached %(name)s.", name=attachment.original_name), "success")
    return redirect(url_for(".show", nomination_id=nomination.id) + "#attachments")


def _load_attachment(nomination: Nomination, attachment_id: int) -> Attachment:
    attachment = get_or_404(Attachment, attachment_id)
    if attachment.nomination_id != nomination.id:
        abort(404)
    return attachment


@bp.route("/<int:nomination_id>/attachments/<int:attachment_id>")
@login_required
def download(nomination_id: int, attachment_id: int):
    nomination = load_visible(nomination_id)
    attachment = _load_attachment(nomination, attachment_id)
    path = services.attachment_path(attachment)
    if not path.exists():
        abort(404, _("The file is missing from storage; ask an administrator to restore it."))
    # Images and PDFs preview inline; the type is the sniffed one, never the client's claim.
    inline = request.args.get("inline") == "1"
    return send_file(path, mimetype=attachment.content_type, as_attachment=not inline,
                     download_name=attachment.original_name, max_age=0)


@bp.route("/<int:nomination_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@login_required
def delete_attachment(nomination_id: int, attachment_id: int):
    nomination = load_visible(nomination_id)
    if not can_edit(current_user, nomination):
        abort(403, _("Attachments can only be changed while the nomination is a draft or returned."))
    attachment = _load_attachment(nomination, attachment_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    name = attachment.original_name
    services.remove_attachment(attachment)  # the file goes once the row is gone for good
    flash(_("Removed %(name)s.", name=name), "info")
    return redirect(url_for(".show", nomination_id=nomination.id) + "#attachments")
