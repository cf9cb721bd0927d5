"""Benchmark: the service under load, as deployed — gunicorn on PostgreSQL at the large
synthetic size (50,000 apps / 10,000 vendors / 100,000 BAAs), driven by wrk on 127.0.0.1.

Routes: the MDM pull in full and as 304 (If-None-Match with the release hash), a paginated
API list (`/api/v1/apps?page=…`, a different page per request) and the dashboard (a signed-in
session). For each: requests per second and p50 / p99 latency; the 304 route against the full
export as a ratio (its point is to be far cheaper); and any 5xx fails the run.

Then reads while writes happen: the dashboard under the same load while another client, over
the API, renames apps, terminates BAAs and publishes a release (WRITES, spread over the run).
Aim: the dashboard's p99 stays under 500 ms; each write's time is reported.

    apt-get install -y wrk && pip install -e ".[test]"
    python tests/benchmarks/bench_load.py            # PostgreSQL at 127.0.0.1 (or the URL in
                                                     # VETTING_TEST_DATABASE_URL)
    BENCH_APPS=5000 BENCH_VENDORS=1000 BENCH_BAAS=1200 BENCH_SECONDS=5 python …   # quicker
    BENCH_WORKERS=4 BENCH_CONNECTIONS=32 python …    # gunicorn workers, wrk connections
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import select  # noqa: E402

from tests.benchmarks import synthetic  # noqa: E402
from tests.benchmarks.synthetic import AS_OF, Sizes  # noqa: E402
from tests.gunicorn_server import gunicorn  # noqa: E402
from vetting import auth, clock, db  # noqa: E402
from vetting.app import create_app  # noqa: E402
from vetting.models import BAA, App  # noqa: E402
from vetting.services import releases  # noqa: E402

PASSWORD = "load-benchmark-password-1"
EMAIL = "load@bench.example"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STALL_AIM_MS = 500.0  # the dashboard's p99 while writes happen
WRITES = 8  # app renames and BAA terminations, alternating; and one publish among them

# Counts 5xx answers in every wrk thread and prints them with the percentiles wrk keeps.
WRK_SCRIPT = """
local threads = {}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  server_errors = 0
  page = 0
  paged = os.getenv("BENCH_PAGED") == "1"
end
function request()
  if paged then
    page = page % 200 + 1
    return wrk.format(nil, wrk.path .. "&page=" .. page)
  end
  return wrk.format()
end
function response(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
end
function done(summary, latency, requests)
  local errors = 0
  for _, t in ipairs(threads) do errors = errors + t:get("server_errors") end
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f p50_us=%d p99_us=%d 5xx=%d non2xx3xx=%d socket=%d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    errors, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
"""


@dataclass(frozen=True)
class Result:
    route: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    server_errors: int
    other_errors: int
    socket_errors: int  # connect, read, write and timeout errors wrk counted


def prepare(url: str, instance: Path, sizes: Sizes) -> dict[str, Any]:
    """Publish a release, make a token and a user in the data set's copy: what the load needs."""
    counts = asdict(sizes)
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "load-bench", "AUDIT_KEY": synthetic.AUDIT_KEY,
         "INSTANCE_PATH": instance, "TESTING": True}
    )  # fmt: skip
    clock.freeze(AS_OF)
    try:
        with app.app_context():
            s = db.session()
            sha = releases.publish(s, auth.CLI_PRINCIPAL, AS_OF).release.sha256
            _, secret = auth.create_token(s, auth.CLI_PRINCIPAL, "load", "admin")
            auth.create_user(s, auth.CLI_PRINCIPAL, EMAIL, PASSWORD, "admin")
            apps = list(s.scalars(select(App.id).order_by(App.id).limit(WRITES)))
            in_force = list(
                s.scalars(
                    select(BAA.id)
                    .where(BAA.status == "active", BAA.expiration_date > AS_OF + timedelta(days=90))
                    .order_by(BAA.id)
                    .limit(WRITES)
                )
            )
    finally:
        clock.freeze(None)
    return {"sha": sha, "token": secret, "counts": counts,
            "apps": apps, "baas": in_force}  # fmt: skip


