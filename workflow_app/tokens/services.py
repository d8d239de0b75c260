"""API tokens: create (the secret is returned once), check a presented token, revoke, list.
Plain functions; they flush but never commit (the request or the CLI command commits)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from workflow_app.auth.models import RoleAssignment, User
from workflow_app.core import work
from workflow_app.core.errors import UserError
from workflow_app.core.timeutil import utcnow
from workflow_app.extensions import db
from workflow_app.orgs.models import OrgUnit
from workflow_app.tokens.models import SCOPES, ApiToken

SECRET_PREFIX = "uh_"  # recognisable in logs and by secret scanners
PREFIX_LENGTH = 10  # "uh_" and 7 characters of the secret: enough to tell tokens apart, useless to guess
MAX_DAYS = 3650
MAX_ACTIVE_TOKENS = 20
# Writing "last used" on every call would turn each GET into a write; once a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenError(UserError):
    """A refusal whose message is for people."""


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    secret: str  # shown once; never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user: User, name: str, scope: str, *, days: int | None = None,
                 created_by: User | None = None, now: datetime | None = None) -> CreatedToken:
    """A new token for ``user``; ``days`` (1–3650) sets an expiry, None keeps it until revoked."""
    now = now or utcnow()
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise TokenError(_l("Give the token a name of at most 64 characters."))
    if scope not in SCOPES:
        raise TokenError(_l("The scope must be read or read_write."))
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise TokenError(_l("A token is valid for 1 to %(days)d days.", days=MAX_DAYS))
    if not user.active:
        raise TokenError(_l("This user is inactive."))
    if len(active_tokens(user, now)) >= MAX_ACTIVE_TOKENS:
        raise TokenError(_l("At most %(count)d tokens may be active at once; revoke one first.",
                            count=MAX_ACTIVE_TOKENS))
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=secret[:PREFIX_LENGTH], token_hash=hash_secret(secret),
                     scope=scope, created_at=now, created_by_id=created_by.id if created_by else None,
                     expires_at=now + timedelta(days=days) if days else None)
    db.session.add(token)
    db.session.flush()
    return CreatedToken(token=token, secret=secret)


class TokenRejected(Exception):
    """Why a presented token does not authenticate: ``code`` for programs, ``message`` for people."""

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message


def authenticate(header: str | None, now: datetime | None = None) -> ApiToken:
    """The token named by an ``Authorization: Bearer …`` header, or TokenRejected."""
    now = now or utcnow()
    scheme, _, secret = (header or "").strip().partition(" ")
    if not header:
        raise TokenRejected("token_missing", _l("Send an API token: Authorization: Bearer <token>."))
    if scheme.lower() != "bearer" or not secret.strip():
        raise TokenRejected("token_invalid", _l("The Authorization header must read: Bearer <token>."))
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret.strip())))
    if token is None:
        raise TokenRejected("token_invalid", _l("This API token is not known."))
    if token.revoked_at is not None:
        raise TokenRejected("token_revoked", _l("This API token was revoked."))
    if token.is_expired(now):
        raise TokenRejected("token_expired", _l("This API token has expired."))
    if not token.user.active:
        raise TokenRejected("user_inactive", _l("The owner of this API token is inactive."))
    return token


def record_use(token: ApiToken, now: datetime | None = None) -> bool:
    """Note when the token was last used (to the minute); True when the row changed. Bookkeeping: a GET
    writes it too."""
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return False
    with work.bookkeeping():
        token.last_used_at = now
    return True


def revoke_token(token: ApiToken, by: User | None, now: datetime | None = None) -> bool:
    """Revoke once; a second revocation changes nothing (and says so)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    token.revoked_by_id = by.id if by else None
    db.session.flush()
    return True


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def active_tokens(user: User, now: datetime) -> list[ApiToken]:
    return [token for token in tokens_of(user) if token.is_usable(now)]


def _users_under(counties: list[OrgUnit]):
    """Ids of users holding any role in the counties' subtrees."""
    paths = [county.path for county in counties]
    return (select(RoleAssignment.user_id).join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
            .where(or_(*[OrgUnit.path.startswith(path) for path in paths])))


def county_tokens(counties: list[OrgUnit]) -> list[ApiToken]:
    """Every token of every user with a role in these counties, newest first (one statement)."""
    if not counties:
        return []
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id.in_(_users_under(counties)))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def administers_owner(counties: list[OrgUnit], token: ApiToken) -> bool:
    """True when the token's owner holds a role inside one of ``counties``."""
    return any(county.contains(assignment.org_unit) for assignment in token.user.roles for county in counties)
