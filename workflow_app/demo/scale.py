"""A large, realistic data set for benchmarks (``flask --app wsgi seed-scale --nominations N``).

A province with cities, counties, townships and branches (about 10,000 units, materialised paths
filled), 5,000 users with role assignments, three campaigns per county with quotas, N nominations in
every state with audit trails the machine could have produced (``demo.trails``), certificates for
the certified ones, and yearly statistics reports of every township.

Rows are built in Python and written in bulk (``demo.bulk``: COPY on PostgreSQL, executemany on
SQLite) inside one transaction; nothing goes through ``fire``. County sizes follow a Zipf law, so the
largest county (county 0, whose logins ``seed_scale`` returns) holds about a sixth of the nominations."""

from __future__ import annotations

import itertools
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from workflow_app.auth.models import RoleAssignment, User
from workflow_app.campaigns.models import Campaign, HonorType, Quota, campaign_honor_type
from workflow_app.certificates.models import Certificate, CertificateSequence
from workflow_app.certificates.numbering import format_number
from workflow_app.certificates.services import CHECK_ALPHABET
from workflow_app.core.idnumber import check_character
from workflow_app.core.timeutil import china_today, utcnow
from workflow_app.demo import scale_stats
from workflow_app.demo.bulk import insert_rows, next_id, reset_sequences
from workflow_app.demo.trails import SETTLED, STATE_WEIGHTS, trail
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.orgs.models import OrgUnit

SCALE_PASSWORD = "scale2026"
COUNTIES, COUNTIES_PER_CITY, TOWNSHIPS_PER_COUNTY, BRANCHES_PER_TOWNSHIP, DIRECT_PER_COUNTY = 160, 10, 15, 3, 2
SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
            "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志远海燕红梅玉兰金凤文杰晓东丽娟子轩浩然"
POSTS = ("车间主任", "班组长", "技术员", "工会委员", "质检员", "护士长", "教师", "一线工人", "财务", "工会干事")
VOTE = {"vote_due": 25, "vote_present": 23, "vote_in_favour": 21}


class Honor(NamedTuple):
    """What the generator reads of an honor type, as plain values."""

    id: int
    code: str
    name: str
    nominee_kind: str
    review_chain: list[str]
    requires_vote: bool
    number_format: str
    number_prefix: str
    certificate_title: str
    issuer: str


class ScaleRefused(RuntimeError):
    """The database already holds data and ``force`` was not given."""


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    logins: dict[str, str] = field(default_factory=dict)  # what -> username (password SCALE_PASSWORD)


@dataclass
class Tree:
    units: list[dict] = field(default_factory=list)
    counties: list[dict] = field(default_factory=list)
    townships: dict[int, list[dict]] = field(default_factory=dict)  # county id -> townships
    branches: dict[int, list[dict]] = field(default_factory=dict)  # county id -> branches
    quota_unit: dict[int, int] = field(default_factory=dict)  # branch id -> township (or county) id


def existing_data(conn: Connection) -> dict[str, int]:
    """Rows already in the tables a scale run writes to (nonzero counts only)."""
    counts = {table.name: conn.scalar(select(func.count()).select_from(table))
              for table in (OrgUnit.__table__, User.__table__, Nomination.__table__)}
    return {name: count for name, count in counts.items() if count}


