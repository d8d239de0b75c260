"""Every URL that names an object, walked as people of another county.

The rules come from the app itself (``app.url_map``), so a new route with an argument is walked as
soon as it exists — or the walk fails until someone says which fixture row its argument names
(``ROW_FOR_ARGUMENT``, ``ROW_FOR_ENDPOINT``, ``VALUE_FOR_ARGUMENT``) or declares the route public (``PUBLIC``).

The world: build_world()'s county (where every row lives) and a second county (郸城县) with its own
administrator, county reviewer, township, branch chair and branch reviewer: the outsiders. Each GET
and POST an outsider sends must be refused with 403 or 404 and change nothing; the same GET as the
right person inside succeeds, so a refusal is never just a wrong id in the fixture."""

from __future__ import annotations

import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from flask import url_for
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from states.statistics_report import fire as fire_report
from tests import factories
from tests.conftest import login, module_app
from tests.test_authorization import CHEAP_HASH
from workflow_app.app import create_app
from workflow_app.auth.models import AuthEvent, User
from workflow_app.campaigns.models import Campaign, HonorType
from workflow_app.certificates.batch import start_batch
from workflow_app.certificates.models import Certificate
from workflow_app.delegations.models import Delegation
from workflow_app.extensions import db
from workflow_app.jobs.services import perform as perform_job
from workflow_app.nominations import services as nomination_services
from workflow_app.nominations.models import Attachment, Nomination
from workflow_app.notice import services as notice_services
from workflow_app.notice.models import Holiday, Objection
from workflow_app.notifications.models import Notification
from workflow_app.orgs.services import create_unit
from workflow_app.stats.models import StatisticsReport
from workflow_app.tokens.services import create_token

PDF = b"%PDF-1.4\n% evidence\n"

# Open to anyone by design, each for a reason.
PUBLIC = {
    "static": "the app's CSS and JavaScript",
    "bootstrap.static": "Bootstrap's files, served locally",
    "certificates.verify": "a certificate's public check by its random token (printed as a QR code)",
    "notice.object_to": "the public objection form of a nominee under notice (404 otherwise)",
    "api.verify_token": "the JSON form of the public certificate check by token",
    "auth.language_link": "a visitor's display language (the argument is a language code, no object)",
}
# Walked elsewhere, with what the route takes instead of a session: the API's bearer tokens.
WALKED_ELSEWHERE = {
    endpoint: "tests/test_api.py::test_a_token_from_another_township_gets_403_for_every_id_route"
    for endpoint in ("api.nomination", "api.nomination_events", "api.transition")
}

# Which fixture row each URL argument names, by argument name ...
ROW_FOR_ARGUMENT = {
    "nomination_id": "reviewed",       # in county review, with an attachment and an objection
    "attachment_id": "attachment",     # of that nomination
    "certificate_id": "certificate",
    "campaign_id": "campaign",
    "honor_type_id": "honor_type",
    "notification_id": "notification",  # chair1's
    "delegation_id": "delegation",      # branch1's reviewer to a colleague
    "objection_id": "objection",
    "day": "holiday",
    "report_id": "report",             # the first township's accepted statistics report
    "token_id": "api_token",           # chair1's API token
    "job_id": "job",                   # the county admin's finished batch print, its file in storage
}
# URL arguments that name no row but a kind of thing every county has alike (walked as a shared row).
VALUE_FOR_ARGUMENT = {"name": "units"}  # the import's kind: units or users
# ... and where an endpoint needs another one (the action exists only in some states).
ROW_FOR_ENDPOINT = {
    "nominations.edit": {"nomination_id": "draft"},
    "nominations.upload": {"nomination_id": "draft"},
    "nominations.remove_attachment": {"nomination_id": "draft", "attachment_id": "draft_attachment"},
    "stats.edit_report": {"report_id": "report_draft"},
    "stats.delete_report": {"report_id": "report_draft"},
}
# Who inside may open each GET page (the walk checks they can: 200).
INSIDER = {"nominations.edit": "chair1", "stats.edit_report": "town1"}
DEFAULT_INSIDER = "admin"

# Outsiders: everyone of the second county. Honor types and holidays are shared by every county
# (one national calendar, one set of honors), so there only people who are no administrator count.
OUTSIDERS = ["admin_x", "county_x", "chair_x", "branch_x", "town_x"]
SHARED_ROWS = {"honor_type", "holiday", "name"}
NOT_ADMINS = ["county_x", "chair_x", "branch_x", "town_x"]


def _rules():
    """(rule, endpoint, method, arguments) for every rule with an argument, from an app built like the tests'."""
    application = create_app({"TESTING": True, "SECRET_KEY": "walk", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                              "RATELIMIT_ENABLED": False})
    found = []
    for rule in application.url_map.iter_rules():
        if rule.arguments:
            found += [(rule.rule, rule.endpoint, method, tuple(sorted(rule.arguments)))
                      for method in ("GET", "POST") if method in rule.methods]
    return found


