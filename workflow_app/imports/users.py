"""Importing users and their roles from a sheet.

Rules, decided here and shown in the template's notes:
- a user is known by the username; an existing user is never changed (name, e-mail and password
  stay as they are), only a role the row names and the user lacks is added;
- several rows may name the same new user, one role each: the first row gives name, e-mail and password;
- the unit must already exist (import units first); a chair's unit is a branch, an administrator's a county;
- an empty password cell means one is generated at import and shown once in the result.
"""

from __future__ import annotations

import re
import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow_app.auth.models import RoleAssignment, User
from workflow_app.auth.services import create_user
from workflow_app.extensions import db
from workflow_app.imports.common import ImportColumn, Plan, PlanItem, Record, RowError, check_required, word_lookup
from workflow_app.nominations.fields import LEVEL_LABELS, ROLE_LABELS
from workflow_app.orgs.models import OrgUnit
from workflow_app.policy import can_administer

COLUMNS = [
    ImportColumn("username", _l("Username"), True,
                 _l("Login name: letters, digits, “.”, “_”, “-” or “@”, 2 to 64 characters."), "wangfang"),
    ImportColumn("display_name", _l("Display name"), True, _l("The person's name, at most 64 characters."), "王芳"),
    ImportColumn("email", _l("E-mail"), False, _l("Optional, for notification e-mail."), "wangfang@example.com"),
    ImportColumn("role", _l("Role"), True,
                 _l("submitter (also 主席: a branch chair), reviewer (审核人) or admin (管理员: county only)."),
                 "审核人"),
    ImportColumn("unit_code", _l("Unit code"), True, _l("Code of an existing unit the role covers."), "411624100"),
    ImportColumn("password", _l("Initial password"), False,
                 _l("At least 8 characters. Leave empty to have one generated and shown once after the import."),
                 ""),
]
LIMITS = {"username": 64, "display_name": 64, "email": 254, "unit_code": 32, "password": 128}
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{1,63}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
ROLE_WORDS = {"主席": "submitter", "工会主席": "submitter", "审核人": "reviewer", "审核员": "reviewer",
              "管理员": "admin"}
ROLE_LEVEL = {"submitter": "branch", "admin": "county"}  # reviewers may sit at any level
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I


def generate_password(length: int = 12) -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


def _check_row(values: dict, unit: OrgUnit | None, role: str | None, label: dict, row: int,
               actor: User | None) -> list[RowError]:
    errors = []
    if values.get("username") and not USERNAME.fullmatch(values["username"]):
        errors.append(RowError(row, label["username"], _("2 to 64 letters, digits, “.”, “_”, “-” or “@”; "
                                                         "no spaces, starting with a letter or digit.")))
    if values.get("email") and not EMAIL.fullmatch(values["email"]):
        errors.append(RowError(row, label["email"], _("This is not an e-mail address.")))
    if values.get("password") and len(values["password"]) < 8:
        errors.append(RowError(row, label["password"], _("A password has at least 8 characters.")))
    if values.get("role") and role is None:
        errors.append(RowError(row, label["role"], _("Unknown role “%(value)s”: write submitter (主席), "
                                                     "reviewer (审核人) or admin (管理员).", value=values["role"])))
    if unit is None:
        if values.get("unit_code"):
            errors.append(RowError(row, label["unit_code"], _("No unit has the code %(code)s; import the units "
                                                              "first.", code=values["unit_code"])))
    elif actor is not None and not can_administer(actor, unit):
        errors.append(RowError(row, label["unit_code"], _("%(code)s is outside the units you administer.",
                                                          code=values["unit_code"])))
    elif role in ROLE_LEVEL and unit.level != ROLE_LEVEL[role]:
        errors.append(RowError(row, label["role"], _("A %(role)s's unit must be a %(level)s unit; %(code)s is not.",
                                                     role=ROLE_LABELS[role], level=_level(ROLE_LEVEL[role]),
                                                     code=unit.code)))
    return errors


def _level(level: str) -> str:
    return str(LEVEL_LABELS[level])


def plan_users(records: list[Record], actor: User | None) -> Plan:
    """What importing ``records`` would do, or why it cannot. ``actor`` None is the command line;
    otherwise every unit must lie in the actor's jurisdiction."""
    plan = Plan("users")
    label = {c.key: str(c.label) for c in COLUMNS}
    read_role = word_lookup(ROLE_WORDS, {role: ROLE_LABELS[role] for role in ("submitter", "reviewer", "admin")})
    usernames = {r.values.get("username", "") for r in records}
    units = {u.code: u for u in db.session.scalars(
        select(OrgUnit).where(OrgUnit.code.in_({r.values.get("unit_code", "") for r in records})))}
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(usernames)))}
    first_row: dict[str, dict] = {}  # new usernames: the row that creates the user
    seen: dict[tuple[str, str, str], int] = {}
    for record in records:
        complete = check_required(record, COLUMNS, plan.errors, LIMITS)
        values = record.values
        role, unit = read_role(values.get("role", "")), units.get(values.get("unit_code", ""))
        errors = _check_row(values, unit, role, label, record.row, actor)
        if not complete:
            plan.errors.extend(errors)
            continue
        key = (values["username"], role or "", values["unit_code"])
        if not errors and key in seen:
            errors.append(RowError(record.row, "", _("Repeats row %(row)d.", row=seen[key])))
        if errors:
            plan.errors.extend(errors)
            continue
        seen[key] = record.row
        role_text = f"{ROLE_LABELS[role]} · {unit.name}"
        existing = users.get(values["username"])
        if existing is not None:
            has = any(a.role == role and a.org_unit_id == unit.id for a in existing.roles)
            plan.items.append(PlanItem(record.row, "unchanged" if has else "add_role", values["username"],
                                       existing.display_name, role_text, {"role": role, "unit_code": unit.code}))
            continue
        first = first_row.get(values["username"])
        if first is not None:
            if first["display_name"] != values["display_name"]:
                plan.errors.append(RowError(record.row, label["display_name"],
                                            _("Row %(row)d gives this user another name.", row=first["row"])))
                continue
            plan.items.append(PlanItem(record.row, "add_role", values["username"], values["display_name"], role_text,
                                       {"role": role, "unit_code": unit.code}))
            continue
        first_row[values["username"]] = {"row": record.row, "display_name": values["display_name"]}
        password_note = _("password given") if values.get("password") else _("password generated at import")
        plan.items.append(PlanItem(record.row, "create", values["username"], values["display_name"],
                                   f"{role_text}; {password_note}",
                                   {"role": role, "unit_code": unit.code, "email": values.get("email") or None,
                                    "password": values.get("password") or ""}))
    plan.errors.sort(key=lambda error: error.row)
    return plan


def apply_users(plan: Plan) -> list[tuple[str, str]]:
    """Write a valid plan (flushes, never commits); returns (username, password) of generated passwords."""
    if not plan.ok:
        raise ValueError("a plan with errors is never applied")
    codes = {item.data["unit_code"] for item in plan.items}
    units = {u.code: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.code.in_(codes)))}
    generated = []
    for item in plan.items:
        unit = units[item.data["unit_code"]]
        if item.action == "create":
            password = item.data["password"] or generate_password()
            if not item.data["password"]:
                generated.append((item.key, password))
            user = create_user(item.key, password, item.name, [(item.data["role"], unit)])
            user.email = item.data["email"]
        elif item.action == "add_role":
            user = db.session.scalar(select(User).where(User.username == item.key))
            user.roles.append(RoleAssignment(role=item.data["role"], org_unit=unit))
    db.session.flush()
    return generated