def _tree(conn: Connection, tag: str, counties: int) -> Tree:
    tree = Tree()
    ids = itertools.count(next_id(conn, OrgUnit.__table__))

    def unit(level: str, code: str, name: str, parent: dict | None) -> dict:
        unit_id = next(ids)
        row = {"id": unit_id, "parent_id": parent["id"] if parent else None, "level": level,
               "code": f"{tag}{code}", "name": name, "path": f"{parent['path'] if parent else '/'}{unit_id}/"}
        tree.units.append(row)
        return row

    province = unit("province", "41", "河南省总工会", None)
    for c in range(-(-counties // COUNTIES_PER_CITY)):
        city = unit("city", f"41{c:02d}", f"第{c + 1}市总工会", province)
        for k in range(min(COUNTIES_PER_CITY, counties - c * COUNTIES_PER_CITY)):
            number = c * COUNTIES_PER_CITY + k
            county = unit("county", f"41{c:02d}{k:02d}", f"第{number + 1}县总工会", city)
            tree.counties.append(county)
            tree.townships[county["id"]], tree.branches[county["id"]] = [], []
            for t in range(TOWNSHIPS_PER_COUNTY):
                township = unit("township", f"{county['code'][len(tag):]}{t:03d}", f"第{number + 1}县第{t + 1}镇总工会",
                                county)
                tree.townships[county["id"]].append(township)
                for b in range(BRANCHES_PER_TOWNSHIP):
                    branch = unit("branch", f"{township['code'][len(tag):]}{b:02d}",
                                  f"第{number + 1}县第{t + 1}镇第{b + 1}基层工会", township)
                    tree.branches[county["id"]].append(branch)
                    tree.quota_unit[branch["id"]] = township["id"]
            for d in range(DIRECT_PER_COUNTY):
                branch = unit("branch", f"{county['code'][len(tag):]}D{d:02d}", f"第{number + 1}县直属单位{d + 1}工会",
                              county)
                tree.branches[county["id"]].append(branch)
                tree.quota_unit[branch["id"]] = county["id"]
    return tree


@dataclass
class People:
    users: list[dict] = field(default_factory=list)
    roles: list[dict] = field(default_factory=list)
    by_unit: dict[tuple[str, int], dict] = field(default_factory=dict)  # (kind, unit id) -> user row


def _people(conn: Connection, tree: Tree, total: int, tag: str) -> People:
    """A county admin and two county reviewers per county, a reviewer per township; the remaining users
    split into branch chairs and branch reviewers, each holding a run of neighbouring branches."""
    people = People()
    user_ids = itertools.count(next_id(conn, User.__table__))
    role_ids = itertools.count(next_id(conn, RoleAssignment.__table__))
    password_hash = generate_password_hash(SCALE_PASSWORD)  # one scrypt hash, shared: hashing 5,000 takes minutes
    now = utcnow()
    names = (f"{s}{g}" for s, g in zip(itertools.cycle(SURNAMES), itertools.cycle(GIVEN), strict=False))

    def user(username: str, assignments: list[tuple[str, dict]], kind: str) -> dict:
        row = {"id": next(user_ids), "username": f"{tag}{username}", "password_hash": password_hash,
               "display_name": next(names), "locale": None, "email": None, "active": True, "created_at": now}
        people.users.append(row)
        for role, unit in assignments:
            people.roles.append({"id": next(role_ids), "user_id": row["id"], "org_unit_id": unit["id"], "role": role})
            people.by_unit[(kind, unit["id"])] = row
        return row

    for number, county in enumerate(tree.counties):
        user(f"county{number:03d}admin", [("admin", county)], "admin")
        user(f"county{number:03d}", [("reviewer", county)], "county")
        user(f"county{number:03d}b", [("reviewer", county)], "county_b")
        for t, township in enumerate(tree.townships[county["id"]]):
            user(f"town{number:03d}{t:02d}", [("reviewer", township)], "township")
    branches = [branch for county in tree.counties for branch in tree.branches[county["id"]]]
    pairs = min(max((total - len(people.users)) // 2, 1), len(branches))
    for number in range(pairs):
        chunk = branches[number * len(branches) // pairs:(number + 1) * len(branches) // pairs]
        if chunk:
            user(f"chair{number:04d}", [("submitter", b) for b in chunk], "chair")
            user(f"branch{number:04d}", [("reviewer", b) for b in chunk], "branch")
    return people


def _campaigns(conn: Connection, tree: Tree, honors: list, today: date) -> tuple[list[dict], list[dict]]:
    """Per county: the two previous years' campaigns (closed) and this year's (open)."""
    campaign_ids = itertools.count(next_id(conn, Campaign.__table__))
    campaigns, links = [], []
    for county in tree.counties:
        for year in (today.year - 2, today.year - 1, today.year):
            current = year == today.year
            row = {"id": next(campaign_ids), "name": f"{year}年度工会评选表彰", "year": year, "county_id": county["id"],
                   "opens_on": today - timedelta(days=120) if current else date(year, 1, 1),
                   "closes_on": today + timedelta(days=45) if current else date(year, 10, 31),
                   "notice_days": 7, "notice_working_days": False, "after_dismissal": "remainder",
                   "reminder_days": 3, "vote_quorum_numerator": 4, "vote_quorum_denominator": 5}
            campaigns.append(row)
            links += [{"campaign_id": row["id"], "honor_type_id": honor.id} for honor in honors]
    return campaigns, links


def _id_number(serial: int) -> tuple[str, date, str]:
    """A valid, unique ID number (GB 11643), its birth date and gender, from a running number."""
    born = date(1965, 1, 1) + timedelta(days=serial // 500)
    first17 = f"411624{born.year:04d}{born.month:02d}{born.day:02d}{serial % 500 * 2 + serial % 2:03d}"
    return first17 + check_character(first17), born, "male" if serial % 2 else "female"


def _times(steps: list, end: datetime, rng: random.Random) -> list[datetime]:
    """Times of the steps, the last at ``end``, walking back by plausible gaps."""
    times = [end]
    for event, *_ in reversed(steps[1:]):
        gap = timedelta(days=8, hours=rng.uniform(1, 20)) if event == "end_notice" else \
            timedelta(hours=rng.uniform(2, 96))
        times.append(times[-1] - gap)
    return list(reversed(times))


def seed_scale(nominations: int, *, force: bool = False, users: int = 5000, counties: int = COUNTIES,
               seed: int = 2026) -> Summary:
    """Build the data set in one transaction; raises ScaleRefused on a database with data unless ``force``
    (then everything is added alongside, codes and usernames prefixed so nothing clashes). ``counties``
    sets the tree's size: 160 give 10,097 units (16 cities; 15 townships of 3 branches and 2 county-direct
    units per county)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    summary = Summary()
    today, now = china_today(), utcnow()
    engine = db.engine
    with engine.begin() as conn:
        found = existing_data(conn)
        if found and not force:
            raise ScaleRefused(", ".join(f"{count} rows in {name}" for name, count in found.items()))
        tag = f"s{next_id(conn, OrgUnit.__table__)}-" if found else ""
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MB: the indexes grow in memory
        with Session(bind=conn) as session:  # the same connection: SQLite allows one writer
            honors = [Honor(h.id, h.code, h.name, h.nominee_kind, list(h.review_chain), h.requires_vote,
                            h.number_format, h.number_prefix, h.certificate_title, h.issuer)
                      for h in session.scalars(select(HonorType).where(HonorType.active)
                                               .order_by(HonorType.sort_order))]
        tree = _tree(conn, tag, counties)
        people = _people(conn, tree, users, tag)
        campaigns, links = _campaigns(conn, tree, honors, today)
        by_county: dict[int, list[dict]] = {}
        for row in campaigns:
            by_county.setdefault(row["county_id"], []).append(row)

        # Zipf: the county at rank r gets a share proportional to 1 / (r + 1).
        weights = [1 / (rank + 1) for rank in range(len(tree.counties))]
        states, state_weights = list(STATE_WEIGHTS), list(STATE_WEIGHTS.values())
        nomination_ids = itertools.count(next_id(conn, Nomination.__table__))
        audit_ids = itertools.count(next_id(conn, AuditEntry.__table__))
        certificate_ids = itertools.count(next_id(conn, Certificate.__table__))
        id_serials = itertools.count(conn.scalar(select(func.count()).select_from(Nomination.__table__)) or 0)
        rows, audit, certificates = [], [], []
        sequences = _sequences_now(conn)
        used: dict[tuple[int, int, int], int] = {}
        county_of = {c["id"]: c for c in tree.counties}
        unit_by_id = {unit["id"]: unit for unit in tree.units}
        for county in rng.choices(tree.counties, weights, k=nominations):
            branch = rng.choice(tree.branches[county["id"]])
            honor = rng.choice(honors)
            state = rng.choices(states, state_weights)[0]
            current, *older = reversed(by_county[county["id"]])
            campaign = rng.choice([current, *older]) if state in SETTLED else current
            quota_unit_id = tree.quota_unit[branch["id"]]
            direct = quota_unit_id == county["id"]
            chain = [level for level in honor.review_chain if not (direct and level == "township")]
            chain = [level for level in ("branch", "township", "county") if level in chain]
            steps = trail(chain, state, rng, resubmitted=rng.random() < 0.1)
            state = steps[-1][2] if steps else "draft"
            if campaign is current:
                end = now - timedelta(days=rng.uniform(0, 4 if state == "public_notice" else 20))
            else:
                end = datetime(campaign["year"], 3, 1, tzinfo=UTC) + timedelta(days=rng.uniform(60, 200))
            times = _times(steps, end, rng) if steps else []
            created = (times[0] if times else end) - timedelta(hours=rng.uniform(1, 48))
            nomination_id = next(nomination_ids)
            chair, actors = people.by_unit[("chair", branch["id"])], {
                "chair": people.by_unit[("chair", branch["id"])], "branch": people.by_unit[("branch", branch["id"])],
                "township": people.by_unit.get(("township", quota_unit_id)),
                "county": people.by_unit[("county", county["id"])], "admin": people.by_unit[("admin", county["id"])]}
            acting_units = {"chair": branch, "branch": branch, "county": county, "admin": county,
                            "township": None if direct else unit_by_id[quota_unit_id]}
            submitted_at = None
            for (event, source, dest, actor), moment in zip(steps, times, strict=True):
                person, unit = actors.get(actor), acting_units.get(actor)
                role = {"chair": "submitter", "admin": "admin", "system": "system"}.get(actor, "reviewer")
                audit.append({
                    "id": next(audit_ids), "nomination_id": nomination_id, "event": event, "from_state": source,
                    "to_state": dest, "actor_id": person["id"] if person else None,
                    "actor_name": person["display_name"] if person else "system", "actor_role": role,
                    "actor_unit_id": unit["id"] if unit and person else None,
                    "actor_unit_name": unit["name"] if unit and person else "",
                    "comment": "请补充材料。" if event in ("return_for_revision", "reject", "revoke") else "",
                    "on_behalf_of_id": None, "on_behalf_of_name": None, "client_ip": "10.0.0.1", "created_at": moment})
                if event == "submit":
                    submitted_at = moment
            row = _nomination(nomination_id, campaign, honor, branch, quota_unit_id, chair, state, steps, times,
                              created, submitted_at, next(id_serials), rng)
            rows.append(row)
            if state in ("public_notice", "approved", "certified"):
                key = (campaign["id"], honor.id, quota_unit_id)
                used[key] = used.get(key, 0) + 1
            issued = next((moment for (event, *_), moment in zip(steps, times, strict=True) if event == "certify"),
                          None)
            if issued is not None:
                certificates.append(_certificate(next(certificate_ids), row, honor, issued, actors["admin"],
                                                 state == "revoked", sequences))

        quotas = []
        quota_ids = itertools.count(next_id(conn, Quota.__table__))
        for campaign in campaigns:
            county = county_of[campaign["county_id"]]
            for unit in [*tree.townships[county["id"]], county]:
                for honor in honors:
                    taken = used.get((campaign["id"], honor.id, unit["id"]), 0)
                    quotas.append({"id": next(quota_ids), "campaign_id": campaign["id"], "honor_type_id": honor.id,
                                   "org_unit_id": unit["id"], "quota": taken + 3})
        reports, report_events = scale_stats.reports(conn, tree, people, today, rng)

        written = [(OrgUnit.__table__, tree.units), (User.__table__, people.users),
                   (RoleAssignment.__table__, people.roles), (Campaign.__table__, campaigns),
                   (campaign_honor_type, links), (Quota.__table__, quotas), (Nomination.__table__, rows),
                   (AuditEntry.__table__, audit), (Certificate.__table__, certificates),
                   *scale_stats.tables(reports, report_events)]
        for table, table_rows in written:
            # Building an index once over sorted data is far quicker than growing it row by row.
            indexes = list(table.indexes) if len(table_rows) > 50_000 else []
            for index in indexes:
                index.drop(conn, checkfirst=True)
            summary.counts[table.name] = insert_rows(conn, table, table_rows)
            for index in indexes:
                index.create(conn, checkfirst=True)
        _sequences(conn, sequences)
        scale_stats.add_targets(conn, today)
        reset_sequences(conn, [table for table, _ in written if "id" in table.c])
    # Fresh statistics: the planner must know the tables are large now (and PostgreSQL's visibility map
    # lets lists count from their index alone, as autovacuum would arrange in time).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))
    biggest = 0
    summary.logins = {"county reviewer": f"{tag}county{biggest:03d}", "county admin": f"{tag}county{biggest:03d}admin",
                      "township reviewer": f"{tag}town{biggest:03d}00", "branch chair": f"{tag}chair0000"}
    summary.seconds = time.perf_counter() - started
    return summary


def _nomination(nomination_id, campaign, honor, branch, quota_unit_id, chair, state, steps, times, created,
                submitted_at, serial, rng) -> dict:
    person = honor.nominee_kind == "person"
    number, born, gender = _id_number(serial)
    name = f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{rng.choice(GIVEN) if rng.random() < 0.6 else ''}"
    last = times[-1] if times else created
    voted = honor.requires_vote and any(event == "approve" and source == "branch_review"
                                        for event, source, *_ in steps)
    notice = next((moment for (event, _s, dest, _a), moment in zip(steps, times, strict=True)
                   if dest == "public_notice"), None)
    notice_day = notice.astimezone(UTC).date() if notice else None
    return {
        "id": nomination_id, "campaign_id": campaign["id"], "honor_type_id": honor.id, "org_unit_id": branch["id"],
        "quota_unit_id": quota_unit_id, "created_by_id": chair["id"],
        "submitted_by_id": chair["id"] if submitted_at else None, "state": state, "version": len(steps) + 1,
        "created_at": created, "updated_at": last, "submitted_at": submitted_at,
        "nominee_name": name if person else branch["name"],
        "gender": gender if person else None, "ethnicity": ("汉族", "回族")[serial % 7 == 0] if person else None,
        "birth_date": born if person else None,
        "political_status": ("masses" if honor.code == "party_recommendation" else "party_member") if person else None,
        "education": "college" if person else None,
        "work_unit": branch["name"].removesuffix("工会") if person else None,
        "post": rng.choice(POSTS) if person else None, "id_number": number if person else None,
        "phone": f"138{serial % 100_000_000:08d}", "category": "front_line_worker" if person else None,
        "started_work_on": date(born.year + 20, 7, 1) if person else None, "honors_held": "",
        "chair_name": None if person else "王淑芬", "staff_count": None if person else 120 + serial % 500,
        "member_count": None if person else 100 + serial % 400, "satisfaction_rating": None if person else 95,
        "deeds_summary": f"{name}同志爱岗敬业，积极参与工会工作。" if person else "组织健全，工作活跃。",
        "deeds_full": "长期扎根一线，团结同事，热心为职工群众服务，在劳动竞赛和技能培训中发挥骨干作用。",
        "vote_due": VOTE["vote_due"] if voted else None, "vote_present": VOTE["vote_present"] if voted else None,
        "vote_in_favour": VOTE["vote_in_favour"] if voted else None,
        "notice_starts_on": notice_day + timedelta(days=1) if notice_day else None,
        "notice_ends_on": notice_day + timedelta(days=campaign["notice_days"]) if notice_day else None,
        "notice_result": "no_objection" if state in ("approved", "certified", "revoked") else None,
        "state_since": last if steps else None,
    }


def _certificate(certificate_id: int, nomination: dict, honor, issued: datetime, admin: dict, revoked: bool,
                 sequences: dict) -> dict:
    year = issued.year
    sequence = sequences[(honor.id, year)] = sequences.get((honor.id, year), 0) + 1
    name = nomination["nominee_name"]
    return {
        "id": certificate_id, "nomination_id": nomination["id"], "honor_type_id": honor.id, "year": year,
        "sequence": sequence, "number": format_number(honor.number_format, year=year, prefix=honor.number_prefix,
                                                      seq=sequence),
        "token": secrets.token_urlsafe(24), "check_code": "".join(secrets.choice(CHECK_ALPHABET) for _ in range(6)),
        "title": honor.certificate_title, "recipient": name, "honor_name": honor.name,
        "wording": f"兹授予{name}“{honor.name}”荣誉称号。特发此证。", "issuer": honor.issuer,
        "issued_on": issued.date(),
        "issued_at": issued, "issued_by_id": admin["id"], "revoked_at": nomination["updated_at"] if revoked else None,
        "revoked_reason": "请补充材料。" if revoked else None, "print_count": 0,
    }


def _sequences_now(conn: Connection) -> dict[tuple[int, int], int]:
    """The last certificate number used per (honor type, year): numbering continues from there."""
    table = CertificateSequence.__table__
    return {(row.honor_type_id, row.year): row.last_value for row in conn.execute(select(table))}


def _sequences(conn: Connection, sequences: dict[tuple[int, int], int]) -> None:
    """Certificate numbers issued later continue after the ones issued here."""
    table = CertificateSequence.__table__
    before = _sequences_now(conn)
    for (honor_type_id, year), last in sequences.items():
        if (honor_type_id, year) not in before:
            conn.execute(table.insert().values(honor_type_id=honor_type_id, year=year, last_value=last))
        elif before[(honor_type_id, year)] != last:
            conn.execute(table.update().where(table.c.honor_type_id == honor_type_id, table.c.year == year)
                         .values(last_value=last))
