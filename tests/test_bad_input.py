"""Bad input gets a clear refusal (a 4xx, or an error next to the field) and loses nothing.

Form errors are found by their markup, an ``invalid-feedback`` element inside the field's block,
never by wording: the Chinese catalog is being filled while these tests are written. Texts are
asserted only where they come from data (people's and units' names).

Like test_authorization.py, this file runs on one shared app and world (fixtures imported from
there); a test that needs a different configuration builds a sibling app on the same database.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tests import factories
from tests import test_authorization as authorization
from tests.conftest import IsolatedClient
from tests.test_authorization import make_user, nomination_at, post_event, snapshot, stored_files
from tests.test_bad_uploads import REAL_JPEG, REAL_PNG
from workflow_app.app import create_app
from workflow_app.core.idnumber import check_character
from workflow_app.core.timeutil import china_today
from workflow_app.extensions import db, limiter
from workflow_app.nominations.models import Attachment, AuditEntry, Nomination

PDF = b"%PDF-1.4\n% deeds\n"

# The shared app and world of test_authorization.py serve here too (pytest finds fixtures by name).
shared, app, world = authorization.shared, authorization.app, authorization.world


# ---------------------------------------------------------------- helpers
def fields_in_error(html: str) -> dict[str, list[str]]:
    """{field name: its error texts} for every form field rendered with an invalid-feedback element
    in its own block (templates/_macros.html ``field``)."""
    errors = {}
    for block in html.split('<div class="mb-3">')[1:]:
        name = re.search(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', block)
        messages = re.findall(r'<div class="invalid-feedback[^"]*">(.*?)</div>', block, re.S)
        if name and messages:
            errors[name.group(1)] = messages
    return errors


def alerts(html: str, kind: str | None = None) -> list[str]:
    """Flashed messages, optionally only of one Bootstrap kind (danger, warning, ...)."""
    found = re.findall(r'<div class="alert alert-(\w+)" role="alert">(.*?)</div>', html, re.S)
    return [message for category, message in found if kind in (None, category)]


@pytest.fixture
def campaign(world):
    """A campaign of this test's own, so ID numbers used here clash with no other test's."""
    item = factories.campaign(world.county, name="输入校验")
    db.session.commit()
    return item


def new_url(campaign, code: str, unit) -> str:
    honor = factories.honor(code)
    return (f"/nominations/new/details?campaign_id={campaign.id}&honor_type_id={honor.id}"
            f"&org_unit_id={unit.id}")


def person_form(**overrides) -> dict:
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in factories.person_fields().items()}
    data.update(overrides)
    return data


def organisation_form(**overrides) -> dict:
    data = dict(factories.organisation_fields())
    data.update(overrides)
    return data


def nominations_in(campaign) -> list[Nomination]:
    db.session.expire_all()
    return list(db.session.scalars(select(Nomination).where(Nomination.campaign_id == campaign.id)))


def id_with_valid_check(first17: str) -> str:
    return first17 + check_character(first17)


def sibling_app(app, **overrides):
    """Another app on this test's database, built the way conftest's _app builds one."""
    application = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_PATH": app.config["INSTANCE_PATH"],
        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        **overrides,
    })
    application.test_client_class = IsolatedClient
    return application


def dispose(application) -> None:
    with application.app_context():
        db.engine.dispose()


# ---------------------------------------------------------------- ID numbers
FUTURE = china_today() + timedelta(days=400)


@pytest.mark.parametrize("typed", [
    pytest.param("110105194912310021", id="wrong_check_digit"),
    pytest.param(id_with_valid_check("110105" + "19990230" + "001"), id="impossible_date_19990230"),
    pytest.param(id_with_valid_check("110105" + FUTURE.strftime("%Y%m%d") + "001"), id="birth_date_in_the_future"),
    pytest.param("11010519491231002", id="seventeen_characters"),
    pytest.param("11010519491231002X1", id="nineteen_characters"),
    pytest.param("11010519491231O02X", id="a_letter_among_the_digits"),
])
def test_an_invalid_id_number_is_refused_next_to_its_field_and_the_form_keeps_what_was_typed(
        client, world, campaign, login_as, typed):
    login_as("chair1")
    response = client.post(new_url(campaign, "outstanding_union_worker", world.branch1),
                           data=person_form(id_number=typed, birth_date="", gender="", nominee_name="马金凤"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert list(fields_in_error(page)) == ["id_number"]
    assert f'value="{typed}"' in page and 'value="马金凤"' in page, "the form must keep what was typed"
    assert nominations_in(campaign) == []


@pytest.mark.parametrize(("typed", "stored", "born", "gender"), [
    pytest.param("11010519491231002X", "11010519491231002X", date(1949, 12, 31), "female", id="gb11643_example_with_X"),
    pytest.param("11010519491231002x", "11010519491231002X", date(1949, 12, 31), "female",
                 id="lowercase_x_is_stored_uppercase"),
    pytest.param("440524188001010014", "440524188001010014", date(1880, 1, 1), "male", id="gb11643_example_of_1880"),
    pytest.param(" 440524188001010014 ", "440524188001010014", date(1880, 1, 1), "male", id="surrounding_spaces"),
    pytest.param("４４０５２４１８８００１０１００１４", "440524188001010014", date(1880, 1, 1), "male",
                 id="full_width_digits_of_a_chinese_input_method"),
    pytest.param("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X", date(1949, 12, 31), "female",
                 id="full_width_lowercase_x"),
])
def test_valid_id_numbers_are_accepted_and_give_birth_date_and_gender(
        client, world, campaign, login_as, typed, stored, born, gender):
    login_as("chair1")
    response = client.post(new_url(campaign, "outstanding_union_worker", world.branch1),
                           data=person_form(id_number=typed, birth_date="", gender=""))
    assert response.status_code == 302, fields_in_error(response.get_data(as_text=True))
    [nomination] = nominations_in(campaign)
    assert (nomination.id_number, nomination.birth_date, nomination.gender) == (stored, born, gender)


@pytest.mark.parametrize(("contradiction", "either_field"), [
    pytest.param({"birth_date": "1985-06-16"}, "birth_date", id="birth_date_a_day_off"),
    pytest.param({"gender": "female"}, "gender", id="gender_against_the_odd_sequence_digit"),
])
def test_birth_date_or_gender_contradicting_the_id_number_is_refused(
        client, world, campaign, login_as, contradiction, either_field):
    login_as("chair1")
    url = new_url(campaign, "outstanding_union_worker", world.branch1)
    consistent = person_form(id_number=factories.id_number(date(1985, 6, 15), male=True), birth_date="1985-06-15",
                             gender="male")
    assert client.post(url, data=consistent).status_code == 302  # the consistent one is accepted
    response = client.post(url, data={**consistent, "id_number": factories.id_number(date(1985, 6, 15), male=True),
                                      **contradiction})
    assert response.status_code == 200
    errors = set(fields_in_error(response.get_data(as_text=True)))
    assert errors and errors <= {"id_number", either_field}
    assert len(nominations_in(campaign)) == 1


def test_a_birth_date_in_the_future_is_refused_next_to_its_field(client, world, campaign, login_as):
    login_as("chair1")
    response = client.post(new_url(campaign, "outstanding_union_worker", world.branch1),
                           data=person_form(id_number="", birth_date=FUTURE.isoformat(), started_work_on=""))
    assert list(fields_in_error(response.get_data(as_text=True))) == ["birth_date"]
    assert nominations_in(campaign) == []


@pytest.mark.parametrize("query", [pytest.param("?page=²", id="superscript_page"),
                                   pytest.param(f"?campaign={10**20}", id="huge_campaign"),
                                   pytest.param(f"?page={10**20}", id="huge_page")])
@pytest.mark.parametrize("path", ["/nominations/", "/todo/"])
def test_odd_list_filters_are_ignored_or_refused_never_a_server_error(client, world, login_as, path, query):
    login_as("county")
    assert client.get(path + query).status_code < 500


# ---------------------------------------------------------------- lengths and counts
@pytest.mark.parametrize(("field", "limit"), [
    pytest.param("deeds_summary", 500, id="deeds_summary_500"),
    pytest.param("deeds_full", 2000, id="deeds_full_text_2000"),
])
def test_deeds_over_their_length_are_refused_and_the_text_is_kept_for_trimming(
        client, world, campaign, login_as, field, limit):
    login_as("chair1")
    url = new_url(campaign, "outstanding_union_worker", world.branch1)
    too_long = "劳" * (limit + 1)
    response = client.post(url, data=person_form(**{field: too_long}))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert list(fields_in_error(page)) == [field]
    assert too_long in page, "the refused text must come back in the form, not be lost"
    assert nominations_in(campaign) == []

    just_fits = "劳" * limit
    assert client.post(url, data=person_form(**{field: just_fits})).status_code == 302
    assert [getattr(n, field) for n in nominations_in(campaign)] == [just_fits]


def test_more_union_members_than_staff_is_refused_on_the_members_field(client, world, campaign, login_as):
    login_as("chair1")
    url = new_url(campaign, "model_worker_small_home", world.branch1)
    response = client.post(url, data=organisation_form(staff_count=120, member_count=121))
    assert response.status_code == 200
    assert list(fields_in_error(response.get_data(as_text=True))) == ["member_count"]
    assert nominations_in(campaign) == []
    assert client.post(url, data=organisation_form(staff_count=120, member_count=120)).status_code == 302


def test_an_invalid_edit_changes_nothing_already_saved(client, world, login_as):
    nomination = nomination_at(world, "draft", nominee_name="马金凤")
    before = {n: getattr(nomination, n) for n in ("nominee_name", "id_number", "deeds_summary", "version")}
    login_as("chair1")
    response = client.post(f"/nominations/{nomination.id}/edit",
                           data=person_form(nominee_name="改了名字", id_number="110105194912310021",
                                            deeds_summary="短", version=nomination.version))
    assert response.status_code == 200
    assert "id_number" in fields_in_error(response.get_data(as_text=True))
    db.session.expire_all()
    assert {n: getattr(nomination, n) for n in before} == before


# ---------------------------------------------------------------- uploads
def upload(client, nomination, content: bytes, filename: str):
    return client.post(f"/nominations/{nomination.id}/attachments",
                       data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")


def attachments_of(nomination) -> list[Attachment]:
    db.session.expire_all()
    return list(db.session.scalars(select(Attachment).where(Attachment.nomination_id == nomination.id)))


@pytest.mark.parametrize(("content", "filename"), [
    pytest.param(b"just some text, not a PDF\n", "事迹材料.pdf", id="text_file_named_pdf"),
    pytest.param(b"<html><body>%PDF-1.4</body></html>", "事迹材料.pdf", id="html_with_a_pdf_marker_inside"),
    pytest.param(b"MZ\x90\x00\x03\x00\x00\x00", "照片.jpg", id="program_named_jpg"),
    pytest.param(b"", "空白.pdf", id="empty_file"),
])
def test_an_upload_whose_content_is_not_a_pdf_jpeg_or_png_is_refused(
        app, client, world, login_as, content, filename):
    nomination = nomination_at(world, "draft")
    login_as("chair1")
    files_before = stored_files(app)
    response = upload(client, nomination, content, filename)
    assert response.status_code == 302
    assert alerts(client.get(response.headers["Location"]).get_data(as_text=True), "danger")
    assert attachments_of(nomination) == []
    assert stored_files(app) == files_before


@pytest.mark.parametrize(("content", "sniffed"), [
    pytest.param(PDF, "application/pdf", id="pdf"),
    # Real images: an image whose header cannot be read is refused (tests/test_bad_uploads.py).
    pytest.param(REAL_PNG, "image/png", id="png"),
    pytest.param(REAL_JPEG, "image/jpeg", id="jpeg"),
])
def test_the_stored_type_is_the_sniffed_one_whatever_the_name_says(client, world, login_as, content, sniffed):
    nomination = nomination_at(world, "draft")
    login_as("chair1")
    upload(client, nomination, content, "名称随意.txt")
    [attachment] = attachments_of(nomination)
    assert attachment.content_type == sniffed
    download = client.get(f"/nominations/{nomination.id}/attachments/{attachment.id}")
    download.close()
    assert download.mimetype == sniffed


def test_a_file_over_the_attachment_limit_is_refused_and_one_at_the_limit_accepted(
        app, client, world, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_ATTACHMENT_BYTES", 1024)
    nomination = nomination_at(world, "draft")
    login_as("chair1")
    response = upload(client, nomination, PDF.ljust(1025, b"0"), "太大.pdf")
    assert alerts(client.get(response.headers["Location"]).get_data(as_text=True), "danger")
    assert attachments_of(nomination) == []
    upload(client, nomination, PDF.ljust(1024, b"0"), "刚好.pdf")
    assert [(a.original_name, a.size) for a in attachments_of(nomination)] == [("刚好.pdf", 1024)]


def test_a_request_larger_than_max_content_length_gets_413_and_stores_nothing(
        app, client, world, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    nomination = nomination_at(world, "draft")
    login_as("chair1")
    files_before = stored_files(app)
    response = upload(client, nomination, PDF.ljust(8192, b"0"), "超大.pdf")
    assert response.status_code == 413
    assert attachments_of(nomination) == []
    assert stored_files(app) == files_before


@pytest.mark.parametrize(("filename", "kept"), [
    pytest.param("../../etc/passwd.pdf", "passwd.pdf", id="unix_traversal"),
    # Backslashes doubled: the header is a quoted string, where a client escapes them.
    pytest.param("..\\\\..\\\\windows\\\\win.ini.pdf", "win.ini.pdf", id="windows_traversal"),
    pytest.param("/etc/passwd.pdf", "passwd.pdf", id="absolute_path"),
    pytest.param(".hidden.pdf", "hidden.pdf", id="dot_file"),
    pytest.param("证\x00明\x07\x1b.pdf", "证明.pdf", id="control_characters"),
])
def test_a_path_in_the_upload_filename_is_reduced_to_a_safe_basename(
        app, client, world, login_as, filename, kept):
    nomination = nomination_at(world, "draft")
    login_as("chair1")
    files_before = stored_files(app)
    upload(client, nomination, PDF, filename)
    [attachment] = attachments_of(nomination)
    assert attachment.original_name == kept
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert stored_files(app) - files_before == {attachment.storage_name}
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.storage_name), "stored under a random name only"
    assert (folder / attachment.storage_name).read_bytes() == PDF
    download = client.get(f"/nominations/{nomination.id}/attachments/{attachment.id}")
    download.close()
    disposition = download.headers["Content-Disposition"]
    assert "/" not in disposition and "\\" not in disposition and ".." not in disposition


# ---------------------------------------------------------------- stale and repeated posts
def test_a_stale_form_is_refused_naming_who_acted_and_changes_nothing(client, world, login_as):
    make_user("branch1_deputy", "副主席", [("reviewer", world.branch1)])
    nomination = nomination_at(world, "branch_review")
    page_version = nomination.version  # both reviewers opened the page now

    login_as("branch1")  # 沙海军 of 清真食品公司工会 approves first
    assert post_event(client, nomination, "approve", "同意").status_code == 302
    before = snapshot(nomination)
    assert before[0] == "township_review"

    login_as("branch1_deputy")
    response = client.post(f"/nominations/{nomination.id}/transition",
                           data={"event": "return_for_revision", "version": page_version, "comment": "请补充"})
    assert response.status_code == 302
    messages = alerts(client.get(response.headers["Location"]).get_data(as_text=True))
    assert any("沙海军" in m and "清真食品公司工会" in m for m in messages), messages
    assert snapshot(nomination) == before


@pytest.mark.parametrize("roles", [
    pytest.param(("branch1",), id="branch_reviewer_double_clicks"),
    pytest.param(("branch1", "town1"), id="double_click_by_someone_reviewing_at_branch_and_township"),
])
def test_posting_the_same_transition_twice_has_one_effect_and_one_audit_row(client, world, login_as, roles):
    username = "twice_" + "_".join(roles)
    make_user(username, "连点两次", [("reviewer", getattr(world, unit)) for unit in roles])
    nomination = nomination_at(world, "branch_review")
    form = {"event": "approve", "version": nomination.version, "comment": "同意"}
    login_as(username)
    first = client.post(f"/nominations/{nomination.id}/transition", data=form)
    second = client.post(f"/nominations/{nomination.id}/transition", data=form)
    assert (first.status_code, second.status_code) == (302, 302)
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).state == "township_review"
    approvals = db.session.scalars(select(AuditEntry).where(AuditEntry.nomination_id == nomination.id,
                                                            AuditEntry.event == "approve")).all()
    assert len(approvals) == 1


def test_saving_an_edit_over_a_colleagues_newer_save_is_refused_and_keeps_theirs(client, world, login_as):
    make_user("chair1_colleague", "同支部主席", [("submitter", world.branch1)])
    nomination = nomination_at(world, "draft", nominee_name="原名")
    opened = nomination.version
    login_as("chair1_colleague")
    data = {k: ("" if v is None else v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in factories.person_fields(id_number=nomination.id_number).items()}
    assert client.post(f"/nominations/{nomination.id}/edit",
                       data={**data, "nominee_name": "同事改的", "version": opened}).status_code == 302
    login_as("chair1")
    response = client.post(f"/nominations/{nomination.id}/edit",
                           data={**data, "nominee_name": "我改的", "version": opened})
    assert response.status_code == 302
    assert alerts(client.get(response.headers["Location"]).get_data(as_text=True), "danger")
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).nominee_name == "同事改的"


@pytest.mark.parametrize("next_url", ["https://evil.example/phish", "//evil.example/phish"])
def test_after_a_transition_a_posted_next_url_cannot_send_the_reviewer_off_site(
        client, world, login_as, next_url):
    nomination = nomination_at(world, "branch_review")
    login_as("branch1")
    response = post_event(client, nomination, "approve", next_url=next_url)
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).state == "township_review"


# ---------------------------------------------------------------- CSRF
def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


CSRF_TARGETS = [
    pytest.param("submit", id="workflow_transition"),
    pytest.param("edit", id="saving_an_edit"),
    pytest.param("upload", id="uploading_a_file"),
    pytest.param("remove", id="removing_an_attachment"),
]


@pytest.mark.parametrize("target", CSRF_TARGETS)
def test_a_post_without_csrf_token_gets_400_and_changes_nothing(app, world, target):
    nomination = nomination_at(world, "draft", attachment=True, nominee_name="马金凤")
    protected = sibling_app(app, WTF_CSRF_ENABLED=True)
    try:
        client = protected.test_client()
        token = csrf_token(client.get("/login").get_data(as_text=True))
        assert client.post("/login", data={"username": "chair1", "password": factories.PASSWORD}).status_code == 400
        assert client.post("/login", data={"username": "chair1", "password": factories.PASSWORD,
                                           "csrf_token": token}).status_code == 302
        token = csrf_token(client.get(f"/nominations/{nomination.id}").get_data(as_text=True))

        def send(with_token: bool):
            extra = {"csrf_token": token} if with_token else {}
            base = f"/nominations/{nomination.id}"
            if target == "submit":
                return client.post(f"{base}/transition", data={"event": "submit", "version": nomination.version,
                                                               **extra})
            if target == "edit":
                data = {k: ("" if v is None else v.isoformat() if hasattr(v, "isoformat") else v)
                        for k, v in factories.person_fields(id_number=nomination.id_number).items()}
                return client.post(f"{base}/edit", data={**data, "nominee_name": "被篡改",
                                                          "version": nomination.version, **extra})
            if target == "upload":
                return client.post(f"{base}/attachments", content_type="multipart/form-data",
                                   data={"file": (io.BytesIO(PDF), "第二份.pdf"), **extra})
            return client.post(f"{base}/attachments/{nomination.attachments[0].id}/delete", data=extra)

        def state():
            db.session.expire_all()
            row = db.session.get(Nomination, nomination.id)
            return row.state, row.version, row.nominee_name, [a.id for a in row.attachments]

        before = state()
        assert send(with_token=False).status_code == 400
        assert state() == before
        assert send(with_token=True).status_code == 302  # the same request with its token goes through
        assert state() != before
    finally:
        dispose(protected)


# ---------------------------------------------------------------- logging in
def test_a_wrong_password_shows_an_error_on_the_password_field_and_logs_nobody_in(client, world):
    response = client.post("/login", data={"username": "chair1", "password": "wrong-password"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert list(fields_in_error(page)) == ["password"]
    assert 'value="chair1"' in page, "the username stays filled in"
    assert client.get("/todo/").status_code == 302, "nobody is logged in"


def test_too_many_login_attempts_get_429_even_with_the_right_password(app, world, monkeypatch):
    # The Limiter object is shared by every app in the process; put its switch back afterwards.
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    limited = sibling_app(app, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    try:
        client = limited.test_client()
        for _ in range(3):
            attempt = client.post("/login", data={"username": "chair1", "password": "guess"})
            assert attempt.status_code == 200
            assert "password" in fields_in_error(attempt.get_data(as_text=True))
        blocked = client.post("/login", data={"username": "chair1", "password": factories.PASSWORD})
        assert blocked.status_code == 429
        assert client.get("/todo/").status_code == 302, "the blocked attempt did not log in"
        assert client.get("/login").status_code == 200, "only posting is limited: the page still shows"
    finally:
        dispose(limited)


OFF_SITE = [
    pytest.param("//evil.example/", id="protocol_relative"),
    pytest.param("https://evil.example/", id="absolute_url"),
    pytest.param("/\\evil.example/", id="backslash_read_as_slash_by_browsers"),
    pytest.param("///evil.example/", id="three_slashes"),
    pytest.param("javascript:alert(1)", id="javascript_url"),
    pytest.param("/\t/evil.example/", id="tab_that_browsers_drop"),
    pytest.param("/\r\n/evil.example/", id="header_injection"),
]


def location_is_on_site(location: str) -> bool:
    browser_view = location.replace("\\", "/")
    parts = urlsplit(browser_view)
    return parts.scheme in ("", "http", "https") and parts.netloc in ("", "localhost") \
        and not browser_view.startswith("//") and "evil.example" not in location


@pytest.mark.parametrize("how", ["query_string", "form_field"])
@pytest.mark.parametrize("target", OFF_SITE)
def test_next_after_login_never_leads_off_site(client, world, target, how):
    if how == "query_string":
        response = client.post("/login", query_string={"next": target},
                               data={"username": "chair1", "password": factories.PASSWORD})
    else:
        response = client.post("/login", data={"username": "chair1", "password": factories.PASSWORD,
                                               "next": target})
    assert response.status_code == 302
    assert location_is_on_site(response.headers["Location"]), response.headers["Location"]


def test_next_after_login_does_lead_to_a_page_of_the_site(client, world):
    response = client.post("/login", data={"username": "chair1", "password": factories.PASSWORD,
                                           "next": "/nominations/?state=draft"})
    assert response.headers["Location"] == "/nominations/?state=draft"


# ---------------------------------------------------------------- the audit log
@pytest.mark.parametrize("statement", [
    pytest.param("UPDATE audit_entry SET comment = 'tampered', actor_name = 'nobody' WHERE nomination_id = :id",
                 id="update"),
    pytest.param("DELETE FROM audit_entry WHERE nomination_id = :id", id="delete"),
])
def test_the_database_refuses_to_rewrite_or_erase_the_audit_log(world, statement):
    nomination = nomination_at(world, "township_review")
    before = [(e.id, e.comment, e.actor_name) for e in
              db.session.scalars(select(AuditEntry).where(AuditEntry.nomination_id == nomination.id))]
    assert len(before) == 2
    with pytest.raises(DBAPIError):
        db.session.execute(text(statement), {"id": nomination.id})
        db.session.commit()
    db.session.rollback()
    after = [(e.id, e.comment, e.actor_name) for e in
             db.session.scalars(select(AuditEntry).where(AuditEntry.nomination_id == nomination.id))]
    assert after == before
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.nomination_id == nomination.id)) == 2
