"""API tokens as people manage them: each user creates and revokes their own on the account page
(the secret shown once, only its hash kept); a county administrator revokes those of their county;
the ``api-token`` command does the same from a shell."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import user_named
from workflow_app.extensions import db
from workflow_app.orgs.services import create_unit
from workflow_app.tokens import services
from workflow_app.tokens.models import ApiToken

API = "/api/v1/nominations"


def secret_on(html: str) -> str:
    match = re.search(r'id="token-secret">([^<]+)<', html)
    assert match, "the new token is not on the page"
    return match.group(1)


def works(client, secret: str) -> int:
    return client.get(API, headers={"Authorization": f"Bearer {secret}"}).status_code


def test_a_user_creates_a_token_sees_it_once_and_revokes_it(client, world, login_as):
    login_as("town1")
    assert 'id="api-tokens-link"' in client.get("/account").get_data(as_text=True)
    response = client.post("/account/tokens", data={"name": "移动端", "scope": "read", "days": "30"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = secret_on(response.get_data(as_text=True))
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.town_reviewer1.id))
    assert token.token_hash == services.hash_secret(secret) and secret not in (token.token_hash, token.prefix)
    assert (token.scope, token.name) == ("read", "移动端") and token.expires_at is not None
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in listing and f"{token.prefix}…" in listing, "afterwards only the prefix shows"
    assert works(client, secret) == 200
    client.post(f"/account/tokens/{token.id}/revoke")
    assert works(client, secret) == 401
    db.session.refresh(token)
    assert token.revoked_by_id == world.town_reviewer1.id


@pytest.mark.parametrize("form", [{"name": "", "scope": "read"}, {"name": "x", "scope": "admin"},
                                  {"name": "x", "scope": "read", "days": "0"},
                                  {"name": "x", "scope": "read", "days": "99999"}, {"name": "x" * 65, "scope": "read"}])
def test_a_bad_token_form_creates_nothing(client, world, login_as, form):
    login_as("town1")
    body = client.post("/account/tokens", data=form).get_data(as_text=True)
    assert 'id="token-secret"' not in body and "is-invalid" in body
    assert db.session.scalar(select(ApiToken)) is None


def test_nobody_revokes_someone_elses_token_from_their_account_page(client, world, login_as):
    secret = services.create_token(world.town_reviewer1, "x", "read").secret
    db.session.commit()
    token = db.session.scalar(select(ApiToken))
    login_as("town2")
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert "x" not in re.findall(r"<td data-label=\"[^\"]+\">([^<]*)</td>",
                                 client.get("/account/tokens").get_data(as_text=True))
    assert works(client, secret) == 200


def test_a_county_admin_lists_and_revokes_the_tokens_of_their_county_only(client, world, login_as):
    other_county = create_unit(level="county", code="411625", name="郸城县总工会")
    outsider = factories.user("outsider", "reviewer", other_county, "外县审核人")
    db.session.commit()
    ours = services.create_token(world.chair1, "手机", "read_write").secret
    theirs = services.create_token(outsider, "外县系统", "read").secret
    db.session.commit()
    login_as("admin")
    page = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "白玉华" in page and "外县审核人" not in page
    mine, foreign = (db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
                     for user in (world.chair1, outsider))
    assert client.post(f"/admin/api-tokens/{foreign.id}/revoke").status_code == 403
    assert client.post(f"/admin/api-tokens/{mine.id}/revoke").status_code == 302
    assert works(client, ours) == 401 and works(client, theirs) == 200


@pytest.mark.parametrize("username", ["county", "town1", "chair1"])
def test_only_county_admins_open_the_county_token_page(client, world, login_as, username):
    login_as(username)
    assert client.get("/admin/api-tokens").status_code == 403


def test_the_cli_creates_and_revokes_tokens(app, world, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api-token", "create", "county", "--scope", "read_write", "--days", "7"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith(services.SECRET_PREFIX) and works(client, secret) == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user_named("county").id))
    assert token.scope == "read_write" and token.expires_at is not None
    revoked = runner.invoke(args=["api-token", "revoke", str(token.id)])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert works(client, secret) == 401
    assert runner.invoke(args=["api-token", "create", "nobody", "--scope", "read"]).exit_code != 0
    assert runner.invoke(args=["api-token", "create", "county", "--scope", "admin"]).exit_code != 0
    assert runner.invoke(args=["api-token", "revoke", "999999"]).exit_code != 0
