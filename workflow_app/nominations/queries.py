"""List queries: a fixed number of statements per page, whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import aliased, defaultload, lazyload, load_only

from states.nomination import STATES
from workflow_app.auth.models import User
from workflow_app.campaigns.models import Campaign, HonorType
from workflow_app.core.http import parse_id
from workflow_app.core.text import without_forbidden
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination
from workflow_app.orgs.models import OrgUnit
from workflow_app.orgs.services import in_subtree
from workflow_app.policy import visible_filter


@dataclass
class ListFilters:
    campaign_id: int | None = None
    honor_type_id: int | None = None
    township_id: int | None = None
    state: str | None = None
    q: str = ""
    page: int = 1
    sort: str = ""  # one of SORT_KEYS, "-" in front for descending; "" is the default order

    @classmethod
    def from_args(cls, args) -> ListFilters:
        def number(name):
            return parse_id(args.get(name))

        state = args.get("state") or None
        return cls(
            campaign_id=number("campaign"),
            honor_type_id=number("honor_type"),
            township_id=number("township"),
            state=state if state in STATES else None,
            q=without_forbidden(args.get("q") or "").strip()[:50],  # NUL and the like match nothing anyway
            page=min(number("page") or 1, 100_000),
            sort=clean_sort(args.get("sort")),
        )

    @property
    def narrows(self) -> bool:
        """Whether a filter leaves rows out (sorting and paging do not)."""
        return bool(self.campaign_id or self.honor_type_id or self.township_id or self.state or self.q)

    def list_args(self) -> dict[str, str | int]:
        """The filters and sort as URL arguments (no page), so a nomination opened from a list knows
        which list it came from: "next to-do" and the redirect after an action stay in that list."""
        values = {"campaign": self.campaign_id, "honor_type": self.honor_type_id, "township": self.township_id,
                  "state": self.state, "q": self.q, "sort": self.sort}
        return {name: value for name, value in values.items() if value}


@dataclass
class Page:
    items: list[Nomination]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


SORT_KEYS = ("updated", "name", "unit", "state")


def clean_sort(value: str | None) -> str:
    """``updated``, ``name``, ``unit`` or ``state``, optionally with ``-`` for descending; else ""."""
    value = (value or "").strip()
    return value if value.lstrip("-") in SORT_KEYS and value.count("-") <= 1 else ""


def sort_column(query: Select, sort: str) -> tuple[Select, ColumnElement, bool]:
    """The list's order column for ``sort`` (joining what it needs), and whether it runs descending."""
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    if key == "name":
        column = Nomination.nominee_name
    elif key == "unit":
        unit = aliased(OrgUnit)  # an alias: the text search's subquery on OrgUnit must stay uncorrelated
        query = query.join(unit, unit.id == Nomination.org_unit_id)
        column = unit.name
    elif key == "state":
        column = case({state: index for index, state in enumerate(STATES)}, value=Nomination.state)
    else:
        column = Nomination.updated_at
        descending = descending or not sort  # the default: most recently updated first
    return query, column, descending


def ordered(query: Select, sort: str) -> Select:
    """The list order: the chosen column, then the id, so pages never overlap."""
    query, column, descending = sort_column(query, sort)
    if descending:
        return query.order_by(column.desc(), Nomination.id.desc())
    return query.order_by(column.asc(), Nomination.id.asc())


def filtered(query: Select, filters: ListFilters) -> Select:
    if filters.campaign_id:
        query = query.where(Nomination.campaign_id == filters.campaign_id)
    if filters.honor_type_id:
        query = query.where(Nomination.honor_type_id == filters.honor_type_id)
    if filters.township_id:
        query = query.where(Nomination.quota_unit_id == filters.township_id)
    if filters.state:
        query = query.where(Nomination.state == filters.state)
    if filters.q:
        pattern = f"%{filters.q}%"
        units = select(OrgUnit.id).where(OrgUnit.name.like(pattern))
        query = query.where(or_(Nomination.nominee_name.like(pattern), Nomination.org_unit_id.in_(units)))
    return query


