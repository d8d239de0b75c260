"""A bounded mixed load on gunicorn over loopback, and an audit of what it did.

    python bench/load.py --database-url URL [--workers 3] [--users 12] [--seconds 30]
    python bench/load.py --seed 1000 [--dialect sqlite|postgresql] ...   (a scratch data set, dropped after)

The app runs under ``gunicorn -w WORKERS`` on 127.0.0.1 (production settings: CSRF on, sessions, rate
limits per worker in memory; the login limits are raised because every virtual user comes from the same
address). This process plays ``--users`` virtual users in threads for ``--seconds`` (and at most
``--max-requests`` each), every one with its own cookies and real CSRF tokens taken from the pages:

- reviewers (county, township and branch reviewers of the largest county) open their to-do list, open a
  nomination from it and approve it or return it with a comment (a to-do list that is empty: they browse
  the nomination list and a nomination instead);
- chairs of that county's branches open the new-nomination form, fill it in and save and submit;
- the public opens the notice list and verifies certificates by their QR address.

Afterwards the database is counted: every approval, return and submission the clients saw succeed must
have its audit row, and every nomination they saw created its row — "lost" actions (a success without a
row) and "phantom" rows (a row nobody saw succeed) must both be zero, and so must 5xx answers and
socket errors. A refusal (the machine says no: a lost race, a quota that is full) is an answer, counted
apart. Prints requests, rate and p50/p95/p99 per kind; exits non-zero on a 5xx, an error or a lost action.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from workflow_app.core.idnumber import check_character  # noqa: E402
from workflow_app.demo.scale import SCALE_PASSWORD  # noqa: E402

USER_AGENT = "bench-load"  # Flask-Login's strong session protection ties a session to it
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
NOMINATION_LINK = re.compile(r'href="/nominations/(\d+)[?"]')
EVENTS = re.compile(r'name="event" value="([a-z_]+)"')
OPTION = re.compile(r'<option value="(\d+)"')
ACTIONS = ("approve", "return_for_revision", "submit", "create")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Answer:
    status: int
    body: str
    location: str


class Browser:
    """One visitor: its own cookies; every request timed and tallied under a kind."""

    def __init__(self, base: str, stats: Stats) -> None:
        self.base, self.stats = base, stats
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect)

    def request(self, kind: str, path: str, form: dict | None = None) -> Answer | None:
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers={"User-Agent": USER_AGENT})
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=30) as response:
                answer = Answer(response.status, response.read().decode(), "")
        except urllib.error.HTTPError as error:  # 3xx (redirects are not followed), 4xx, 5xx
            answer = Answer(error.code, error.read().decode(errors="replace"), error.headers.get("Location", ""))
        except OSError:
            self.stats.record(kind, time.perf_counter() - started, None)
            return None
        self.stats.record(kind, time.perf_counter() - started, answer.status)
        return answer

    def login(self, username: str) -> bool:
        page = self.request("login", "/login")
        token = CSRF.search(page.body) if page else None
        answer = self.request("login", "/login", {"username": username, "password": SCALE_PASSWORD,
                                                  "csrf_token": token.group(1) if token else ""})
        return answer is not None and answer.status == 302 and "/login" not in answer.location


@dataclass
class Stats:
    """Latencies and answers per kind of request, and the actions clients saw succeed or refused."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    done: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, status: int | None) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            self.statuses[kind]["error" if status is None else f"{status // 100}xx"] += 1

    def action(self, name: str, succeeded: bool) -> None:
        with self.lock:
            (self.done if succeeded else self.refused)[name] += 1


# ---------------------------------------------------------------- the virtual users
def reviewer(browser: Browser, username: str, rng: random.Random, keep_going) -> None:
    if not browser.login(username):
        raise RuntimeError(f"{username} could not log in")
    keep_going.ready()
    while keep_going():
        todo = browser.request("to-do list", "/todo/")
        ids = NOMINATION_LINK.findall(todo.body) if todo and todo.status == 200 else []
        if not ids:
            listing = browser.request("nomination list", "/nominations/")
            ids = NOMINATION_LINK.findall(listing.body) if listing and listing.status == 200 else []
            if ids:
                browser.request("nomination page", f"/nominations/{rng.choice(ids)}")
            continue
        nomination_id = rng.choice(ids)
        page = browser.request("nomination page", f"/nominations/{nomination_id}")
        if page is None or page.status != 200 or not keep_going():
            continue
        events = set(EVENTS.findall(page.body))
        event = "return_for_revision" if "return_for_revision" in events and rng.random() < 0.2 else "approve"
        if event not in events:
            continue
        comment = "负载测试：材料齐全，同意。" if event == "approve" else "负载测试：请补充事迹。"
        form = {"csrf_token": CSRF.search(page.body).group(1), "version": VERSION.search(page.body).group(1),
                "event": event, "comment": comment}
        if 'name="vote_due"' in page.body:
            form.update(vote_due="20", vote_present="18", vote_in_favour="16")
        answer = browser.request("approve / return", f"/nominations/{nomination_id}/transition", form)
        if answer is not None and answer.status == 302:
            # Done: on to the next to-do or the list. Refused (a lost race, a full quota): back to the page.
            browser.stats.action(event, not answer.location.endswith(f"/nominations/{nomination_id}"))


def chair(browser: Browser, username: str, campaign: int, units: list[int], rng: random.Random, keep_going,
          serials) -> None:
    if not browser.login(username):
        raise RuntimeError(f"{username} could not log in")
    keep_going.ready()
    while keep_going():
        step_one = browser.request("new nomination form", "/nominations/new")
        if step_one is None or step_one.status != 200:
            continue
        # Every county's campaign has the same name; the chair picks their own county's (and one of its units).
        honors = re.findall(r'<option value="(\d+)"[^>]*>优秀工会工作者<', step_one.body)
        query = urllib.parse.urlencode({"campaign_id": campaign, "honor_type_id": honors[0],
                                        "org_unit_id": rng.choice(units)})
        form_page = browser.request("new nomination form", f"/nominations/new/details?{query}")
        if form_page is None or form_page.status != 200 or not keep_going():
            continue
        id_number, born = next(serials)
        form = {"csrf_token": CSRF.search(form_page.body).group(1), "nominee_name": f"测试{id_number[-6:]}",
                "gender": "male" if int(id_number[16]) % 2 else "female", "ethnicity": "汉族",
                "birth_date": born.isoformat(), "political_status": "party_member", "education": "college",
                "work_unit": "负载测试单位", "post": "职工", "id_number": id_number, "phone": "13800138000",
                "deeds_summary": "负载测试：爱岗敬业，表现突出。", "deeds_full": "负载测试：详细事迹。" * 20,
                "and_submit": "1"}
        answer = browser.request("save and submit", f"/nominations/new/details?{query}", form)
        created = answer is not None and answer.status == 302 and re.search(r"/nominations/(\d+)$", answer.location)
        browser.stats.action("create", bool(created))
        if created:
            shown = browser.request("nomination page", urllib.parse.urlsplit(answer.location).path)
            if shown is not None and shown.status == 200:
                browser.stats.action("submit", "state-draft" not in shown.body)


def public(browser: Browser, tokens: list[str], rng: random.Random, keep_going) -> None:
    keep_going.ready()
    while keep_going():
        if rng.random() < 0.25:
            browser.request("public notice", "/notice")
        else:
            browser.request("verification", f"/verify/{rng.choice(tokens)}")


def id_numbers(run: int):
    """Valid, distinct ID numbers (GB 11643) for this run's nominees, born 1980–1999."""
    rng = random.Random(run)
    seen = set()
    while True:
        born = date(1980, 1, 1) + timedelta(days=rng.randrange(7300))
        first17 = f"411624{born:%Y%m%d}{rng.randrange(1000):03d}"
        if first17 not in seen:
            seen.add(first17)
            yield first17 + check_character(first17), born


# ---------------------------------------------------------------- who plays, and the audit
def cast(engine, reviewers: int, chairs: int) -> dict:
    """Users of the county with the most nominations waiting: reviewers of every level, chairs of its branches."""
    with engine.connect() as conn:
        county = conn.execute(text(
            "SELECT c.id, c.path FROM org_unit c JOIN org_unit u ON u.path LIKE c.path || '%' "
            "JOIN nomination n ON n.org_unit_id = u.id WHERE c.level = 'county' AND n.state LIKE '%review' "
            "GROUP BY c.id, c.path ORDER BY count(*) DESC, c.id")).first()

        def users(role: str, level: str) -> list[str]:
            return list(conn.scalars(text(
                "SELECT DISTINCT u.username, u.id FROM user_account u JOIN role_assignment r ON r.user_id = u.id "
                "JOIN org_unit o ON o.id = r.org_unit_id WHERE r.role = :role AND o.level = :level "
                "AND o.path LIKE :path ORDER BY u.id"), {"role": role, "level": level, "path": county.path + "%"}))

        levels = [users("reviewer", level) for level in ("county", "township", "branch")]
        tokens = list(conn.scalars(text("SELECT token FROM certificate ORDER BY id LIMIT 500")))
        campaign = conn.scalar(text("SELECT id FROM campaign WHERE county_id = :county AND opens_on <= :today "
                                    "AND closes_on >= :today ORDER BY year DESC"),
                               {"county": county.id, "today": date.today()})
        chairs_found = []
        for name in users("submitter", "branch")[:chairs]:
            units = list(conn.scalars(text(
                "SELECT o.id FROM role_assignment r JOIN user_account u ON u.id = r.user_id JOIN org_unit o "
                "ON o.id = r.org_unit_id WHERE u.username = :name AND r.role = 'submitter' AND o.path LIKE :path"),
                {"name": name, "path": county.path + "%"}))
            chairs_found.append((name, campaign, units))
    picked = [level[i] for i in range(max(map(len, levels))) for level in levels if i < len(level)]
    return {"reviewers": picked[:reviewers], "chairs": chairs_found, "tokens": tokens}


def snapshot(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {"audit": conn.scalar(text("SELECT coalesce(max(id), 0) FROM audit_entry")),
                "nomination": conn.scalar(text("SELECT coalesce(max(id), 0) FROM nomination"))}


def audit(engine, before: dict[str, int], accounts: list[str]) -> Counter:
    """Rows written since ``before`` by the virtual users: audit rows per event, nominations created."""
    with engine.connect() as conn:
        users = dict(conn.execute(text("SELECT username, id FROM user_account")).all())
        mine = ",".join(str(users[name]) for name in accounts)
        rows = Counter(dict(conn.execute(text(
            f"SELECT event, count(*) FROM audit_entry WHERE id > :start AND actor_id IN ({mine}) GROUP BY event"),
            {"start": before["audit"]}).all()))
        rows["create"] = conn.scalar(text(
            f"SELECT count(*) FROM nomination WHERE id > :start AND created_by_id IN ({mine})"),
            {"start": before["nomination"]})
    return rows


# ---------------------------------------------------------------- the server and the data set
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def engine_for(url: str):
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


@contextlib.contextmanager
def scratch_database(dialect: str, size: int, counties: int, users: int, admin_url: str):
    """A database migrated and filled by seed-scale for this run, dropped afterwards."""
    import psycopg
    from flask_migrate import upgrade

    from workflow_app.app import create_app
    from workflow_app.demo.scale import seed_scale
    from workflow_app.extensions import db

    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    name = f"perf_load_{secrets.token_hex(4)}"
    if dialect == "postgresql":
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{work / 'load.db'}"
    try:
        app = create_app({"SECRET_KEY": secrets.token_hex(32), "INSTANCE_PATH": str(work),
                          "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1)})
        with app.app_context():
            upgrade()
            seed_scale(size, users=users, counties=counties)
            db.engine.dispose()
        yield url
    finally:
        if dialect == "postgresql":
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def gunicorn(url: str, workers: int):
    """The app under gunicorn on a free loopback port, as production runs it; stopped on exit."""
    work = Path(tempfile.mkdtemp(prefix="bench-load-server-"))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "WORKFLOW_INSTANCE": str(work),
           "PYTHONPATH": str(ROOT), "WORKFLOW_LOGIN_RATE_LIMIT": "100000 per minute",
           "WORKFLOW_LOGIN_ACCOUNT_RATE_LIMIT": "100000 per hour"}
    env.pop("WORKFLOW_DEMO", None)
    log = work / "gunicorn.log"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                               "--timeout", "60", "--access-logfile", "/dev/null", "--error-logfile", str(log),
                               "wsgi:app"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(base + "/login", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------- the run and its report
def run(base: str, engine, args) -> dict:
    stats = Stats()
    reviewers_wanted = max(1, round(args.users * 0.5))
    chairs_wanted = max(1, round(args.users * 0.25))
    people = cast(engine, reviewers_wanted, chairs_wanted)
    public_count = max(1, args.users - len(people["reviewers"]) - len(people["chairs"]))
    before = snapshot(engine)
    serials = id_numbers(int(time.time()))
    serial_lock = threading.Lock()
    clock = {"deadline": 0.0, "started": 0.0}

    def start_clock() -> None:  # once everyone has logged in (scrypt is slow on purpose): the timed part
        clock["started"] = time.monotonic()
        clock["deadline"] = clock["started"] + args.seconds

    players = len(people["reviewers"]) + len(people["chairs"]) + (public_count if people["tokens"] else 0)
    everyone_in = threading.Barrier(players, action=start_clock)

    def next_serial_factory():
        while True:
            with serial_lock:
                value = next(serials)
            yield value

    class KeepGoing:
        """True while the run lasts and this user has requests left; ``ready()`` waits for the others."""

        def __init__(self) -> None:
            self.count = 0

        def ready(self) -> None:
            everyone_in.wait(timeout=120)

        def __call__(self) -> bool:
            self.count += 1
            return time.monotonic() < clock["deadline"] and self.count <= args.max_requests

    failures: list[str] = []

    def play(role, *extra):
        try:
            role(Browser(base, stats), *extra)
        except Exception as error:  # a virtual user that cannot play is a failed run, not a silent one
            everyone_in.abort()
            failures.append(f"{role.__name__}: {error!r}")

    threads = []
    for index, name in enumerate(people["reviewers"]):
        threads.append(threading.Thread(target=play, args=(reviewer, name, random.Random(index), KeepGoing())))
    for index, (name, campaign, units) in enumerate(people["chairs"]):
        threads.append(threading.Thread(target=play, args=(chair, name, campaign, units, random.Random(100 + index),
                                                           KeepGoing(), next_serial_factory())))
    if people["tokens"]:
        for index in range(public_count):
            threads.append(threading.Thread(target=play, args=(public, people["tokens"], random.Random(200 + index),
                                                               KeepGoing())))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - clock["started"] if clock["started"] else 0.0
    rows = audit(engine, before, people["reviewers"] + [name for name, _campaign, _units in people["chairs"]])
    return {"stats": stats, "rows": rows, "elapsed": elapsed, "failures": failures,
            "users": {"reviewers": len(people["reviewers"]), "chairs": len(people["chairs"]),
                      "public": public_count if people["tokens"] else 0}}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)] * 1000


def report(result: dict, args) -> dict:
    stats, rows, elapsed = result["stats"], result["rows"], max(result["elapsed"], 1e-9)
    kinds = sorted(stats.times, key=lambda kind: -len(stats.times[kind]))
    print(f"{args.workers} gunicorn workers, {sum(result['users'].values())} virtual users {result['users']}, "
          f"{elapsed:.1f} s; {os.cpu_count()} cores shared by server and load, load average {os.getloadavg()[0]:.1f}")
    print(f"{'request':22} {'count':>6} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'2xx/3xx':>7} "
          f"{'4xx':>4} {'5xx':>4} {'errors':>6}")
    table, total = {}, Counter()
    for kind in kinds:
        times, statuses = stats.times[kind], stats.statuses[kind]
        timed = kind != "login"  # logins happen before the clock starts
        line = {"count": len(times), "rps": len(times) / elapsed if timed else 0.0,
                "p50": statistics.median(times) * 1000,
                "p95": percentile(times, 0.95), "p99": percentile(times, 0.99),
                "ok": statuses["2xx"] + statuses["3xx"], "4xx": statuses["4xx"], "5xx": statuses["5xx"],
                "errors": statuses["error"]}
        table[kind] = line
        total.update({key: line[key] for key in ("count", "ok", "4xx", "5xx", "errors")})
        print(f"{kind:22} {line['count']:6d} {line['rps']:6.1f} {line['p50']:7.1f} {line['p95']:7.1f} "
              f"{line['p99']:7.1f} {line['ok']:7d} {line['4xx']:4d} {line['5xx']:4d} {line['errors']:6d}")
    every = [t for kind in kinds for t in stats.times[kind]]
    timed_count = total["count"] - len(stats.times.get("login", []))
    print(f"{'all':22} {total['count']:6d} {timed_count / elapsed:6.1f} {statistics.median(every) * 1000:7.1f} "
          f"{percentile(every, 0.95):7.1f} {percentile(every, 0.99):7.1f} {total['ok']:7d} {total['4xx']:4d} "
          f"{total['5xx']:4d} {total['errors']:6d}")
    print(f"\n{'action':22} {'clients saw done':>16} {'refused':>8} {'rows in db':>10} {'lost':>5} {'phantom':>8}")
    actions = {}
    for name in ACTIONS:
        done, refused, found = stats.done[name], stats.refused[name], rows.get(name, 0)
        actions[name] = {"done": done, "refused": refused, "rows": found, "lost": max(done - found, 0),
                         "phantom": max(found - done, 0)}
        print(f"{name:22} {done:16d} {refused:8d} {found:10d} {actions[name]['lost']:5d} {actions[name]['phantom']:8d}")
    lost = sum(a["lost"] for a in actions.values())
    phantom = sum(a["phantom"] for a in actions.values())
    for failure in result["failures"]:
        print("virtual user failed:", failure)
    print(f"\n5xx: {total['5xx']}, socket errors: {total['errors']}, lost actions: {lost}, phantom rows: {phantom}")
    return {"requests": table, "actions": actions, "lost": lost, "phantom": phantom, "5xx": total["5xx"],
            "errors": total["errors"], "elapsed": elapsed, "failures": result["failures"], "users": result["users"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a database filled by seed-scale (left as the load leaves it)")
    parser.add_argument("--seed", type=int, metavar="N", help="instead: a scratch database with N nominations")
    parser.add_argument("--dialect", choices=["sqlite", "postgresql"], default="sqlite", help="for --seed")
    parser.add_argument("--counties", type=int, default=4, help="for --seed: counties in the tree (default 4)")
    parser.add_argument("--seed-users", type=int, default=400, help="for --seed: users (default 400)")
    parser.add_argument("--pg-admin-url", default=os.environ.get("PG_ADMIN_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--users", type=int, default=12, help="virtual users: half reviewers, a quarter chairs")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--max-requests", type=int, default=100_000, help="per virtual user")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if not args.database_url and not args.seed:
        parser.error("give --database-url or --seed")
    if not shutil.which("gunicorn") and subprocess.run([sys.executable, "-m", "gunicorn", "--version"],
                                                       capture_output=True).returncode:
        print("gunicorn is not installed (pip install gunicorn)")
        return 2
    with contextlib.ExitStack() as stack:
        url = args.database_url or stack.enter_context(
            scratch_database(args.dialect, args.seed, args.counties, args.seed_users, args.pg_admin_url))
        engine = engine_for(url)
        stack.callback(engine.dispose)
        base = stack.enter_context(gunicorn(url, args.workers))
        figures = report(run(base, engine, args), args)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    bad = figures["5xx"] or figures["errors"] or figures["lost"] or figures["phantom"] or figures["failures"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
