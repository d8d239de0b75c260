"""One test per failure the fuzzing found (tests/test_fuzz_forms.py), written out so that it stays fixed
whatever examples Hypothesis happens to try, on SQLite and PostgreSQL alike.

Runs on test_authorization.py's shared app and world, like test_bad_input.py."""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import re

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select

import workflow_app
from tests import factories
from tests import test_authorization as authorization
from tests.test_authorization import nomination_at
from workflow_app.auth.models import AuthEvent, User
from workflow_app.campaigns.models import Quota
from workflow_app.core.forms import Form
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.stats.models import StatisticsReport
from workflow_app.tokens.services import create_token

shared, app, world = authorization.shared, authorization.app, authorization.world

THOUSANDS_OF_DIGITS = "9" * 5000  # int() refuses more than 4,300 digits: it raised, a 500
NOT_ASCII_DIGITS = ["²", "١٢", "４２"]  # str.isdigit() says yes, int() says no (or reads them as 42)


def field_errors(html: str) -> list[str]:
    return re.findall(r'<div class="invalid-feedback[^"]*">(.*?)</div>', html, re.S)


def flashed(client, response) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("typed", [THOUSANDS_OF_DIGITS, "2147483648", *NOT_ASCII_DIGITS])
def test_a_quota_that_is_no_plain_whole_number_is_refused_next_to_its_field(client, world, login_as, typed):
    login_as("admin")
    honor = world.campaign.honor_types[0]
    before = db.session.scalar(select(func.count(Quota.id)))
    response = client.post(f"/admin/campaigns/{world.campaign.id}/quotas",
                           data={f"q-{world.town1.id}-{honor.id}": typed})
    assert response.status_code == 200
    assert "请输入不超过 100000 的整数" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Quota.id))) == before


@pytest.mark.parametrize("ids", [[THOUSANDS_OF_DIGITS], NOT_ASCII_DIGITS])
def test_bulk_review_ignores_ids_that_are_not_plain_numbers(client, world, login_as, ids):
    login_as("branch1")
    response = client.post("/todo/bulk", data={"ids": ids, "event": "approve", "confirm": "1"})
    assert response.status_code == 302
    assert "请至少选择一项申报" in flashed(client, response)


@pytest.mark.parametrize("path", [f"/nominations/?campaign={THOUSANDS_OF_DIGITS}",
                                  f"/todo/?page={THOUSANDS_OF_DIGITS}", f"/certificates/?campaign={'1' * 4400}",
                                  f"/stats/dashboard?year={THOUSANDS_OF_DIGITS}"])
def test_a_query_id_of_thousands_of_digits_names_nothing(client, world, login_as, path):
    login_as("admin")
    assert client.get(path).status_code < 500


@pytest.mark.parametrize("parameter", ["county", "year", "quarter", "limit", "campaign"])
def test_an_api_number_of_thousands_of_digits_is_a_bad_request_that_says_the_range(client, world, parameter):
    """int() refused the 5,000 digits inside the API's own range check: a 500 (tests/test_fuzz_queries.py)."""
    secret = create_token(world.county_reviewer, f"regression {parameter}", "read").secret
    db.session.commit()
    path = "/api/v1/statistics" if parameter in ("county", "year", "quarter") else "/api/v1/nominations"
    response = client.get(f"{path}?{parameter}={THOUSANDS_OF_DIGITS}", headers={"Authorization": f"Bearer {secret}"})
    body = response.get_json()
    assert response.status_code == 400 and body["error"] == "invalid_parameter" and parameter in body["message"]


def test_the_dashboard_export_with_a_year_of_thousands_of_digits_exports_this_year(client, world, login_as):
    login_as("county")
    response = client.post("/stats/dashboard/export", data={"county": world.county.id, "year": THOUSANDS_OF_DIGITS})
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")


@pytest.mark.parametrize("period", [{"year": "abc"}, {"year": THOUSANDS_OF_DIGITS}, {"unit": "²"},
                                    {"quarter": "9"}])
