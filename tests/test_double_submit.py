"""The same form sent twice — the same CSRF token, the same expected version, the same form key — one
after the other (a resend after a slow answer) and at the same moment from two threads with their own
connections (a double click; PostgreSQL only): one effect each time, and the second request gets a
clear message or the same result page, never a server error."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.factories import bring_to
from tests.racing import (
    flashes,
    hidden_fields,
    logged_in,
    racing_app,
    reads_before_writes,
    require_postgres,
    together,
    twin_of,
)
from tests.test_statistics import LAST_YEAR, _form, report
from workflow_app.certificates.models import Certificate
from workflow_app.certificates.storage import stored_pdf, unreferenced_files
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.notice.models import Objection
from workflow_app.stats.models import StatisticsReport


@pytest.fixture(params=["one_after_the_other",
                        pytest.param("at_the_same_moment", marks=pytest.mark.postgres)])
def send_twice(request, app, migrated_database):
    """``send(username, page, action, data)``: open ``page`` as ``username`` (None: the public), fill
    its hidden fields (CSRF token, version, form key) and ``data``, and post that form to ``action``
    twice from two clients sharing the session cookie. Returns the responses and each one's flashes."""
    at_once = request.param == "at_the_same_moment"
    if at_once:
        require_postgres(migrated_database)

    def send(username: str | None, page: str, action: str, data: dict, **config):
        with racing_app(app, 2, csrf=True, **config) as racing:
            client = logged_in(racing, username) if username else racing.test_client()
            opened = client.get(page)
            assert opened.status_code == 200, page
            form = {**hidden_fields(opened.get_data(as_text=True)), **data}
            clients = [client, twin_of(racing, client)]
            posts = [lambda c=c: c.post(action, data=form) for c in clients]
            if at_once:
                with reads_before_writes(racing, 2):
                    responses = together(posts)
            else:
                responses = [post() for post in posts]
            assert [r for r in responses if isinstance(r, Exception)] == []  # a server error raises here
            assert all(r.status_code < 500 for r in responses)
            said = [flashes(c) for c in clients]
        db.session.expire_all()
        return responses, said

    return send


def categories(said) -> list[list[str]]:
    return sorted([category for category, _ in messages] for messages in said)


def audit_count(nomination_id: int, event: str) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.nomination_id == nomination_id,
                                                                     AuditEntry.event == event))


def form_values(fields: dict) -> dict:
    return {k: "" if v is None else v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}


def test_an_approval_sent_twice_approves_once_and_the_second_is_told_who_did(send_twice, world):
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "branch_review")
    responses, said = send_twice("branch1", f"/nominations/{nomination.id}", f"/nominations/{nomination.id}/transition",
                                 {"event": "approve", "comment": "同意"})
    assert {r.status_code for r in responses} == {302}
    assert categories(said) == [["success"], ["warning"]]
    assert any("沙海军" in message for messages in said for _, message in messages)
    assert db.session.get(Nomination, nomination.id).state == "township_review"
    assert audit_count(nomination.id, "approve") == 1


def test_a_submission_sent_twice_submits_once(send_twice, world):
    nomination = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1)
    db.session.commit()
    responses, said = send_twice("chair1", f"/nominations/{nomination.id}", f"/nominations/{nomination.id}/transition",
                                 {"event": "submit"})
    assert {r.status_code for r in responses} == {302}
    assert categories(said) == [["success"], ["warning"]]
    assert db.session.get(Nomination, nomination.id).state == "branch_review"
    assert audit_count(nomination.id, "submit") == 1


@pytest.mark.parametrize("code", ["outstanding_union_worker", "model_worker_home"])
def test_a_new_nomination_form_sent_twice_creates_one_and_both_lead_to_it(send_twice, world, code):
    """A person is also caught by the one-per-ID-number rule; an organisation has no ID number, so only
    the form's key tells the second request it is the first one again."""
    honor = factories.honor(code)
    fields = factories.person_fields() if honor.nominee_kind == "person" else factories.organisation_fields()
    query = f"campaign_id={world.campaign.id}&honor_type_id={honor.id}&org_unit_id={world.branch1.id}"
    responses, said = send_twice("chair1", f"/nominations/new/details?{query}", f"/nominations/new/details?{query}",
                                 form_values(fields))
    created = db.session.scalars(select(Nomination).where(Nomination.nominee_name == fields["nominee_name"])).all()
    assert len(created) == 1
    assert {r.status_code for r in responses} == {302}
    assert {r.headers["Location"] for r in responses} == {f"/nominations/{created[0].id}"}
    assert categories(said) == [["info"], ["success"]]  # "already saved", "draft saved"


