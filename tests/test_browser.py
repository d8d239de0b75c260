"""The main journey in a real browser: a branch chair nominates a worker, three reviewers
approve it one after another, and the nomination reaches its public notice.

Runs the app on a loopback port and drives headless Chromium (Debian's, never a download).
Assertions are about what people see; selectors use ids, names and values, because the
labels change when the Chinese catalog is filled in. Screenshots (desktop and 360 px phone)
go to $WORKFLOW_ARTIFACTS, default test-artifacts/screenshots."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask_babel import lazy_gettext

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the `site` fixture skips (or fails in CI) with the reason
    expect = sync_playwright = None

from states.nomination import EVENT_LABELS, STATE_LABELS
from tests import factories
from tests.browser_support import (
    DESKTOP,
    PHONE,
    artifacts_dir,
    exactly,
    label,
    running_site,
)
from tests.browser_support import signed_in as browser_signed_in

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n%browser test\n"
NOMINEE = "马金凤"
HONOR = "优秀工会工作者"
ATTACHMENT = "马金凤事迹材料.pdf"
REVIEWERS = [  # username, display name, comment typed, state after the approval
    ("branch1", "沙海军", "同意推荐，事迹属实。", "township_review"),
    ("town1", "马志远", "经镇总工会审核，同意上报。", "county_review"),
    ("county", "刘秀兰", "县总工会审核通过，予以公示。", "public_notice"),
]


@pytest.fixture
def site(app, world, migrated_database):
    with running_site(app, world, migrated_database, shots=Screenshots()) as running:
        yield running


class Screenshots:
    """Numbered full-page screenshots, so the folder reads in journey order."""

    def __init__(self):
        self.folder = artifacts_dir()
        for pattern in ("[0-9][0-9]-*.png", "FAILED-*.png"):  # only what an earlier run left
            for old in self.folder.glob(pattern):
                old.unlink()
        self.number = 0

    def take(self, page, name: str) -> None:
        self.number += 1
        page.screenshot(path=self.folder / f"{self.number:02d}-{name}.png", full_page=True)

    def on_phone(self, page, name: str) -> None:
        """The same page 360 px wide: nothing may stick out sideways. Back to desktop after."""
        page.set_viewport_size(PHONE)
        try:
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= PHONE["width"], f"{name}: the page is {overflow}px wide on a 360px phone"
            self.take(page, f"{name}-phone")
        finally:
            page.set_viewport_size(DESKTOP)


@contextmanager
def signed_in(site, username: str) -> Iterator:
    """A fresh browser for one person, logged in, the to-do count in view."""
    with browser_signed_in(site, username, factories.PASSWORD) as page:
        expect(page.locator("#todo-count")).to_be_visible()
        yield page


def expect_state(page, site, state: str) -> None:
    """The heading's badge and the diagram's highlighted box both show ``state``."""
    badge = page.locator("h1 .badge.state")
    expect(badge).to_have_class(re.compile(rf"\bstate-{state}\b"))
    expect(badge).to_have_text(exactly(label(site.app, STATE_LABELS[state])))
    expect(page.locator("svg.workflow-diagram g.state.current")).to_have_attribute("data-state", state)


def chair_creates_and_submits(site) -> str:
    """Returns the nomination page's path."""
    world = site.world
    with signed_in(site, "chair1") as page:
        expect(page.locator("#todo-count")).to_have_text("0")
        page.locator('#nav a[href$="/nominations/new"]').click()

        # Step 1: campaign, honor, unit.
        expect(page).to_have_url(re.compile(r"/nominations/new$"))
        page.locator("select[name=campaign_id]").select_option(str(world.campaign.id))
        page.locator("select[name=honor_type_id]").select_option(label=HONOR)
        page.locator("select[name=org_unit_id]").select_option(label=world.branch1.name)
        site.shots.take(page, "chair-new-step1")
        page.locator('#main form[action$="/nominations/new/details"] button[type=submit]').click()

        # Step 2: the nominee.
        expect(page).to_have_url(re.compile(r"/nominations/new/details\?"))
        expect(page.locator("h1")).to_have_text(HONOR)
        expect(page.locator("#main")).to_contain_text(world.branch1.name)
        fields = factories.person_fields(nominee_name=NOMINEE)
        form = page.locator("form.nomination-form")
        for name in ("nominee_name", "id_number", "ethnicity", "work_unit", "post", "phone",
                     "deeds_summary", "deeds_full"):
            form.locator(f"[name={name}]").fill(fields[name])
        for name in ("birth_date", "started_work_on"):
            form.locator(f"input[name={name}]").fill(fields[name].isoformat())
        for name in ("gender", "political_status", "education", "category"):
            form.locator(f"select[name={name}]").select_option(fields[name])
        expect(page.locator("#deeds_summary-count")).to_contain_text(f"{len(fields['deeds_summary'])} / ")
        site.shots.take(page, "chair-new-step2-filled")
        site.shots.on_phone(page, "chair-new-step2-filled")
        form.locator("button[name=save][value='1']").click()

        # The saved draft.
        expect(page).to_have_url(re.compile(r"/nominations/\d+$"))
        path = re.search(r"/nominations/\d+$", page.url).group(0)
        expect(page.locator("h1")).to_contain_text(NOMINEE)
        expect(page.locator(".alert-success")).to_be_visible()
        expect_state(page, site, "draft")
        expect(page.locator(".details")).to_contain_text(fields["work_unit"])

        # Attach the deeds as a PDF.
        page.locator("input#file[type=file]").set_input_files(
            {"name": ATTACHMENT, "mimeType": "application/pdf", "buffer": PDF})
        page.locator('form[action$="/attachments"] button[type=submit]').click()
        expect(page.get_by_role("link", name=ATTACHMENT)).to_be_visible()
        site.shots.take(page, "chair-draft-with-attachment")

        # Submit it.
        page.locator("#actions button[name=event][value=submit]").click()
        expect_state(page, site, "branch_review")
        expect(page.locator("ol.timeline > li")).to_have_count(1)
        expect(page.locator("ol.timeline > li")).to_contain_text(world.chair1.display_name)
        # All the chair can do now is withdraw it (with a confirmation).
        expect(page.locator("#actions button[name=event]")).to_have_count(1)
        expect(page.locator("#actions button[name=event][value=withdraw]")).to_be_visible()
        site.shots.take(page, "chair-submitted")
        return path


