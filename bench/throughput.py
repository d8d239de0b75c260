"""Requests per second under gunicorn (2 sync workers, 127.0.0.1 only) with wrk as the load, against
the bare-Flask floor served by the same server in the same run.

    python bench/throughput.py --database-url URL [--seconds 10] [--connections 8] [--rounds 2]

URL is a database already filled by ``flask --app wsgi seed-scale`` (e.g. kept by
``bench/pages.py --keep``: ``sqlite:////tmp/…/pages_100000.db`` or
``postgresql://postgres@127.0.0.1:5432/bench_pages_100000``). Routes: the floor (one primary-key lookup),
the county to-do list (logged in as county000: a real session cookie from the login form) and the public
verification page. wrk runs 2 threads and --connections connections for --seconds per route, routes
interleaved for --rounds rounds; the median is reported. Every request takes the full path (no page is
kept for a logged-in user); each run logs in afresh, since wrk cannot store the cookie the app renews once
a minute. Any response other than 200, and any socket error or a response slower than 10 s, counts as an
error (a Lua hook counts them; a session that lapsed would show as 302s). Target for the to-do list: ≥ 0.15
× the floor's requests per second (issue #21), for the verification page ≥ 0.5 ×, with zero errors.
Exits non-zero on a miss.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from workflow_app.demo.scale import SCALE_PASSWORD  # noqa: E402

# × the floor: the verification page's target, and the to-do list's full path (issue #21's target).
TARGETS = {"county to-do": 0.15, "verification": 0.5}
USER_AGENT = "bench-throughput"  # Flask-Login's strong session protection ties the session to it
LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("NON200 %d\\n", total))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def targets(url: str) -> dict[str, str]:
    """The largest county's id (for the floor) and a certificate token of that county."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        county = conn.execute(text("SELECT id, path FROM org_unit WHERE level = 'county' ORDER BY id")).first()
        token = conn.scalar(text(
            "SELECT c.token FROM certificate c JOIN nomination n ON n.id = c.nomination_id "
            "JOIN org_unit o ON o.id = n.org_unit_id WHERE o.path LIKE :p ORDER BY c.id"), {"p": county.path + "%"})
    engine.dispose()
    return {"floor": f"/bare/floor/{county.id}", "county to-do": "/todo/", "verification": f"/verify/{token}"}


def login(base: str, username: str) -> str:
    """Log in through the form (CSRF token included) and return the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = urllib.parse.urlencode({"username": username, "password": SCALE_PASSWORD,
                                   "csrf_token": token.group(1) if token else ""}).encode()
    opener.open(base + "/login", data=data).read()
    cookie = next((c for c in jar if c.name == "session"), None)
    if cookie is None:
        raise RuntimeError("login failed: no session cookie")
    return f"session={cookie.value}"


def check(base: str, path: str, cookie: str | None) -> None:
    request = urllib.request.Request(base + path, headers={"User-Agent": USER_AGENT, **(
        {"Cookie": cookie} if cookie else {})})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        status = urllib.request.build_opener(NoRedirect).open(request).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise RuntimeError(f"{path}: HTTP {status} before the load")


def wrk(url: str, seconds: int, connections: int, cookie: str | None, script: Path) -> tuple[float, int]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
               "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = int(re.search(r"NON200 (\d+)", output).group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    return rate, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    if args.seconds >= 60:
        parser.error("--seconds must stay under 60: the session's stamp, and so its cookie, renews once a minute")
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)")
        return 2
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    work = Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    script = work / "count.lua"
    script.write_text(LUA)
    env = {**os.environ, "DATABASE_URL": args.database_url, "SECRET_KEY": secrets.token_hex(16),
           "WORKFLOW_INSTANCE": str(work), "PYTHONPATH": str(ROOT)}
    env.pop("WORKFLOW_DEMO", None)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                               "--access-logfile", "/dev/null", "--error-logfile", str(work / "gunicorn.log"),
                               "bench.serve:app"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        paths = targets(args.database_url)
        cookie = login(base, "county000")
        cookies = {"floor": None, "county to-do": cookie, "verification": None}
        for route, path in paths.items():
            check(base, path, cookies[route])
            wrk(base + path, 2, args.connections, cookies[route], script)  # warm-up: imports, pools, caches
        rates: dict[str, list[float]] = {route: [] for route in paths}
        errors = dict.fromkeys(paths, 0)
        for _ in range(args.rounds):
            for route, path in paths.items():
                if cookies[route]:
                    # A browser stores the session's new "last seen" stamp (sent at most once a minute); wrk
                    # replays one cookie, so each run starts from a fresh login, as a browser would be.
                    cookies[route] = login(base, "county000")
                rate, bad = wrk(base + path, args.seconds, args.connections, cookies[route], script)
                rates[route].append(rate)
                errors[route] += bad
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    dialect = args.database_url.split(":", 1)[0]
    print(f"full path (no kept pages); gunicorn 2 sync workers, wrk 2 threads "
          f"{args.connections} connections {args.seconds} s × {args.rounds} rounds per route, {dialect}; "
          f"{os.cpu_count()} cores shared by server and load, "
          f"load average {os.getloadavg()[0]:.1f}")
    floor = statistics.median(rates["floor"])
    failed = 0
    print(f"{'route':16} {'req/s':>8} {'runs':>20} {'× floor':>8} {'errors':>7}  check")
    for route in paths:
        rate = statistics.median(rates[route])
        ok = errors[route] == 0 and (route == "floor" or rate / floor >= TARGETS[route])
        failed += not ok
        runs = " ".join(f"{value:.0f}" for value in rates[route])
        print(f"{route:16} {rate:8.0f} {runs:>20} {rate / floor:8.2f} {errors[route]:7d}  {'ok' if ok else 'MISSED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
