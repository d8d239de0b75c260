"""The plan's statistics: rates on hand-made figures, the report workflow (file, submit, accept,
return, correct), the targets, and the dashboards as the county sees them."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from states.engine import TransitionRefused
from states.nomination import fire as fire_nomination
from states.statistics_report import available_events, fire
from tests import factories
from tests.conftest import count_queries
from tests.factories import bring_to
from workflow_app.core.timeutil import china_today
from workflow_app.exports.models import ExportLog
from workflow_app.extensions import db
from workflow_app.nominations.models import Attachment
from workflow_app.orgs.services import create_unit
from workflow_app.stats import figures as rules
from workflow_app.stats.models import ReportEvent, StatisticsReport, StatisticsTarget
from workflow_app.stats.queries import campaign_dashboard, county_dashboard

GOOD = dict(enterprise_units=40, units_with_union=20, units_in_joint_union=6, workers=1000, members=850,
            migrant_members=300, wage_bargaining_units=20, grassroots_unions=24)
LAST_YEAR = china_today().year - 1


def report(world, unit=None, year=LAST_YEAR, quarter=0, actor=None, **figures) -> StatisticsReport:
    unit = unit or world.town1
    item = StatisticsReport(org_unit=unit, year=year, quarter=quarter, state="draft",
                            created_by_id=(actor or world.town_reviewer1).id, **{**GOOD, **figures})
    db.session.add(item)
    db.session.flush()
    return item


def accepted(world, unit=None, filer=None, **figures) -> StatisticsReport:
    item = report(world, unit, actor=filer, **figures)
    fire(item, "submit", filer or world.town_reviewer1)
    fire(item, "accept", world.county_reviewer)
    db.session.commit()
    return item


# ------------------------------------------------------------ the arithmetic
def test_establishment_rate_counts_joint_union_coverage():
    rates = rules.Rates.of(GOOD, model_homes=6)
    assert rates.establishment == Fraction(26, 40)  # own union 20 + joint union 6
    assert rates.membership == Fraction(85, 100)
    assert rates.model_home_share == Fraction(6, 24)
    assert rates.wage_bargaining == Fraction(20, 26)
    assert rules.percent(rates.establishment) == Decimal("65.0")
    assert rules.percent(Fraction(2, 3)) == Decimal("66.7")  # rounded half up, for display only


def test_zero_denominators_give_no_rate_rather_than_zero():
    empty = dict.fromkeys(rules.FIGURES, 0)
    rates = rules.Rates.of(empty)
    assert rates == rules.Rates(None, None, None, None)
    assert rules.gap(0, 0, Decimal(65)).status == "no_data"
    assert rules.gap(0, 0, None) is None  # no target that year


@pytest.mark.parametrize(("part", "whole", "target", "status", "points", "needed"), [
    (26, 40, "65", "met", "0.0", 0),         # exactly on target
    (25, 40, "65", "close", "-2.5", 1),      # 62.5%: 26 of 40 needed, one more unit
    (30, 40, "90", "behind", "-15.0", 6),    # 75% against 90%: 36 needed
    (929, 1000, "93", "close", "-0.1", 1),   # the last member counts
    (1, 3, "33.33", "met", "0.0", 0),        # 33.33…% is above 33.33%
])
def test_gap_to_target_in_points_and_units(part, whole, target, status, points, needed):
    gap = rules.gap(part, whole, Decimal(target))
    assert (gap.status, gap.points, gap.needed) == (status, Decimal(points), needed)


def test_inconsistent_figures_are_refused_with_a_reason_each():
    bad = dict(GOOD, members=1200, migrant_members=1300, units_in_joint_union=30, wage_bargaining_units=60)
    found = dict(rules.problems(bad))
    assert set(found) == {"members", "migrant_members", "units_in_joint_union", "wage_bargaining_units"}
    assert "1200" in str(found["members"]) and "1000" in str(found["members"])
    assert rules.problems(GOOD) == []
    assert dict(rules.problems(dict(GOOD, workers=-1)))["workers"]
    assert "grassroots_unions" in dict(rules.problems(dict(GOOD, grassroots_unions=0)))


# ------------------------------------------------------------ the workflow
def test_township_files_and_the_county_accepts_with_events(world):
    item = report(world)
    assert available_events(item, world.town_reviewer1) == ["submit"]
    assert available_events(item, world.town_reviewer2) == []  # another township's reviewer
    fire(item, "submit", world.town_reviewer1)
    assert available_events(item, world.county_reviewer) == ["accept", "return_for_revision"]
    fire(item, "accept", world.county_reviewer, "核实无误")
    db.session.commit()
    events = db.session.scalars(select(ReportEvent).where(ReportEvent.report_id == item.id)
                                .order_by(ReportEvent.id)).all()
    assert [(e.event, e.from_state, e.to_state, e.actor_name) for e in events] == [
        ("submit", "draft", "submitted", "马志远"), ("accept", "submitted", "accepted", "刘秀兰")]


def test_inconsistent_report_cannot_be_submitted(world):
    item = report(world, members=1001)
    with pytest.raises(TransitionRefused, match="1001"):
        fire(item, "submit", world.town_reviewer1)
    assert item.state == "draft"


def test_returning_needs_a_reason_and_nobody_accepts_their_own(world):
    item = report(world, actor=world.admin)
    fire(item, "submit", world.admin)
    with pytest.raises(TransitionRefused):
        fire(item, "return_for_revision", world.county_reviewer, "  ")
    with pytest.raises(TransitionRefused):
        fire(item, "accept", world.admin)  # the admin submitted it
    fire(item, "return_for_revision", world.county_reviewer, "请核实职工人数")
    assert item.state == "returned"


def test_a_report_cannot_be_filed_for_a_future_period(world):
    item = report(world, year=china_today().year + 1)
    with pytest.raises(TransitionRefused):
        fire(item, "submit", world.town_reviewer1)


def test_event_log_is_append_only(world):
    item = accepted(world)
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(ReportEvent.__table__.update().where(ReportEvent.report_id == item.id)
                           .values(comment="forged"))
        db.session.flush()
    db.session.rollback()


def test_correction_keeps_the_old_version_until_it_is_accepted(client, world, login_as):
    old = accepted(world)
    login_as("town1")
    assert client.get(f"/stats/reports/{old.id}/edit").status_code == 403  # accepted is locked
    response = client.post(f"/stats/reports/{old.id}/correct")
    assert response.status_code == 302
    correction = db.session.scalar(select(StatisticsReport).where(StatisticsReport.supersedes_id == old.id))
    assert correction.revision == 2 and correction.state == "draft" and correction.members == old.members
    client.post(f"/stats/reports/{correction.id}/edit", data={**GOOD, "members": 900, "membership_base": "unionised",
                                                              "version": correction.version, "and_submit": "1"})
    db.session.expire_all()
    assert (correction.state, correction.members) == ("submitted", 900)
    assert db.session.get(StatisticsReport, old.id).state == "accepted"  # still in force
    login_as("county")
    client.post(f"/stats/reports/{correction.id}/transition", data={"event": "accept", "version": correction.version})
    db.session.expire_all()
    assert db.session.get(StatisticsReport, old.id).state == "superseded"
    assert db.session.get(StatisticsReport, correction.id).state == "accepted"
    superseded = db.session.scalar(select(ReportEvent).where(ReportEvent.report_id == old.id,
                                                             ReportEvent.event == "supersede"))
    assert superseded.actor_name == "刘秀兰"
    assert client.get(f"/stats/reports/{old.id}").status_code == 200


def test_only_one_version_is_worked_on_at_a_time(client, world, login_as):
    item = report(world)
    db.session.commit()
    login_as("town1")
    response = client.get(f"/stats/reports/new?unit={world.town1.id}&year={LAST_YEAR}&quarter=0")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/stats/reports/{item.id}")
    assert db.session.scalar(select(func.count(StatisticsReport.id))) == 1


# ------------------------------------------------------------ pages
def _form(**figures):
    return {**GOOD, "membership_base": "unionised", "note": "", **figures}


def test_township_files_a_report_in_the_browser_form(client, world, login_as):
    login_as("town1")
    page = client.get(f"/stats/reports/new?unit={world.town1.id}&year={LAST_YEAR}&quarter=0")
    assert page.status_code == 200 and 'name="enterprise_units"' in page.get_data(as_text=True)
    bad = client.post("/stats/reports/new", data={**_form(members=1500), "unit": world.town1.id,
                                                  "year": LAST_YEAR, "quarter": 0})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "会员人数（1500）不能多于职工人数（1000）" in body
    assert db.session.scalar(select(func.count(StatisticsReport.id))) == 0
    done = client.post("/stats/reports/new", data={**_form(), "unit": world.town1.id, "year": LAST_YEAR,
                                                   "quarter": 0, "and_submit": "1"})
    assert done.status_code == 302
    item = db.session.scalar(select(StatisticsReport))
    assert (item.state, item.org_unit_id, item.members) == ("submitted", world.town1.id, 850)
    body = client.get(f"/stats/reports/{item.id}").get_data(as_text=True)
    assert "65.0%" in body and "85.0%" in body  # establishment and membership rates


def test_reports_stay_within_the_jurisdiction(client, world, login_as):
    item = accepted(world)
    login_as("town2")
    assert client.get(f"/stats/reports/{item.id}").status_code == 403
    assert client.post(f"/stats/reports/{item.id}/correct").status_code == 403
    assert "槐店" not in client.get(f"/stats/reports?year={LAST_YEAR}").get_data(as_text=True)
    login_as("chair1")
    assert client.get("/stats/dashboard").status_code == 403
    assert client.get("/stats/reports").status_code == 403
    login_as("town1")
    assert client.get("/stats/dashboard").status_code == 403  # the county's page
    assert client.get("/stats/targets").status_code == 403


def test_county_admin_files_for_the_county_direct_group(client, world, login_as):
    login_as("admin")
    body = client.get("/stats/reports/new").get_data(as_text=True)
    assert f'value="{world.county.id}"' in body and "县直单位" in body
    login_as("county")
    assert client.get("/stats/reports/new").status_code == 403  # reviewers review, admins and townships file


def test_targets_are_seeded_from_the_plan_and_editable(client, world, login_as):
    plan = {t.year: (t.establishment_rate, t.membership_rate) for t in db.session.scalars(select(StatisticsTarget))}
    assert plan[2010] == (Decimal(65), Decimal(82)) and plan[2012] == (Decimal(90), Decimal(93))
    login_as("admin")
    response = client.post("/stats/targets", data={"year": 2027, "establishment_rate": "95",
                                                   "membership_rate": "96.5", "model_home_share": "",
                                                   "wage_bargaining_share": "101"})
    assert "0 到 100" in response.get_data(as_text=True)
    assert db.session.get(StatisticsTarget, 2027) is None
    client.post("/stats/targets", data={"year": 2027, "establishment_rate": "95", "membership_rate": "96.5"})
    target = db.session.get(StatisticsTarget, 2027)
    assert (target.establishment_rate, target.membership_rate, target.model_home_share) == (95, Decimal("96.5"), None)


def _target(year, establishment=65, membership=82, homes=20):
    db.session.merge(StatisticsTarget(year=year, establishment_rate=Decimal(establishment),
                                      membership_rate=Decimal(membership), model_home_share=Decimal(homes)))
    db.session.commit()


def test_dashboard_shows_each_township_against_its_target(client, world, login_as):
    _target(LAST_YEAR, 65, 90)
    accepted(world)  # 65% establishment (met), 85% membership (behind 90: 50 members needed)
    accepted(world, world.town2, filer=world.admin, units_with_union=10, units_in_joint_union=0,
             wage_bargaining_units=5)  # 25%
    board = county_dashboard(world.county, LAST_YEAR)
    rows = {row.unit.id: row for row in board.rows}
    assert rows[world.town1.id].gaps["establishment"].status == "met"
    assert rows[world.town1.id].gaps["membership"].needed == 50
    assert rows[world.town2.id].gaps["establishment"].needed == 16  # 26 of 40 needed, 10 covered
    assert rows[world.county.id].figures is None  # the county-direct group has filed nothing
    assert board.total.figures["enterprise_units"] == 80 and board.total.rates["establishment"] == Decimal("45.0")
    login_as("county")
    body = client.get(f"/stats/dashboard?year={LAST_YEAR}").get_data(as_text=True)
    town2_row = body.split('id="row-411624001"')[1].split("</tr>")[0]
    assert "25.0%" in town2_row and "落后" in town2_row and "还差 16 个单位" in town2_row
    assert 'data-chart="bars-establishment"' in body and "echarts.min.js" in body


def test_model_worker_home_share_counts_honours_granted_in_the_system(world):
    _target(LAST_YEAR)
    accepted(world, grassroots_unions=4)
    home = factories.nomination(world.campaign, "model_worker_home", world.branch1, world.chair1)
    home.campaign.year = LAST_YEAR
    db.session.add(Attachment(nomination=home, original_name="a.pdf", content_type="application/pdf", size=1,
                              sha256="x", storage_name="a.pdf", uploaded_by_id=world.chair1.id))
    bring_to(home, "public_notice")
    board = county_dashboard(world.county, LAST_YEAR)
    assert next(r for r in board.rows if r.unit == world.town1).model_homes == 0  # not granted until notice ends
    fire_nomination(home, "end_notice", world.admin, today=home.notice_ends_on + timedelta(days=1))
    db.session.commit()
    row = next(r for r in county_dashboard(world.county, LAST_YEAR).rows if r.unit == world.town1)
    assert row.model_homes == 1 and row.rates["model_home_share"] == Decimal("25.0")
    assert row.gaps["model_home_share"].status == "met"


def test_dashboard_queries_do_not_grow_with_townships_or_nominations(client, world, login_as):
    _target(LAST_YEAR)
    accepted(world)
    login_as("county")
    url = f"/stats/dashboard?year={LAST_YEAR}&sort=-membership"
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    for index in range(6):  # more townships, each with an accepted report, and more nominations
        town = create_unit(level="township", code=f"41162430{index}", name=f"新镇{index}", parent=world.county)
        accepted(world, town, filer=world.admin)
    for _ in range(5):
        bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                      id_number=factories.id_number()), "approved")
    with count_queries() as large:
        body = client.get(url).get_data(as_text=True)
    assert body.count('id="row-41162430') == 6
    assert len(large) == len(small), "\n".join(large)


def test_campaign_dashboard_counts_states_quotas_and_days_per_level(client, world, login_as):
    factories.quota(world.campaign, "outstanding_union_worker", world.town1, 3)
    for state in ("county_review", "public_notice", "branch_review"):
        bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                      id_number=factories.id_number()), state)
    board = campaign_dashboard(world.campaign)
    honor = factories.honor("outstanding_union_worker")
    assert board.count(world.town1.id, honor.id) == 3
    assert board.quotas[(world.town1.id, honor.id)].used == 1
    assert board.level_days["branch"]["stays"] == 2 and board.level_days["township"]["stays"] == 2
    assert board.level_days["branch"]["waiting"] == 1 and board.level_days["county"]["waiting"] == 1
    assert board.level_days["branch"]["average"] is not None
    assert {item["unit"].id for item in board.slowest} >= {world.branch1.id, world.town1.id}
    login_as("admin")
    body = client.get(f"/stats/campaigns/{world.campaign.id}").get_data(as_text=True)
    cell = body.split(f'id="cell-{world.town1.id}-{honor.id}"')[1].split("</td>")[0]
    assert re.search(r"名额\s*1\s*/\s*3", cell)
    login_as("town1")
    assert client.get(f"/stats/campaigns/{world.campaign.id}").status_code == 403


def test_campaign_dashboard_queries_do_not_grow_with_nominations(client, world, login_as):
    login_as("admin")
    url = f"/stats/campaigns/{world.campaign.id}"
    bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                  id_number=factories.id_number()), "county_review")
    client.get(url)
    with count_queries() as small:
        client.get(url)
    for state in ("county_review", "approved", "returned", "township_review"):
        bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch2, world.chair2,
                                      id_number=factories.id_number()), state, factories.SECOND_TOWNSHIP)
    with count_queries() as large:
        client.get(url)
    assert len(large) == len(small), "\n".join(large)


def test_dashboard_in_english(client, world, login_as):
    _target(LAST_YEAR)
    accepted(world)
    login_as("county")
    client.post("/language", data={"locale": "en"})
    body = client.get(f"/stats/dashboard?year={LAST_YEAR}").get_data(as_text=True)
    assert "County dashboard" in body and "Establishment rate" in body and "Met" in body


def test_county_sees_which_townships_have_not_filed(client, world, login_as):
    accepted(world)
    login_as("county")
    body = client.get(f"/stats/reports?year={LAST_YEAR}").get_data(as_text=True)
    not_filed = body.split('id="not-filed"')[1].split("</p>")[0]
    assert "东城街道总工会" in not_filed and "槐店" not in not_filed
    assert "/stats/reports/new" not in not_filed  # reviewers review; the townships file
    login_as("town2")
    body = client.get(f"/stats/reports?year={LAST_YEAR}").get_data(as_text=True)
    assert f"unit={world.town2.id}" in body.split('id="not-filed"')[1]


# ------------------------------------------------------------ export
def _sheet(content: bytes):
    from io import BytesIO

    from openpyxl import load_workbook

    return load_workbook(BytesIO(content))


def test_statistics_export_matches_the_dashboard_cell_by_cell(client, world, login_as):
    _target(LAST_YEAR, 65, 90)
    accepted(world)
    login_as("county")
    response = client.post("/stats/dashboard/export", data={"county": world.county.id, "year": LAST_YEAR,
                                                            "quarter": 0})
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = _sheet(response.data)
    sheet = book.worksheets[0]
    assert sheet.title == f"{LAST_YEAR}年（全年）" and sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["乡镇（街道）", "版本", "企业法人单位数", "单独建会的企业数"]
    assert sheet[1][0].font.bold
    rows = {row[0].value: [cell.value for cell in row] for row in sheet.iter_rows(min_row=2)}
    town1 = rows["槐店回族镇总工会"]
    column = {title: index for index, title in enumerate(header)}
    assert town1[column["版本"]] == 1 and town1[column["职工人数"]] == 1000 and town1[column["会员人数"]] == 850
    assert Decimal(str(town1[column["建会率 %"]])) == Decimal("65.0")
    assert Decimal(str(town1[column["入会率 %"]])) == Decimal("85.0")
    assert Decimal(str(town1[column["入会率目标 %"]])) == Decimal("90")
    assert Decimal(str(town1[column["入会率差距（百分点）"]])) == Decimal("-5.0")
    assert town1[column["入会率情况"]] == "接近"
    assert rows["东城街道总工会"][column["职工人数"]] is None  # nothing accepted: empty, not zero
    assert list(rows)[-1] == "全县合计"
    assert next(row[0].value for row in book["目标"].iter_rows(min_row=2)) == "建会率"
    log = db.session.scalar(select(ExportLog).where(ExportLog.kind == "statistics"))
    assert log.actor_name == "刘秀兰" and log.filters["year"] == LAST_YEAR
    login_as("town1")
    refused = client.post("/stats/dashboard/export", data={"county": world.county.id, "year": LAST_YEAR})
    assert refused.status_code == 403


def test_statistics_export_from_the_command_line(app, world, tmp_path):
    accepted(world)
    out = tmp_path / "stats.xlsx"
    result = app.test_cli_runner().invoke(args=["export", "statistics", "--period", str(LAST_YEAR), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = {row[0].value: [cell.value for cell in row]
            for row in _sheet(out.read_bytes()).worksheets[0].iter_rows(min_row=2)}
    assert rows["槐店回族镇总工会"][2] == 40 and rows["东城街道总工会"][2] is None
    bad = app.test_cli_runner().invoke(args=["export", "statistics", "--period", "1999", "--out", str(out)])
    assert bad.exit_code != 0 and "2000" in bad.output