RULES = _rules()
WALKED = [pytest.param(rule, endpoint, method, arguments, id=f"{method} {rule}")
          for rule, endpoint, method, arguments in RULES if endpoint not in PUBLIC and endpoint not in WALKED_ELSEWHERE]


# ---------------------------------------------------------------- one world for the file
@pytest.fixture(scope="module")
def shared(migrated_database, tmp_path_factory):
    application = module_app(migrated_database, tmp_path_factory, "walk")
    with application.app_context():
        rows = _build(factories.build_world())
        db.session.commit()
        db.session.remove()
    yield SimpleNamespace(app=application, rows=rows)
    with application.app_context():
        db.engine.dispose()


def _build(world) -> dict[str, tuple[type, object]]:
    """The rows the walk aims at (all in the first county), and the second county's people."""
    other = create_unit(level="county", code="411625", name="郸城县总工会")
    town = create_unit(level="township", code="411625100", name="汲冢镇总工会", parent=other)
    branch = create_unit(level="branch", code="41162510001", name="汲冢中学工会", parent=town)
    factories.user("admin_x", "admin", other, "外县管理员")
    factories.user("county_x", "reviewer", other, "外县审核")
    factories.user("town_x", "reviewer", town, "外县乡镇审核")
    factories.user("branch_x", "reviewer", branch, "外县支部审核")
    factories.user("chair_x", "submitter", branch, "外县主席")
    for user in db.session.scalars(select(User)):
        user.password_hash = CHEAP_HASH

    def attached(nomination: Nomination) -> Attachment:
        return nomination_services.add_attachment(
            nomination, FileStorage(io.BytesIO(PDF), filename="证明.pdf"), world.chair1)

    draft = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                 nominee_name="草稿人")
    draft_attachment = attached(draft)
    reviewed = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                    nominee_name="异议人")
    attachment = attached(reviewed)
    factories.bring_to(reviewed, "public_notice")
    objection = notice_services.record_objection(
        reviewed, name="举报人", contact="13900000000", text="情况不实",
        upload=FileStorage(io.BytesIO(PDF), filename="举报信.pdf"))
    certified = factories.bring_to(factories.nomination(world.campaign, "advanced_worker", world.branch1,
                                                        world.chair1, nominee_name="获证人"), "certified")
    certificate = db.session.scalars(select(Certificate).where(Certificate.nomination_id == certified.id)).one()
    notification = Notification(user_id=world.chair1.id, nomination_id=reviewed.id, kind="todo", params={})
    delegation = Delegation(delegator_id=world.branch_reviewer1.id, delegate_id=world.town_reviewer1.id,
                            starts_on=date.today(), ends_on=date.today() + timedelta(days=3),
                            created_by_id=world.branch_reviewer1.id)
    holiday = Holiday(day=date(2026, 10, 1), name="国庆节", working=False)
    db.session.add_all([notification, delegation, holiday])
    db.session.flush()
    honor_type = factories.honor("model_worker_home")
    figures = dict(enterprise_units=40, units_with_union=20, units_in_joint_union=6, workers=1000, members=850,
                   migrant_members=300, wage_bargaining_units=20, grassroots_unions=24)
    report = StatisticsReport(org_unit=world.town1, year=2025, state="draft", created_by_id=world.town_reviewer1.id,
                              **figures)
    report_draft = StatisticsReport(org_unit=world.town1, year=2024, state="draft",
                                    created_by_id=world.town_reviewer1.id, **figures)
    db.session.add_all([report, report_draft])
    db.session.flush()
    fire_report(report, "submit", world.town_reviewer1)
    fire_report(report, "accept", world.county_reviewer)
    job = start_batch(world.admin, world.campaign)
    db.session.commit()
    perform_job(job.id)
    rows = dict(draft=draft, draft_attachment=draft_attachment, reviewed=reviewed, attachment=attachment,
                objection=objection, certificate=certificate, campaign=world.campaign, honor_type=honor_type,
                notification=notification, delegation=delegation, holiday=holiday, report=report,
                report_draft=report_draft, api_token=create_token(world.chair1, "对接", "read").token, job=job)
    return {name: (type(row), row.day if isinstance(row, Holiday) else row.id) for name, row in rows.items()}


@pytest.fixture
def app(shared):
    """Overrides conftest's: this file's shared app, in a fresh app context (and session) per test."""
    with shared.app.app_context():
        yield shared.app
        db.session.remove()


