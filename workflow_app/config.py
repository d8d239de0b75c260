"""Settings from the environment, with safe defaults for the embedded demo."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """Raised when the app would start with an unsafe configuration."""


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _falsy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"0", "false", "no", "off"}


def _demo_secret(instance_path: Path) -> str:
    """A random secret kept in the instance folder, so demo sessions survive a restart."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "demo-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


# Secrets that appear in tutorials, examples and our own tests: never acceptable in production.
KNOWN_SECRETS = frozenset({"dev", "development", "secret", "secret-key", "secretkey", "changeme", "change-me",
                           "test", "testing", "test-secret-key", "please-change-me", "your-secret-key"})
MIN_SECRET_LENGTH = 32


def check_secret(secret: str) -> None:
    """Refuse a secret an attacker could guess: signed session cookies would then be forgeable."""
    if secret.strip().lower() in KNOWN_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"SECRET_KEY is too short or a well-known default: use at least {MIN_SECRET_LENGTH} random "
            "characters, e.g. python3 -c 'import secrets; print(secrets.token_hex(32))'."
        )


def load_config(overrides: dict | None = None) -> dict:
    """Build the Flask config from the environment; ``overrides`` win (tests use them)."""
    overrides = overrides or {}
    env = os.environ
    instance_path = Path(overrides.get("INSTANCE_PATH") or env.get("WORKFLOW_INSTANCE") or DEFAULT_INSTANCE)
    demo_mode = overrides.get("DEMO_MODE", _truthy(env.get("WORKFLOW_DEMO")))
    testing = overrides.get("TESTING", False)

    secret = overrides.get("SECRET_KEY") or env.get("SECRET_KEY")
    if not secret:
        if demo_mode or testing:
            secret = _demo_secret(instance_path) if demo_mode else secrets.token_hex(32)
        else:
            raise ConfigError(
                "SECRET_KEY is not set. Set it in the environment, or set WORKFLOW_DEMO=1 for the demo."
            )
    elif not demo_mode and not testing:
        check_secret(secret)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'workflow.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]

    storage_root = Path(overrides.get("STORAGE_ROOT") or env.get("WORKFLOW_STORAGE") or instance_path)
    # Redis, when configured, carries the job queue and the rate limiter's counters, so that several
    # app servers share them; without it jobs run inline and limits are counted per process.
    redis_url = overrides.get("REDIS_URL", env.get("WORKFLOW_REDIS_URL", ""))

    config = {
        "SECRET_KEY": secret,
        "DEMO_MODE": demo_mode,
        "INSTANCE_PATH": str(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "STORAGE_ROOT": str(storage_root),
        "UPLOAD_FOLDER": env.get("WORKFLOW_UPLOADS") or str(storage_root / "uploads"),
        # One request may carry a few attachments; each file is also checked on its own.
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
        "MAX_ATTACHMENT_BYTES": int(env.get("WORKFLOW_MAX_ATTACHMENT_BYTES") or 10 * 1024 * 1024),
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent / "translations"),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or redis_url or "memory://",
        # Background jobs (workflow_app/jobs): the RQ queue's name, how long a job may run, how long a
        # result file is kept, and the sizes past which printing and exports become jobs.
        "JOBS_QUEUE": env.get("WORKFLOW_JOBS_QUEUE") or "workflow",
        "JOBS_TIMEOUT_SECONDS": int(env.get("WORKFLOW_JOBS_TIMEOUT_SECONDS") or 3600),
        "JOBS_RESULT_HOURS": int(env.get("WORKFLOW_JOBS_RESULT_HOURS") or 72),
        "JOBS_STALE_MINUTES": int(env.get("WORKFLOW_JOBS_STALE_MINUTES") or 30),
        "PRINT_JOB_THRESHOLD": int(env.get("WORKFLOW_PRINT_JOB_THRESHOLD") or 200),
        "PRINT_CHUNK_PAGES": int(env.get("WORKFLOW_PRINT_CHUNK_PAGES") or 500),
        "EXPORT_JOB_THRESHOLD": int(env.get("WORKFLOW_EXPORT_JOB_THRESHOLD") or 2000),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": env.get("WORKFLOW_LOGIN_RATE_LIMIT") or "10 per minute",
        # Per account (the username as typed), whichever address the attempts come from.
        "LOGIN_ACCOUNT_RATE_LIMIT": env.get("WORKFLOW_LOGIN_ACCOUNT_RATE_LIMIT") or "20 per hour",
        # Lockout: this many failed logins within the window lock the account for LOCKOUT_MINUTES.
        "LOCKOUT_ATTEMPTS": int(env.get("WORKFLOW_LOCKOUT_ATTEMPTS") or 5),
        "LOCKOUT_WINDOW_MINUTES": int(env.get("WORKFLOW_LOCKOUT_WINDOW_MINUTES") or 15),
        "LOCKOUT_MINUTES": int(env.get("WORKFLOW_LOCKOUT_MINUTES") or 15),
        # A session unused this long ends; the next request logs in again and comes back via ``next``.
        "IDLE_TIMEOUT_MINUTES": int(env.get("WORKFLOW_IDLE_TIMEOUT_MINUTES") or 30),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _truthy(env.get("WORKFLOW_SECURE_COOKIES")),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "BOOTSTRAP_SERVE_LOCAL": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "PAGE_SIZE": 20,
        # Number of reverse proxies in front of the app (0: none). Only set it when there is one,
        # or clients could forge their address in X-Forwarded-For.
        "PROXY_HOPS": int(env.get("WORKFLOW_PROXY_HOPS") or 0),
        # The address printed in certificate QR codes; defaults to the address of the request.
        "PUBLIC_BASE_URL": env.get("WORKFLOW_PUBLIC_URL", ""),
        "CERTIFICATE_TITLE_FONT": env.get("WORKFLOW_CERTIFICATE_TITLE_FONT", ""),
        "CERTIFICATE_BODY_FONT": env.get("WORKFLOW_CERTIFICATE_BODY_FONT", ""),
        # Notification e-mail; none is sent while MAIL_SERVER is empty.
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT") or 25),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _truthy(env.get("MAIL_USE_TLS")),
        "MAIL_FROM": env.get("MAIL_FROM", ""),
        "MAIL_TIMEOUT": 10,
        # Public objections: per-IP limit, and how long the form must have been open (bots post at once).
        "OBJECTION_RATE_LIMIT": env.get("WORKFLOW_OBJECTION_RATE_LIMIT") or "5 per hour",
        "OBJECTION_MIN_SECONDS": int(env.get("WORKFLOW_OBJECTION_MIN_SECONDS") or 5),
        "OBJECTION_MAX_SECONDS": int(env.get("WORKFLOW_OBJECTION_MAX_SECONDS") or 24 * 3600),
    }
    config.update(overrides)
    return config
