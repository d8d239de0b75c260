"""A county administrator prints a large batch in a real browser (Debian's Chromium): the batch goes
to the queue (Redis), the job page polls its progress with the app's own script (no CSP violation),
shows the download once a worker has made the file, and the file is the batch."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # running_site skips (or fails in CI) with the reason
    expect = None

from pypdf import PdfReader

from tests import factories
from tests.browser_support import artifacts_dir, running_site, signed_in
from tests.test_certificates import certified
from tests.test_jobs_redis import redis_queue, run_worker_here  # noqa: F401 (the queue fixture)
from workflow_app.extensions import db

pytestmark = pytest.mark.browser


def test_admin_starts_a_batch_print_watches_it_finish_and_downloads_the_zip(app, world, migrated_database,
                                                                             redis_queue):  # noqa: F811
    for i, name in enumerate(["马金凤", "沙建国", "白玉兰"]):
        certified(world, name=name, unit=world.branch1 if i % 2 else world.branch2)
    app.config.update(PRINT_JOB_THRESHOLD=2, PRINT_CHUNK_PAGES=2)
    db.session.commit()
    with running_site(app, world, migrated_database) as site, \
            signed_in(site, "admin", factories.PASSWORD, failure_prefix="jobs-") as page:
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.goto("/certificates/")
        with page.context.expect_page() as opened:
            page.locator("#print-all button").click()
        job_page = opened.value
        job_page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        expect(job_page).to_have_url(re.compile(r"/jobs/\d+$"))
        expect(job_page.locator(".job-state")).to_have_text("排队中")
        expect(job_page.locator("#job-download")).to_have_count(0)

        run_worker_here(redis_queue)  # the worker makes the file; the page notices by itself
        expect(job_page.locator("#job-download")).to_be_visible(timeout=20_000)
        expect(job_page.locator(".job-state")).to_have_text("已完成")
        expect(job_page.locator("#job-progress")).to_have_attribute("value", "100")
        job_page.screenshot(path=artifacts_dir() / "job-done.png", full_page=True)
        with job_page.expect_download() as download_info:
            job_page.locator("#job-download").click()
        archive = zipfile.ZipFile(download_info.value.path())
        assert archive.namelist() == ["part-001-of-002.pdf", "part-002-of-002.pdf", "contents.csv"]
        assert len(PdfReader(io.BytesIO(archive.read("part-001-of-002.pdf"))).pages) == 2
        assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
