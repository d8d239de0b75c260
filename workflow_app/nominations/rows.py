"""The cells of a nomination-table row (nominations/_table.html), worked out in Python once per page.

A page of 20 rows spent more time in the template than in its SQL: a link built by the router, a
translated label looked up through the request context, four filters and a dozen attribute lookups per
row. Here the link is built once and each row appends its id, the labels are translated once, and the
template only prints (and escapes) the values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from states.nomination import STATE_LABELS
from workflow_app.core.formats import active_locale, moment_text, translated
from workflow_app.core.idnumber import mask_id_number
from workflow_app.nominations.models import Nomination

# The state badge's label, per locale: this table and the ``state_label`` template filter share it.
state_label = translated(STATE_LABELS)


@dataclass(frozen=True, slots=True)
class Row:
    """What one row prints; plain text, escaped by the template (``select_label`` is Markup already)."""

    id: int
    href: str
    name: str
    select_label: Markup
    honor: str
    unit: str
    township: str | None  # None: a county-direct unit (no township)
    masked_id: str
    state: str
    state_label: str
    overdue: bool
    updated: str


def show_link(link_args: Mapping[str, str | int]) -> tuple[str, str]:
    """The nomination page's URL around the id, as ``url_for`` builds it with ``link_args``: the router
    runs once per page and each row joins ``head + id + tail``."""
    url = url_for("nominations.show", nomination_id=0, **link_args)
    path, mark, query = url.partition("?")
    head = path.removesuffix("0")
    if head == path or not head.endswith("/"):  # a route that does not end in the id: no shortcut
        raise ValueError(f"unexpected nomination URL {url!r}")
    return head, mark + query


def table_rows(items: Iterable[Nomination], link_args: Mapping[str, str | int] | None = None,
               overdue_ids: Iterable[int] | None = None) -> list[Row]:
    """The rows of ``items``; links carry ``link_args`` (the to-do list's filters), ``overdue_ids`` get
    the overdue badge."""
    items = list(items)
    head, tail = show_link(link_args or {})
    overdue = set(overdue_ids or ())
    no_name, select = _("(no name yet)"), Markup(_("Select %(name)s"))  # as the template's newstyle _()
    locale, states = active_locale(), {state: state_label(state) for state in {n.state for n in items}}
    rows = []
    for n in items:
        quota_unit = n.quota_unit
        rows.append(Row(
            id=n.id,
            href=f"{head}{n.id}{tail}",
            name=n.nominee_name or no_name,
            select_label=select % {"name": n.nominee_name or n.id},
            honor=n.honor_type.name,
            unit=n.org_unit.name,
            township=quota_unit.name if quota_unit.level == "township" else None,
            masked_id=mask_id_number(n.id_number),
            state=n.state,
            state_label=states[n.state],
            overdue=n.id in overdue,
            updated=moment_text(n.updated_at, locale),
        ))
    return rows
