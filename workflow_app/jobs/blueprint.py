"""The jobs a user started (and, for county administrators, their county's): list, progress page,
the small JSON the page polls, the result's download, and retrying a failed job."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from workflow_app.core import storage
from workflow_app.core.forms import CsrfForm
from workflow_app.core.http import get_or_404, refusals_go_to
from workflow_app.extensions import db
from workflow_app.jobs import services
from workflow_app.jobs.kinds import KINDS
from workflow_app.jobs.models import Job
from workflow_app.policy import can_view_job, jobs_filter

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
LIST_LIMIT = 50


def _job(job_id: int) -> Job:
    job = get_or_404(Job, job_id)
    if not can_view_job(current_user, job):
        abort(403)
    return job


@bp.route("/")
@login_required
def index():
    jobs = db.session.scalars(select(Job).where(jobs_filter(current_user))
                              .order_by(Job.created_at.desc(), Job.id.desc()).limit(LIST_LIMIT)).all()
    return render_template("jobs/index.html", jobs=jobs, kinds=KINDS)


@bp.route("/<int:job_id>")
@login_required
def show(job_id: int):
    return render_template("jobs/show.html", job=_job(job_id), kinds=KINDS, form=CsrfForm())


@bp.route("/<int:job_id>/status")
@login_required
def status(job_id: int):
    """What the progress page polls: small, and never cached."""
    job = _job(job_id)
    response = jsonify(state=job.state, done=job.done, total=job.total, percent=job.percent,
                       finished=job.finished, error=job.error,
                       download=url_for(".download", job_id=job.id) if job.has_result else None)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:job_id>/download")
@login_required
def download(job_id: int):
    job = _job(job_id)
    if not job.has_result:
        abort(404, _("This job has no file to download (not finished, failed, or expired)."))
    path = storage.path_of(services.STORAGE_AREA, job.result_name)
    if not path.is_file():
        abort(404, _("The file of this job is no longer there; start it again."))
    response = send_file(path, mimetype=job.result_type, as_attachment=True, download_name=job.result_filename,
                         max_age=0)
    response.headers["Cache-Control"] = "no-store"  # personal data: no copies in caches
    return response


@bp.route("/<int:job_id>/retry", methods=["POST"])
@login_required
def retry(job_id: int):
    job = _job(job_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    refusals_go_to(url_for(".show", job_id=job.id))
    services.retry(job)  # it starts once this request has committed
    return redirect(url_for(".show", job_id=job.id))
