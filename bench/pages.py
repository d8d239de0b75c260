"""Server-side time and SQL statements of the busiest pages, at two data set sizes, on SQLite and PostgreSQL.

    python bench/pages.py [--sizes 1000 100000] [--dialects sqlite postgresql] [--requests 200] [--reuse]

For every dialect and size: a fresh database (SQLite file in a temporary folder; PostgreSQL database
``<--pg-prefix><size>``, by default ``bench_pages_<size>``, created at --pg-admin-url and dropped afterwards
unless --keep), migrated and filled by ``seed-scale``; then the pages are requested in process through the
Flask test client, round-robin after a warm-up (pages and both sizes interleaved), and timed inside a WSGI middleware
(the app's own time, from the first byte of the request to the last byte of the body; no network stack).
The bare-Flask floor (``bench/floor.py``: one route, one primary-key lookup) runs in the same round-robin
as the reference. Every page is the full path, rendered on every request: nothing keeps a logged-in user's
page (the kept-page cache and its data generation were removed, issue #14).
The table shows median and p95 in ms, the statements one request runs, and the checks:
every page at the large size within 1.3 × its time at the small size, the same number of statements at
both sizes, every page under 50 ms median at the large size on PostgreSQL. Exits non-zero on a miss.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from bench.floor import create_floor_app  # noqa: E402
from workflow_app.app import create_app  # noqa: E402
from workflow_app.auth.models import RoleAssignment, User  # noqa: E402
from workflow_app.certificates.models import Certificate  # noqa: E402
from workflow_app.demo.scale import SCALE_PASSWORD, existing_data, seed_scale  # noqa: E402
from workflow_app.extensions import db  # noqa: E402
from workflow_app.nominations.models import Nomination  # noqa: E402
from workflow_app.orgs.models import OrgUnit  # noqa: E402

PAGES = ("floor", "county to-do", "township to-do", "list filtered + searched", "nomination page",
         "county dashboard", "verification")
TARGET_GROWTH, TARGET_PG_MS = 1.3, 50.0


class Timer:
    """WSGI middleware: the app's time per request, body included."""

    def __init__(self, app):
        self.app, self.last = app, 0.0

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        body = self.app(environ, start_response)
        try:
            chunks = list(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        self.last = time.perf_counter() - started
        return chunks


@dataclass
class Result:
    times: dict[str, list[float]] = field(default_factory=dict)
    statements: dict[str, int] = field(default_factory=dict)
    seed_seconds: float | None = None

    def median(self, page: str) -> float:
        return statistics.median(self.times[page]) * 1000

    def p95(self, page: str) -> float:
        values = sorted(self.times[page])
        return values[min(int(len(values) * 0.95), len(values) - 1)] * 1000


PG_PREFIX = "bench_pages_"


def database_url(dialect: str, size: int, work: Path, admin_url: str, prefix: str = PG_PREFIX) -> str:
    if dialect == "sqlite":
        return f"sqlite:///{work / f'pages_{size}.db'}"
    return admin_url.rsplit("/", 1)[0] + f"/{prefix}{size}"


def create_database(dialect: str, size: int, admin_url: str, reuse: bool, prefix: str = PG_PREFIX) -> None:
    if dialect != "postgresql":
        return
    name = f"{prefix}{size}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and not reuse:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or not reuse:
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(dialect: str, size: int, admin_url: str, prefix: str = PG_PREFIX) -> None:
    if dialect == "postgresql":
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{prefix}{size}" WITH (FORCE)')


def make_app(url: str, work: Path):
    os.environ["DATABASE_URL"] = url
    return create_app({"SECRET_KEY": secrets.token_hex(32), "INSTANCE_PATH": str(work),
                       "UPLOAD_FOLDER": str(work / "up"), "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})


def prepare(app, size: int) -> float | None:
    """Migrate and seed unless the database already holds the data set; returns the seeding seconds."""
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            if existing_data(conn):
                return None
        return seed_scale(size).seconds


def targets(app) -> tuple[dict[str, str], dict[str, str]]:
    """The URLs and who requests them: the largest county (county 0, as ``seed_scale`` builds it), its
    township with the most to-dos, a search for the first character of a name waiting for the county,
    a nomination waiting for the county and a certificate of the county: no page is empty at either size."""
    with app.app_context():
        county = db.session.scalar(select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.id))
        in_county = OrgUnit.path.startswith(county.path)
        waiting = db.session.execute(
            select(Nomination.id, Nomination.campaign_id, Nomination.nominee_name)
            .join(OrgUnit, OrgUnit.id == Nomination.org_unit_id)
            .where(in_county, Nomination.state == "county_review").order_by(Nomination.id)).first()
        township = db.session.scalar(
            select(Nomination.quota_unit_id).join(OrgUnit, OrgUnit.id == Nomination.org_unit_id)
            .where(in_county, Nomination.state == "township_review")
            .group_by(Nomination.quota_unit_id).order_by(func.count().desc(), Nomination.quota_unit_id))
        town_reviewer = db.session.scalar(
            select(User.username).join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.org_unit_id == township, RoleAssignment.role == "reviewer").order_by(User.id))
        token = db.session.scalar(
            select(Certificate.token).join(Nomination, Nomination.id == Certificate.nomination_id)
            .join(OrgUnit, OrgUnit.id == Nomination.org_unit_id).where(in_county).order_by(Certificate.id))
    search = urlencode({"campaign": waiting.campaign_id, "state": "county_review", "q": waiting.nominee_name[0]})
    urls = {"floor": f"/floor/{county.id}", "county to-do": "/todo/", "township to-do": "/todo/",
            "list filtered + searched": f"/nominations/?{search}", "nomination page": f"/nominations/{waiting.id}",
            "county dashboard": "/stats/dashboard", "verification": f"/verify/{token}"}
    return urls, {"county": "county000", "township": town_reviewer}


class Site:
    """One data set: the app and the floor on its database, logged-in clients, URLs and timers."""

    def __init__(self, app) -> None:
        self.app = app
        self.urls, users = targets(app)
        self.floor = create_floor_app(app.config["SQLALCHEMY_DATABASE_URI"])
        self.timers = {"app": Timer(app.wsgi_app), "floor": Timer(self.floor.wsgi_app)}
        app.wsgi_app, self.floor.wsgi_app = self.timers["app"], self.timers["floor"]
        self.clients = {}
        for page, username in (("county to-do", users["county"]), ("township to-do", users["township"])):
            client = app.test_client()
            response = client.post("/login", data={"username": username, "password": SCALE_PASSWORD})
            assert response.status_code == 302, f"login {username}: {response.status_code}"
            self.clients[page] = client
        for page in ("list filtered + searched", "nomination page", "county dashboard"):
            self.clients[page] = self.clients["county to-do"]
        self.clients["verification"] = app.test_client()
        self.clients["floor"] = self.floor.test_client()

    def get(self, page: str) -> float:
        response = self.clients[page].get(self.urls[page])
        if response.status_code != 200:
            raise RuntimeError(f"{page} {self.urls[page]}: HTTP {response.status_code}")
        return self.timers["floor" if page == "floor" else "app"].last

    def statements(self, page: str) -> int:
        """The statements one request of ``page`` runs."""
        seen: list[str] = []

        def listener(*args) -> None:
            seen.append(args[2])

        if page == "floor":
            target = self.floor.extensions["floor_engine"]
        else:
            with self.app.app_context():
                target = db.engine
        event.listen(target, "before_cursor_execute", listener)
        try:
            self.get(page)
        finally:
            event.remove(target, "before_cursor_execute", listener)
        return len(seen)

    def close(self) -> None:
        self.floor.extensions["floor_engine"].dispose()
        with self.app.app_context():
            db.engine.dispose()


def measure(sites: list[Site], requests: int, warmup: int) -> list[Result]:
    """Every page of every site, round-robin (pages and sizes interleaved): a busy moment on the shared
    machine hits every page and both sizes alike, so the ratios stay fair."""
    results = [Result(times={page: [] for page in PAGES}) for _ in sites]
    for site, result in zip(sites, results, strict=True):
        result.statements = {page: site.statements(page) for page in PAGES}
    for round_ in range(warmup + requests):
        for page in PAGES:
            for site, result in zip(sites, results, strict=True):
                elapsed = site.get(page)
                if round_ >= warmup:
                    result.times[page].append(elapsed)
    return results


def machine() -> str:
    cpu = "?"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, load average {load:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[1000, 100_000], metavar=("SMALL", "LARGE"))
    parser.add_argument("--dialects", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--pg-admin-url", default=os.environ.get("PG_ADMIN_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--work", type=Path, help="folder for the SQLite files (default: a temporary one)")
    parser.add_argument("--pg-prefix", default=PG_PREFIX, help=f"PostgreSQL database names (default {PG_PREFIX})")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", action="store_true", help="reuse databases kept by an earlier --keep run")
    args = parser.parse_args(argv)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-pages-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{args.requests} timed requests per page after {args.warmup} warm-up rounds; {machine()}")

    results: dict[tuple[str, int], Result] = {}
    for dialect in args.dialects:
        sites = []
        for size in args.sizes:
            create_database(dialect, size, args.pg_admin_url, args.reuse, args.pg_prefix)
            app = make_app(database_url(dialect, size, work, args.pg_admin_url, args.pg_prefix), work)
            seconds = prepare(app, size)
            if seconds is not None:
                print(f"{dialect} {size:,}: seeded in {seconds:.1f} s")
            sites.append(Site(app))
        for size, result in zip(args.sizes, measure(sites, args.requests, args.warmup), strict=True):
            results[(dialect, size)] = result
        for site in sites:
            site.close()
        if not args.keep:
            for size in args.sizes:
                drop_database(dialect, size, args.pg_admin_url, args.pg_prefix)
    if not args.keep and not args.work:
        shutil.rmtree(work, ignore_errors=True)

    small, large = args.sizes
    failed = 0
    for dialect in args.dialects:
        a, b = results[(dialect, small)], results[(dialect, large)]
        print(f"\n{dialect}: median / p95 ms, statements per request")
        print(f"{'page':26} {small:>9,} med {'p95':>6} {'stmts':>5} {large:>9,} med {'p95':>6} {'stmts':>5} "
              f"{'× small':>7} {'× floor':>7}  checks")
        for page in PAGES:
            growth = b.median(page) / a.median(page)
            notes = []
            if page != "floor":
                if growth > TARGET_GROWTH:
                    notes.append(f"grows {growth:.2f} × > {TARGET_GROWTH}")
                if a.statements[page] != b.statements[page]:
                    notes.append("statements differ")
                if dialect == "postgresql" and b.median(page) > TARGET_PG_MS:
                    notes.append(f"median > {TARGET_PG_MS:.0f} ms")
            failed += bool(notes)
            print(f"{page:26} {a.median(page):13.1f} {a.p95(page):6.1f} {a.statements[page]:5d} "
                  f"{b.median(page):13.1f} {b.p95(page):6.1f} {b.statements[page]:5d} {growth:7.2f} "
                  f"{b.median(page) / b.median('floor'):7.1f}  {'; '.join(notes) or 'ok'}")
    print(f"\nload average now {os.getloadavg()[0]:.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
