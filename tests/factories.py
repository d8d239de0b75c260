"""Small builders for the rows a test needs. Each returns flushed objects."""

from __future__ import annotations

import functools
import itertools
from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from workflow_app.auth.models import RoleAssignment, User
from workflow_app.campaigns.models import Campaign, HonorType, Quota
from workflow_app.core.idnumber import check_character
from workflow_app.core.timeutil import china_today
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination
from workflow_app.nominations.services import quota_unit_for
from workflow_app.orgs.services import create_unit

PASSWORD = "correct-horse-42"
_sequence = itertools.count(1)


def id_number(born: date = date(1985, 6, 15), male: bool = True) -> str:
    """A valid, unique ID number (GB 11643) for a test person."""
    serial = (next(_sequence) % 499) * 2 + (1 if male else 0)
    first17 = f"411624{born:%Y%m%d}{serial:03d}"
    return first17 + check_character(first17)


def honor(code: str) -> HonorType:
    return db.session.scalar(select(HonorType).where(HonorType.code == code))


@functools.cache
def _password_hash() -> str:
    # The app hashes with scrypt, slow on purpose (test_setup logs in with real scrypt hashes);
    # test users get a cheap hash so the hundreds of logins in the suite cost nothing.
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")


def user(username: str, role: str, unit, name: str | None = None):
    item = User(username=username, display_name=name or username, password_hash=_password_hash())
    item.roles.append(RoleAssignment(role=role, org_unit=unit))
    db.session.add(item)
    db.session.flush()
    return item


def campaign(county, *, codes=None, opens_on=None, closes_on=None, **fields) -> Campaign:
    today = china_today()
    types = list(db.session.scalars(select(HonorType).order_by(HonorType.sort_order)))
    if codes is not None:
        types = [t for t in types if t.code in codes]
    item = Campaign(name=fields.pop("name", "测试评选"), year=today.year, county=county,
                    opens_on=opens_on or today - timedelta(days=10), closes_on=closes_on or today + timedelta(days=10),
                    honor_types=types, **fields)
    db.session.add(item)
    db.session.flush()
    return item


def quota(campaign_, code: str, unit, places: int) -> Quota:
    item = Quota(campaign=campaign_, honor_type=honor(code), org_unit=unit, quota=places)
    db.session.add(item)
    db.session.flush()
    return item


def person_fields(**overrides) -> dict:
    born = overrides.pop("birth_date", date(1985, 6, 15))
    fields = dict(
        nominee_name="马金凤", gender="male", ethnicity="回族", birth_date=born, political_status="party_member",
        education="college", work_unit="沈丘县清真食品有限公司", post="车间主任", id_number=id_number(born),
        phone="13803941234", category="front_line_worker", started_work_on=date(2005, 7, 1),
        deeds_summary="爱岗敬业，热心服务职工。", deeds_full="该同志长期扎根一线，积极参与工会工作。",
    )
    fields.update(overrides)
    return fields


def organisation_fields(**overrides) -> dict:
    fields = dict(nominee_name="沈丘县人民医院工会", chair_name="王淑芬", staff_count=800, member_count=780,
                  satisfaction_rating=95, phone="0394-5212345",
                  deeds_summary="组织健全，工作活跃。", deeds_full="职代会制度落实，职工之家阵地规范。")
    fields.update(overrides)
    return fields


def edit_form(nomination: Nomination, **overrides) -> dict:
    """The edit form as the browser would post it, from the row's current values."""
    data = {}
    for name in ("nominee_name", "gender", "ethnicity", "birth_date", "political_status", "education", "work_unit",
                 "post", "id_number", "phone", "category", "started_work_on", "honors_held", "deeds_summary",
                 "deeds_full"):
        value = getattr(nomination, name)
        data[name] = "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else value)
    data["version"] = nomination.version
    data.update(overrides)
    return data


def nomination(campaign_, code: str, unit, chair, **overrides) -> Nomination:
    """A complete draft, ready to submit."""
    kind = honor(code)
    fields = person_fields(**overrides) if kind.nominee_kind == "person" else organisation_fields(**overrides)
    item = Nomination(campaign=campaign_, honor_type=kind, org_unit=unit, quota_unit=quota_unit_for(unit),
                      created_by_id=chair.id, state="draft", **fields)
    db.session.add(item)
    db.session.flush()
    return item


