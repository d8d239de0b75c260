"""The nomination table's rows, worked out in Python once per page (nominations/rows.py), print what the
template printed before: the same links, labels, masks and badges, and a nominee's name stays text."""

from __future__ import annotations

import re
from types import SimpleNamespace

from flask import render_template_string, url_for
from flask_babel import gettext
from markupsafe import Markup, escape

from tests import factories
from tests.factories import bring_to
from workflow_app.nominations.rows import table_rows

SCRIPT = "<script>alert(1)</script>"


def test_rows_print_what_the_filters_printed_and_keep_a_name_as_text(app, world):
    direct = factories.nomination(world.campaign, "outstanding_union_worker", world.direct, world.chair_direct,
                                  nominee_name=SCRIPT, id_number=factories.id_number())
    unnamed = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                   nominee_name="", id_number=factories.id_number())
    filters = app.jinja_env.filters
    with app.test_request_context("/todo/"):
        direct_row, unnamed_row = table_rows([direct, unnamed], overdue_ids={unnamed.id})

        assert direct_row.township is None  # a county-direct unit: the template prints "County-direct"
        assert unnamed_row.township == world.town1.name
        assert (direct_row.unit, direct_row.honor) == (world.direct.name, direct.honor_type.name)
        assert direct_row.masked_id == filters["mask_id"](direct.id_number) != direct.id_number
        assert direct_row.state_label == filters["state_label"](direct.state)
        assert direct_row.updated == filters["china_time"](direct.updated_at) != ""
        assert (direct_row.overdue, unnamed_row.overdue) == (False, True)

        assert direct_row.name == SCRIPT  # plain text: the template escapes it
        assert isinstance(direct_row.select_label, Markup)
        assert SCRIPT not in direct_row.select_label and str(escape(SCRIPT)) in direct_row.select_label
        assert unnamed_row.name == gettext("(no name yet)")
        assert unnamed_row.select_label == escape(gettext("Select %(name)s") % {"name": unnamed.id})


def test_row_links_are_the_links_url_for_builds(app, world):
    nominations = [factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                        id_number=factories.id_number()) for _ in range(3)]
    with app.test_request_context("/todo/"):
        for args in ({}, {"sort": "-name"}, {"campaign": 7, "state": "county_review", "q": "马 & <b>?=#"}):
            hrefs = [row.href for row in table_rows(nominations, args)]
            assert hrefs == [url_for("nominations.show", nomination_id=n.id, **args) for n in nominations]


def test_a_name_with_markup_is_shown_as_text_on_the_to_do_list(client, world, login_as):
    bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.direct, world.chair_direct,
                                  nominee_name=SCRIPT, id_number=factories.id_number()),
             "branch_review", {"chair1": "chaird"})
    login_as("branchd")
    body = client.get("/todo/?sort=name").get_data(as_text=True)
    assert SCRIPT not in body
    name = str(escape(SCRIPT))
    assert re.search(rf'<a href="/nominations/\d+\?sort=name" class="fw-semibold">{re.escape(name)}</a>', body)
    assert re.search(rf'<label class="visually-hidden" for="select-\d+">[^<]*{re.escape(name)}</label>', body)
    with client.application.test_request_context():
        direct = render_template_string("{{ _('County-direct') }}")
    assert re.search(rf'data-label="[^"]+">{re.escape(direct)}</td>', body)


def pager_items(page: int, pages: int) -> list[str]:
    """What the pager showed when it looped over every page: the first, the last and the pages within
    two of the current one as links, an ellipsis three away."""
    items = []
    for number in range(1, pages + 1):
        if number in (1, pages) or abs(number - page) <= 2:
            items.append(str(number))
        elif abs(number - page) == 3:
            items.append("…")
    return items


def test_pager_shows_the_same_links_looping_over_a_few_numbers(app):
    with app.test_request_context("/todo/?sort=name&select=all"):
        pager = app.jinja_env.get_template("_macros.html").module.pager
        for pages in range(1, 14):
            for page in range(1, pages + 3):  # a page past the end too (a stale link)
                html = str(pager(SimpleNamespace(page=page, pages=pages), "review.todo"))
                expected = pager_items(page, pages) if pages > 1 else []  # one page: no pager
                shown = re.findall(r'href="[^"]*page=(\d+)[^"]*">(\d+)</a>|(…)', html)
                assert [number or ellipsis for _, number, ellipsis in shown] == expected, (page, pages)
                assert all(f"?sort=name&amp;page={n}\"" in html for n in expected if n != "…"), html
                assert "select" not in html