def _arguments(endpoint: str, rule_arguments, shared) -> tuple[dict, set[str]]:
    """The URL values for the rule, and the names of the rows they point at."""
    values, names = {}, set()
    for argument in rule_arguments:
        if argument in VALUE_FOR_ARGUMENT:
            values[argument] = VALUE_FOR_ARGUMENT[argument]
            names.add(argument)
            continue
        name = ROW_FOR_ENDPOINT.get(endpoint, {}).get(argument) or ROW_FOR_ARGUMENT.get(argument)
        if name is None:
            pytest.fail(f"{endpoint}: no fixture row for the URL argument {argument!r}; add it to ROW_FOR_ARGUMENT "
                        "or ROW_FOR_ENDPOINT (or to PUBLIC, with the reason)")
        kind, key = shared.rows[name]
        assert db.session.get(kind, key) is not None, f"the fixture row {name} exists"
        values[argument] = key.isoformat() if isinstance(key, date) else key
        names.add(name)
    return values, names


def _everything() -> tuple:
    """What an outsider's request must leave alone: the number of rows in every table (but the
    login log), and every nomination's state and version."""
    db.session.expire_all()
    counts = tuple((table.name, db.session.scalar(select(func.count()).select_from(table)))
                   for table in db.metadata.sorted_tables if table.name != AuthEvent.__tablename__)
    nominations = tuple(db.session.execute(select(Nomination.id, Nomination.state, Nomination.version)
                                           .order_by(Nomination.id)).all())
    others = (db.session.scalar(select(func.count(Delegation.id)).where(Delegation.revoked_at.is_not(None))),
              db.session.scalar(select(func.count(Notification.id)).where(Notification.read_at.is_not(None))),
              tuple(db.session.execute(select(Campaign.name, Campaign.closes_on)).all()),
              tuple(db.session.execute(select(HonorType.certificate_title, HonorType.issuer)).all()),
              db.session.scalar(select(func.count(Objection.id)).where(Objection.status != "open")),
              tuple(db.session.execute(select(StatisticsReport.id, StatisticsReport.state, StatisticsReport.version)
                                       .order_by(StatisticsReport.id)).all()))
    return counts, nominations, others


# A POST as the browser would send it when the person is allowed: if the check were missing, it would
# succeed (302) rather than fail on a form error.
POST_DATA = {"event": "approve", "version": "1", "comment": "同意", "name": "假期", "year": "2026",
             "certificate_title": "荣誉证书", "certificate_wording": "特发此证", "issuer": "沈丘县总工会",
             "number_prefix": "沈工证", "number_format": "{prefix}〔{year}〕{code}-{seq:04d}",
             "objector_name": "某人", "objector_contact": "13900000000", "text": "反映情况", "channel": "phone"}


# ---------------------------------------------------------------- the walk
def test_every_rule_with_an_argument_is_walked_or_declared_public():
    unmapped = sorted(f"{endpoint} <{argument}>" for _rule, endpoint, _method, arguments in RULES
                      if endpoint not in PUBLIC and endpoint not in WALKED_ELSEWHERE for argument in arguments
                      if argument not in ROW_FOR_ENDPOINT.get(endpoint, {}) and argument not in ROW_FOR_ARGUMENT
                      and argument not in VALUE_FOR_ARGUMENT)
    assert unmapped == [], "URL arguments with no fixture row: map them, or declare the endpoint PUBLIC"
    assert set(PUBLIC) | set(WALKED_ELSEWHERE) <= {endpoint for _rule, endpoint, _method, _arguments in RULES}, \
        "a stale PUBLIC or WALKED_ELSEWHERE entry"
    assert len(WALKED) >= 20, "the walk found the app's routes"


@pytest.mark.parametrize(("rule", "endpoint", "method", "arguments"), WALKED)
def test_people_of_another_county_are_refused_every_object_url(app, shared, rule, endpoint, method, arguments):
    values, names = _arguments(endpoint, arguments, shared)
    with app.test_request_context():
        url = url_for(endpoint, **values)
    outsiders = NOT_ADMINS if names & SHARED_ROWS else OUTSIDERS
    client = app.test_client()
    before = _everything()
    for username in outsiders:
        client.post("/logout")
        login(client, username)
        response = client.open(url, method=method, data=POST_DATA if method == "POST" else None)
        response.close()
        assert response.status_code in (403, 404), f"{method} {url} as {username}: {response.status_code}"
    assert _everything() == before, f"{method} {url} refused, yet something changed"
    if method == "GET":
        client.post("/logout")
        login(client, INSIDER.get(endpoint, DEFAULT_INSIDER))
        inside = client.get(url)
        inside.close()
        assert inside.status_code == 200, f"the walk's fixture is wrong: an insider gets {inside.status_code}"


def test_the_public_pages_answer_without_logging_in_and_show_only_what_is_public(app, shared):
    client = app.test_client()
    certificate = db.session.get(Certificate, shared.rows["certificate"][1])
    verified = client.get(f"/verify/{certificate.token}")
    page = verified.get_data(as_text=True)
    assert verified.status_code == 200 and certificate.number in page
    assert certificate.nomination.id_number not in page and certificate.nomination.phone not in page
    draft = shared.rows["draft"][1]
    assert client.get(f"/notice/{draft}/object").status_code == 404, "only nominees under notice (or its review)"
