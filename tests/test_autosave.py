"""Draft autosave from the chair's side: the edit page posts the form in the background, and the server
saves it with the Save button's checks, or says why not (invalid field, stale page, no longer a draft,
not the chair's, gone, logged out) and changes nothing."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.factories import bring_to
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination


@pytest.fixture
def draft(world) -> Nomination:
    item = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                deeds_summary="旧的事迹。")
    db.session.commit()
    return item


def stored(nomination: Nomination) -> Nomination:
    db.session.expire_all()
    return db.session.get(Nomination, nomination.id)


def autosave(client, nomination: Nomination, **changes):
    return client.post(f"/nominations/{nomination.id}/autosave", data=factories.edit_form(nomination, **changes),
                       headers={"Accept": "application/json"})


def test_the_chair_s_draft_is_saved_and_the_new_version_returned(client, world, draft, login_as):
    login_as("chair1")
    before = draft.version
    response = autosave(client, draft, deeds_summary="新写的事迹，还没按保存。")
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["saved"] is True and answer["version"] == before + 1
    assert re.fullmatch(r"已自动保存 \d\d:\d\d", answer["message"])
    row = stored(draft)
    assert row.deeds_summary == "新写的事迹，还没按保存。" and row.version == before + 1 and row.state == "draft"
    # The page then carries the new version: the Save button still works after an autosave.
    response = client.post(f"/nominations/{draft.id}/edit", data=factories.edit_form(row, deeds_summary="再改一次。"))
    assert response.status_code == 302 and stored(draft).deeds_summary == "再改一次。"


def test_the_status_line_speaks_the_chair_s_language(client, world, draft, login_as):
    login_as("chair1")
    client.post("/language", data={"locale": "en", "next": "/todo/"})
    answer = autosave(client, draft, post="主任").get_json()
    assert re.fullmatch(r"Saved automatically at \d\d:\d\d", answer["message"])


def test_an_invalid_form_is_not_saved_and_the_fields_are_named(client, world, draft, login_as):
    login_as("chair1")
    response = autosave(client, draft, phone="123", deeds_summary="不该保存的改动。")
    assert response.status_code == 422
    answer = response.get_json()
    assert answer["saved"] is False and list(answer["errors"]) == ["phone"]
    assert answer["message"].startswith("未自动保存：") and "联系电话" in answer["message"]
    row = stored(draft)
    assert row.deeds_summary == "旧的事迹。" and row.version == draft.version


def test_an_id_number_taken_in_the_campaign_is_refused_like_the_save_button_does(client, world, draft, login_as):
    other = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                 nominee_name="白玉华")
    db.session.commit()
    login_as("chair1")
    response = autosave(client, draft, id_number=other.id_number, birth_date="", gender="")
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["id_number"]
    assert stored(draft).id_number != other.id_number


def test_a_stale_page_does_not_overwrite_a_newer_save(client, world, draft, login_as):
    login_as("chair1")
    stale = factories.edit_form(draft)
    assert autosave(client, draft, deeds_summary="第一个标签页保存的。").status_code == 200
    response = client.post(f"/nominations/{draft.id}/autosave", data={**stale, "deeds_summary": "旧标签页的。"})
    assert response.status_code == 409 and response.get_json()["saved"] is False
    assert stored(draft).deeds_summary == "第一个标签页保存的。"


def test_a_submitted_nomination_is_never_overwritten(client, world, draft, login_as):
    bring_to(draft, "branch_review")
    login_as("chair1")
    response = autosave(client, draft, deeds_summary="提交后的改动。")
    assert response.status_code == 409
    assert response.get_json()["message"] == "未自动保存：该申报已不是草稿（当前状态：基层工会审核）"
    assert stored(draft).deeds_summary == "旧的事迹。"


def test_a_returned_nomination_is_editable_again(client, world, draft, login_as):
    bring_to(draft, "returned")
    login_as("chair1")
    assert autosave(client, draft, deeds_summary="按意见修改。").status_code == 200
    assert stored(draft).deeds_summary == "按意见修改。"


@pytest.mark.parametrize("username", ["chair2", "branch1", "county"])
def test_only_the_unit_s_chair_may_autosave(client, world, draft, login_as, username):
    bring_to(draft, "returned")  # visible to the reviewers above, still not theirs to edit
    login_as(username)
    response = autosave(client, draft, deeds_summary="别人的改动。")
    assert response.status_code == 403 and response.get_json()["saved"] is False
    assert stored(draft).deeds_summary == "旧的事迹。"


def test_a_missing_nomination_is_404_and_a_lost_session_401(client, world, draft, login_as):
    login_as("chair1")
    response = client.post("/nominations/999999/autosave", data=factories.edit_form(draft))
    assert response.status_code == 404 and response.get_json()["saved"] is False
    client.post("/logout")
    response = autosave(client, draft, deeds_summary="登录过期后的改动。")
    assert response.status_code == 401 and "未自动保存" in response.get_json()["message"]
    assert stored(draft).deeds_summary == "旧的事迹。"


def test_autosave_needs_the_csrf_token(app, client, world, draft, login_as):
    login_as("chair1")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = autosave(client, draft, deeds_summary="没有令牌的改动。")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert stored(draft).deeds_summary == "旧的事迹。"


def test_the_edit_page_offers_autosave_and_the_new_form_keeps_the_warning(client, world, draft, login_as):
    login_as("chair1")
    page = client.get(f"/nominations/{draft.id}/edit").get_data(as_text=True)
    assert f'data-autosave-url="/nominations/{draft.id}/autosave"' in page and 'id="autosave-status"' in page
    honor = factories.honor("outstanding_union_worker")
    page = client.get(f"/nominations/new/details?campaign_id={world.campaign.id}&honor_type_id={honor.id}"
                      f"&org_unit_id={world.branch1.id}").get_data(as_text=True)
    assert "data-unsaved-warning" in page and "data-autosave-url" not in page
