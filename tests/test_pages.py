"""Pages as users see them: lists cost the same number of queries whatever their length,
the nomination page shows the diagram, timeline and only the allowed buttons."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.conftest import count_queries
from tests.factories import bring_to


def add_nominations(world, count: int, state: str = "county_review"):
    for _ in range(count):
        bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                      id_number=factories.id_number()), state)


@pytest.mark.parametrize("url", ["/todo/", "/nominations/", "/nominations/?state=county_review&q=马",
                                 "/nominations/?sort=-unit&q=马", "/todo/?sort=name&state=county_review"])
def test_list_pages_cost_the_same_queries_for_2_or_20_rows(client, world, login_as, url):
    login_as("county")
    client.get(url)  # warm caches that are per process, not per page
    add_nominations(world, 2)  # each measure is the first request after a change: the full path, not a kept page
    with count_queries() as small:
        body = client.get(url).get_data(as_text=True)
    assert body.count("马金凤") >= 2
    add_nominations(world, 18)
    with count_queries() as large:
        body = client.get(url).get_data(as_text=True)
    assert body.count("马金凤") >= 20
    assert len(large) == len(small), "\n".join(large)


def test_lists_mask_id_numbers(client, world, login_as):
    add_nominations(world, 1)
    login_as("county")
    body = client.get("/nominations/").get_data(as_text=True)
    assert re.search(r"4116\*{10}\w{4}", body)
    assert not re.search(r"411624\d{11}[\dX]", body)


def test_nomination_page_shows_diagram_timeline_and_only_allowed_buttons(client, world, login_as):
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "township_review")
    login_as("town1")
    body = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert 'data-state="township_review"' in body and 'class="state current"' in body
    assert set(re.findall(r'name="event" value="(\w+)"', body)) == {"approve", "return_for_revision",
                                                                    "return_to_level", "reject"}
    assert "沙海军" in body  # the branch reviewer's approval in the timeline
    login_as("chair1")
    body = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert set(re.findall(r'name="event" value="(\w+)"', body)) == {"withdraw"}
    login_as("county")  # a later level sees it but has nothing to do yet
    body = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert re.findall(r'name="event" value="(\w+)"', body) == []


def test_to_do_count_in_the_header(client, world, login_as):
    add_nominations(world, 3, state="branch_review")
    login_as("branch1")
    body = client.get("/nominations/").get_data(as_text=True)
    assert re.search(r'id="todo-count">3<', body)
    login_as("town1")
    assert re.search(r'id="todo-count">0<', client.get("/nominations/").get_data(as_text=True))


def test_admin_sets_up_a_campaign_and_its_quotas(client, world, login_as):
    login_as("admin")
    honors = [factories.honor("model_worker_home").id, factories.honor("advanced_worker").id]
    response = client.post("/admin/campaigns/new", data={
        "name": "2027年度评选", "year": 2027, "opens_on": "2027-03-01", "closes_on": "2027-05-31",
        "notice_days": 5, "notice_working_days": "y", "after_dismissal": "fresh", "reminder_days": 4,
        "vote_quorum_numerator": 4, "vote_quorum_denominator": 5, "honor_types": honors})
    assert response.status_code == 302, response.get_data(as_text=True)
    campaign_id = int(response.headers["Location"].split("/")[-2])
    key = f"q-{world.town1.id}-{honors[0]}"
    assert client.post(f"/admin/campaigns/{campaign_id}/quotas", data={key: "2"}).status_code == 302
    page = client.get(f"/admin/campaigns/{campaign_id}/quotas").get_data(as_text=True)
    assert f'name="{key}"' in page and 'value="2"' in page
    bad = client.post(f"/admin/campaigns/{campaign_id}/quotas", data={key: "-1"})
    assert bad.status_code == 200 and "is-invalid" in bad.get_data(as_text=True)


def test_campaign_form_refuses_a_deadline_before_the_opening(client, world, login_as):
    login_as("admin")
    response = client.post("/admin/campaigns/new", data={
        "name": "x", "year": 2027, "opens_on": "2027-05-01", "closes_on": "2027-03-01", "notice_days": 7,
        "vote_quorum_numerator": 4, "vote_quorum_denominator": 5,
        "honor_types": [factories.honor("advanced_worker").id]})
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["chair1", "county", "town1"])
def test_only_county_admins_open_campaign_administration(client, world, login_as, username):
    login_as(username)
    assert client.get("/admin/campaigns").status_code == 403
    assert client.get(f"/admin/campaigns/{world.campaign.id}/quotas").status_code == 403


def test_quota_used_and_total_show_on_the_nomination_page(client, world, login_as):
    factories.quota(world.campaign, "outstanding_union_worker", world.town1, 3)
    add_nominations(world, 1, state="public_notice")
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1, id_number=factories.id_number()), "county_review")
    login_as("county")
    body = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "1 / 3" in body


def test_lists_sort_by_column_and_keep_the_filters(client, world, login_as):
    login_as("county")
    for name, unit, chair in (("乙", world.branch1, world.chair1), ("甲", world.branch2, world.chair2),
                              ("丙", world.branch1, world.chair1)):
        item = factories.nomination(world.campaign, "outstanding_union_worker", unit, chair, nominee_name=name,
                                    id_number=factories.id_number())
        bring_to(item, "county_review", factories.SECOND_TOWNSHIP if unit == world.branch2 else None)
    names = lambda body: re.findall(r'class="fw-semibold">([^<]+)<', body)  # noqa: E731
    for url in ("/nominations/", "/todo/"):
        assert names(client.get(f"{url}?sort=name").get_data(as_text=True)) == ["丙", "乙", "甲"]
        assert names(client.get(f"{url}?sort=-name").get_data(as_text=True)) == ["甲", "乙", "丙"]
        by_unit = names(client.get(f"{url}?sort=unit").get_data(as_text=True))
        assert by_unit == ["甲", "乙", "丙"]  # 东城… before 清真…; then by id
        body = client.get(f"{url}?state=county_review&sort=name&page=1").get_data(as_text=True)
        header = re.search(r'data-sort="name" href="([^"]+)"', body).group(1).replace("&amp;", "&")
        assert "sort=-name" in header and "state=county_review" in header and "page=" not in header
        assert '<input type="hidden" name="sort" value="name">' in body  # the filter form keeps it
        assert client.get(f"{url}?sort=bogus';--").status_code == 200
