"""Whole journeys through the test client, as the people involved would go."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import select

from tests import factories
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination

PDF = b"%PDF-1.4\n%test\n"


def person_form(**overrides) -> dict:
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in factories.person_fields().items()}
    data.update(overrides)
    return data


def create_via_browser_form(client, world, code="outstanding_union_worker", unit=None, **form):
    unit = unit or world.branch1
    honor = factories.honor(code)
    url = (f"/nominations/new/details?campaign_id={world.campaign.id}&honor_type_id={honor.id}"
           f"&org_unit_id={unit.id}")
    response = client.post(url, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalars(select(Nomination).order_by(Nomination.id.desc())).first()


def act(client, nomination, event, comment="", **extra):
    db.session.refresh(nomination)
    return client.post(f"/nominations/{nomination.id}/transition",
                       data={"event": event, "version": nomination.version, "comment": comment, **extra})


def states_of(nomination) -> list[tuple[str, str]]:
    return [(e.from_state, e.to_state) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.nomination_id == nomination.id).order_by(AuditEntry.id))]


def test_person_honor_climbs_branch_township_county_then_notice_and_approval(client, world, login_as):
    login_as("chair1")
    nomination = create_via_browser_form(client, world, **person_form())
    assert nomination.state == "draft"
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "马金凤" in page

    assert act(client, nomination, "submit").status_code == 302
    for reviewer, expected in (("branch1", "township_review"), ("town1", "county_review"),
                               ("county", "public_notice")):
        login_as(reviewer)
        todo = client.get("/todo/").get_data(as_text=True)
        assert "马金凤" in todo, f"{reviewer} should see it in the to-do list"
        assert act(client, nomination, "approve", "同意").status_code == 302
        db.session.refresh(nomination)
        assert nomination.state == expected

    login_as("admin")
    act(client, nomination, "end_notice", "公示期满无异议")  # too early: the notice is still running
    db.session.refresh(nomination)
    assert nomination.state == "public_notice"
    nomination.notice_starts_on -= timedelta(days=8)
    nomination.notice_ends_on -= timedelta(days=8)
    db.session.commit()
    act(client, nomination, "end_notice", "公示期满无异议")
    db.session.refresh(nomination)
    assert nomination.state == "approved"
    assert states_of(nomination) == [
        ("draft", "branch_review"), ("branch_review", "township_review"), ("township_review", "county_review"),
        ("county_review", "public_notice"), ("public_notice", "approved"),
    ]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.to_state == "township_review")).one()
    assert (entry.actor_name, entry.actor_role, entry.actor_unit_name, entry.comment) == (
        "沙海军", "reviewer", "清真食品公司工会", "同意")
    assert entry.client_ip == "127.0.0.1"


def test_organisation_honor_with_attachment(client, world, login_as):
    login_as("chair1")
    form = {k: v for k, v in factories.organisation_fields().items()}
    nomination = create_via_browser_form(client, world, code="model_worker_home", **form)
    # model_worker_home needs one attachment: submitting without it is refused, with the reason.
    response = act(client, nomination, "submit")
    assert response.status_code == 302
    assert "至少" in client.get(f"/nominations/{nomination.id}").get_data(as_text=True)  # "needs at least 1"
    db.session.refresh(nomination)
    assert nomination.state == "draft"

    upload = client.post(f"/nominations/{nomination.id}/attachments",
                         data={"file": (io.BytesIO(PDF), "职工之家.pdf")}, content_type="multipart/form-data")
    assert upload.status_code == 302
    db.session.refresh(nomination)
    assert [a.original_name for a in nomination.attachments] == ["职工之家.pdf"]
    download = client.get(f"/nominations/{nomination.id}/attachments/{nomination.attachments[0].id}")
    assert download.data == PDF and download.mimetype == "application/pdf"
    download.close()

    act(client, nomination, "submit")
    db.session.refresh(nomination)
    assert nomination.state == "branch_review"
    for reviewer in ("branch1", "town1", "county"):
        login_as(reviewer)
        act(client, nomination, "approve")
    db.session.refresh(nomination)
    assert nomination.state == "public_notice"


def test_county_direct_unit_skips_the_township(client, world, login_as):
    login_as("chaird")
    nomination = create_via_browser_form(client, world, unit=world.direct, **person_form())
    act(client, nomination, "submit")
    login_as("branchd")
    act(client, nomination, "approve")
    db.session.refresh(nomination)
    assert nomination.state == "county_review"
    login_as("county")
    act(client, nomination, "approve")
    db.session.refresh(nomination)
    assert nomination.state == "public_notice"
    assert ("branch_review", "county_review") in states_of(nomination)


def test_return_for_revision_then_resubmit_keeps_history(client, world, login_as):
    login_as("chair1")
    nomination = create_via_browser_form(client, world, **person_form())
    act(client, nomination, "submit")
    login_as("town1")
    login_as("branch1")
    act(client, nomination, "return_for_revision", "请补充荣誉情况")
    db.session.refresh(nomination)
    assert nomination.state == "returned"

    login_as("chair1")
    assert "马金凤" in client.get("/todo/").get_data(as_text=True)
    edit = client.post(f"/nominations/{nomination.id}/edit",
                       data=person_form(honors_held="2024年县级优秀工会积极分子", version=nomination.version,
                                        id_number=nomination.id_number, and_submit="1"))
    assert edit.status_code == 302
    db.session.refresh(nomination)
    assert nomination.state == "branch_review"
    assert nomination.honors_held == "2024年县级优秀工会积极分子"
    assert states_of(nomination) == [("draft", "branch_review"), ("branch_review", "returned"),
                                     ("returned", "branch_review")]
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "请补充荣誉情况" in page


def test_reject_needs_a_reason_and_is_final(client, world, login_as):
    login_as("chair1")
    nomination = create_via_browser_form(client, world, **person_form())
    act(client, nomination, "submit")
    login_as("branch1")
    act(client, nomination, "reject", "")
    db.session.refresh(nomination)
    assert nomination.state == "branch_review"
    act(client, nomination, "reject", "不符合条件")
    db.session.refresh(nomination)
    assert nomination.state == "rejected"
    login_as("chair1")
    act(client, nomination, "submit")
    db.session.refresh(nomination)
    assert nomination.state == "rejected"


def test_chair_can_withdraw_before_a_decision(client, world, login_as):
    login_as("chair1")
    nomination = create_via_browser_form(client, world, **person_form())
    act(client, nomination, "submit")
    act(client, nomination, "withdraw", "调整人选")
    db.session.refresh(nomination)
    assert nomination.state == "withdrawn"


def test_a_chair_is_offered_only_the_campaigns_of_their_own_county(client, world, login_as):
    """In a province every county runs a campaign of the same name: the form lists the chair's own."""
    from workflow_app.orgs.services import create_unit

    other_county = create_unit(level="county", code="411625", name="项城市总工会")
    elsewhere = factories.campaign(other_county)  # the same name and year as world.campaign
    db.session.commit()
    login_as("chair1")
    page = client.get("/nominations/new").get_data(as_text=True)
    menu = re.search(r'<select[^>]*name="campaign_id".*?</select>', page, re.S).group(0)
    assert re.findall(r'value="(\d+)"', menu) == [str(world.campaign.id)] and elsewhere.id != world.campaign.id
    honor = factories.honor("outstanding_union_worker")
    response = client.get(f"/nominations/new/details?campaign_id={elsewhere.id}&honor_type_id={honor.id}"
                          f"&org_unit_id={world.branch1.id}")
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