# What a list row shows (nominations/_table.html) and the overdue flag reads; the deeds and the other
# personal fields stay in the database. Anything else a row would touch raises instead of loading row by row.
ROW_COLUMNS = (Nomination.id, Nomination.campaign_id, Nomination.honor_type_id, Nomination.org_unit_id,
               Nomination.quota_unit_id, Nomination.state, Nomination.version, Nomination.updated_at,
               Nomination.state_since, Nomination.nominee_name, Nomination.id_number)


def page_of(where, filters: ListFilters, per_page: int) -> Page:
    """Count, then the page's ids (both read from the list index alone), then the page's rows: the
    rows fetched are the page's, however many nominations match."""
    # count(*), not count(id): PostgreSQL then answers from the list indexes alone (no table pages read).
    total = db.session.scalar(filtered(select(func.count()).select_from(Nomination).where(where), filters)) or 0
    ids = list(db.session.scalars(
        ordered(filtered(select(Nomination.id).where(where), filters), filters.sort)
        .limit(per_page)
        .offset((filters.page - 1) * per_page)
    ))
    rows = {row.id: row for row in db.session.scalars(
        select(Nomination).where(Nomination.id.in_(ids))
        .options(load_only(*ROW_COLUMNS, raiseload=True),
                 defaultload(Nomination.campaign).lazyload(Campaign.honor_types),
                 defaultload(Nomination.campaign).lazyload(Campaign.county))).unique()}
    return Page(items=[rows[i] for i in ids if i in rows], total=total, page=filters.page, per_page=per_page)


def list_select(where, filters: ListFilters) -> Select:
    """Every row ``where`` admits, filtered and ordered as the list page shows them, unpaged (exports)."""
    return ordered(filtered(select(Nomination).where(where), filters), filters.sort)


def list_count(where, filters: ListFilters) -> int:
    return db.session.scalar(filtered(select(func.count(Nomination.id)).where(where), filters)) or 0


def list_ids(where, filters: ListFilters) -> list[int]:
    """Every id ``where`` admits under ``filters``, in list order: a large export loads its rows in
    chunks of these rather than all at once."""
    return list(db.session.scalars(ordered(filtered(select(Nomination.id).where(where), filters), filters.sort)))


def visible_query(user: User, filters: ListFilters) -> Select:
    """Nominations ``user`` may see that match ``filters``, unordered (the API pages them by id)."""
    return filtered(select(Nomination).where(visible_filter(user)), filters)


def visible_page(user: User, filters: ListFilters, per_page: int = 20) -> Page:
    return page_of(visible_filter(user), filters, per_page)


def next_in(ids: list[int], nomination_id: int) -> int | None:
    """The id after ``nomination_id`` in ``ids``; None when it is last or not there."""
    try:
        index = ids.index(nomination_id)
    except ValueError:
        return None
    return ids[index + 1] if index + 1 < len(ids) else None


def filter_options(user: User) -> dict:
    """Choices for the list filters, limited to what the user's jurisdiction contains."""
    paths = [a.org_unit.path for a in user.roles]
    ancestor_ids = {unit_id for a in user.roles for unit_id in a.org_unit.ancestor_ids}
    in_reach = or_(OrgUnit.id.in_(ancestor_ids), *[in_subtree(path) for path in paths])
    townships = db.session.scalars(
        select(OrgUnit).where(OrgUnit.level.in_(("township", "county")), in_reach).order_by(OrgUnit.code)
    ).all()
    counties = [unit.id for unit in townships if unit.level == "county"]
    return {
        # The menu shows a campaign's year and name: neither its county nor its honors are loaded.
        "campaigns": db.session.scalars(
            select(Campaign).where(Campaign.county_id.in_(counties)).order_by(Campaign.year.desc())
            .options(lazyload(Campaign.county), lazyload(Campaign.honor_types))
        ).all(),
        "honor_types": db.session.scalars(select(HonorType).order_by(HonorType.sort_order)).all(),
        "townships": townships,
        "states": STATES,
    }
