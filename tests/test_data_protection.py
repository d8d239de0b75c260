"""Personal data: full ID numbers and phone numbers appear on the nominee's own page (and its edit
form) for those entitled, and nowhere else — not in lists, to-dos, notifications, e-mail, the public
notice, the certificate pages or the admin pages."""

from __future__ import annotations

import io

import pytest
from flask import url_for
from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tests import factories
from tests.test_notifications import smtp_server  # noqa: F401 (a fixture: a real SMTP server on loopback)
from workflow_app.certificates.models import Certificate
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination
from workflow_app.notice import services as notice_services

# Where the full numbers belong: the nominee's page and the chair's edit form.
DETAIL_ENDPOINTS = {"nominations.show", "nominations.edit"}
# GET pages that take no argument and need none; each is opened with the campaign chosen, too.
SKIPPED = {"auth.logout", "auth.language", "static", "bootstrap.static"}
PEOPLE = ["chair1", "branch1", "town1", "county", "admin"]


def _personal(nomination: Nomination) -> list[str]:
    return [nomination.id_number, nomination.phone]


@pytest.fixture
def nominees(world):
    """Nominations of branch 1 in the states that show up in the most places, each with its own
    ID number and phone; the one under notice has an objection waiting."""
    people = {}
    for number, state in enumerate(["draft", "branch_review", "county_review", "public_notice", "certified"]):
        nomination = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                          nominee_name=f"被推荐人{number}", phone=f"1390394{number:03d}9")
        people[state] = factories.bring_to(nomination, state)
    return people


def _pages(app, nominees) -> list[tuple[str, str]]:
    """(endpoint, url) of every GET page: those without arguments (plain and for the campaign), and
    every page of each nominee, certificate and campaign."""
    campaign_id = nominees["draft"].campaign_id
    certificate = db.session.scalars(select(Certificate)).one()
    pages = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in SKIPPED:
                continue
            if not rule.arguments:
                pages.append((rule.endpoint, url_for(rule.endpoint)))
                pages.append((rule.endpoint, url_for(rule.endpoint, campaign=campaign_id)))
                continue
            for nomination in nominees.values():
                values = {"nomination_id": nomination.id, "campaign_id": campaign_id,
                          "certificate_id": certificate.id, "token": certificate.token}
                if set(rule.arguments) <= set(values):
                    pages.append((rule.endpoint, url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})))
    return sorted(set(pages))


def _text_of(response) -> str:
    if response.mimetype not in ("text/html", "text/plain", "application/json"):
        return ""  # PDFs: see test_the_printed_notice_and_certificates_carry_no_id_number_or_phone
    return response.get_data(as_text=True)


@pytest.mark.parametrize("username", PEOPLE)
def test_full_id_numbers_and_phones_appear_only_on_the_nominees_own_page(app, client, login_as, nominees,
                                                                         username):
    login_as(username)
    shown_in_full = []
    for endpoint, url in _pages(app, nominees):
        page = _text_of(client.get(url))
        for nomination in nominees.values():
            if any(value in page for value in _personal(nomination)) and endpoint not in DETAIL_ENDPOINTS:
                shown_in_full.append(f"{url} shows {nomination.nominee_name}'s ID number or phone")
    assert shown_in_full == []
    detail = client.get(f"/nominations/{nominees['branch_review'].id}").get_data(as_text=True)
    assert all(value in detail for value in _personal(nominees["branch_review"])), "entitled people see them"


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def test_the_printed_notice_and_certificates_carry_no_id_number_or_phone(client, login_as, nominees):
    login_as("admin")
    certified = nominees["certified"]
    certificate = db.session.scalars(select(Certificate)).one()
    printed = {
        "certificate": _pdf_text(client.get(f"/certificates/{certificate.id}.pdf")),
        "batch": _pdf_text(client.get(f"/certificates/print?campaign={certified.campaign_id}")),
        "notice": _pdf_text(client.get(f"/notice/{certified.campaign_id}/notice.pdf")),
    }
    assert certified.nominee_name in printed["certificate"].replace(" ", "")
    assert nominees["public_notice"].nominee_name in printed["notice"].replace(" ", "")
    # The 推荐审批表 is the nominee's own paper file, for those who may open the nominee's page: it has
    # the full number (and shows that the numbers would be found in the text if they were printed).
    approval_form = _pdf_text(client.get(f"/nominations/{certified.id}/approval-form.pdf"))
    assert certified.id_number in "".join(ch for ch in approval_form if ch.isdigit() or ch == "X")
    for name, text in printed.items():
        digits = "".join(ch for ch in text if ch.isdigit() or ch == "X")
        for nomination in nominees.values():
            assert nomination.id_number not in digits and nomination.phone not in digits, name


def test_the_public_sees_no_id_number_or_phone_on_the_notice_objection_and_verification_pages(
        client, nominees):
    noticed, certified = nominees["public_notice"], nominees["certified"]
    certificate = db.session.scalars(select(Certificate)).one()
    for url in ("/notice", f"/notice/{noticed.id}/object", f"/verify/{certificate.token}",
                f"/verify?number={certificate.number}&code={certificate.check_code}"):
        page = client.get(url).get_data(as_text=True)
        assert noticed.nominee_name in page or certified.nominee_name in page, url
        for nomination in nominees.values():
            assert not any(value in page for value in _personal(nomination)), url
            assert nomination.birth_date.isoformat() not in page, url


def test_an_objectors_phone_is_masked_or_hidden_outside_the_county(client, world, login_as, nominees):
    noticed = nominees["public_notice"]
    notice_services.record_objection(noticed, name="举报人", contact="13912345678", text="情况不实",
                                     upload=FileStorage(io.BytesIO(b"%PDF-1.4\n"), filename="信.pdf"))
    db.session.commit()
    for username in ("chair1", "branch1", "town1"):
        login_as(username)
        page = client.get(f"/nominations/{noticed.id}").get_data(as_text=True)
        assert "13912345678" not in page and "举报人" not in page, username


def test_notification_email_carries_no_id_number_or_phone(client, world, login_as, smtp_server):  # noqa: F811
    world.branch_reviewer1.email = "shahaijun@example.org"
    db.session.commit()
    nomination = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1)
    db.session.commit()
    login_as("chair1")
    client.post(f"/nominations/{nomination.id}/transition", data={"event": "submit", "version": nomination.version})
    assert smtp_server.arrived.wait(5)
    _recipients, message = smtp_server.messages[0]
    text = message["Subject"] + message.get_content()
    assert nomination.nominee_name in text
    assert nomination.id_number not in text and nomination.phone not in text
