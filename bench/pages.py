"""Server-side time and SQL statements of the busiest pages, at two data set sizes, on SQLite and PostgreSQL.

    python bench/pages.py [--sizes 1000 100000] [--dialects sqlite postgresql] [--requests 200] [--reuse]

For every dialect and size: a fresh database (SQLite file in a temporary folder; PostgreSQL database
``bench_pages_<size>`` created at --pg-admin-url and dropped afterwards unless --keep), migrated and
filled by ``seed-scale``; then the pages are requested in process through the Flask test client,
round-robin after a warm-up, and timed inside a WSGI middleware (the app's own time, from the first
byte of the request to the last byte of the body; no network stack). The bare-Flask floor
(``bench/floor.py``: one route, one primary-key lookup) runs in the same round-robin as the reference.
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
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from bench.floor import create_floor_app  # noqa: E402
from workflow_app import create_app  # noqa: E402
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


def database_url(dialect: str, size: int, work: Path, admin_url: str) -> str:
    if dialect == "sqlite":
        return f"sqlite:///{work / f'pages_{size}.db'}"
    return admin_url.rsplit("/", 1)[0] + f"/bench_pages_{size}"


def create_database(dialect: str, size: int, admin_url: str, reuse: bool) -> None:
    if dialect != "postgresql":
        return
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (f"bench_pages_{size}",)).fetchone()
        if exists and not reuse:
            conn.execute(f'DROP DATABASE "bench_pages_{size}" WITH (FORCE)')
        if not exists or not reuse:
            conn.execute(f'CREATE DATABASE "bench_pages_{size}"')


def drop_database(dialect: str, size: int, admin_url: str) -> None:
    if dialect == "postgresql":
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "bench_pages_{size}" WITH (FORCE)')


def make_app(url: str, work: Path):
    os.environ["DATABASE_URL"] = url
    return create_app({"SECRET_KEY": "bench-secret", "INSTANCE_PATH": str(work), "UPLOAD_FOLDER": str(work / "up"),
                       "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})


def prepare(app, size: int) -> float | None:
    """Migrate and seed unless the database already holds the data set; returns the seeding seconds."""
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            if existing_data(conn):
                return None
        return seed_scale(size).seconds


def targets(app) -> dict[str, str]:
    """The URLs: the largest county (county 0) and its first township, as ``seed_scale`` builds them."""
    with app.app_context():
        county = db.session.scalar(select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.id))
        waiting = db.session.scalar(
            select(Nomination.id).join(OrgUnit, OrgUnit.id == Nomination.org_unit_id)
            .where(OrgUnit.path.startswith(county.path), Nomination.state == "county_review").order_by(Nomination.id))
        token = db.session.scalar(
            select(Certificate.token).join(Nomination, Nomination.id == Certificate.nomination_id)
            .join(OrgUnit, OrgUnit.id == Nomination.org_unit_id)
            .where(OrgUnit.path.startswith(county.path)).order_by(Certificate.id))
        campaign = db.session.scalar(select(Nomination.campaign_id).where(Nomination.id == waiting))
        return {"floor": f"/floor/{county.id}", "county to-do": "/todo/", "township to-do": "/todo/",
                "list filtered + searched": f"/nominations/?campaign={campaign}&state=county_review&q=王",
                "nomination page": f"/nominations/{waiting}", "county dashboard": "/stats/dashboard",
                "verification": f"/verify/{token}"}


def measure(app, url: str, requests: int, warmup: int) -> Result:
    urls = targets(app)
    floor = create_floor_app(url.replace("postgresql+psycopg://", "postgresql://"))
    timers = {"app": Timer(app.wsgi_app), "floor": Timer(floor.wsgi_app)}
    app.wsgi_app, floor.wsgi_app = timers["app"], timers["floor"]
    clients = {}
    for page, username in (("county to-do", "county000"), ("township to-do", "town00000")):
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": SCALE_PASSWORD})
        assert response.status_code == 302, f"login {username}: {response.status_code}"
        clients[page] = client
    for page in ("list filtered + searched", "nomination page", "county dashboard"):
        clients[page] = clients["county to-do"]
    clients["verification"] = app.test_client()
    clients["floor"] = floor.test_client()

    result = Result(times={page: [] for page in PAGES})
    with app.app_context():
        engine = db.engine
    for page in PAGES:  # statements of one request, and a check that the page works
        seen: list[str] = []

        def listener(*args, seen=seen) -> None:
            seen.append(args[2])

        target = floor.extensions["floor_engine"] if page == "floor" else engine
        event.listen(target, "before_cursor_execute", listener)
        response = clients[page].get(urls[page])
        event.remove(target, "before_cursor_execute", listener)
        assert response.status_code == 200, f"{page} {urls[page]}: {response.status_code}"
        result.statements[page] = len(seen)
    for round_ in range(warmup + requests):
        for page in PAGES:  # round-robin: a noisy moment hits every page alike
            response = clients[page].get(urls[page])
            if response.status_code != 200:
                raise RuntimeError(f"{page}: HTTP {response.status_code}")
            if round_ >= warmup:
                result.times[page].append(timers["floor" if page == "floor" else "app"].last)
    floor.extensions["floor_engine"].dispose()
    with app.app_context():
        db.engine.dispose()
    return result


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
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", action="store_true", help="reuse databases kept by an earlier --keep run")
    args = parser.parse_args(argv)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-pages-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{args.requests} timed requests per page after {args.warmup} warm-up rounds; {machine()}")

    results: dict[tuple[str, int], Result] = {}
    for dialect in args.dialects:
        for size in args.sizes:
            create_database(dialect, size, args.pg_admin_url, args.reuse)
            url = database_url(dialect, size, work, args.pg_admin_url)
            app = make_app(url, work)
            seconds = prepare(app, size)
            if seconds is not None:
                print(f"{dialect} {size:,}: seeded in {seconds:.1f} s")
            results[(dialect, size)] = measure(app, app.config["SQLALCHEMY_DATABASE_URI"], args.requests,
                                               args.warmup)
            if not args.keep:
                drop_database(dialect, size, args.pg_admin_url)
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
