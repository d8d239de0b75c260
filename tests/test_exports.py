"""The nomination summary list as Excel, from the reader's side: open the file and look at the cells."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests import factories
from tests.factories import bring_to
from workflow_app.core.xlsx import Column, write_sheet
from workflow_app.exports.models import ExportLog
from workflow_app.extensions import db

HEADERS = ["序号", "推荐对象", "性别", "民族", "出生日期", "政治面貌", "申报单位", "乡镇（街道）", "荣誉称号", "状态",
           "身份证号码", "联系电话", "提交时间", "更新时间"]


def sheet_of(content: bytes):
    return load_workbook(io.BytesIO(content)).worksheets[0]


def table(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def nominated(world, name, *, unit=None, state="township_review", **fields):
    unit = unit or world.branch1
    chair = world.chair2 if unit is world.branch2 else world.chair1
    nomination = factories.nomination(world.campaign, "outstanding_union_worker", unit, chair, nominee_name=name,
                                      id_number=factories.id_number(), **fields)
    return bring_to(nomination, state, factories.SECOND_TOWNSHIP if unit is world.branch2 else None)


def export(client, **form):
    return client.post("/exports/nominations", data=form)


def test_reviewer_exports_a_masked_list_with_chinese_headers_and_date_cells(client, world, login_as):
    nomination = nominated(world, "马金凤", birth_date=date(1985, 6, 15), phone="13803941234")
    login_as("county")
    response = export(client, campaign=world.campaign.id)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "no-store" in response.headers["Cache-Control"]
    sheet = sheet_of(response.data)
    rows = table(sheet)
    assert rows[0] == HEADERS
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet.auto_filter.ref == "A1:N2"
    number, name, gender, ethnicity, born, political, unit, township, honor, state, id_no, phone, submitted, \
        updated = rows[1]
    assert (number, name, gender, ethnicity, political) == (1, "马金凤", "男", "回族", "中共党员")
    assert (unit, township, honor) == ("清真食品公司工会", "槐店回族镇总工会", "优秀工会工作者")
    assert state == "乡镇（街道）总工会审核"
    assert isinstance(born, datetime) and born.date() == date(1985, 6, 15)
    assert sheet["E2"].is_date and sheet["M2"].is_date
    assert id_no == nomination.id_number[:4] + "*" * 10 + nomination.id_number[-4:]
    assert phone == "138****1234"
    assert isinstance(submitted, datetime) and isinstance(updated, datetime)
    log = db.session.scalar(select(ExportLog))
    assert (log.kind, log.full, log.row_count, log.actor_name) == ("nominations", False, 1, "刘秀兰")
    assert log.filters == {"campaign_id": world.campaign.id}


def test_export_keeps_the_list_filters(client, world, login_as):
    nominated(world, "马金凤")
    nominated(world, "沙建国", unit=world.branch2)
    nominated(world, "白玉兰", state="county_review")
    login_as("county")
    by_township = table(sheet_of(export(client, campaign=world.campaign.id, township=world.town2.id).data))
    assert [row[1] for row in by_township[1:]] == ["沙建国"]
    by_state = table(sheet_of(export(client, state="county_review").data))
    assert [row[1] for row in by_state[1:]] == ["白玉兰"]
    by_text = table(sheet_of(export(client, q="金凤").data))
    assert [row[1] for row in by_text[1:]] == ["马金凤"]
    assert db.session.scalar(select(ExportLog.filters).where(ExportLog.id == 2)) == {"state": "county_review"}


def test_a_township_reviewer_exports_only_their_township(client, world, login_as):
    nominated(world, "马金凤")
    nominated(world, "沙建国", unit=world.branch2)
    login_as("town2")
    rows = table(sheet_of(export(client, campaign=world.campaign.id).data))
    assert [row[1] for row in rows[1:]] == ["沙建国"]


def test_only_a_county_admin_gets_the_full_list_and_it_is_logged(client, world, login_as):
    nomination = nominated(world, "马金凤", phone="13803941234")
    login_as("county")
    assert export(client, full="1", confirm="1").status_code == 403
    login_as("admin")
    page = client.get("/nominations/?state=township_review").get_data(as_text=True)
    assert 'id="export-full"' in page and 'name="state" value="township_review"' in page
    unconfirmed = export(client, full="1", state="township_review")
    assert unconfirmed.status_code == 302 and "state=township_review" in unconfirmed.location
    response = export(client, full="1", confirm="1")
    row = table(sheet_of(response.data))[1]
    assert (row[10], row[11]) == (nomination.id_number, "13803941234")
    logs = db.session.scalars(select(ExportLog)).all()
    assert [(log.full, log.actor_name, log.row_count, log.client_ip) for log in logs] == [
        (True, "赵建华", 1, "127.0.0.1")]


def test_the_list_page_offers_the_full_export_to_county_admins_only(client, world, login_as):
    login_as("county")
    page = client.get("/nominations/").get_data(as_text=True)
    assert 'id="export-masked"' in page and 'id="export-full"' not in page


def test_a_chair_exports_their_own_drafts_masked(client, world, login_as):
    factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1, nominee_name="草稿人")
    db.session.commit()
    login_as("chair1")
    rows = table(sheet_of(export(client).data))
    assert [row[1] for row in rows[1:]] == ["草稿人"]
    login_as("county")  # drafts stay with the chair
    assert len(table(sheet_of(export(client).data))) == 1


def test_cli_exports_masked_or_full_and_logs_as_cli(app, world, tmp_path):
    nomination = nominated(world, "马金凤")
    factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1, nominee_name="草稿人")
    db.session.commit()
    runner = app.test_cli_runner()
    out = tmp_path / "list.xlsx"
    result = runner.invoke(args=["export", "nominations", "--campaign", str(world.campaign.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = table(sheet_of(out.read_bytes()))
    assert [row[1] for row in rows[1:]] == ["马金凤"]  # no drafts
    assert "*" in rows[1][10]
    result = runner.invoke(args=["export", "nominations", "--campaign", str(world.campaign.id), "--full",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert table(sheet_of(out.read_bytes()))[1][10] == nomination.id_number
    logs = db.session.execute(select(ExportLog.actor_name, ExportLog.actor_id, ExportLog.full)).all()
    assert logs == [("cli", None, False), ("cli", None, True)]
    missing = runner.invoke(args=["export", "nominations", "--campaign", "999", "--out", str(out)])
    assert missing.exit_code != 0 and "no campaign" in missing.output
    assert db.session.scalar(select(func.count(ExportLog.id))) == 2


def test_text_that_looks_like_a_formula_stays_text():
    sheet = sheet_of(write_sheet("表", [Column("名称")], [['=HYPERLINK("http://x","y")'], ["普通"]]))
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("=HYPERLINK")
    assert sheet.column_dimensions["A"].width >= len('=HYPERLINK("http://x","y")')


def test_headers_follow_the_readers_language(client, world, login_as):
    nominated(world, "马金凤")
    world.county_reviewer.locale = "en"
    db.session.commit()
    login_as("county")
    rows = table(sheet_of(export(client).data))
    assert rows[0][:3] == ["No.", "Nominee", "Gender"] and rows[1][2] == "Male"


def test_the_sheet_helper_writes_aware_times_in_china_time():
    from datetime import UTC

    sheet = sheet_of(write_sheet("表", ["时间", "日期"], [[datetime(2026, 1, 1, 16, 30, 5, 123, tzinfo=UTC),
                                                           date(2026, 1, 2)]]))
    assert sheet["A2"].value == datetime(2026, 1, 2, 0, 30, 5) and sheet["A2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["B2"].is_date and sheet["B2"].number_format == "yyyy-mm-dd"
