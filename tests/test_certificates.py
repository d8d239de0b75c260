"""Certificates from the county admin's and the public's side: issue, number, print, verify, revoke."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests import factories
from tests.factories import bring_to
from workflow_app.certificates.models import Certificate, PrintLog
from workflow_app.certificates.numbering import NumberFormatError, check_number_format
from workflow_app.certificates.services import WordingError, check_wording
from workflow_app.extensions import db


def approved(world, name="马金凤", code="outstanding_union_worker", unit=None, chair=None):
    nomination = factories.nomination(world.campaign, code, unit or world.branch1, chair or world.chair1,
                                      nominee_name=name, id_number=factories.id_number())
    second = unit is not None and unit.id == world.branch2.id
    return bring_to(nomination, "approved", factories.SECOND_TOWNSHIP if second else None)


def certified(world, **kwargs) -> Certificate:
    nomination = approved(world, **kwargs)
    from states.nomination import fire

    fire(nomination, "certify", world.admin)
    db.session.commit()
    return db.session.scalar(select(Certificate).where(Certificate.nomination_id == nomination.id))


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_admin_issues_selected_certificates_and_numbers_follow_year_and_honor(client, world, login_as):
    first, second = approved(world, "马金凤"), approved(world, "沙建国")
    activist = approved(world, "白玉兰", code="outstanding_union_activist")
    login_as("admin")
    page = client.get("/certificates/").get_data(as_text=True)
    assert "马金凤" in page and "白玉兰" in page
    response = client.post("/certificates/issue", data={"nomination": [first.id, second.id, activist.id]})
    assert response.status_code == 302
    year = date.today().year
    numbers = dict(db.session.execute(select(Certificate.recipient, Certificate.number)).all())
    assert numbers == {"马金凤": f"沈工证〔{year}〕YXGZ-0001", "沙建国": f"沈工证〔{year}〕YXGZ-0002",
                       "白玉兰": f"沈工证〔{year}〕YXJJ-0001"}
    for nomination in (first, second, activist):
        db.session.refresh(nomination)
        assert nomination.state == "certified"


def test_one_refusal_in_a_batch_does_not_hold_back_the_others(client, world, login_as):
    good = approved(world, "马金凤")
    not_yet = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                            world.chair1, nominee_name="海志强", id_number=factories.id_number()),
                       "county_review")
    login_as("admin")
    response = client.post("/certificates/issue", data={"nomination": [not_yet.id, good.id]}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "海志强" in body  # named in the failure message
    assert db.session.scalar(select(func.count(Certificate.id))) == 1
    db.session.refresh(not_yet)
    assert not_yet.state == "county_review"


def test_wording_is_frozen_at_issue(world):
    certificate = certified(world)
    assert certificate.wording == "兹授予马金凤“沈丘县优秀工会工作者”荣誉称号。特发此证。"
    certificate.honor_type.certificate_wording = "{recipient}同志：特发此证。"
    db.session.commit()
    db.session.refresh(certificate)
    assert certificate.wording.startswith("兹授予马金凤")


def test_certificate_pdf_says_what_the_certificate_says_and_logs_the_print(client, world, login_as):
    certificate = certified(world)
    login_as("admin")
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in ("马金凤", certificate.number, "二〇", "沈丘县总工会"):
        assert expected in text.replace(" ", "").replace("\n", ""), expected
    client.get(f"/certificates/{certificate.id}.pdf").close()
    prints = db.session.scalars(select(PrintLog).where(PrintLog.certificate_id == certificate.id)
                                .order_by(PrintLog.id)).all()
    assert [(p.print_number, p.printed_by_name) for p in prints] == [(1, "赵建华"), (2, "赵建华")]
    db.session.refresh(certificate)
    assert certificate.print_count == 2


def test_batch_print_is_one_pdf_in_township_then_unit_order(client, world, login_as):
    a = certified(world, name="东城甲", unit=world.branch2, chair=world.chair2)
    b = certified(world, name="槐店乙")
    c = certified(world, name="槐店丙")
    login_as("admin")
    response = client.get(f"/certificates/print?campaign={world.campaign.id}")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 3
    order = [next(name for name in ("东城甲", "槐店乙", "槐店丙") if name in page.extract_text().replace(" ", ""))
             for page in reader.pages]
    # Townships by code: 东城街道 (411624001) before 槐店回族镇 (411624100); then by number.
    assert order == ["东城甲", "槐店乙", "槐店丙"]
    assert {p.certificate_id for p in db.session.scalars(select(PrintLog))} == {a.id, b.id, c.id}
    assert len({p.job for p in db.session.scalars(select(PrintLog))}) == 1


def test_verification_page_valid_revoked_and_unknown(client, world, login_as):
    certificate = certified(world)
    nomination = certificate.nomination
    page = client.get(f"/verify/{certificate.token}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-status="valid"' in body
    assert "马金凤" in body and certificate.number in body
    assert nomination.id_number not in body and nomination.phone not in body
    assert nomination.id_number[-4:] + "<" not in body

    login_as("admin")
    client.post(f"/nominations/{nomination.id}/transition",
                data={"event": "revoke", "version": nomination.version, "comment": "经核实存在违纪行为"})
    client.post("/logout")
    db.session.refresh(nomination)
    assert nomination.state == "revoked"
    body = client.get(f"/verify/{certificate.token}").get_data(as_text=True)
    assert 'data-status="revoked"' in body
    unknown = client.get("/verify/not-a-real-token")
    assert unknown.status_code == 404 and 'data-status="unknown"' in unknown.get_data(as_text=True)


def test_lookup_by_number_needs_the_check_code(client, world):
    certificate = certified(world)
    ok = client.get("/verify", query_string={"number": certificate.number, "code": certificate.check_code.lower()})
    assert ok.status_code == 200 and 'data-status="valid"' in ok.get_data(as_text=True)
    wrong = client.get("/verify", query_string={"number": certificate.number, "code": "AAAAAA"})
    assert wrong.status_code == 404


def test_tokens_are_unguessable_and_not_the_number(world):
    first, second = certified(world), certified(world, name="沙建国")
    assert len(first.token) >= 32 and first.token != second.token
    assert first.number not in first.token and str(first.id) != first.token


def test_revoked_certificate_is_never_printed_and_its_number_never_reused(client, world, login_as):
    certificate = certified(world)
    from states.nomination import fire

    fire(certificate.nomination, "revoke", world.admin, "撤销")
    db.session.commit()
    login_as("admin")
    assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 409
    replacement = certified(world, name="沙建国")
    assert replacement.sequence == certificate.sequence + 1


def test_a_name_the_font_lacks_is_not_issued_and_the_characters_are_named(client, world, login_as):
    nomination = approved(world, name="马\ue000凤")  # a private-use character no font has
    login_as("admin")
    response = client.post("/certificates/issue", data={"nomination": [nomination.id]}, follow_redirects=True)
    assert "U+E000" in response.get_data(as_text=True)
    db.session.refresh(nomination)
    assert nomination.state == "approved"
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    assert certified(world, name="沙建国").sequence == 1  # the refused issue gave its number back


def test_a_stored_less_certificate_the_font_cannot_print_is_refused_naming_the_characters(client, world, login_as):
    """Rows made without a stored PDF (the scale data set, or before certificates were stored) are
    drawn when printed, and refused there with the characters named."""
    from workflow_app.certificates.services import create_certificate

    certificate = create_certificate(approved(world, name="马\ue000凤"), world.admin, date.today())
    db.session.commit()
    login_as("admin")
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 422
    assert "\ue000" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PrintLog.id))) == 0


def test_approval_form_shows_every_levels_opinion(client, world, login_as):
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "county_review")
    login_as("town1")
    response = client.get(f"/nominations/{nomination.id}/approval-form.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data).replace(" ", "").replace("\n", "")
    assert "马金凤" in text and "测试意见" in text and "沙海军" in text and "马志远" in text
    login_as("town2")
    assert client.get(f"/nominations/{nomination.id}/approval-form.pdf").status_code == 403


def test_party_recommendation_prints_a_recommendation_form(client, world, login_as):
    certificate = certified(world, name="丁文杰", code="party_recommendation")
    login_as("admin")
    response = client.get(f"/certificates/{certificate.id}.pdf")
    text = pdf_text(response.data).replace(" ", "").replace("\n", "")
    assert "丁文杰" in text and "推荐" in text


def test_command_line_batch_print(app, world, tmp_path):
    certified(world)
    certified(world, name="沙建国")
    out = tmp_path / "batch.pdf"
    result = app.test_cli_runner().invoke(args=["certificates", "print", "--campaign", str(world.campaign.id),
                                                "--honor-type", "outstanding_union_worker", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(PdfReader(out).pages) == 2
    assert db.session.scalar(select(func.count(PrintLog.id))) == 2
    empty = app.test_cli_runner().invoke(args=["certificates", "print", "--campaign", str(world.campaign.id),
                                               "--honor-type", "model_worker_home", "--out", str(tmp_path / "x.pdf")])
    assert empty.exit_code != 0 and not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize(("template", "ok"), [
    ("沈工证〔{year}〕{prefix}-{seq:04d}", True), ("{prefix}{seq}", False), ("{year}-{seq}-{secret}", False),
    ("{year}-{seq", False)])
def test_number_formats_must_stay_unique(template, ok):
    if ok:
        check_number_format(template)
    else:
        with pytest.raises(NumberFormatError):
            check_number_format(template)


@pytest.mark.parametrize(("template", "ok"), [
    ("兹授予{recipient}“沈丘县{honor}”荣誉称号。", True), ("特发此证。", False), ("{recipient}{__class__}", False)])
def test_wording_placeholders_are_checked(template, ok):
    if ok:
        check_wording(template)
    else:
        with pytest.raises(WordingError):
            check_wording(template)


def test_admin_edits_a_template_and_previews_it(client, world, login_as):
    honor = factories.honor("outstanding_union_worker")
    login_as("admin")
    data = {"certificate_title": "荣誉证书", "certificate_wording": "兹授予{recipient}“沈丘县{honor}”称号。",
            "issuer": "沈丘县总工会", "number_prefix": "YX", "number_format": "沈工证〔{year}〕{prefix}-{seq:03d}"}
    preview = client.post(f"/admin/honor-types/{honor.id}/certificate/preview", data=data)
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    assert "张三" in pdf_text(preview.data).replace(" ", "")
    db.session.refresh(honor)
    assert honor.number_prefix == "YXGZ"  # a preview saves nothing
    saved = client.post(f"/admin/honor-types/{honor.id}/certificate", data=data)
    assert saved.status_code == 302
    db.session.refresh(honor)
    assert (honor.number_prefix, honor.number_format) == ("YX", "沈工证〔{year}〕{prefix}-{seq:03d}")
    bad = client.post(f"/admin/honor-types/{honor.id}/certificate", data={**data, "number_format": "{prefix}"})
    assert bad.status_code == 200 and "invalid-feedback" in bad.get_data(as_text=True)


def test_seal_upload_must_be_a_real_png(client, world, login_as):
    honor = factories.honor("outstanding_union_worker")
    login_as("admin")
    data = {"certificate_title": "荣誉证书", "certificate_wording": "{recipient}", "issuer": "沈丘县总工会",
            "number_prefix": "YXGZ", "number_format": "{year}-{seq}",
            "seal": (io.BytesIO(b"\x89PNG\r\n\x1a\nnot really"), "seal.png")}
    client.post(f"/admin/honor-types/{honor.id}/certificate", data=data, content_type="multipart/form-data")
    db.session.refresh(honor)
    assert honor.seal_png is None


def test_the_printed_certificate_carries_the_check_code_for_lookups(client, world, login_as):
    certificate = certified(world)
    login_as("admin")
    text = pdf_text(client.get(f"/certificates/{certificate.id}.pdf").data).replace(" ", "")
    assert certificate.check_code in text


def test_the_issued_pdf_is_stored_and_printed_as_issued(client, world, login_as):
    """What was issued is what prints, even after the honor's seal is changed."""
    from workflow_app.certificates.pdf import demo_seal_png
    from workflow_app.certificates.storage import stored_pdf, unreferenced_files

    certificate = certified(world)
    stored = stored_pdf(certificate)
    assert stored is not None and stored.read_bytes().startswith(b"%PDF-") and unreferenced_files() == []
    assert certificate.honor_type.seal_png != demo_seal_png()
    certificate.honor_type.seal_png = demo_seal_png()
    db.session.commit()
    login_as("admin")
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 200 and response.data == stored.read_bytes()
    assert db.session.scalar(select(func.count(PrintLog.id))) == 1