def build_world() -> SimpleNamespace:
    county = create_unit(level="county", code="411624", name="沈丘县总工会")
    town1 = create_unit(level="township", code="411624100", name="槐店回族镇总工会", parent=county)
    town2 = create_unit(level="township", code="411624001", name="东城街道总工会", parent=county)
    branch1 = create_unit(level="branch", code="41162410001", name="清真食品公司工会", parent=town1)
    branch2 = create_unit(level="branch", code="41162400101", name="东城中心学校工会", parent=town2)
    direct = create_unit(level="branch", code="411624D01", name="县人民医院工会", parent=county)
    w = SimpleNamespace(county=county, town1=town1, town2=town2, branch1=branch1, branch2=branch2, direct=direct)
    w.chair1 = user("chair1", "submitter", branch1, "白玉华")
    w.branch_reviewer1 = user("branch1", "reviewer", branch1, "沙海军")
    w.town_reviewer1 = user("town1", "reviewer", town1, "马志远")
    w.chair2 = user("chair2", "submitter", branch2, "张明")
    w.branch_reviewer2 = user("branch2", "reviewer", branch2, "孙桂英")
    w.town_reviewer2 = user("town2", "reviewer", town2, "陈丽娟")
    w.chair_direct = user("chaird", "submitter", direct, "王淑芬")
    w.branch_reviewer_direct = user("branchd", "reviewer", direct, "李国强")
    w.county_reviewer = user("county", "reviewer", county, "刘秀兰")
    w.admin = user("admin", "admin", county, "赵建华")
    w.campaign = campaign(county)
    db.session.commit()
    return w


# How a nomination reaches each state, and who does each step (usernames from build_world).
ROUTE_TO = {
    "draft": [],
    "branch_review": [("submit", "chair1")],
    "township_review": [("submit", "chair1"), ("approve", "branch1")],
    "county_review": [("submit", "chair1"), ("approve", "branch1"), ("approve", "town1")],
    "public_notice": [("submit", "chair1"), ("approve", "branch1"), ("approve", "town1"), ("approve", "county")],
    "approved": [("submit", "chair1"), ("approve", "branch1"), ("approve", "town1"), ("approve", "county"),
                 ("end_notice", "admin")],
    "certified": [("submit", "chair1"), ("approve", "branch1"), ("approve", "town1"), ("approve", "county"),
                  ("end_notice", "admin"), ("certify", "admin")],
    "returned": [("submit", "chair1"), ("return_for_revision", "branch1")],
    "rejected": [("submit", "chair1"), ("reject", "branch1")],
    "withdrawn": [("withdraw", "chair1")],
    "revoked": [("submit", "chair1"), ("approve", "branch1"), ("approve", "town1"), ("approve", "county"),
                ("end_notice", "admin"), ("certify", "admin"), ("revoke", "admin")],
}


def user_named(username: str):
    return db.session.scalar(select(User).where(User.username == username))


# The same walk for a nomination of the second township's branch.
SECOND_TOWNSHIP = {"chair1": "chair2", "branch1": "branch2", "town1": "town2"}


def bring_to(nomination_, state: str, people: dict[str, str] | None = None) -> Nomination:
    """Walk the real workflow (``fire``) to ``state`` inside a build_world() world; commits.
    ``people`` swaps who acts (e.g. SECOND_TOWNSHIP)."""
    from datetime import timedelta

    from states.nomination import fire

    vote = {"vote_due": 10, "vote_present": 9, "vote_in_favour": 8}
    for event, username in ROUTE_TO[state]:
        # The notice can only end once its last day is over: step past it.
        today = nomination_.notice_ends_on + timedelta(days=1) if event == "end_notice" else None
        fire(nomination_, event, user_named((people or {}).get(username, username)), "测试意见", data=vote,
             today=today)
    db.session.commit()
    assert nomination_.state == state
    return nomination_