def test_issuing_a_certificate_twice_issues_one_number_and_one_file(send_twice, world):
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "approved")
    responses, said = send_twice("admin", "/certificates/", "/certificates/issue", {"nomination": nomination.id})
    assert {r.status_code for r in responses} == {302}
    assert categories(said) == [["danger"], ["success"]]
    certificates = db.session.scalars(select(Certificate)).all()
    assert [c.sequence for c in certificates] == [1]
    assert stored_pdf(certificates[0]) is not None and unreferenced_files() == []
    assert audit_count(nomination.id, "certify") == 1


def test_a_public_objection_sent_twice_is_one_objection_and_both_see_it_received(send_twice, world):
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "public_notice")
    responses, _said = send_twice(None, f"/notice/{nomination.id}/object", f"/notice/{nomination.id}/object",
                                  {"objector_name": "张三", "objector_contact": "13800000000", "text": "事迹不实"},
                                  OBJECTION_MIN_SECONDS=0)
    assert [r.status_code for r in responses] == [200, 200]
    assert all('id="objection-received"' in r.get_data(as_text=True) for r in responses)
    assert db.session.scalar(select(func.count(Objection.id))) == 1
    assert audit_count(nomination.id, "raise_objection") == 1
    assert db.session.get(Nomination, nomination.id).state == "county_review"


def test_a_new_statistics_report_sent_twice_is_one_report_and_both_lead_to_it(send_twice, world):
    period = {"unit": world.town1.id, "year": LAST_YEAR, "quarter": 0}
    responses, said = send_twice("town1", f"/stats/reports/new?unit={world.town1.id}&year={LAST_YEAR}&quarter=0",
                                 "/stats/reports/new", {**_form(), **period})
    reports = db.session.scalars(select(StatisticsReport)).all()
    assert len(reports) == 1
    assert {r.status_code for r in responses} == {302}
    assert {r.headers["Location"] for r in responses} == {f"/stats/reports/{reports[0].id}"}
    assert categories(said) == [["info"], ["success"]]


def test_saving_statistics_twice_saves_once_and_the_second_is_told(send_twice, world):
    draft = report(world)
    db.session.commit()
    version = draft.version
    responses, said = send_twice("town1", f"/stats/reports/{draft.id}/edit", f"/stats/reports/{draft.id}/edit",
                                 _form(members=900))
    assert {r.status_code for r in responses} == {302}
    assert categories(said) == [["danger"], ["success"]]  # "someone else saved meanwhile"
    saved = db.session.get(StatisticsReport, draft.id)
    assert (saved.members, saved.version) == (900, version + 1)


def test_saving_a_nomination_edit_twice_saves_once_and_the_second_is_told(send_twice, world):
    nomination = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1)
    db.session.commit()
    version = nomination.version
    fields = form_values(factories.person_fields(id_number=nomination.id_number, nominee_name="马金花"))
    responses, said = send_twice("chair1", f"/nominations/{nomination.id}/edit", f"/nominations/{nomination.id}/edit",
                                 fields)
    assert {r.status_code for r in responses} == {302}
    assert categories(said) == [["danger"], ["success"]]
    saved = db.session.get(Nomination, nomination.id)
    assert (saved.nominee_name, saved.version) == ("马金花", version + 1)


def test_an_objection_entered_by_the_county_twice_is_one_objection(send_twice, world):
    """A letter typed in by a county reviewer, the form sent twice (a double click, a resend after a timeout)."""
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "public_notice")
    responses, _said = send_twice("county", f"/nominations/{nomination.id}",
                                  f"/nominations/{nomination.id}/objections",
                                  {"channel": "letter", "objector_name": "李四", "objector_contact": "县城关镇",
                                   "text": "来信反映事迹不实"})
    assert [r.status_code for r in responses] == [302, 302]
    assert db.session.scalar(select(func.count(Objection.id))) == 1
    assert audit_count(nomination.id, "raise_objection") == 1
