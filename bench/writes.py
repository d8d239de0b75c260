"""Concurrent writes: N reviewers approving different nominations at once under gunicorn, on PostgreSQL.

    python bench/writes.py [--seed 100000] [--reviewers 16] [--workers 4] [--approvals 12] [--rounds 2] [--keep]
    python bench/writes.py --database-url postgresql://postgres@127.0.0.1:5432/NAME ...   (a seeded database)
    python bench/writes.py --reuse ...                                (the database an earlier --keep left)

Why: until issue #14 every committed write also updated one ``data_generation`` row, so writers that touched
different rows still queued on that row's lock for their commits. The row is gone; this measures whether
throughput scales with the number of writers (bench/BEFORE-issue14.md has the figures from before).

The database: without --database-url, ``<--pg-prefix><N>`` (default ``bench_writes_<N>``) is created at
--pg-admin-url, migrated and filled by ``seed-scale`` (``bench/pages.py``'s helpers), and dropped after the
run unless --keep; --reuse takes a kept one as it is (each run consumes waiting nominations).
The server: ``gunicorn -w WORKERS`` sync workers on a free loopback port, as production runs it
(``bench/load.py``'s ``gunicorn``: CSRF on, login rate limits raised since every reviewer comes from
127.0.0.1). The writers: township reviewers of different townships (``town<county><township>``, password
``SCALE_PASSWORD``), the townships with the most nominations waiting in ``township_review`` first, so every
writer approves rows no other writer can see and a township approval takes no quota lock: the one row they
share is ``data_generation``. Each logs in through the form (real CSRF token, its own cookies) in its own
thread, then per approval does what a browser does: GET the nomination's page, read its action form (every
hidden field: CSRF token, version, list filters; the comment left empty) and POST it with
``event=approve``. The redirect is not followed: the next GET is the next nomination. Every reviewer does
--approvals approvals per round (a round ends when all are done, or after --seconds); rounds start together
at a barrier and take fresh nominations.

Reported per round and overall: approvals per second (all reviewers, wall clock of the round), p50/p95/p99
of the POST and of the GET, errors (an answer to the POST that is not a redirect away from the nomination,
any 5xx, a socket error, a page without the approve button) and lost actions: every approval answered as
done must have its ``approve`` row in ``audit_entry`` from that reviewer (counted in the database after the
run; a row nobody saw done is a phantom). On PostgreSQL a sampler also reads ``pg_stat_activity`` every
20 ms: how often a backend of the run waited on a lock, and how often that was the ``data_generation``
update; "client" is the CPU this process used (as a share of one core) on the same two cores. Printed
with the ``uptime`` load; exits non-zero on any error, refusal, lost action or phantom row.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bench.load import Browser, Stats, engine_for, gunicorn, percentile  # noqa: E402
from bench.pages import create_database, database_url, drop_database, make_app, prepare  # noqa: E402
from workflow_app.extensions import db  # noqa: E402

PG_PREFIX = "bench_writes_"
POST, GET = "approve POST", "nomination GET"


class ActionForm(HTMLParser):
    """The fields a browser sends from the page's action form (``templates/nominations/show.html``):
    its inputs and textarea in order, and the names of its buttons' events."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.events: list[str] = []
        self.action = ""
        self._inside = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form" and "action-form" in attr.get("class", "").split():
            self._inside, self.action = True, attr.get("action", "")
        elif not self._inside:
            return
        elif tag == "input" and attr.get("name") and attr.get("type") not in ("submit", "button"):
            self.fields.append((attr["name"], attr.get("value", "")))
        elif tag == "textarea" and attr.get("name"):
            self._textarea = attr["name"]
            self.fields.append((self._textarea, ""))
        elif tag == "button" and attr.get("name") == "event":
            self.events.append(attr.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:  # a textarea's content is its value
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)


