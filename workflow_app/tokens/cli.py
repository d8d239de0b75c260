"""``flask --app wsgi api-token create USERNAME --scope read|read_write [--days N]`` and ``revoke ID``."""

from __future__ import annotations

import click
from sqlalchemy import select

from workflow_app.auth.models import User
from workflow_app.core import work
from workflow_app.extensions import db
from workflow_app.tokens import services
from workflow_app.tokens.models import SCOPES, ApiToken

group = click.Group("api-token", help="Create and revoke API tokens.")


@group.command("create")
@click.argument("username")
@click.option("--scope", type=click.Choice(SCOPES), required=True, help="read, or read_write to act too.")
@click.option("--days", type=click.IntRange(1, services.MAX_DAYS), default=None, help="Expire after N days.")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@work.transactional
def create_command(username: str, scope: str, days: int | None, name: str):
    """Create a token for USERNAME and print its secret (shown this once only)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    try:
        created = services.create_token(user, name, scope, days=days)
    except services.TokenError as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(f"token {created.token.id} for {username} ({scope}"
               + (f", expires {created.token.expires_at:%Y-%m-%d %H:%M} UTC)" if days else ", no expiry)"))
    click.echo(created.secret)
    click.echo("Store it now: it is not shown again.", err=True)


@group.command("revoke")
@click.argument("token_id", type=int)
@work.transactional
def revoke_command(token_id: int):
    """Revoke token TOKEN_ID (see the county's token page for ids)."""
    token = db.session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if token is None:
        raise click.ClickException(f"no token with id {token_id}")
    if services.revoke_token(token, None):
        click.echo(f"revoked token {token_id} ({token.prefix}…) of {token.user.username}")
    else:
        click.echo(f"token {token_id} was already revoked")
