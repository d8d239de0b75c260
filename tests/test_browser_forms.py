"""Forms that help as you type, and the language switch, in a real browser (Debian's Chromium).

The ID number is checked before the form is sent, and fills gender and birth date; an
organisation's membership rate follows its counts; the chosen language is remembered per
user across logins. A 360 px screenshot of the nomination form goes to the artifacts folder."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask_babel import lazy_gettext as _l

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the `site` fixture skips (or fails in CI) with the reason
    expect = sync_playwright = None

from tests import factories
from tests.browser_support import (
    PHONE,
    artifacts_dir,
    exactly,
    label,
    running_site,
)
from tests.browser_support import signed_in as browser_signed_in
from workflow_app.extensions import db
from workflow_app.nominations.fields import CHOICE_LABELS

pytestmark = pytest.mark.browser

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture
def site(app, world, migrated_database):
    with running_site(app, world, migrated_database) as running:
        yield running


def signed_in(site, username: str):
    return browser_signed_in(site, username, factories.PASSWORD, failure_prefix="forms-")


def log_in(page, username: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("#main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/todo/$"))


def open_form(page, site, code: str) -> None:
    world = site.world
    honor = factories.honor(code)
    page.goto(f"/nominations/new/details?campaign_id={world.campaign.id}&honor_type_id={honor.id}"
              f"&org_unit_id={world.branch1.id}")
    expect(page.locator("h1")).to_have_text(honor.name)


def test_id_number_checked_as_typed_and_fills_gender_and_birth_date(site):
    valid = factories.id_number(born=date(1985, 6, 15), male=False)
    wrong_check = valid[:17] + ("0" if valid[17] != "0" else "1")
    with signed_in(site, "chair1") as page:
        open_form(page, site, "outstanding_union_worker")
        url = page.url
        # Every visible field has a label (or an accessible name).
        unlabelled = page.evaluate("""() => Array.from(document.querySelectorAll(
            "#main input:not([type=hidden]), #main select, #main textarea"))
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label"))
            .map(el => el.name)""")
        assert unlabelled == []

        id_field = page.locator("input[name=id_number]")
        message = page.locator("#id_number-check")
        id_field.press_sequentially(wrong_check[:10])
        expect(message).to_have_text("")  # no nagging while the number is still being typed
        id_field.press_sequentially(wrong_check[10:])
        expect(message).to_have_text(exactly(label(site.app, _l(
            "The check character of the ID number is wrong; please check every digit."))))
        expect(id_field).to_have_class(re.compile(r"\bis-invalid\b"))
        expect(page).to_have_url(url)  # nothing was sent

        id_field.fill(valid[:12])  # too short, noticed when leaving the field
        id_field.blur()
        expect(message).to_contain_text(label(site.app, _l(
            "An ID number has 18 characters; this one has %(count)d.", count=12)))

        # Corrected, typed with full-width digits as Chinese input methods do.
        id_field.fill("")
        id_field.press_sequentially(valid.translate(FULL_WIDTH))
        expect(message).to_have_text(exactly(label(site.app, _l("The ID number is valid."))))
        expect(id_field).not_to_have_class(re.compile(r"\bis-invalid\b"))
        gender = page.locator("select[name=gender]")
        expect(gender).to_have_value("female")
        expect(gender.locator("option:checked")).to_have_text(
            label(site.app, CHOICE_LABELS["gender"]["female"]))
        expect(page.locator("input[name=birth_date]")).to_have_value("1985-06-15")

        # A birth date that disagrees with the number is pointed out.
        page.locator("input[name=birth_date]").fill("1985-06-16")
        expect(message).to_contain_text("1985年6月15日")  # as the pages write a day

        page.set_viewport_size(PHONE)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the nomination form is {width}px wide on a 360px phone"
        page.screenshot(path=artifacts_dir() / "forms-nomination-form-phone.png", full_page=True)


def test_membership_rate_follows_the_counts(site):
    with signed_in(site, "chair1") as page:
        open_form(page, site, "model_worker_home")
        rate = page.locator("#membership-rate")
        expect(rate).to_be_hidden()
        page.locator("input[name=staff_count]").press_sequentially("800")
        page.locator("input[name=member_count]").press_sequentially("78")
        expect(rate).to_be_visible()
        expect(rate).to_contain_text(label(site.app, _l("Membership rate")))
        expect(rate.locator("output")).to_have_text("9.8%")
        page.locator("input[name=member_count]").press_sequentially("0")
        expect(rate.locator("output")).to_have_text("97.5%")
        page.locator("input[name=member_count]").fill("801")
        expect(rate).to_contain_text(label(site.app, _l("There cannot be more members than staff.")))


def test_language_switch_is_remembered_per_user(site):
    with signed_in(site, "chair1") as page:
        html = page.locator("html")
        expect(html).to_have_attribute("lang", "zh-CN")
        page.locator("#language-form button[value=en]").click()
        expect(html).to_have_attribute("lang", "en")
        expect(page.locator("#nav")).to_contain_text("Nominations")
        expect(page.locator("h1")).to_have_text(re.compile(r"[A-Za-z]"))

        page.locator("#nav form[action$='/logout'] button").click()
        expect(page).to_have_url(re.compile(r"/login"))
        log_in(page, "chair1")
        expect(html).to_have_attribute("lang", "en")  # remembered with the user, not the session
        expect(page.locator("#nav")).to_contain_text("Log out")

        page.locator("#language-form button[value=zh_Hans_CN]").click()
        expect(html).to_have_attribute("lang", "zh-CN")
        nominations = label(site.app, _l("Nominations"))
        expect(page.locator("#nav")).to_contain_text(nominations)
        page.locator("#nav form[action$='/logout'] button").click()
        log_in(page, "chair1")
        expect(html).to_have_attribute("lang", "zh-CN")
        expect(page.locator("#nav")).not_to_contain_text("Log out")


def test_nomination_page_and_list_print_cleanly(site):
    world = site.world
    nomination = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1)
    db.session.commit()
    with signed_in(site, "chair1") as page:
        page.goto(f"/nominations/{nomination.id}")
        expect(page.locator("h1")).to_contain_text(nomination.nominee_name)
        expect(page.locator("#actions")).to_be_visible()
        page.emulate_media(media="print")
        for hidden in ("nav.navbar", "footer", "#actions", "#main .btn", "#main form"):
            for element in page.locator(hidden).all():
                expect(element).to_be_hidden()
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator(".details")).to_be_visible()
        expect(page.locator(".details")).to_contain_text(nomination.work_unit)
        expect(page.locator("svg.workflow-diagram")).to_be_visible()
        page.pdf(path=artifacts_dir() / "forms-nomination-print.pdf")

        page.emulate_media(media="screen")
        page.goto("/nominations/")
        row = page.locator(".nomination-table tbody tr", has_text=nomination.nominee_name)
        expect(row).to_be_visible()
        page.emulate_media(media="print")
        expect(row).to_be_visible()
        expect(page.locator(".nomination-table thead")).to_be_visible()
        for hidden in ("nav.navbar", "footer", "form[role=search]", ".pagination"):
            for element in page.locator(hidden).all():
                expect(element).to_be_hidden()