def reviewer_approves(site, path: str, username: str, name: str, comment: str, after: str, first: bool):
    world = site.world
    with signed_in(site, username) as page:
        # It waits in the to-do list, with the count on the badge.
        expect(page.locator("#todo-count")).to_have_text("1")
        row = page.locator(".nomination-table tbody tr", has_text=NOMINEE)
        expect(row).to_have_count(1)
        expect(row).to_contain_text(HONOR)
        expect(row).to_contain_text(world.branch1.name)
        expect(row).to_contain_text(world.town1.name)
        site.shots.take(page, f"{username}-todo")
        if first:
            expect(page.locator(".nomination-table thead")).to_be_visible()
            page.set_viewport_size(PHONE)
            expect(page.locator(".nomination-table thead")).to_be_hidden()  # a card per nomination
            expect(row).to_have_css("display", "block")
            page.set_viewport_size(DESKTOP)
            site.shots.on_phone(page, f"{username}-todo")

        row.get_by_role("link", name=NOMINEE).click()
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        expect(page.locator("h1")).to_contain_text(NOMINEE)
        attachment = page.get_by_role("link", name=ATTACHMENT)
        expect(attachment).to_be_visible()
        if first:  # the reviewer can open what the chair attached
            response = page.request.get(attachment.get_attribute("href"))
            assert response.body() == PDF
            response.dispose()

        page.locator("#comment").fill(comment)
        approve = page.locator("#actions button[name=event][value=approve]")
        expect(approve).to_be_enabled()
        site.shots.take(page, f"{username}-nomination")
        if first:
            page.set_viewport_size(PHONE)
            approve.scroll_into_view_if_needed()
            box = approve.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
            page.set_viewport_size(DESKTOP)
            site.shots.on_phone(page, f"{username}-nomination")

        approve.click()
        expect(page).to_have_url(re.compile(r"/todo/$"))
        expect(page.locator(".alert-success")).to_contain_text(label(site.app, EVENT_LABELS["approve"]))
        expect(page.locator("#todo-count")).to_have_text("0")
        expect(page.get_by_role("link", name=NOMINEE)).to_have_count(0)

        # Still visible to the reviewer, now one level up.
        page.goto(path)
        expect_state(page, site, after)
        latest = page.locator("ol.timeline > li").first
        expect(latest).to_contain_text(name)
        expect(latest).to_contain_text(comment)


def test_nomination_from_branch_chair_to_public_notice(site):
    path = chair_creates_and_submits(site)
    for index, (username, name, comment, after) in enumerate(REVIEWERS):
        reviewer_approves(site, path, username, name, comment, after, first=index == 0)

    # The county reviewer finds it in the nominations list: in public notice, with the history.
    with signed_in(site, "county") as page:
        page.locator('#nav a[href$="/nominations/"]').click()
        page.locator(".nomination-table").get_by_role("link", name=NOMINEE).click()
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        expect_state(page, site, "public_notice")
        expect(page.locator("#main")).to_contain_text(label(site.app, STATE_LABELS["public_notice"]))

        timeline = page.locator("ol.timeline > li")
        expect(timeline).to_have_count(1 + len(REVIEWERS))
        approve = label(site.app, EVENT_LABELS["approve"])
        for _username, name, comment, after in REVIEWERS:  # each approval, found by its comment
            entry = timeline.filter(has_text=comment)
            expect(entry).to_have_count(1)
            expect(entry).to_contain_text(approve)
            expect(entry).to_contain_text(name)
            expect(entry).to_contain_text(label(site.app, STATE_LABELS[after]))
        expect(timeline.last).to_contain_text(site.world.chair1.display_name)
        site.shots.take(page, "county-public-notice")
        site.shots.on_phone(page, "county-public-notice")