def write_meanwhile(base: str, bearer: dict[str, str], facts: dict[str, Any], seconds: float,
                    times: list[tuple[str, float, int]]) -> None:  # fmt: skip
    """Over `seconds`: WRITES writes over the API, alternating an app rename and a BAA
    termination, evenly spread, with a release published halfway; each one's time and status
    appended to `times`."""
    gap = seconds / (WRITES + 2)
    # A new connection per write: the server closes an idle keep-alive connection after 2 s,
    # about the gap between writes, and a POST sent on one it has just closed is lost.
    fresh = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=base, headers=bearer, timeout=120, limits=fresh) as c:
        for i in range(WRITES):
            time.sleep(gap)
            if i % 2 == 0:
                label, method, path = "rename an app", "PATCH", f"/api/v1/apps/{facts['apps'][i]}"
                body: dict[str, Any] = {"name": f"Renamed under load {i}"}
            else:
                label, method = "terminate a BAA", "POST"
                path = f"/api/v1/baas/{facts['baas'][i]}/terminate"
                body = {"on": (AS_OF + timedelta(days=60)).isoformat(), "reason": "load test"}
            start = time.perf_counter()
            try:
                status = c.request(method, path, json=body).status_code
            except httpx.HTTPError as exc:  # reported, and the run fails
                print(f"  write failed: {label}: {type(exc).__name__}: {exc}")
                status = 599
            times.append((label, time.perf_counter() - start, status))
            if i == WRITES // 2:
                start = time.perf_counter()
                r = c.post("/api/v1/allowlist/releases", json={"note": "published under load"})
                times.append(("publish a release", time.perf_counter() - start, r.status_code))


def _timed_get(url: str, headers: dict[str, str], times: list[float]) -> None:
    start = time.perf_counter()
    try:
        ok = httpx.get(url, headers=headers, timeout=120).status_code == 200
    except httpx.HTTPError:
        ok = False
    times.append(time.perf_counter() - start if ok else float("inf"))  # an error: not warm


def settle(url: str, cookie: dict[str, str], deadline: float = 300.0) -> float:
    """Wait until every worker has warmed up (each computes today's dashboard at start): eight
    requests at once, again until all of them answer within a second. Returns the seconds."""
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        times: list[float] = []
        threads = [threading.Thread(target=_timed_get, args=(url, cookie, times)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if max(times) < 1.0:
            break
        time.sleep(1)
    return time.monotonic() - start


def server_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "load-bench",
        "VETTING_AUDIT_KEY": synthetic.AUDIT_KEY,
        "VETTING_SCHEDULER": "off",
        "VETTING_WARM_CACHES": "on",
        "VETTING_SECURE_COOKIES": "off",  # wrk and this script speak plain http on loopback
    }


def session_cookie(base: str) -> str:
    """Sign in through the login form; the Cookie header a browser would then send."""
    with httpx.Client(base_url=base, follow_redirects=False) as c:
        page = c.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        r = c.post("/login", data={"csrf_token": token.group(1), "email": EMAIL,
                                   "password": PASSWORD})  # fmt: skip
        assert r.status_code == 302, r.text
        return "; ".join(f"{k}={v}" for k, v in c.cookies.items())


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int, script: Path,
        paged: bool = False) -> dict[str, float]:  # fmt: skip
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s", "--latency"]
    command += ["-s", str(script)]  # slow answers are measured, not dropped at 2 s
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    env = {**os.environ, "BENCH_PAGED": "1" if paged else "0"}
    out = subprocess.run([*command, url], capture_output=True, text=True, env=env, check=True)
    found = re.search(r"RESULT (.*)", out.stdout)
    assert found, out.stdout + out.stderr
    return {k: float(v) for k, v in (kv.split("=") for kv in found.group(1).split())}


