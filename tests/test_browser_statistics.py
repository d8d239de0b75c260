"""The statistics journey in a real browser (Debian's Chromium): a township reviewer files the
year's figures (an inconsistent figure is caught on the form), the county accepts them, and the
county dashboard draws its charts from the app's own ECharts with no CSP violation. Screenshots of
the dashboard at desktop and 360 px width go to the artifacts folder."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # running_site skips (or fails in CI) with the reason
    expect = None

from tests import factories
from tests.browser_support import PHONE, artifacts_dir, running_site, signed_in
from workflow_app.core.timeutil import china_today
from workflow_app.extensions import db
from workflow_app.stats.models import StatisticsReport, StatisticsTarget

pytestmark = pytest.mark.browser
YEAR = china_today().year - 1
FIGURES = {"enterprise_units": "40", "units_with_union": "20", "units_in_joint_union": "6", "workers": "1000",
           "members": "1200", "migrant_members": "300", "wage_bargaining_units": "20", "grassroots_unions": "24"}


@pytest.fixture
def site(app, world, migrated_database):
    db.session.merge(StatisticsTarget(year=YEAR, establishment_rate=Decimal(65), membership_rate=Decimal(90)))
    db.session.commit()
    with running_site(app, world, migrated_database) as running:
        yield running


def test_township_files_county_accepts_dashboard_draws_charts(site):
    world = site.world
    with signed_in(site, "town1", factories.PASSWORD, failure_prefix="stats-") as page:
        page.get_by_role("link", name="统计").first.click()
        expect(page).to_have_url(re.compile(r"/stats/reports"))
        page.goto(f"/stats/reports/new?unit={world.town1.id}&year={YEAR}&quarter=0")
        for name, value in FIGURES.items():
            page.locator(f"input[name={name}]").fill(value)
        page.get_by_role("button", name="保存并报送县总工会").click()
        expect(page.locator(".invalid-feedback")).to_contain_text("会员人数（1200）不能多于职工人数（1000）")
        page.locator("input[name=members]").fill("850")
        page.get_by_role("button", name="保存并报送县总工会").click()
        expect(page.locator(".alert-success")).to_contain_text("已报送县总工会")
        expect(page.locator("#report-rates")).to_contain_text("65.0%")

    report = db.session.query(StatisticsReport).one()
    with signed_in(site, "county", factories.PASSWORD, failure_prefix="stats-") as page:
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.goto(f"/stats/reports/{report.id}")
        page.get_by_role("button", name="审核通过").click()
        expect(page.locator(".alert-success")).to_be_visible()
        expect(page.locator(".report-state").first).to_have_text("已通过")

        page.goto(f"/stats/dashboard?year={YEAR}")
        chart = page.locator('[data-chart="bars-establishment"]')
        expect(chart).to_have_attribute("data-rendered", "1")
        expect(chart.locator("svg")).to_have_count(1)
        expect(page.locator('[data-chart="trend"] svg')).to_have_count(1)
        expect(page.locator("#row-411624100")).to_contain_text("65.0%")
        expect(page.locator("#row-411624100")).to_contain_text("达标")
        expect(page.locator("#summary-membership")).to_contain_text("还差 50 名会员")
        page.screenshot(path=artifacts_dir() / "stats-dashboard-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        page.reload()
        expect(chart).to_have_attribute("data-rendered", "1")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"the dashboard scrolls sideways at 360 px ({width} px)"
        page.screenshot(path=artifacts_dir() / "stats-dashboard-360.png", full_page=True)
        assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
