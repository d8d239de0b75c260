"""The JSON API as an integrating system sees it: token authentication, the caller's jurisdiction,
cursor pages at a constant cost, transitions with the browser's guards and audit, statistics and
certificate checks, and errors that are always JSON."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from states.nomination import fire
from tests import factories
from tests.conftest import count_queries, require, run_together
from tests.factories import SECOND_TOWNSHIP, bring_to, user_named
from tests.test_bad_input import dispose, sibling_app
from workflow_app.certificates.services import certificate_of
from workflow_app.core.timeutil import utcnow
from workflow_app.extensions import db, limiter
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.notifications.models import Notification
from workflow_app.orgs.services import create_unit
from workflow_app.tokens import services
from workflow_app.tokens.models import ApiToken

API = "/api/v1"


def token_for(username: str, scope: str = "read_write", **options) -> str:
    created = services.create_token(user_named(username), "test", scope, **options)
    db.session.commit()
    return created.secret


def auth(secret: str, language: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {secret}"}
    if language:
        headers["Accept-Language"] = language
    return headers


def nomination_in(world, state: str, township: int = 1, **fields) -> Nomination:
    unit, chair = (world.branch1, world.chair1) if township == 1 else (world.branch2, world.chair2)
    item = factories.nomination(world.campaign, "outstanding_union_worker", unit, chair,
                                id_number=factories.id_number(), **fields)
    return bring_to(item, state, SECOND_TOWNSHIP if township == 2 else None)


def ids_of(response) -> set[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["id"] for item in response.get_json()["items"]}


# ---------------------------------------------------------------- authentication
def test_calls_without_a_usable_token_are_401_and_say_why(client, world):
    good = token_for("county")
    revoked = token_for("county")
    services.revoke_token(db.session.scalar(select(ApiToken).where(
        ApiToken.token_hash == services.hash_secret(revoked))), None)
    expired = token_for("county", days=1)
    db.session.scalar(select(ApiToken).where(ApiToken.token_hash == services.hash_secret(expired))).expires_at = \
        utcnow() - timedelta(seconds=1)
    inactive = token_for("town2")
    user_named("town2").active = False
    db.session.commit()
    cases = {
        "token_missing": {},
        "token_invalid": {"Authorization": "Bearer uh_not-a-real-token"},
        "token_revoked": auth(revoked),
        "token_expired": auth(expired),
        "user_inactive": auth(inactive),
    }
    for reason, headers in cases.items():
        response = client.get(f"{API}/nominations", headers=headers)
        assert response.status_code == 401, reason
        assert response.get_json()["error"] == reason
        assert response.get_json()["message"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get(f"{API}/nominations", headers={"Authorization": f"Basic {good}"}).get_json()["error"] == \
        "token_invalid"
    assert client.get(f"{API}/nominations", headers=auth(good)).status_code == 200


def test_a_browser_session_alone_does_not_authenticate_an_api_call(client, world, login_as):
    nomination = nomination_in(world, "township_review")
    login_as("town1")
    assert client.get(f"/nominations/{nomination.id}").status_code == 200  # the session works in the browser
    assert client.get(f"{API}/nominations").status_code == 401
    response = client.post(f"{API}/nominations/{nomination.id}/transitions",
                           json={"event": "approve", "version": nomination.version})
    assert response.status_code == 401 and response.get_json()["error"] == "token_missing"
    db.session.refresh(nomination)
    assert nomination.state == "township_review"


def test_api_responses_set_no_session_cookie(client, world):
    response = client.get(f"{API}/nominations", headers=auth(token_for("county")))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_a_read_token_reads_but_may_not_act(client, world):
    nomination = nomination_in(world, "township_review")
    secret = token_for("town1", scope="read")
    assert client.get(f"{API}/nominations/{nomination.id}", headers=auth(secret)).status_code == 200
    response = client.post(f"{API}/nominations/{nomination.id}/transitions", headers=auth(secret),
                           json={"event": "approve", "version": nomination.version})
    assert response.status_code == 403 and response.get_json()["error"] == "insufficient_scope"
    db.session.refresh(nomination)
    assert nomination.state == "township_review" and len(nomination.audit_entries) == 2


def test_the_token_records_when_it_was_last_used(client, world):
    secret = token_for("county")
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == services.hash_secret(secret)))
    assert token.last_used_at is None
    client.get(f"{API}/nominations", headers=auth(secret))
    db.session.refresh(token)
    assert token.last_used_at is not None and utcnow() - token.last_used_at < timedelta(minutes=1)
    assert secret not in {token.token_hash, token.prefix} and secret.startswith(token.prefix)


# ---------------------------------------------------------------- reading nominations
def test_each_caller_lists_exactly_the_nominations_of_their_jurisdiction(client, world):
    draft1, review1 = nomination_in(world, "draft"), nomination_in(world, "township_review")
    draft2, review2 = nomination_in(world, "draft", 2), nomination_in(world, "county_review", 2)
    expected = {
        "chair1": {draft1.id, review1.id},
        "town1": {review1.id},
        "chair2": {draft2.id, review2.id},
        "town2": {review2.id},
        "county": {review1.id, review2.id},
        "chaird": set(),
    }
    for username, ids in expected.items():
        assert ids_of(client.get(f"{API}/nominations", headers=auth(token_for(username)))) == ids, username


def test_lists_mask_personal_data_and_the_detail_shows_it_in_full(client, world):
    nomination = nomination_in(world, "township_review")
    secret = token_for("town1")
    listed = client.get(f"{API}/nominations", headers=auth(secret)).get_json()["items"][0]
    assert listed["id_number"] == nomination.id_number[:4] + "*" * 10 + nomination.id_number[-4:]
    assert listed["phone"] == "138****1234"
    assert nomination.id_number not in client.get(f"{API}/nominations", headers=auth(secret)).get_data(as_text=True)
    detail = client.get(f"{API}/nominations/{nomination.id}", headers=auth(secret)).get_json()
    assert detail["id_number"] == nomination.id_number and detail["phone"] == nomination.phone
    assert detail["details"]["birth_date"] == "1985-06-15"
    assert detail["available_events"] == ["approve", "return_for_revision", "return_to_level", "reject"]
    assert detail["review_chain"] == ["branch", "township", "county"]


def test_the_timeline_lists_every_transition_oldest_first(client, world):
    nomination = nomination_in(world, "county_review")
    events = client.get(f"{API}/nominations/{nomination.id}/events", headers=auth(token_for("county"))).get_json()
    assert [(e["event"], e["to_state"], e["actor_name"]) for e in events["items"]] == [
        ("submit", "branch_review", "白玉华"), ("approve", "township_review", "沙海军"),
        ("approve", "county_review", "马志远")]
    assert events["items"][1]["comment"] == "测试意见"


def test_cursor_pages_walk_every_nomination_once(client, world):
    made = [nomination_in(world, "county_review").id for _ in range(7)]
    secret = token_for("county")
    seen, cursor, pages = [], None, 0
    while True:
        response = client.get(f"{API}/nominations", headers=auth(secret),
                              query_string={"limit": 3, **({"cursor": cursor} if cursor else {})})
        body = response.get_json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert str(seen[-1]) not in cursor  # opaque, not the bare id
    assert seen == sorted(made) and pages == 3


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "campaign=abc", "township=-1", "state=bogus",
                                   "cursor=bm90LWEtY3Vyc29y", "cursor=%%%", "q=" + "马" * 51])
def test_malformed_list_parameters_are_400_in_json(client, world, query):
    response = client.get(f"{API}/nominations?{query}", headers=auth(token_for("county")))
    assert response.status_code == 400
    assert response.is_json and response.get_json()["error"] in {"invalid_parameter", "invalid_cursor"}


def test_filters_narrow_the_list(client, world):
    one = nomination_in(world, "county_review", nominee_name="甲乙")
    two = nomination_in(world, "county_review", 2, nominee_name="丙丁")
    three = nomination_in(world, "public_notice")
    secret = token_for("county")
    get = lambda query: ids_of(client.get(f"{API}/nominations?{query}", headers=auth(secret)))  # noqa: E731
    assert get(f"township={world.town1.id}") == {one.id, three.id}
    assert get("state=public_notice") == {three.id}
    assert get("q=丙") == {two.id}
    assert get(f"q={world.branch2.name[:4]}") == {two.id}  # the unit's name counts too
    assert get(f"campaign={world.campaign.id}&honor_type={one.honor_type_id}&state=county_review") == {one.id, two.id}
    assert get(f"campaign={world.campaign.id + 1000}") == set()


def test_a_page_costs_the_same_statements_for_2_or_20_nominations(client, world):
    secret = token_for("county")
    url = f"{API}/nominations?limit=50&q=马"
    client.get(url, headers=auth(secret))  # warm up (and note the token's use)
    for _ in range(2):  # each measure is the first request after a change
        nomination_in(world, "county_review")
    with count_queries() as small:
        assert len(client.get(url, headers=auth(secret)).get_json()["items"]) == 2
    for _ in range(18):
        nomination_in(world, "county_review")
    with count_queries() as large:
        assert len(client.get(url, headers=auth(secret)).get_json()["items"]) == 20
    assert len(large) == len(small), "\n".join(large)


# ---------------------------------------------------------------- the rules, route by route
ID_ROUTES = [
    pytest.param("GET", "/nominations/{id}", id="detail"),
    pytest.param("GET", "/nominations/{id}/events", id="timeline"),
    pytest.param("POST", "/nominations/{id}/transitions", id="transition"),
]


@pytest.mark.parametrize(("method", "route"), ID_ROUTES)
@pytest.mark.parametrize("stranger", ["town2", "chair2", "branch2", "chaird"])
def test_a_token_from_another_township_gets_403_for_every_id_route(client, world, method, route, stranger):
    nomination = nomination_in(world, "township_review")
    before = (nomination.state, nomination.version)
    response = client.open(API + route.format(id=nomination.id), method=method, headers=auth(token_for(stranger)),
                           json={"event": "approve", "comment": "x", "version": nomination.version})
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    assert nomination.nominee_name not in response.get_data(as_text=True)
    db.session.refresh(nomination)
    assert (nomination.state, nomination.version) == before


@pytest.mark.parametrize(("method", "route"), ID_ROUTES)
@pytest.mark.parametrize("missing", [pytest.param(None, id="next_id"), pytest.param(10**20, id="too_large")])
def test_an_id_that_names_nothing_is_404_in_json(client, world, method, route, missing):
    nomination = nomination_in(world, "township_review")
    response = client.open(API + route.format(id=missing or nomination.id + 1), method=method,
                           headers=auth(token_for("county")), json={"event": "approve", "version": 1})
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_a_chair_cannot_see_a_draft_of_another_branch_even_in_the_same_township(client, world):
    other_branch = create_unit(level="branch", code="41162410002", name="另一支部", parent=world.town1)
    chair = factories.user("chair1b", "submitter", other_branch)
    db.session.commit()
    draft = nomination_in(world, "draft")
    response = client.get(f"{API}/nominations/{draft.id}", headers=auth(token_for(chair.username)))
    assert response.status_code == 403


# ---------------------------------------------------------------- transitions
def test_a_reviewer_approves_through_the_api_with_the_same_audit_row_as_the_browser(client, world):
    nomination = nomination_in(world, "township_review")
    response = client.post(f"{API}/nominations/{nomination.id}/transitions", headers=auth(token_for("town1")),
                           json={"event": "approve", "comment": "同意上报", "version": nomination.version})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["nomination"]["state"] == "county_review" and body["event"]["actor_name"] == "马志远"
    db.session.expire_all()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.nomination_id == nomination.id)
                               .order_by(AuditEntry.id.desc())).first()
    assert (entry.event, entry.from_state, entry.to_state, entry.actor_role, entry.actor_unit_name, entry.comment) == \
        ("approve", "township_review", "county_review", "reviewer", world.town1.name, "同意上报")
    assert entry.client_ip == "127.0.0.1"
    # Committed first, then the county reviewer was told, as after a click in the browser.
    assert db.session.scalar(select(Notification).where(Notification.user_id == world.county_reviewer.id))


def test_a_branch_approval_that_needs_a_vote_takes_it_from_the_body(client, world):
    nomination = bring_to(factories.nomination(world.campaign, "advanced_worker", world.branch1, world.chair1,
                                               id_number=factories.id_number()), "branch_review")
    secret = token_for("branch1")
    url = f"{API}/nominations/{nomination.id}/transitions"
    refused = client.post(url, headers=auth(secret), json={"event": "approve", "version": nomination.version})
    assert refused.status_code == 422 and "表决" in refused.get_json()["message"]
    no_quorum = client.post(url, headers=auth(secret), json={
        "event": "approve", "version": nomination.version, "vote": {"due": 10, "present": 5, "in_favour": 5}})
    assert no_quorum.status_code == 422
    done = client.post(url, headers=auth(secret), json={
        "event": "approve", "version": nomination.version, "vote": {"due": 10, "present": 9, "in_favour": 8}})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["nomination"]["vote"] == {"due": 10, "present": 9, "in_favour": 8}


def test_a_refusal_gives_the_reason_in_chinese_by_default_and_in_english_on_request(client, world):
    nomination = nomination_in(world, "township_review")
    secret = token_for("town1")
    url = f"{API}/nominations/{nomination.id}/transitions"
    body = {"event": "return_for_revision", "version": nomination.version}
    chinese = client.post(url, headers=auth(secret), json=body)
    assert chinese.status_code == 422
    assert chinese.get_json() == {"error": "refused", "message": "请在办理意见中说明理由。", "guard": "comment_given"}
    english = client.post(url, headers=auth(secret, "en-US,en;q=0.9"), json=body)
    assert english.get_json()["message"] == "Please give a reason in the comment."
    db.session.refresh(nomination)
    assert nomination.state == "township_review"


def test_only_the_reviewer_at_the_current_level_may_act(client, world):
    nomination = nomination_in(world, "township_review")
    response = client.post(f"{API}/nominations/{nomination.id}/transitions", headers=auth(token_for("county")),
                           json={"event": "approve", "version": nomination.version})
    assert response.status_code == 422
    assert response.get_json() == {"error": "refused", "message": "只有负责该单位本级审核的审核人可以执行此操作。",
                                   "guard": "actor_reviews_at_this_level"}


def test_an_action_impossible_in_this_state_is_409(client, world):
    nomination = nomination_in(world, "township_review")
    response = client.post(f"{API}/nominations/{nomination.id}/transitions", headers=auth(token_for("admin")),
                           json={"event": "certify", "version": nomination.version})
    assert response.status_code == 409 and response.get_json()["error"] == "invalid_state"


def test_the_loser_of_a_race_gets_409_and_who_was_first(client, world):
    nomination = nomination_in(world, "county_review")
    read_version = nomination.version
    first = client.post(f"{API}/nominations/{nomination.id}/transitions", headers=auth(token_for("county")),
                        json={"event": "return_for_revision", "comment": "材料不全", "version": read_version})
    assert first.status_code == 200
    second = client.post(f"{API}/nominations/{nomination.id}/transitions", headers=auth(token_for("town1")),
                         json={"event": "withdraw", "version": read_version})
    assert second.status_code == 409, second.get_data(as_text=True)
    assert second.get_json()["error"] == "conflict"
    stale = client.post(f"{API}/nominations/{nomination.id}/transitions", headers=auth(token_for("chair1")),
                        json={"event": "withdraw", "version": read_version})
    assert stale.status_code == 409 and stale.get_json()["error"] == "conflict"
    assert "刘秀兰" in stale.get_json()["message"]  # who was first


@pytest.mark.parametrize("body", [
    pytest.param("not json", id="not_json"),
    pytest.param("[1, 2]", id="not_an_object"),
    pytest.param('{"event": "fly", "version": 1}', id="unknown_event"),
    pytest.param('{"event": "approve"}', id="no_version"),
    pytest.param('{"event": "approve", "version": true}', id="boolean_version"),
    pytest.param('{"event": "approve", "version": 1, "comment": 5}', id="comment_not_text"),
    pytest.param('{"event": "approve", "version": 1, "vote": {"due": -1}}', id="negative_vote"),
    pytest.param('{"event": "approve", "version": 1, "vote": {"due": 10000000000}}', id="huge_vote"),
    pytest.param('{"event": "approve", "version": 1, "vote": [1]}', id="vote_not_an_object"),
])
def test_a_malformed_body_is_400_in_json_and_changes_nothing(client, world, body):
    nomination = nomination_in(world, "township_review")
    response = client.post(f"{API}/nominations/{nomination.id}/transitions", data=body,
                           headers={**auth(token_for("town1")), "Content-Type": "application/json"})
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["error"] in {"invalid_json", "invalid_body"}
    db.session.refresh(nomination)
    assert nomination.state == "township_review"


def test_unknown_paths_and_methods_answer_in_json(client, world):
    secret = token_for("county")
    missing = client.get(f"{API}/nothing-here", headers=auth(secret))
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    wrong = client.delete(f"{API}/nominations", headers=auth(secret))
    assert wrong.status_code == 405 and wrong.get_json()["error"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]
    assert client.get("/nominations/999999").status_code == 302  # the HTML app still sends people to log in
    assert "text/html" in client.get("/nothing-here").content_type


# ---------------------------------------------------------------- statistics
def test_county_staff_read_the_dashboard_figures(client, world):
    response = client.get(f"{API}/statistics?year=2012", headers=auth(token_for("county")))
    assert response.status_code == 200, response.get_data(as_text=True)
    board = response.get_json()
    assert board["county"]["id"] == world.county.id and board["year"] == 2012 and board["quarter"] == 0
    assert {row["unit"]["id"] for row in board["rows"]} >= {world.town1.id, world.town2.id}
    assert board["targets"] is not None  # the plan's 2012 goals are seeded
    assert board["total"]["unit"] is None


@pytest.mark.parametrize("username", ["town1", "chair1", "branch1"])
def test_statistics_are_403_for_those_without_the_dashboard(client, world, username):
    response = client.get(f"{API}/statistics", headers=auth(token_for(username)))
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"


@pytest.mark.parametrize("query", ["year=12x", "quarter=5", "county=0"])
def test_malformed_statistics_parameters_are_400(client, world, query):
    assert client.get(f"{API}/statistics?{query}", headers=auth(token_for("county"))).status_code == 400


# ---------------------------------------------------------------- certificates
def test_anyone_verifies_a_certificate_by_token_or_by_number_and_check_code(client, world):
    nomination = nomination_in(world, "certified")
    certificate = certificate_of(nomination)
    by_token = client.get(f"{API}/certificates/verify/{certificate.token}")
    assert by_token.status_code == 200
    assert by_token.get_json() | {} == {
        "status": "valid", "number": certificate.number, "holder": nomination.nominee_name,
        "honor": certificate.honor_name, "issuer": certificate.issuer,
        "issued_on": certificate.issued_on.isoformat(), "revoked_at": None}
    by_number = client.get(f"{API}/certificates/verify",
                           query_string={"number": certificate.number, "check": certificate.check_code.lower()})
    assert by_number.status_code == 200 and by_number.get_json()["number"] == certificate.number
    wrong = client.get(f"{API}/certificates/verify", query_string={"number": certificate.number, "check": "AAAAAA"})
    assert wrong.status_code == 404 and wrong.get_json()["error"] == "not_found"
    assert client.get(f"{API}/certificates/verify?number=x").status_code == 400
    assert client.get(f"{API}/certificates/verify/no-such-token").status_code == 404
    fire(nomination, "revoke", world.admin, "撤销")
    db.session.commit()
    assert client.get(f"{API}/certificates/verify/{certificate.token}").get_json()["status"] == "revoked"


def test_certificate_lookups_by_number_are_rate_limited(app, world, monkeypatch):
    # The Limiter object is shared by every app in the process; put its switch back afterwards.
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    limited = sibling_app(app, RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="3 per minute")
    try:
        client = limited.test_client()
        codes = [client.get(f"{API}/certificates/verify?number=A&check=B").status_code for _ in range(5)]
        assert codes == [404, 404, 404, 429, 429]
        blocked = client.get(f"{API}/certificates/verify?number=A&check=B")
        assert blocked.get_json()["error"] == "too_many_requests"
    finally:
        dispose(limited)


@pytest.mark.postgres
def test_two_systems_approving_at_once_one_wins_and_the_other_gets_409(app, world, migrated_database):
    if migrated_database.kind != "postgresql":
        require("PostgreSQL", "WORKFLOW_REQUIRE_PG",
                "races need real concurrent connections; run with TEST_PG_ADMIN_URL (make test does)")
    factories.user("county2", "reviewer", world.county, "县审核员乙")
    nomination = nomination_in(world, "county_review")
    secrets_, url, version = [token_for("county"), token_for("county2")], \
        f"{API}/nominations/{nomination.id}/transitions", nomination.version
    db.session.remove()
    barrier, answers = threading.Barrier(2), []

    def approve(secret: str) -> None:
        client = app.test_client()
        barrier.wait(timeout=10)
        answers.append(client.post(url, headers=auth(secret), json={"event": "approve", "version": version}))

    run_together([threading.Thread(target=approve, args=(secret,)) for secret in secrets_])
    assert sorted(answer.status_code for answer in answers) == [200, 409]
    loser = next(answer for answer in answers if answer.status_code == 409).get_json()
    assert loser["error"] == "conflict"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.nomination_id == nomination.id, AuditEntry.to_state == "public_notice")) == 1