def test_a_report_posted_with_a_broken_period_goes_back_to_choosing_the_period(client, world, login_as, period):
    """The period travels in hidden fields; a broken one used to crash the page labelling it (a 500)."""
    login_as("town1")
    before = db.session.scalar(select(func.count(StatisticsReport.id)))
    data = {"unit": world.town1.id, "year": 2021, "quarter": 0, "enterprise_units": 1, "units_with_union": 1,
            "units_in_joint_union": 0, "workers": 1, "members": 1, "migrant_members": 0,
            "wage_bargaining_units": 0, "grassroots_unions": 1, "membership_base": "unionised", **period}
    response = client.post("/stats/reports/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<form method="get"' in page and field_errors(page), "the period chooser, saying what is wrong"
    assert db.session.scalar(select(func.count(StatisticsReport.id))) == before


# ---------------------------------------------------------------- control characters (PostgreSQL refused NUL: a 500)
def test_a_username_with_nul_is_refused_on_the_form_and_logs_nothing(client, world):
    before = db.session.scalar(select(func.count(AuthEvent.id)))
    response = client.post("/login", data={"username": "chair1\x00", "password": factories.PASSWORD})
    assert response.status_code == 200
    assert any("不可见的控制字符" in error for error in field_errors(response.get_data(as_text=True)))
    assert db.session.scalar(select(func.count(AuthEvent.id))) == before


def test_an_email_address_with_control_characters_is_refused(client, world, login_as):
    login_as("chair2")
    response = client.post("/notifications/email", data={"email": "chair2\x00@example.org"})
    assert "不可见的控制字符" in flashed(client, response)
    db.session.expire_all()
    assert db.session.scalar(select(User.email).where(User.username == "chair2")) is None


def test_a_nomination_edit_with_nul_saves_nothing_and_says_why(client, world, login_as):
    nomination = nomination_at(world, "draft", nominee_name="原名")
    login_as("chair1")
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in factories.person_fields(id_number=nomination.id_number).items()}
    response = client.post(f"/nominations/{nomination.id}/edit",
                           data={**data, "nominee_name": "马\x00金凤", "version": nomination.version})
    assert response.status_code == 200
    assert any("U+0000" in error for error in field_errors(response.get_data(as_text=True)))
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).nominee_name == "原名"


@pytest.mark.parametrize("comment", ["同意\x00", "同\x0b意", "同意👍"])
def test_a_bulk_comment_with_control_or_unprintable_characters_is_refused(client, world, login_as, comment):
    nomination = nomination_at(world, "branch_review")
    login_as("branch1")
    response = client.post("/todo/bulk", data={"ids": [nomination.id], "event": "approve", "comment": comment,
                                               "confirm": "1"})
    page = flashed(client, response)
    assert "不可见的控制字符" in page or "无法打印" in page
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.nomination_id == nomination.id,
                                                                    AuditEntry.event == "approve")) == 0


def test_a_multipart_field_with_an_unreadable_name_is_a_bad_request(app, world):
    """Werkzeug gives such a field no name; Flask-WTF's CSRF check then raised AttributeError (a 500)."""
    protected = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post("/login", content_type="multipart/form-data",
                                          data={"\n": "x", "file": (io.BytesIO(b""), "a.pdf")})
    finally:
        app.config["WTF_CSRF_ENABLED"] = protected
    assert response.status_code == 400


def test_every_form_of_the_app_refuses_control_characters():
    """Every form class derives from core.forms.Form, whose text fields refuse control characters."""
    found = []
    for module in pkgutil.walk_packages(workflow_app.__path__, "workflow_app."):
        if module.name.endswith(".forms"):
            loaded = importlib.import_module(module.name)
            found += [cls for _name, cls in inspect.getmembers(loaded, inspect.isclass)
                      if issubclass(cls, FlaskForm) and cls.__module__ == module.name]
    assert len(found) >= 20, "the walk found the app's forms"
    assert [cls.__qualname__ for cls in found if not issubclass(cls, Form)] == []


@pytest.mark.parametrize("path", ["/verify?number=%00&code=%00", "/verify/%00", "/nominations/?q=%00",
                                  "/todo/?q=%00&state=%00", "/notice?campaign=%00", "/stats/reports?year=%00",
                                  "/certificates/?campaign=%00&honor_type=%00"])
def test_nul_in_a_query_string_or_path_is_no_server_error(client, world, login_as, path):
    """PostgreSQL refuses NUL in any text parameter; a query that passes one on fails (a 500)."""
    login_as("admin")
    response = client.get(path)
    response.close()
    assert response.status_code < 500


def test_a_check_code_typed_in_chinese_is_simply_wrong(client, world):
    """secrets.compare_digest raised TypeError on non-ASCII text: a 500 for a real number and a typed 验证码."""
    from workflow_app.certificates.models import Certificate

    certified = nomination_at(world, "certified", id_number=factories.id_number())
    certificate = db.session.scalars(select(Certificate).where(Certificate.nomination_id == certified.id)).one()
    for path in (f"/verify?number={certificate.number}&code=验证码",
                 f"/api/v1/certificates/verify?number={certificate.number}&check=验证码"):
        response = client.get(path)
        assert response.status_code == 404, path
