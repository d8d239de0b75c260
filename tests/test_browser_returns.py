"""Returns to a lower level and recalls in a real browser, in Chinese, on a desktop and a 360 px phone: the
county sends a nomination back to the township, which finds it in its to-do list with the county's
reason in the timeline, approves it again, thinks better of it and recalls its approval, then approves it
once more; the county sees the way back down in the diagram.

Selectors use ids, names and values; what people read is checked in Chinese (``label``)."""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # running_site skips (or fails in CI) with the reason
    expect = None

from states.nomination import EVENT_LABELS, STATE_LABELS
from tests import factories
from tests.browser_support import DESKTOP, PHONE, artifacts_dir, label, running_site, signed_in

pytestmark = pytest.mark.browser

NOMINEE = "海志强"
RETURN_REASON = "请乡镇总工会核实该同志近三年的获奖情况。"
RECALL_REASON = "获奖证书复印件不清晰，撤回重新核实。"


class Shots:
    """Numbered screenshots of this journey (returns-NN-…), desktop and phone."""

    def __init__(self):
        self.folder = artifacts_dir()
        for old in self.folder.glob("returns-*.png"):
            old.unlink()
        self.number = 0

    def take(self, page, name: str) -> None:
        self.number += 1
        page.screenshot(path=self.folder / f"returns-{self.number:02d}-{name}.png", full_page=True)

    def on_phone(self, page, name: str) -> None:
        page.set_viewport_size(PHONE)
        try:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name}: the page is {width}px wide on a 360px phone"
            self.take(page, f"{name}-phone")
        finally:
            page.set_viewport_size(DESKTOP)


@pytest.fixture
def site(app, world, migrated_database):
    with running_site(app, world, migrated_database, shots=Shots()) as running:
        yield running


def expect_state(page, site, state: str) -> None:
    expect(page.locator("h1 .badge.state")).to_have_text(re.compile(re.escape(label(site.app, STATE_LABELS[state]))))
    expect(page.locator("svg.workflow-diagram g.state.current")).to_have_attribute("data-state", state)


def test_the_county_returns_it_to_the_township_which_approves_recalls_and_approves_again(site):
    world = site.world
    nomination = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                      nominee_name=NOMINEE)
    factories.bring_to(nomination, "county_review")
    path = f"/nominations/{nomination.id}"

    with signed_in(site, "county", factories.PASSWORD, "returns-") as page:
        page.goto(path)
        expect_state(page, site, "county_review")
        choice = page.locator("#actions select[name=return_level]")
        expect(choice.locator("option")).to_have_count(3)  # "choose", the township, the branch
        expect(choice.locator("option[value=township]")).to_contain_text(world.town1.name)
        expect(choice.locator("option[value=branch]")).to_contain_text(world.branch1.name)
        back = page.locator("#actions button[name=event][value=return_to_level]")
        expect(back).to_have_text(re.compile(re.escape(label(site.app, EVENT_LABELS["return_to_level"]))))
        # Without a level, the page says so next to the choice; nothing is sent.
        page.locator("#comment").fill(RETURN_REASON)
        back.click()
        expect(page.locator("#return_level-needed")).to_be_visible()
        expect_state(page, site, "county_review")
        choice.select_option("township")
        site.shots.take(page, "county-returns-to-township")
        site.shots.on_phone(page, "county-returns-to-township")
        back.click()
        expect(page).to_have_url(re.compile(r"/todo/$"))
        expect(page.locator(".alert-success")).to_contain_text(label(site.app, EVENT_LABELS["return_to_level"]))

    with signed_in(site, "town1", factories.PASSWORD, "returns-") as page:
        expect(page.locator("#todo-count")).to_have_text("1")
        page.locator(".nomination-table tbody tr", has_text=NOMINEE).get_by_role("link", name=NOMINEE).click()
        expect_state(page, site, "township_review")
        latest = page.locator("ol.timeline > li").first
        expect(latest).to_have_class(re.compile(r"\btimeline-back\b"))
        expect(latest).to_contain_text(label(site.app, EVENT_LABELS["return_to_level"]))
        expect(latest).to_contain_text(RETURN_REASON)
        expect(latest).to_contain_text("刘秀兰")
        site.shots.take(page, "township-reviews-again")
        site.shots.on_phone(page, "township-reviews-again")
        page.locator("#comment").fill("已核实获奖情况，同意上报。")
        page.locator("#actions button[name=event][value=approve]").click()
        expect(page).to_have_url(re.compile(r"/todo/$"))

        # Back on the nomination: it waits at the county, and the township may still take its approval back.
        page.goto(path)
        expect_state(page, site, "county_review")
        recall = page.locator("#actions button[name=event][value=recall_approval]")
        expect(page.locator("#actions button[name=event]")).to_have_count(1)
        recall.click()  # a reason is needed first
        expect(page.locator("#comment-needed")).to_be_visible()
        page.locator("#comment").fill(RECALL_REASON)
        site.shots.take(page, "township-recalls")
        recall.click()
        expect(page).to_have_url(re.compile(r"/todo/$"))
        expect(page.locator(".alert-success")).to_contain_text(label(site.app, EVENT_LABELS["recall_approval"]))
        expect(page.locator("#todo-count")).to_have_text("1")  # its to-do again

        page.goto(path)
        expect_state(page, site, "township_review")
        expect(page.locator("ol.timeline > li").first).to_contain_text(RECALL_REASON)
        page.locator("#comment").fill("重新核实无误，同意上报。")
        page.locator("#actions button[name=event][value=approve]").click()
        expect(page).to_have_url(re.compile(r"/todo/$"))

    with signed_in(site, "county", factories.PASSWORD, "returns-") as page:
        page.goto(path)
        expect_state(page, site, "county_review")
        timeline = page.locator("ol.timeline > li")
        expect(timeline).to_have_count(7)  # submitted, 2 approvals, returned, approved, recalled, approved
        expect(page.locator("ol.timeline > li.timeline-back")).to_have_count(2)
        # The diagram draws the ways back down the chain: township → branch, county → township, county → branch.
        expect(page.locator("svg.workflow-diagram path.edge.back")).to_have_count(3)
        site.shots.take(page, "county-sees-the-way-back")
        site.shots.on_phone(page, "county-sees-the-way-back")
        form = page.request.get(f"{path}/approval-form.pdf")
        assert form.status == 200 and form.headers["content-type"] == "application/pdf"
        form.dispose()