@dataclass
class Writer:
    """One reviewer: their township and the nominations waiting there, in the order they take them."""

    username: str
    user_id: int
    township: str
    queue: list[int]
    taken: int = 0  # how many of the queue earlier rounds took
    done: list[int] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def cast(engine: Engine, reviewers: int, needed: int) -> list[Writer]:
    """The reviewers of ``reviewers`` different townships, most work waiting first, each with at least
    ``needed`` nominations in ``township_review`` (a branch's quota unit is its township)."""
    with engine.connect() as conn:
        townships = conn.execute(text(
            "SELECT t.id, t.name FROM nomination n JOIN org_unit t ON t.id = n.quota_unit_id "
            "WHERE t.level = 'township' AND n.state = 'township_review' "
            "GROUP BY t.id, t.name ORDER BY count(*) DESC, t.id")).all()
        writers: list[Writer] = []
        for township in townships:
            reviewer = conn.execute(text(
                "SELECT u.id, u.username FROM role_assignment r JOIN user_account u ON u.id = r.user_id "
                "WHERE r.org_unit_id = :t AND r.role = 'reviewer' ORDER BY u.id"), {"t": township.id}).first()
            if reviewer is None or any(w.user_id == reviewer.id for w in writers):
                continue
            queue = list(conn.scalars(text(
                "SELECT id FROM nomination WHERE quota_unit_id = :t AND state = 'township_review' ORDER BY id"),
                {"t": township.id}))
            writers.append(Writer(reviewer.username, reviewer.id, township.name, queue))
            if len(writers) == reviewers:
                break
    short = [w for w in writers if len(w.queue) < needed]
    if len(writers) < reviewers or short:
        have = ", ".join(f"{w.username}: {len(w.queue)}" for w in writers)
        raise SystemExit(f"need {reviewers} township reviewers with {needed} nominations waiting each; have {have}"
                         " (seed more nominations, or fewer --approvals / --rounds)")
    return writers


def approve(browser: Browser, writer: Writer, nomination_id: int) -> None:
    """GET the page, POST its action form with event=approve; file the outcome under the writer."""
    page = browser.request(GET, f"/nominations/{nomination_id}")
    if page is None or page.status != 200:
        writer.errors.append(f"GET {nomination_id}: {page.status if page else 'socket error'}")
        return
    form = ActionForm()
    form.feed(page.body)
    if "approve" not in form.events or not form.action:
        writer.errors.append(f"GET {nomination_id}: no approve button")
        return
    answer = browser.request(POST, form.action, [*form.fields, ("event", "approve")])
    if answer is None or answer.status != 302:
        writer.errors.append(f"POST {nomination_id}: {answer.status if answer else 'socket error'}")
    elif answer.location.split("?", 1)[0].endswith(f"/nominations/{nomination_id}"):
        writer.refused.append(nomination_id)  # back to the page with the reason: refused by the machine
    else:
        writer.done.append(nomination_id)


class LockSampler(threading.Thread):
    """Samples the run's backends in ``pg_stat_activity``: how many wait on a lock, on which statement."""

    QUERY = text(
        "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock') AS waiting, "
        "count(*) FILTER (WHERE wait_event_type = 'Lock' AND query ILIKE 'UPDATE data_generation%') AS on_row, "
        "count(*) FILTER (WHERE state = 'active') AS active "
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.engine, self.stop = engine, threading.Event()
        self.samples = 0
        self.counts: Counter = Counter()
        self.most_waiting = 0

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self.stop.wait(0.02):
                row = conn.execute(self.QUERY).one()
                conn.rollback()  # a fresh snapshot of the statistics each time
                self.samples += 1
                self.counts["any lock"] += row.waiting > 0
                self.counts["data_generation"] += row.on_row > 0
                self.counts["active"] += row.active
                self.most_waiting = max(self.most_waiting, row.waiting)


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=5).stdout.strip()
    except OSError:
        return "load average {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())


def play(browser: Browser, writer: Writer, batch: list[int], gate: threading.Barrier, clock: dict) -> None:
    """One reviewer's round: wait for the others, then approve ``batch`` in order until the deadline."""
    gate.wait(timeout=60)
    for nomination_id in batch:
        if time.monotonic() >= clock["deadline"]:
            break
        try:
            approve(browser, writer, nomination_id)
        except Exception as error:  # a reviewer that cannot go on is an error, not a silent stop
            writer.errors.append(f"{nomination_id}: {error!r}")
            return


