"""Background jobs, run inline (no Redis: the embedded default): a large certificate batch and a long
export become jobs with a progress page, a download for the right people only, a clear failure that
can be retried, and files that expire. tests/test_jobs_redis.py runs the same jobs through RQ."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import event, func, select

from tests import factories
from tests.factories import bring_to
from tests.test_certificates import certified
from workflow_app.certificates.models import Certificate, PrintLog
from workflow_app.core import storage
from workflow_app.core.timeutil import utcnow
from workflow_app.exports.models import ExportLog
from workflow_app.extensions import db
from workflow_app.jobs import services
from workflow_app.jobs.models import Job

NOT_IN_FONT = "\U00030000"  # U+30000 (Ext G): in neither the packaged nor the fallback font (test_pdf.py asserts it)


def _job_id(response) -> int:
    match = re.search(r"/jobs/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def _get(client, url: str):
    """A GET whose response (maybe a file being sent) is closed at once."""
    response = client.get(url)
    response.get_data()  # read (and kept) before the file is closed
    response.close()
    return response


def _print_all(client, world) -> int:
    response = client.post("/certificates/print", data={"campaign": world.campaign.id, "honor_type": ""})
    assert response.status_code == 302
    return _job_id(response)


@pytest.fixture
def five_certificates(app, world):
    names = ["马金凤", "沙建国", "白玉兰", "丁秀英", "马德胜"]
    return [certified(world, name=name, unit=world.branch1 if i % 2 else world.branch2) for i, name in enumerate(names)]


def test_a_batch_past_the_threshold_is_a_job_whose_zip_holds_every_certificate_in_parts(
        app, client, world, login_as, five_certificates):
    app.config.update(PRINT_JOB_THRESHOLD=2, PRINT_CHUNK_PAGES=2)
    login_as("admin")
    job_id = _print_all(client, world)
    job = db.session.get(Job, job_id)
    assert (job.state, job.done, job.total, job.kind) == ("done", 5, 5, "certificate_batch")
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f"/jobs/{job_id}/download" in page

    download = _get(client, f"/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert download.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert archive.namelist() == ["part-001-of-003.pdf", "part-002-of-003.pdf", "part-003-of-003.pdf",
                                  "contents.csv"]
    pages = [len(PdfReader(io.BytesIO(archive.read(name))).pages) for name in archive.namelist()[:3]]
    assert pages == [2, 2, 1]
    contents = list(csv.DictReader(io.StringIO(archive.read("contents.csv").decode("utf-8-sig"))))
    numbers = {c.number for c in five_certificates}
    assert {row["number"] for row in contents} == numbers and len(contents) == 5
    # Print order: township by code (东城街道 411624001 before 槐店 411624100), and the listed page holds it.
    assert [row["township"] for row in contents] == ["东城街道总工会"] * 3 + ["槐店回族镇总工会"] * 2
    first = contents[2]
    text = PdfReader(io.BytesIO(archive.read(first["file"]))).pages[int(first["page"]) - 1].extract_text()
    assert first["number"] in text

    logged = db.session.scalars(select(PrintLog)).all()
    assert len(logged) == 5 and {entry.job for entry in logged} == {f"job-{job_id}"}
    db.session.expire_all()
    assert all(c.print_count == 1 for c in db.session.scalars(select(Certificate)))


def test_a_batch_that_fits_one_ream_is_one_pdf_and_a_small_one_prints_at_once(
        app, client, world, login_as, five_certificates):
    app.config.update(PRINT_JOB_THRESHOLD=3, PRINT_CHUNK_PAGES=500)
    login_as("admin")
    job = db.session.get(Job, _print_all(client, world))
    download = _get(client, f"/jobs/{job.id}/download")
    assert download.mimetype == "application/pdf" and len(PdfReader(io.BytesIO(download.data)).pages) == 5
    app.config["PRINT_JOB_THRESHOLD"] = 5
    at_once = client.post("/certificates/print", data={"campaign": world.campaign.id})
    assert at_once.status_code == 200 and at_once.mimetype == "application/pdf"
    assert db.session.scalar(select(func.count(Job.id))) == 1, "five certificates need no job"
    # A GET never starts work: a large batch asked for by a link is sent to the button.
    app.config["PRINT_JOB_THRESHOLD"] = 2
    assert client.get(f"/certificates/print?campaign={world.campaign.id}").status_code == 302
    assert db.session.scalar(select(func.count(Job.id))) == 1


def test_the_job_page_polls_a_small_status_and_falls_back_to_a_refresh_without_javascript(
        app, client, world, login_as):
    job = services.create_job("certificate_batch", {"campaign_id": world.campaign.id}, world.admin, world.county)
    db.session.commit()
    login_as("admin")
    page = client.get(f"/jobs/{job.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<noscript><meta http-equiv="refresh"' in html, "without JavaScript the page refreshes itself"
    assert "js/jobs.js" in html and f'data-status-url="/jobs/{job.id}/status"' in html
    assert re.search(r"<script>(?!</script>)", html) is None, "no inline script under the CSP"
    status = client.get(f"/jobs/{job.id}/status")
    assert status.headers["Cache-Control"] == "no-store"
    assert status.json == {"state": "queued", "done": 0, "total": 0, "percent": 0, "finished": False,
                           "error": None, "download": None}
    assert _get(client, f"/jobs/{job.id}/download").status_code == 404, "nothing to download yet"


def test_only_the_starter_and_the_countys_administrators_see_a_job_and_its_file(app, client, world, login_as):
    for name in ("马金凤", "沙建国", "白玉兰"):
        bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                      nominee_name=name, id_number=factories.id_number()), "township_review")
    app.config["EXPORT_JOB_THRESHOLD"] = 2
    login_as("town1")
    response = client.post("/exports/nominations", data={"campaign": world.campaign.id})
    job = db.session.get(Job, _job_id(response))
    assert (job.state, job.unit_id) == ("done", world.county.id)
    assert _get(client, f"/jobs/{job.id}/download").status_code == 200
    assert f"/jobs/{job.id}" in client.get("/jobs/").get_data(as_text=True)
    for outsider in ("town2", "chair1", "county"):  # another township, a chair, a reviewer (not an admin)
        login_as(outsider)
        for url in (f"/jobs/{job.id}", f"/jobs/{job.id}/status", f"/jobs/{job.id}/download"):
            assert _get(client, url).status_code == 403, (outsider, url)
        assert f"/jobs/{job.id}" not in client.get("/jobs/").get_data(as_text=True)
    login_as("admin")
    assert _get(client, f"/jobs/{job.id}/download").status_code == 200
    assert f"/jobs/{job.id}" in client.get("/jobs/").get_data(as_text=True)
    assert client.get("/jobs/999999").status_code == 404


def test_a_long_export_is_a_job_with_the_lists_rows_masked_and_logged_once(app, client, world, login_as):
    names = ["马金凤", "沙建国", "白玉兰", "丁秀英"]
    for name in names:
        bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                      nominee_name=name, id_number=factories.id_number()), "county_review")
    app.config["EXPORT_JOB_THRESHOLD"] = 3
    login_as("admin")
    job = db.session.get(Job, _job_id(client.post("/exports/nominations",
                                                  data={"campaign": world.campaign.id, "sort": "name"})))
    assert (job.state, job.total, job.done) == ("done", 4, 4)
    download = _get(client, f"/jobs/{job.id}/download")
    assert download.headers["Content-Disposition"].endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("序号", "推荐对象"), "headers in the starter's language (Chinese by default)"
    assert sorted(r[1] for r in rows[1:]) == sorted(names) and [r[0] for r in rows[1:]] == [1, 2, 3, 4]
    assert all("*" in r[10] for r in rows[1:]), "ID numbers masked"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:N5"
    [logged] = db.session.scalars(select(ExportLog)).all()
    assert (logged.kind, logged.row_count, logged.full, logged.actor_id) == ("nominations", 4, False, world.admin.id)


def test_a_character_the_font_lacks_fails_the_job_naming_it_and_a_retry_after_the_fix_succeeds(
        app, client, world, login_as, five_certificates):
    app.config.update(PRINT_JOB_THRESHOLD=2)
    rare = five_certificates[0]
    rare.recipient = f"马{NOT_IN_FONT}"
    db.session.commit()
    login_as("admin")
    job = db.session.get(Job, _print_all(client, world))
    assert job.state == "failed" and "U+30000" in job.error and job.result_name is None
    assert not list(storage.folder("jobs").iterdir()), "no half-made file is left"
    assert db.session.scalar(select(func.count(PrintLog.id))) == 0, "nothing printed, nothing logged"
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "U+30000" in page and f"/jobs/{job.id}/retry" in page

    db.session.get(Certificate, rare.id).recipient = "马金凤"
    db.session.commit()
    assert client.post(f"/jobs/{job.id}/retry").status_code == 302
    db.session.refresh(job)
    assert (job.state, job.error, job.attempts) == ("done", None, 2)
    assert client.post(f"/jobs/{job.id}/retry").status_code == 302, "a done job is not run again"
    db.session.refresh(job)
    assert job.attempts == 2


def test_progress_is_written_every_few_hundred_items_and_never_commits_the_work(app, world):
    """Watchers see the count while the job runs; a step that would commit the job's own rows refuses."""
    job = Job(kind="certificate_batch", params={}, created_by=world.admin, unit=world.county, state="running")
    db.session.add(job)
    db.session.commit()
    commits = []

    def count(session) -> None:
        commits.append(1)

    event.listen(db.session, "after_commit", count)
    try:
        progress = services.Progress(job)
        progress.start(10_000)
        for _ in range(10_000):
            progress.advance()
    finally:
        event.remove(db.session, "after_commit", count)
    assert 100 <= len(commits) <= 102
    with db.engine.connect() as other:  # committed: another connection sees it
        assert other.execute(select(Job.done).where(Job.id == job.id)).scalar() == 10_000
    world.admin.display_name = "赵建华（改）"  # the work's own row, written before a step
    db.session.flush()
    with pytest.raises(RuntimeError, match="user_account"):
        progress.advance(progress.every)
    db.session.rollback()


