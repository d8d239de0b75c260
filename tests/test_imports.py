"""Importing org units and users from Excel, as a county administrator and on the command line:
the whole file checked first, all or nothing, and a second import of the same file changes nothing."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests import factories
from workflow_app.auth.models import RoleAssignment, User
from workflow_app.extensions import db
from workflow_app.orgs.models import OrgUnit
from workflow_app.orgs.services import create_unit

UNIT_HEADERS = ["单位代码", "单位名称", "层级", "上级单位代码"]
USER_HEADERS = ["用户名", "姓名", "电子邮箱", "角色", "单位代码", "初始密码"]


def workbook(headers: list, rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (OrgUnit, User, RoleAssignment))


def upload(client, kind: str, content: bytes, filename: str = "file.xlsx"):
    return client.post(f"/admin/import/{kind}", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def confirm(client, kind: str, page: str):
    token = page.split('name="token" type="hidden" value="')[1].split('"')[0]
    return client.post(f"/admin/import/{kind}/confirm", data={"token": token})


# A new township whose branch comes first in the file; a county-direct branch; Excel keeps codes as numbers.
UNITS = [
    [41162420001, "新桥镇化肥厂工会", "基层工会", 411624200],
    ["411624200", "新桥镇总工会", "乡镇", "411624"],
    ["411624D02", "县中医院工会", "branch", "411624"],
]


def test_admin_imports_units_with_a_parent_later_in_the_file(client, world, login_as):
    login_as("admin")
    before = counts()
    preview = upload(client, "units", workbook(UNIT_HEADERS, UNITS))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "新桥镇化肥厂工会" in page
    assert counts() == before  # the preview writes nothing
    result = confirm(client, "units", page)
    assert result.status_code == 200, result.get_data(as_text=True)
    branch = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "41162420001"))
    township = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "411624200"))
    assert branch.parent_id == township.id and township.parent_id == world.county.id
    assert branch.path == f"{township.path}{branch.id}/" and world.county.contains(branch)
    assert (branch.level, township.level) == ("branch", "township")
    assert counts() == (before[0] + 3, before[1], before[2])


def test_importing_the_same_units_again_changes_nothing(client, world, login_as):
    login_as("admin")
    content = workbook(UNIT_HEADERS, UNITS)
    confirm(client, "units", upload(client, "units", content).get_data(as_text=True))
    after_first = counts()
    second = upload(client, "units", content).get_data(as_text=True)
    assert 'id="confirm-import"' not in second  # nothing to confirm
    assert counts() == after_first


def test_a_bad_row_in_the_middle_stops_the_whole_import(client, world, login_as):
    login_as("admin")
    before = counts()
    rows = [UNITS[1], ["411624201", "", "乡镇", "411624"], ["411624202", "某镇总工会", "乡镇", "999999"],
            ["411624203", "另一镇总工会", "branch", "41162410001"], ["411624200", "重复", "乡镇", "411624"], UNITS[2]]
    page = upload(client, "units", workbook(UNIT_HEADERS, rows)).get_data(as_text=True)
    assert 'id="import-errors"' in page and 'id="confirm-import"' not in page
    assert "<td data-label=\"行\">3</td><td data-label=\"列\">单位名称</td>" in page
    assert "999999" in page  # unknown parent, row 4
    assert "基层不能隶属于基层" in page or "不能隶属于" in page  # a branch under a branch, row 5
    assert "第 2 行" in page  # the duplicated code names its first row
    assert counts() == before


def test_command_line_import_refuses_a_cycle_and_exits_non_zero(app, world, tmp_path):
    path = tmp_path / "units.xlsx"
    path.write_bytes(workbook(UNIT_HEADERS, [["A1", "甲", "乡镇", "B1"], ["B1", "乙", "乡镇", "A1"]]))
    before = counts()
    result = app.test_cli_runner().invoke(args=["import", "units", str(path)])
    assert result.exit_code != 0
    assert "row 2" in result.output and "row 3" in result.output and "nothing was imported" in result.output
    assert counts() == before


def test_command_line_imports_units_then_users_and_prints_generated_passwords(app, world, tmp_path):
    runner = app.test_cli_runner()
    units = tmp_path / "units.xlsx"
    units.write_bytes(workbook(UNIT_HEADERS, UNITS))
    assert runner.invoke(args=["import", "units", str(units)]).exit_code == 0
    users = tmp_path / "users.xlsx"
    users.write_bytes(workbook(USER_HEADERS, [
        ["xinqiao", "刘新桥", "liu@example.com", "审核人", "411624200", "initial-pass-1"],
        ["xinqiao", "刘新桥", None, "主席", 41162420001, None],  # a second role for the same new user
        ["zhongyi", "孙中医", None, "submitter", "411624D02", None],
        ["town1", "马志远", None, "reviewer", "411624100", None],  # exists with this role: unchanged
    ]))
    result = runner.invoke(args=["import", "users", str(users)])
    assert result.exit_code == 0, result.output
    assert "password for zhongyi: " in result.output and "password for xinqiao" not in result.output
    generated = result.output.split("password for zhongyi: ")[1].split()[0]
    xinqiao = db.session.scalar(select(User).where(User.username == "xinqiao"))
    assert xinqiao.check_password("initial-pass-1") and xinqiao.email == "liu@example.com"
    assert sorted((a.role, a.org_unit.code) for a in xinqiao.roles) == [("reviewer", "411624200"),
                                                                        ("submitter", "41162420001")]
    assert db.session.scalar(select(User).where(User.username == "zhongyi")).check_password(generated)
    assert xinqiao.password_hash.startswith("scrypt:")  # the app's own hashing
    before = counts()
    again = runner.invoke(args=["import", "users", str(users)])
    assert again.exit_code == 0 and "4 unchanged" in again.output
    assert counts() == before


def test_an_existing_user_only_gains_a_missing_role(client, world, login_as):
    login_as("admin")
    content = workbook(USER_HEADERS, [["town1", "别的名字", None, "审核人", "411624001", "another-pass-9"]])
    page = upload(client, "users", content).get_data(as_text=True)
    confirm(client, "users", page)
    town1 = db.session.scalar(select(User).where(User.username == "town1"))
    db.session.refresh(town1)
    assert town1.display_name == "马志远" and not town1.check_password("another-pass-9")
    assert sorted(a.org_unit.code for a in town1.roles) == ["411624001", "411624100"]


def test_user_rows_are_checked_for_role_unit_and_password(client, world, login_as):
    login_as("admin")
    before = counts()
    page = upload(client, "users", workbook(USER_HEADERS, [
        ["ok_user", "正常", None, "审核人", "411624100", None],
        ["bad user", "空格", None, "审核人", "411624100", None],
        ["chairx", "主席", None, "主席", "411624100", None],  # a chair must sit at a branch
        ["nounit", "无单位", None, "审核人", "000", None],
        ["shortpw", "短密码", None, "主席", "41162410001", "short"],
        ["norole", "无角色", None, "老板", "41162410001", None],
    ])).get_data(as_text=True)
    for row in (3, 4, 5, 6, 7):
        assert f'<td data-label="行">{row}</td>' in page
    assert '<td data-label="行">2</td>' not in page
    assert counts() == before


def test_the_wrong_file_type_gets_a_clear_message(client, world, login_as):
    login_as("admin")
    response = upload(client, "units", b"code,name\n1,2\n", "units.csv")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "只能导入 Excel 工作簿（.xlsx）" in page
    disguised = client.get(upload(client, "units", b"not a zip at all", "units.xlsx").location)
    assert "不是 Excel 工作簿" in disguised.get_data(as_text=True)
    headers = client.get(upload(client, "units", workbook(["随便"], [["x"]])).location)
    assert "单位代码" in headers.get_data(as_text=True)


def test_only_county_admins_import_and_only_the_uploader_confirms(client, world, login_as):
    login_as("county")
    assert client.get("/admin/import/").status_code == 403
    assert upload(client, "units", workbook(UNIT_HEADERS, UNITS)).status_code == 403
    login_as("admin")
    page = upload(client, "units", workbook(UNIT_HEADERS, UNITS)).get_data(as_text=True)
    token = page.split('name="token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/admin/import/users/confirm", data={"token": token}).status_code == 302  # wrong kind
    assert client.post("/admin/import/units/confirm", data={"token": "../../etc"}).status_code == 302
    assert db.session.scalar(select(func.count(OrgUnit.id))) == 6


def test_the_template_has_headers_an_example_and_notes(client, world, login_as):
    login_as("admin")
    response = client.get("/admin/import/units/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    data, notes = book.worksheets
    assert [c.value for c in data[1]] == UNIT_HEADERS
    assert data.max_row == 2 and data.freeze_panes == "A2"
    assert notes["A2"].value == "单位代码" and notes["B2"].value == "是"
    users = load_workbook(io.BytesIO(client.get("/admin/import/users/template.xlsx").data)).worksheets[0]
    assert [c.value for c in users[1]] == USER_HEADERS


def test_a_known_code_with_another_name_renames_the_unit(client, world, login_as):
    login_as("admin")
    before = counts()
    page = upload(client, "units", workbook(UNIT_HEADERS, [["411624100", "槐店镇总工会", "乡镇", "411624"]]))
    text = page.get_data(as_text=True)
    assert "更新名称" in text and "原名称：槐店回族镇总工会" in text
    confirm(client, "units", text)
    db.session.refresh(world.town1)
    assert world.town1.name == "槐店镇总工会" and counts() == before


def test_an_admin_of_another_county_cannot_import_into_this_one(client, world, login_as):
    other = create_unit(level="county", code="411625", name="郸城县总工会")
    factories.user("admin2", "admin", other)
    db.session.commit()
    login_as("admin2")
    page = upload(client, "units", workbook(UNIT_HEADERS, [UNITS[1]])).get_data(as_text=True)
    assert "411624 不在您管理的单位范围内" in page
    users = upload(client, "users", workbook(USER_HEADERS, [["newbie", "新人", None, "审核人", "411624100", None]]))
    assert "411624100 不在您管理的单位范围内" in users.get_data(as_text=True)


def test_too_many_rows_or_a_zip_bomb_is_refused_before_reading(client, world, login_as, monkeypatch):
    from workflow_app.core import xlsx
    from workflow_app.imports import common

    login_as("admin")
    monkeypatch.setattr(common, "MAX_ROWS", 2)
    many = client.get(upload(client, "units", workbook(UNIT_HEADERS, UNITS)).location).get_data(as_text=True)
    assert "文件过大" in many and "2 行" in many
    monkeypatch.setattr(common, "MAX_ROWS", 5000)
    monkeypatch.setattr(xlsx, "MAX_UNPACKED_BYTES", 1000)  # a real workbook unpacks to a few kB
    bomb = client.get(upload(client, "units", workbook(UNIT_HEADERS, UNITS)).location).get_data(as_text=True)
    assert "文件过大" in bomb
    assert db.session.scalar(select(func.count(OrgUnit.id))) == 6


def test_generated_passwords_are_shown_once_and_work(client, world, login_as):
    login_as("admin")
    index = client.get("/admin/import/").get_data(as_text=True)
    assert "/admin/import/units/template.xlsx" in index and "/admin/import/users/template.xlsx" in index
    page = upload(client, "users", workbook(USER_HEADERS, [["xinren", "辛仁", None, "审核人", "411624100", None]]))
    text = page.get_data(as_text=True)
    assert "导入时生成密码" in text and 'id="generated-passwords"' not in text
    result = confirm(client, "users", text)
    assert result.headers["Cache-Control"] == "no-store"
    body = result.get_data(as_text=True)
    password = body.split('id="generated-passwords"')[1].split('class="font-monospace">')[1].split("<")[0]
    assert len(password) == 12
    again = confirm(client, "users", text)  # the same confirmation twice: the upload is used up
    assert again.status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"username": "xinren", "password": password}).status_code == 302
    assert "辛仁" in client.get("/nominations/").get_data(as_text=True)  # logged in as the new user


def test_the_web_page_sends_large_user_lists_to_the_command_line(client, world, login_as, monkeypatch):
    from workflow_app.imports import blueprint

    monkeypatch.setattr(blueprint, "WEB_MAX_NEW_USERS", 1)
    login_as("admin")
    rows = [["new_a", "甲", None, "审核人", "411624100", None], ["new_b", "乙", None, "审核人", "411624100", None]]
    response = upload(client, "users", workbook(USER_HEADERS, rows))
    assert "flask import users" in client.get(response.location).get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 10


def test_every_problem_of_a_row_is_listed_at_once(client, world, login_as):
    login_as("admin")
    page = upload(client, "units", workbook(UNIT_HEADERS, [["a b", "", "村", "411624"]])).get_data(as_text=True)
    assert page.count('<td data-label="行">2</td>') == 3  # the code, the missing name, the unknown level
    users = upload(client, "users", workbook(USER_HEADERS, [["a b", "", "x", "老板", "411624100", None]]))
    assert users.get_data(as_text=True).count('<td data-label="行">2</td>') == 4  # name, username, e-mail, role


def test_a_cell_with_invisible_control_characters_is_refused_by_row_and_column(client, world, login_as):
    """An .xlsx can hold C1 controls (U+0080–U+009F are legal XML): pasted in, unseen, refused like the forms do."""
    login_as("admin")
    before = counts()
    rows = [UNITS[1], ["411624D03", "县\x85第一中学工会", "branch", "411624"]]
    page = upload(client, "units", workbook(UNIT_HEADERS, rows)).get_data(as_text=True)
    assert 'id="import-errors"' in page and 'id="confirm-import"' not in page
    assert "<td data-label=\"行\">3</td><td data-label=\"列\">单位名称</td>" in page and "U+0085" in page
    assert counts() == before