def one_round(approvals: int, browsers: list[Browser], writers: list[Writer], engine: Engine,
              args: argparse.Namespace) -> dict:
    """All reviewers at once, each on its next ``approvals`` nominations; timed from the barrier."""
    gate = threading.Barrier(len(writers) + 1)
    clock = {"deadline": time.monotonic() + 60 + args.seconds}
    for browser in browsers:
        browser.stats = Stats()  # figures per round
    before = sum(len(w.done) for w in writers)
    threads = [threading.Thread(target=play, args=(b, w, w.queue[w.taken:w.taken + approvals], gate, clock))
               for b, w in zip(browsers, writers, strict=True)]
    for writer in writers:
        writer.taken += approvals
    for thread in threads:
        thread.start()
    sampler = LockSampler(engine) if engine.dialect.name == "postgresql" else None
    load_before = uptime()
    if sampler:
        sampler.start()
    gate.wait(timeout=60)
    clock["deadline"] = time.monotonic() + args.seconds
    started, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if sampler:
        sampler.stop.set()
        sampler.join()
    statuses: Counter = Counter()
    for browser in browsers:
        for counter in browser.stats.statuses.values():
            statuses.update(counter)
    return {"done": sum(len(w.done) for w in writers) - before, "elapsed": elapsed, "statuses": statuses,
            "times": {kind: [t for b in browsers for t in b.stats.times[kind]] for kind in (POST, GET)},
            "sampler": sampler, "load": (load_before, uptime()), "cpu": cpu}


def run(base: str, engine: Engine, args: argparse.Namespace) -> dict:
    """Log everyone in, then ``--rounds`` rounds; afterwards the approve rows written since the start."""
    writers = cast(engine, args.reviewers, args.warmup + args.approvals * args.rounds)
    with engine.connect() as conn:
        start = conn.scalar(text("SELECT coalesce(max(id), 0) FROM audit_entry"))
    browsers = []
    for writer in writers:
        browser = Browser(base, Stats())
        if not browser.login(writer.username):
            raise SystemExit(f"{writer.username} could not log in")
        browsers.append(browser)
    # The warm-up round (every worker's first requests: imports, templates, pools) is audited, not timed.
    warmup = one_round(args.warmup, browsers, writers, engine, args) if args.warmup else None
    rounds = [one_round(args.approvals, browsers, writers, engine, args) for _ in range(args.rounds)]
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT nomination_id, actor_id FROM audit_entry WHERE id > :start AND event = 'approve'"),
            {"start": start}).all()
    mine = {w.user_id for w in writers}
    return {"writers": writers, "warmup": warmup, "rounds": rounds,
            "rows": {(r.nomination_id, r.actor_id) for r in rows if r.actor_id in mine}}