def test_cleanup_removes_expired_files_and_fails_jobs_whose_worker_went_silent(app, client, world, login_as,
                                                                               five_certificates):
    app.config.update(PRINT_JOB_THRESHOLD=2)
    login_as("admin")
    done = db.session.get(Job, _print_all(client, world))
    path = storage.path_of("jobs", done.result_name)
    assert path.is_file()
    silent = services.create_job("certificate_batch", {}, world.admin, world.county)
    silent.state, silent.updated_at = "running", utcnow() - timedelta(hours=2)
    stray = storage.folder("jobs") / "job-0-stray.part"
    stray.write_bytes(b"half")
    db.session.commit()
    assert services.cleanup(now=utcnow()) == {"expired": 0, "stale": 1, "strays": 0}, "a fresh stray is kept"
    counts = services.cleanup(now=done.expires_at + timedelta(hours=2))
    assert counts["expired"] == 1 and counts["strays"] == 1
    assert not path.exists() and not stray.exists()
    db.session.refresh(silent)
    db.session.refresh(done)
    assert silent.state == "failed" and silent.error
    assert done.state == "done" and not done.has_result
    assert _get(client, f"/jobs/{done.id}/download").status_code == 404
    assert 'id="job-expired"' in client.get(f"/jobs/{done.id}").get_data(as_text=True)


def test_stored_names_cannot_leave_their_folder(app):
    for name in ("../secret", "a/b", "", ".hidden", "x" * 200):
        with pytest.raises(ValueError):
            storage.path_of("jobs", name)
    with pytest.raises(ValueError):
        storage.folder("elsewhere")
