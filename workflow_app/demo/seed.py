"""The Shenqiu County demo: units, users, one open campaign and nominations in every state
(with certificates for the certified one and a revoked one, and a demo seal on every honor type).

Nominations reach their states through the real workflow (``fire``), so their timelines
are real audit rows. Running it twice changes nothing."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from states.nomination import fire
from workflow_app.auth.models import User
from workflow_app.auth.services import create_user
from workflow_app.campaigns.models import Campaign, HonorType, Quota
from workflow_app.certificates.pdf.seal import demo_seal_png
from workflow_app.core.idnumber import check_character
from workflow_app.core.timeutil import china_today
from workflow_app.demo.statistics import seed_statistics
from workflow_app.extensions import db
from workflow_app.nominations.models import Attachment, Nomination
from workflow_app.nominations.services import quota_unit_for, upload_folder
from workflow_app.orgs.models import OrgUnit
from workflow_app.orgs.services import create_unit

DEMO_PASSWORD = "shenqiu2026"
COUNTY_CODE = "411624"
TOWNSHIPS_CSV = Path(__file__).with_name("shenqiu_townships.csv")
BRANCH_KINDS = ("中心学校工会", "卫生院工会", "农业发展有限公司联合工会")
COUNTY_DIRECT = (
    ("411624D01", "沈丘县人民医院工会"),
    ("411624D02", "国网沈丘县供电公司工会"),
    ("411624D03", "沈丘县第一高级中学工会"),
    ("411624D04", "沈丘县自来水公司工会"),
)
HUAIDIAN_FIRST_BRANCH = "沈丘县槐店回族镇清真食品有限公司工会"
# A tiny valid PDF, so demo attachments open in the browser.
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
            b"endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def demo_id_number(born: date, sequence: int) -> str:
    first17 = f"{COUNTY_CODE}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def _units() -> dict[str, OrgUnit]:
    county = create_unit(level="county", code=COUNTY_CODE, name="沈丘县总工会")
    units = {"county": county}
    with TOWNSHIPS_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            township = create_unit(level="township", code=row["code"], name=f"{row['name']}总工会", parent=county)
            units[row["code"]] = township
            short = row["name"].removesuffix("街道").removesuffix("回族镇").removesuffix("镇").removesuffix("乡")
            names = [HUAIDIAN_FIRST_BRANCH] if row["code"] == "411624100" else []
            names += [f"沈丘县{short}{kind}" for kind in BRANCH_KINDS][len(names):]
            for index, name in enumerate(names, start=1):
                units[f"{row['code']}-{index}"] = create_unit(
                    level="branch", code=f"{row['code']}{index:02d}", name=name, parent=township)
    for code, name in COUNTY_DIRECT:
        units[code] = create_unit(level="branch", code=code, name=name, parent=county)
    return units


USERS = [
    # username, display name, roles (role, unit key), what to tell the person trying the demo
    ("admin", "赵建华", [("admin", "county")], "county administrator (县总工会管理员)"),
    ("county", "刘秀兰", [("reviewer", "county")], "county reviewer (县总工会审核)"),
    ("huaidian", "马志远", [("reviewer", "411624100")], "township reviewer, 槐店回族镇总工会"),
    ("dongcheng", "陈丽娟", [("reviewer", "411624001")], "township reviewer, 东城街道总工会"),
    ("chair", "白玉华", [("submitter", "411624100-1")], f"branch chair, {HUAIDIAN_FIRST_BRANCH}"),
    ("branch", "沙海军", [("reviewer", "411624100-1")], "branch reviewer (union committee), same branch"),
    ("chair2", "王淑芬", [("submitter", "411624D01")], "branch chair, 沈丘县人民医院工会 (county-direct)"),
    ("branch2", "李国强", [("reviewer", "411624D01")], "branch reviewer, 沈丘县人民医院工会"),
    ("chair3", "张明", [("submitter", "411624001-1")], "branch chair, 沈丘县东城中心学校工会"),
    ("branch3", "孙桂英", [("reviewer", "411624001-1")], "branch reviewer, 沈丘县东城中心学校工会"),
]
LOGINS = [(username, description) for username, _name, _roles, description in USERS]


def _users(units: dict[str, OrgUnit]) -> dict[str, User]:
    """The demo accounts. Their password is published, so outside demo mode (a demo loaded into a
    real installation) each must choose its own at the first login."""
    outside_demo = not current_app.config.get("DEMO_MODE")
    return {
        username: create_user(username, DEMO_PASSWORD, display_name, [(role, units[key]) for role, key in roles],
                              must_change_password=outside_demo, enforce_policy=False)
        for username, display_name, roles, _description in USERS
    }


def _campaign(county: OrgUnit, units: dict[str, OrgUnit]) -> Campaign:
    today = china_today()
    honor_types = list(db.session.scalars(select(HonorType).order_by(HonorType.sort_order)))
    seal = demo_seal_png("沈丘县总工会")
    for honor in honor_types:
        honor.seal_png = honor.seal_png or seal
    campaign = Campaign(name="工会创先争优评选表彰", year=today.year, county=county,
                        opens_on=today - timedelta(days=30), closes_on=today + timedelta(days=45),
                        notice_days=7, honor_types=honor_types)
    db.session.add(campaign)
    for unit in units.values():
        if unit.level in ("township", "county"):
            for honor in honor_types:
                places = 1 if honor.code == "model_worker_home" else 3
                db.session.add(Quota(campaign=campaign, honor_type=honor, org_unit=unit, quota=places))
    db.session.flush()
    return campaign


PEOPLE = [
    # name, gender, ethnicity, born, sequence, post, honor
    ("马金凤", "female", "回族", date(1982, 3, 14), 22, "车间主任", "outstanding_union_worker"),
    ("沙建国", "male", "回族", date(1975, 9, 2), 31, "工会委员", "outstanding_union_activist"),
    ("白玉兰", "female", "回族", date(1990, 1, 27), 42, "质检员", "advanced_worker"),
    ("海志强", "male", "回族", date(1988, 6, 8), 13, "技术员", "outstanding_union_worker"),
    ("穆玉梅", "female", "回族", date(1993, 11, 30), 64, "工会干事", "outstanding_union_activist"),
    ("李明华", "male", "汉族", date(1979, 4, 19), 75, "班组长", "advanced_worker"),
    ("张秀英", "female", "汉族", date(1985, 12, 5), 86, "护士长", "outstanding_union_worker"),
    ("丁文杰", "male", "回族", date(1996, 7, 21), 97, "一线工人", "party_recommendation"),
    ("王建军", "male", "汉族", date(1970, 2, 11), 19, "工会主席", "outstanding_union_worker"),
    ("马强", "male", "回族", date(1998, 5, 3), 33, "操作工", "party_recommendation"),
    ("金秀珍", "female", "回族", date(1984, 8, 16), 48, "财务", "outstanding_union_activist"),
]
# The state each demo nomination is brought to, in order.
TARGETS = ["draft", "branch_review", "township_review", "county_review", "public_notice", "approved",
           "certified", "returned", "rejected", "withdrawn", "revoked"]
VOTE = {"vote_due": 25, "vote_present": 23, "vote_in_favour": 21}


def _person(units, users, campaign, honor, person) -> Nomination:
    name, gender, ethnicity, born, sequence, post, _ = person
    unit = units["411624100-1"]
    nomination = Nomination(
        campaign=campaign, honor_type=honor, org_unit=unit, quota_unit=quota_unit_for(unit),
        created_by_id=users["chair"].id, state="draft", nominee_name=name, gender=gender, ethnicity=ethnicity,
        birth_date=born, political_status="masses" if honor.code == "party_recommendation" else "party_member",
        education="college", work_unit="沈丘县槐店回族镇清真食品有限公司", post=post,
        id_number=demo_id_number(born, sequence * 2 + (1 if gender == "male" else 0)),  # odd: male
        phone=f"1380394{sequence:03d}1", category="front_line_worker",
        started_work_on=date(born.year + 20, 7, 1), honors_held="",
        deeds_summary=f"{name}同志爱岗敬业，积极参与工会工作，在职工中威信较高。",
        deeds_full=f"{name}同志自参加工作以来，认真履行岗位职责，团结同事，热心为职工群众服务。"
                   "在企业民主管理、劳动竞赛和职工技能培训中发挥了骨干作用，多次受到单位表彰。",
    )
    db.session.add(nomination)
    db.session.flush()
    return nomination


def _advance(nomination: Nomination, target: str, users: dict[str, User]) -> None:
    """Walk the real workflow to ``target``, as the people who would do it."""
    def step(event, who, comment="", **data):
        # The demo's notices have run their course: end them as of the day after.
        today = nomination.notice_ends_on + timedelta(days=1) if event == "end_notice" else None
        fire(nomination, event, users[who], comment, client_ip="127.0.0.1", data=data, today=today)

    if target == "draft":
        return
    step("submit", "chair")
    if target == "branch_review":
        return
    if target == "returned":
        step("return_for_revision", "branch", "请补充近三年获得的荣誉情况。")
        return
    if target == "withdrawn":
        step("withdraw", "chair", "推荐人选调整，撤回重报。")
        return
    step("approve", "branch", "经工会委员会讨论，同意推荐。", **VOTE)
    if target == "township_review":
        return
    step("approve", "huaidian", "事迹属实，同意上报。")
    if target == "county_review":
        return
    if target == "rejected":
        step("reject", "county", "不符合本次评选的基本条件。")
        return
    step("approve", "county", "经县总工会研究，同意。")
    if target == "public_notice":
        return
    step("end_notice", "admin", "公示期满，无异议。")
    if target == "approved":
        return
    step("certify", "admin")
    if target == "revoked":
        step("revoke", "admin", "经核实存在严重违纪行为，撤销称号。")


def _organisation(units, users, campaign, honor) -> Nomination:
    unit = units["411624D01"]
    nomination = Nomination(
        campaign=campaign, honor_type=honor, org_unit=unit, quota_unit=quota_unit_for(unit),
        created_by_id=users["chair2"].id, state="draft", nominee_name="沈丘县人民医院工会",
        chair_name="王淑芬", staff_count=860, member_count=842, satisfaction_rating=96, phone="0394-5212345",
        deeds_summary="医院工会组织健全，职代会制度落实，职工之家阵地建设规范。",
        deeds_full="医院工会坚持党建带工建，建立健全职工代表大会制度，院务公开规范；"
                   "建成职工书屋、健身活动室和母婴关爱室，常年开展技能竞赛和困难职工帮扶。",
    )
    db.session.add(nomination)
    db.session.flush()
    _attach_report(nomination, users["chair2"])
    return nomination


def _attach_report(nomination: Nomination, uploader: User) -> None:
    """The 职工之家 report every model worker home nomination carries (a tiny real PDF)."""
    storage_name = f"demo-model-worker-home-{nomination.id}.pdf"
    (upload_folder() / storage_name).write_bytes(DEMO_PDF)
    db.session.add(Attachment(nomination=nomination, original_name="职工之家建设情况汇报.pdf",
                              content_type="application/pdf", size=len(DEMO_PDF), sha256="demo",
                              storage_name=storage_name, uploaded_by_id=uploader.id))
    db.session.flush()


PAST_HOMES = (  # model worker homes granted in last year's campaign: (branch key, chair, branch reviewer, township)
    ("411624100-1", "chair", "branch", "huaidian"),
    ("411624001-1", "chair3", "branch3", "dongcheng"),
)


def _past_campaign(county: OrgUnit, units: dict[str, OrgUnit], users: dict[str, User]) -> None:
    """Last year's campaign, closed, in which two branches became model worker homes: the dashboard's
    model worker home share counts titles granted in the system."""
    year = china_today().year - 1
    honor = db.session.scalar(select(HonorType).where(HonorType.code == "model_worker_home"))
    campaign = Campaign(name="工会创先争优评选表彰", year=year, county=county, opens_on=date(year, 3, 1),
                        closes_on=date(year, 4, 30), notice_days=7, honor_types=[honor])
    db.session.add(campaign)
    for key, chair, branch, township in PAST_HOMES:
        unit = units[key]
        nomination = Nomination(
            campaign=campaign, honor_type=honor, org_unit=unit, quota_unit=quota_unit_for(unit),
            created_by_id=users[chair].id, state="draft", nominee_name=unit.name, chair_name=users[chair].display_name,
            staff_count=320, member_count=301, satisfaction_rating=95, phone="0394-5210000",
            deeds_summary="工会组织健全，职工之家阵地建设规范，会员评家满意率高。",
            deeds_full="坚持党建带工建，职代会制度落实，厂务公开规范；建成职工书屋和健身活动室，常年开展劳动竞赛和困难职工帮扶。",
        )
        db.session.add(nomination)
        db.session.flush()
        _attach_report(nomination, users[chair])
        day = date(year, 4, 10)
        for event, who, comment in (("submit", chair, ""), ("approve", branch, "同意推荐。"),
                                    ("approve", township, "同意上报。"), ("approve", "county", "同意。")):
            fire(nomination, event, users[who], comment, client_ip="127.0.0.1", today=day)
        fire(nomination, "end_notice", users["admin"], "公示期满，无异议。", client_ip="127.0.0.1",
             today=nomination.notice_ends_on + timedelta(days=1))


SENT_BACK = [
    # name, gender, born, sequence, post, honor, whether the township has approved it again since
    ("穆秀英", "female", date(1987, 4, 9), 55, "工会小组长", "outstanding_union_activist", False),
    ("杨志刚", "male", date(1981, 10, 23), 58, "维修班长", "outstanding_union_worker", True),
]


def _returns(units, users, campaign, honors) -> None:
    """Two nominations the county sent back to the township (槐店回族镇) to review again: one waits there
    (log in as huaidian), the other the township approved again and it waits at the county — where the
    township may still recall its approval until the county acts (the recall button, as huaidian)."""
    for name, gender, born, sequence, post, code, again in SENT_BACK:
        person = (name, gender, "回族" if name.startswith("穆") else "汉族", born, sequence, post, code)
        nomination = _person(units, users, campaign, honors[code], person)
        _advance(nomination, "county_review", users)
        fire(nomination, "return_to_level", users["county"], "请乡镇总工会核实该同志近三年的获奖情况后重新上报。",
             client_ip="127.0.0.1", data={"return_level": "township"})
        if again:
            fire(nomination, "approve", users["huaidian"], "已核实获奖证书，情况属实，同意上报。",
                 client_ip="127.0.0.1")


def seed_demo() -> list[tuple[str, str]]:
    """Create the demo once; return the logins to print."""
    if db.session.scalar(select(OrgUnit).where(OrgUnit.code == COUNTY_CODE)) is not None:
        return LOGINS
    units = _units()
    users = _users(units)
    campaign = _campaign(units["county"], units)
    honors = {h.code: h for h in campaign.honor_types}
    for person, target in zip(PEOPLE, TARGETS, strict=True):
        nomination = _person(units, users, campaign, honors[person[6]], person)
        _advance(nomination, target, users)
    # A county-direct organisation nomination, waiting at the county (no township level).
    home = _organisation(units, users, campaign, honors["model_worker_home"])
    fire(home, "submit", users["chair2"], client_ip="127.0.0.1")
    fire(home, "approve", users["branch2"], "职工之家建设成效明显，同意推荐。", client_ip="127.0.0.1")
    _returns(units, users, campaign, honors)
    _past_campaign(units["county"], units, users)
    seed_statistics(units["county"], users)
    db.session.flush()
    return LOGINS