def report(result: dict, args: argparse.Namespace, dialect: str) -> int:
    writers, rounds, rows = result["writers"], result["rounds"], result["rows"]
    print(f"\n{len(writers)} reviewers (township reviewers of {len(writers)} townships) × {args.approvals} approvals "
          f"× {args.rounds} rounds; gunicorn {args.workers} sync workers on 127.0.0.1, {dialect}; "
          f"{os.cpu_count()} cores shared by server, database and clients")
    print(f"{'round':>5} {'approvals':>9} {'s':>6} {'approvals/s':>11} {'POST p50':>8} {'p95':>6} {'p99':>6} "
          f"{'GET p50':>7} {'p95':>6} {'5xx':>4} {'lock wait':>9} {'gen row':>7} {'client':>6}  "
          "load (uptime) before → after")

    def line(label: str, done: int, elapsed: float, times: dict, statuses: Counter, samplers: list,
             cpu: float) -> None:
        posts, gets = times[POST] or [0.0], times[GET] or [0.0]
        samples = sum(s.samples for s in samplers) or 1
        waits = sum(s.counts["any lock"] for s in samplers) / samples * 100
        on_row = sum(s.counts["data_generation"] for s in samplers) / samples * 100
        print(f"{label:>5} {done:9d} {elapsed:6.1f} {done / elapsed:11.1f} {statistics.median(posts) * 1000:8.0f} "
              f"{percentile(posts, 0.95):6.0f} {percentile(posts, 0.99):6.0f} {statistics.median(gets) * 1000:7.0f} "
              f"{percentile(gets, 0.95):6.0f} {statuses['5xx']:4d} {waits:8.0f}% {on_row:6.0f}% "
              f"{cpu / elapsed:6.0%}", end="")

    labelled = [("warm", result["warmup"])] if result["warmup"] else []
    for label, r in [*labelled, *((str(number), r) for number, r in enumerate(rounds, 1))]:
        line(label, r["done"], r["elapsed"], r["times"], r["statuses"], [r["sampler"]] if r["sampler"] else [],
             r["cpu"])
        print(f"  {r['load'][0].split('load average: ')[-1]} → {r['load'][1].split('load average: ')[-1]}")
    every = {kind: [t for r in rounds for t in r["times"][kind]] for kind in (POST, GET)}
    statuses = sum((r["statuses"] for r in rounds), Counter())
    line("all", sum(r["done"] for r in rounds), sum(r["elapsed"] for r in rounds), every, statuses,
         [r["sampler"] for r in rounds if r["sampler"]], sum(r["cpu"] for r in rounds))
    print(f"  median of rounds {statistics.median(r['done'] / r['elapsed'] for r in rounds):.1f} approvals/s")
    if result["warmup"]:
        statuses += result["warmup"]["statuses"]  # its 5xx and socket errors count too
    samplers = [r["sampler"] for r in rounds if r["sampler"]]
    if samplers:
        samples = sum(s.samples for s in samplers)
        print(f"lock sampler: {samples} samples of pg_stat_activity every 20 ms; active backends "
              f"{sum(s.counts['active'] for s in samplers) / max(samples, 1):.1f} on average; "
              f"most waiting on a lock at once: {max(s.most_waiting for s in samplers)}")

    done = {(n, w.user_id) for w in writers for n in w.done}
    lost, phantom = done - rows, rows - done
    errors = [e for w in writers for e in w.errors]
    refused = sum(len(w.refused) for w in writers)
    print(f"approvals answered done: {len(done)}, approve rows in audit_entry: {len(rows)}, lost: {len(lost)}, "
          f"phantom: {len(phantom)}; refused: {refused}; errors: {len(errors)}; 5xx: {statuses['5xx']}, "
          f"socket errors: {statuses['error']}")
    for error in errors[:10]:
        print("  error:", error)
    print(uptime())
    return 1 if lost or phantom or refused or errors or statuses["5xx"] or statuses["error"] else 0


def seeded(stack: contextlib.ExitStack, args: argparse.Namespace) -> str:
    """The URL of ``<prefix><N>`` on PostgreSQL, migrated and seeded (kept as it is with --reuse),
    dropped when ``stack`` closes unless --keep."""
    create_database("postgresql", args.seed, args.pg_admin_url, args.reuse, args.pg_prefix)
    if not args.keep:
        stack.callback(drop_database, "postgresql", args.seed, args.pg_admin_url, args.pg_prefix)
    work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-writes-")))
    url = database_url("postgresql", args.seed, work, args.pg_admin_url, args.pg_prefix)
    app = make_app(url, work)
    seconds = prepare(app, args.seed)
    if seconds is not None:
        print(f"seeded {args.seed:,} nominations in {seconds:.1f} s; {uptime()}")
    with app.app_context():
        db.engine.dispose()
    print(f"database: {url}")
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a database filled by seed-scale (left as the run leaves it)")
    parser.add_argument("--seed", type=int, default=100_000, metavar="N", help="nominations to seed (default 100000)")
    parser.add_argument("--pg-admin-url", default=os.environ.get("PG_ADMIN_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--pg-prefix", default=PG_PREFIX, help=f"seeded database's name prefix (default {PG_PREFIX})")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument("--reuse", action="store_true", help="reuse a database kept by an earlier --keep run")
    parser.add_argument("--reviewers", type=int, default=16, help="concurrent writers (default 16)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--approvals", type=int, default=12, help="approvals per reviewer per round (default 12)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=int, help="untimed approvals per reviewer first (default: enough for "
                        "two requests of each kind per worker, at least 1)")
    parser.add_argument("--seconds", type=float, default=120, help="bound of one round (default 120)")
    args = parser.parse_args(argv)
    if args.warmup is None:
        args.warmup = max(1, -(-2 * args.workers // args.reviewers))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    print(f"start {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; {uptime()}")
    with contextlib.ExitStack() as stack:
        url = args.database_url or seeded(stack, args)
        engine = engine_for(url)
        stack.callback(engine.dispose)
        base = stack.enter_context(gunicorn(url, args.workers))
        result = run(base, engine, args)
    return report(result, args, url.split(":", 1)[0])


if __name__ == "__main__":
    sys.exit(main())