def run() -> list[Result]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    os.environ.setdefault("VETTING_TEST_DATABASE_URL", PG_DEFAULT)
    sizes = Sizes.from_env()
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    connections = int(os.environ.get("BENCH_CONNECTIONS", "16"))
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    results: list[Result] = []
    with synthetic.database(sizes, "vetting_load") as url, tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        script = instance / "count.lua"
        script.write_text(WRK_SCRIPT)
        facts = prepare(url, instance, sizes)
        with gunicorn(server_env(url), instance / "server", workers=workers) as base:
            bearer = {"Authorization": f"Bearer {facts['token']}"}
            cookie = {"Cookie": session_cookie(base)}
            routes: list[tuple[str, str, dict[str, str], bool]] = [
                ("MDM pull, full export", "/api/v1/allowlist/latest.json", bearer, False),
                ("MDM pull, 304", "/api/v1/allowlist/latest.json",
                 {**bearer, "If-None-Match": f'"{facts["sha"]}"'}, False),
                ("API list, paginated", "/api/v1/apps?per_page=50", bearer, True),
                ("dashboard", "/", cookie, False),
            ]  # fmt: skip
            if os.environ.get("BENCH_ROUTES") == "writes":  # only reads while writing
                routes = [("dashboard", "/", cookie, False)]
            settled = settle(base + "/", cookie)
            print(f"every worker warm after {settled:.0f} s (its warm-up at start)")
            for name, path, headers, paged in routes:
                httpx.get(base + path, headers=headers, timeout=120)  # warm the worker caches
                got = wrk(base + path, headers, seconds, connections, script, paged)
                results.append(Result(
                    name, int(got["requests"]), got["requests"] / got["seconds"],
                    got["p50_us"] / 1000, got["p99_us"] / 1000, int(got["5xx"]),
                    int(got["non2xx3xx"]) - int(got["5xx"]), int(got["socket"]),
                ))  # fmt: skip
            # Reads while writes happen: the dashboard, with the writes spread over the run.
            writes: list[tuple[str, float, int]] = []
            writer = threading.Thread(
                target=write_meanwhile, args=(base, bearer, facts, seconds * 2, writes)
            )
            writer.start()
            got = wrk(base + "/", cookie, seconds * 2, connections, script)
            writer.join()
            results.append(Result(
                "dashboard, while writing", int(got["requests"]),
                got["requests"] / got["seconds"], got["p50_us"] / 1000, got["p99_us"] / 1000,
                int(got["5xx"]), int(got["non2xx3xx"]) - int(got["5xx"]), int(got["socket"]),
            ))  # fmt: skip
            server_log = (instance / "server" / "gunicorn.log").read_text()
    report(results, facts["counts"], workers, connections, seconds)
    if server_log.strip():
        print("server log (last 40 lines):\n" + "\n".join(server_log.splitlines()[-40:]))
    for label, took, status in writes:
        print(f"  write: {label:<20} {took * 1000:8.0f} ms  HTTP {status}")
    stalled = results[-1]
    verdict = "meets" if stalled.p99_ms <= STALL_AIM_MS else "MISSES"
    print(f"dashboard p99 while writing: {stalled.p99_ms:.0f} ms ({verdict} the "
          f"{STALL_AIM_MS:.0f} ms aim)")  # fmt: skip
    bad = [w for w in writes if w[2] >= 400]
    assert not bad, f"writes refused: {bad}"
    return results


def report(results: list[Result], counts: dict[str, int], workers: int, connections: int,
           seconds: int) -> None:  # fmt: skip
    print(f"\ngunicorn {workers} workers × 4 threads on PostgreSQL, {counts}; wrk 2 threads, "
          f"{connections} connections, {seconds} s per route")  # fmt: skip
    print(f"{'route':<26} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'5xx':>5} "
          f"{'socket':>6}")  # fmt: skip
    for r in results:
        print(f"{r.route:<26} {r.requests:>9} {r.rps:>9.1f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} "
              f"{r.server_errors:>5} {r.socket_errors:>6}")  # fmt: skip
    full = next((r for r in results if r.route == "MDM pull, full export"), None)
    cheap = next((r for r in results if r.route == "MDM pull, 304"), None)
    if full is None or cheap is None:
        return
    print(f"304 vs full export: {cheap.rps / full.rps:.1f}× the requests per second, "
          f"p50 {full.p50_ms / max(cheap.p50_ms, 0.001):.1f}× lower")  # fmt: skip


def test_under_load_nothing_answers_5xx() -> None:
    results = run()
    assert results[-1].p99_ms <= STALL_AIM_MS, results[-1]
    assert all(r.server_errors == 0 for r in results), results
    assert all(r.other_errors == 0 for r in results), results
    assert all(r.socket_errors == 0 for r in results), results


if __name__ == "__main__":
    outcome = run()
    sys.exit(1 if any(r.server_errors or r.other_errors or r.socket_errors for r in outcome) else 0)
