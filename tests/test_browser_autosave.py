"""A chair's draft saves itself, in a real browser: typed text is saved 20 seconds after a change (the
page's clock is run forward rather than waited for) and when a field is left; the status line says when,
or why not; after a reload the saved text is there and the refused one is not."""

from __future__ import annotations

import re

import pytest
from flask_babel import lazy_gettext as _l

try:
    from playwright.sync_api import expect
except ImportError:  # running_site skips (or fails in CI) with the reason
    expect = None

from tests import factories
from tests.browser_support import label, running_site, signed_in
from workflow_app.extensions import db
from workflow_app.nominations.fields import FIELD_LABELS
from workflow_app.nominations.models import Nomination

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app, world, migrated_database):
    with running_site(app, world, migrated_database) as running:
        yield running


def shown(app, message, **values) -> re.Pattern:
    """The status line as the Chinese UI shows ``message``, with any clock time."""
    text = label(app, _l(message, **{name: "HH:MM" for name in values}))
    return re.compile("^" + re.escape(text).replace("HH:MM", r"\d\d:\d\d") + "$")


def test_a_draft_saves_itself_and_survives_a_reload(site):
    world = site.world
    draft = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                 deeds_summary="旧的事迹。", phone="13803941234")
    db.session.commit()
    with signed_in(site, "chair1", factories.PASSWORD, failure_prefix="autosave-") as page:
        page.clock.install()
        page.goto(f"/nominations/{draft.id}/edit")
        status = page.locator("#autosave-status")
        expect(status).to_have_text(label(site.app, _l("Changes are saved automatically as a draft.")))

        # Typing alone: saved once the 20 seconds after the change have passed.
        summary = page.locator("textarea[name=deeds_summary]")
        summary.fill("")
        summary.press_sequentially("扎根一线二十年")
        page.clock.run_for(5_000)
        expect(status).to_have_text(label(site.app, _l("Changes are saved automatically as a draft.")))
        page.clock.run_for(16_000)
        expect(status).to_have_text(shown(site.app, "Saved automatically at %(time)s", time=True))
        page.reload()
        expect(summary).to_have_value("扎根一线二十年")

        # Leaving a changed field saves at once; a wrong value is refused and named.
        phone = page.locator("input[name=phone]")
        phone.fill("123")
        page.locator("input[name=post]").focus()
        expect(status).to_contain_text(label(site.app, _l("Not saved: %(reason)s", reason="")))
        expect(status).to_contain_text(label(site.app, FIELD_LABELS["phone"]))
        expect(status).to_have_class(re.compile(r"\btext-danger\b"))
        phone.fill("13900000000")
        page.locator("input[name=post]").focus()
        expect(status).to_have_text(shown(site.app, "Saved automatically at %(time)s", time=True))
        page.reload()
        expect(phone).to_have_value("13900000000")
        expect(summary).to_have_value("扎根一线二十年")

        # The Save button still works after autosaves (the page carries the version they returned).
        summary.fill("最后一次修改")
        page.locator("button[name=save]").click()
        expect(page).to_have_url(re.compile(rf"/nominations/{draft.id}$"))
    db.session.expire_all()
    saved = db.session.get(Nomination, draft.id)
    assert (saved.deeds_summary, saved.phone, saved.state) == ("最后一次修改", "13900000000", "draft")