def test_bulk_approval_with_one_failure(site):
    """The county reviewer approves three nominations at once; the second township's quota is used
    up, so one is refused with the quota reason and the other two go to public notice."""
    world = site.world
    picked = []
    for name, unit, chair, people in (("甲一", world.branch1, world.chair1, None),
                                      ("乙二", world.branch1, world.chair1, None),
                                      ("丙三", world.branch2, world.chair2, factories.SECOND_TOWNSHIP)):
        item = factories.nomination(world.campaign, "outstanding_union_worker", unit, chair, nominee_name=name,
                                    id_number=factories.id_number())
        picked.append(factories.bring_to(item, "county_review", people).id)
    factories.quota(world.campaign, "outstanding_union_worker", world.town2, 1)
    factories.bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch2,
                                            world.chair2, nominee_name="丁四", id_number=factories.id_number()),
                       "public_notice", factories.SECOND_TOWNSHIP)
    with signed_in(site, "county") as page:
        expect(page.locator("#todo-count")).to_have_text("3")
        for nomination_id in picked:
            page.locator(f"#select-{nomination_id}").check()
        page.locator("#bulk-comment").fill("县总工会审核通过")
        site.shots.take(page, "county-bulk-select")
        page.locator("#bulk-form button[name=event][value=approve]").click()

        # The confirmation: the count, the names, the comment; nothing done yet.
        expect(page.locator("#bulk-summary")).to_contain_text("3")
        for name in ("甲一", "乙二", "丙三"):
            expect(page.locator("#bulk-names")).to_contain_text(name)
        expect(page.locator("#bulk-comment")).to_have_text("县总工会审核通过")
        site.shots.take(page, "county-bulk-confirm")
        page.locator("#bulk-confirm").click()

        # The result: two done, one refused with the quota reason.
        done = page.locator("#bulk-succeeded li")
        expect(done).to_have_count(2)
        expect(page.locator("#bulk-succeeded")).to_contain_text("甲一")
        expect(page.locator("#bulk-succeeded")).to_contain_text("乙二")
        failed = page.locator("#bulk-failed li")
        expect(failed).to_have_count(1)
        expect(failed).to_contain_text("丙三")
        reason = lazy_gettext("The quota for %(unit)s is used up (%(used)d of %(quota)d).",
                              unit=world.town2.name, used=1, quota=1)
        expect(failed).to_contain_text(label(site.app, reason))
        site.shots.take(page, "county-bulk-result")
        site.shots.on_phone(page, "county-bulk-result")

        # Back in the to-do list, only the refused one waits.
        page.locator("#main a.btn-primary[href*='/todo/']").click()
        expect(page.locator("#todo-count")).to_have_text("1")
        expect(page.locator(".nomination-table tbody tr")).to_have_count(1)
        expect(page.locator(".nomination-table tbody tr")).to_contain_text("丙三")


def test_a_return_for_revision_then_the_chair_edits_and_resubmits(site):
    """The branch reviewer returns it with a reason; the chair sees it in the to-do list, edits the
    draft and submits it again; the timeline keeps every step."""
    world = site.world
    nomination = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                      nominee_name=NOMINEE)
    factories.bring_to(nomination, "branch_review")
    path = f"/nominations/{nomination.id}"
    reason = "请补充近三年获得的荣誉情况。"
    with signed_in(site, "branch1") as page:
        page.goto(path)
        # Returning needs a reason: the page says so before anything is sent.
        page.locator("#actions button[name=event][value=return_for_revision]").click()
        expect(page.locator("#comment-needed")).to_be_visible()
        expect_state(page, site, "branch_review")
        page.locator("#comment").fill(reason)
        page.locator("#actions button[name=event][value=return_for_revision]").click()
        expect(page).to_have_url(re.compile(r"/todo/$"))
    with signed_in(site, "chair1") as page:
        expect(page.locator("#todo-count")).to_have_text("1")
        page.locator(".nomination-table tbody tr", has_text=NOMINEE).get_by_role("link", name=NOMINEE).click()
        expect_state(page, site, "returned")
        expect(page.locator("ol.timeline")).to_contain_text(reason)
        page.locator(f'a[href$="{path}/edit"]').click()
        page.locator("textarea[name=honors_held]").fill("2024年县级优秀工会积极分子")
        page.locator("form.nomination-form button[name=and_submit]").click()
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        expect_state(page, site, "branch_review")
        expect(page.locator(".details")).to_contain_text("2024年县级优秀工会积极分子")
        expect(page.locator("ol.timeline > li")).to_have_count(3)  # submitted, returned, submitted again
        site.shots.take(page, "chair-resubmitted")
