"""Benchmark: server time of every page and API read, on the demo data and on the shared
synthetic hospital system (tests/benchmarks/synthetic.py: 10,000 vendors, 50,000 apps,
100,000 BAAs, 50,000 assessments × 25 answers).

Each route is requested through the real app (sign-in cookie or API token, CSRF, templates)
with Flask's test client; the time is the server's (no network). The baseline is /healthz
measured in the same run, so the printed ratio says what a route costs beyond the bare
request cycle. The statements each page runs are counted too: they must not grow with size.

    python tests/benchmarks/bench_web.py              # SQLite file in a temp folder
    pytest tests/benchmarks/bench_web.py -s           # the same, as a test (asserts ≤ 150 ms)
    VETTING_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python …
    BENCH_APPS=5000 BENCH_VENDORS=1000 BENCH_BAAS=10000 python …   # a quicker run
    BENCH_ONLY='/apps?q=app%2004 /vendors' python …   # only these pages (space-separated;
                                                       # no demo data, API, downloads or changes)

"cold" is the first request after the data changed (what changed is recomputed then and kept
until the next change); "p50"/"p95" are over the next RUNS (30) requests. The run publishes a
release, then times every page (lists, filters, forms, details), every API read and the
whole-list downloads (printed, not held to 150 ms: their size grows with the list; the pages'
list downloads are timed against their raw query in bench_downloads.py). Not timed: the
stored files (signed BAAs, certificates, evidence: the synthetic set has none, and each is one
file sent as stored) and an app's store listing (needs a lookup in a store); the
dashboard, approved list and register after an app rename, a BAA termination and a decision,
on the day of the release and again RELEASE_AGE (6) days later, when the live list differs
from the release in more places; and a new process's first requests with and without the
warm-up (vetting/warmup.py).
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

from flask import Flask, current_app  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from tests.answers import answer_everything  # noqa: E402
from tests.benchmarks import synthetic  # noqa: E402
from tests.benchmarks.synthetic import AS_OF  # noqa: E402
from tests.databases import throwaway_database  # noqa: E402
from tests.web.test_queries import MAX_STATEMENTS  # noqa: E402
from vetting import auth, clock, db, demo, migrate, warmup  # noqa: E402
from vetting.app import create_app  # noqa: E402
from vetting.models import BAA, Assessment  # noqa: E402
from vetting.queries import cache, live_list  # noqa: E402
from vetting.schemas import AppUpdate, AssessmentCreate, DecisionIn  # noqa: E402
from vetting.services import apps, assessments, baas, decisions, releases  # noqa: E402

AIM_MS = 150.0
RUNS = 30
PASSWORD = "benchmark password"
DEMO_PAGES = [
    "/", "/vendors", "/vendors/1", "/apps", "/apps/1", "/assessments", "/assessments/1",
    "/assessments/21/answers", "/compare?checklist=clinical-photo&app=1&app=3&app=5",
    "/baas", "/baas/1", "/allowlist", "/audit", "/admin",
]  # fmt: skip
BIG_PAGES = [
    "/", "/vendors", "/vendors?page=150&sort=apps&desc=1", "/vendors/1", "/apps",
    "/apps?page=900", "/apps?sort=vendor&desc=1&page=20", "/apps?q=app%2004", "/apps/1",
    "/assessments", "/assessments?page=800&status=decided", "/assessments/1",
    "/assessments/10/answers", "/compare?checklist=clinical-photo&app=1&app=2&app=3",
    "/baas", "/baas?page=200", "/baas?filter=expiring", "/baas?filter=in-force&page=50",
    "/baas?filter=expired", "/baas?filter=terminated", "/baas?filter=unsigned",
    "/baas?filter=auto-renewing", "/baas?filter=non-conforming", "/baas?q=vendor%2000042",
    "/baas/1", "/apps/new", "/apps/1/edit", "/baas/new", "/baas/1/edit", "/vendors/new",
    "/vendors/options?q=vendor%20004", "/allowlist", "/allowlist?page=200&xpage=100",
    "/audit", "/admin",
    # the rest of the signed-in pages ({…}: records made for the benchmark, see _records)
    "/vendors/1/edit", "/assessments/new", "/assessments/{open}/questionnaire",
    "/assessments/{open}/suggestions", "/compare", "/allowlist/publish",
    "/allowlist/releases/{release}", "/allowlist/targets", "/allowlist/targets/new?kind=intune",
    "/allowlist/targets/{target}/edit", "/allowlist/sync/{target}", "/admin/channels",
    "/calendar", "/notifications", "/parents", "/parents/{parent}", "/import/apps",
    "/import/baas", "/import/vendors", "/audit/verify",
]  # fmt: skip
SIGNED_OUT_PAGES = ["/login", "/answer/{answer_token}"]  # a fresh client, no session
API_READS = [
    "/api/v1/vendors", "/api/v1/vendors?page=150", "/api/v1/apps", "/api/v1/apps?page=900",
    "/api/v1/apps/1", "/api/v1/assessments?page=800", "/api/v1/assessments/1",
    "/api/v1/baas", "/api/v1/baas?state=expiring", "/api/v1/baas?state=in_force&page=100",
    "/api/v1/baas?within_days=90", "/api/v1/baas/1", "/api/v1/allowlist",
    "/api/v1/allowlist/latest.json",
    "/api/v1/vendors/1", "/api/v1/vendors/1/pages",
    "/api/v1/assessments/{open}/answer-links", "/api/v1/assessments/{open}/suggestions",
    "/api/v1/allowlist/forecast", "/api/v1/allowlist/releases",
    "/api/v1/allowlist/releases/{release}", "/api/v1/allowlist/releases/{release}/diff",
    "/api/v1/checklists", "/api/v1/checklists/clinical-photo", "/api/v1/decisions/pending",
    "/api/v1/me", "/api/v1/notifications", "/api/v1/openapi.json",
    "/api/v1/parent-agreements", "/api/v1/parent-agreements/{parent}", "/api/v1/sync-targets",
    "/api/v1/sync-targets/{target}", "/api/v1/sync-targets/{target}/runs",
]  # fmt: skip
# Files: a whole list or a workbook (the list downloads of pages are in bench_downloads.py).
DOWNLOADS = [
    "/allowlist/current.csv", "/allowlist/current.json", "/api/v1/baas.ics",
    "/baas/calendar.ics", "/allowlist/releases/1/export/xlsx",
    "/allowlist/releases/1/export/csv", "/api/v1/allowlist/releases/1/export?format=csv",
    "/api/v1/allowlist/latest.csv", "/api/v1/allowlist/latest.mobileconfig",
    "/api/v1/allowlist/latest/intune.json", "/api/v1/allowlist/latest/android-policy.json",
    "/compare/export.xlsx?checklist=clinical-photo&app=1&app=2&app=3",
    "/vendors/1/questionnaire.xlsx?checklist=clinical-photo",
    "/assessments/1/questionnaire.xlsx", "/api/v1/assessments/1/questionnaire.xlsx",
    "/api/v1/vendors/1/questionnaire.xlsx?checklist=clinical-photo",
]  # fmt: skip


CHANGED_PAGES = ["/", "/allowlist", "/baas"]


def _rename_app(s: Any, round_: int = 0) -> None:
    apps.update(s, auth.CLI_PRINCIPAL, 17 + round_, AppUpdate(name=f"Renamed app {round_}"))


def _end_a_baa(s: Any, round_: int = 0) -> None:
    today = clock.today()
    baa_id = s.scalar(
        select(BAA.id)
        .where(BAA.status == "active", BAA.effective_date <= today)
        .where(BAA.expiration_date > today)  # in force today: a termination applies
        .order_by(BAA.id)
        .limit(1)
    )
    baas.terminate(s, auth.CLI_PRINCIPAL, baa_id, today, "vendor breach")


def _decide(s: Any, round_: int = 0) -> None:
    checklists = current_app.extensions["vetting.checklists"]
    new = AssessmentCreate(app_id=23 + round_, checklist_id="clinical-photo")
    assessment = assessments.create(s, auth.CLI_PRINCIPAL, checklists, new)
    # Only a rejection can be decided on an incomplete assessment: answer it first.
    answer_everything(s, checklists["clinical-photo"], assessment.id)
    decision = DecisionIn(decision="approved", justification="the security committee approved it")
    decisions.decide(s, auth.CLI_PRINCIPAL, assessment.id, decision)


_CHANGES = [
    ("(app renamed)", _rename_app),
    ("(BAA terminated)", _end_a_baa),
    ("(decision recorded)", _decide),
]
# The daily job publishes only when the list changed, so the latest release is often days
# old; every change is then compared with a list that differs from it in more places.
RELEASE_AGE = 6


def _database() -> AbstractContextManager[str]:
    return throwaway_database("vetting_bench")


def _app(url: str, instance: str) -> Flask:
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": instance, "TESTING": True}
    )
    with app.app_context():
        migrate.upgrade(db.engine())
    return app


def _signed_in(app: Flask, email: str) -> Any:
    with app.app_context():
        auth.create_user(db.session(), auth.CLI_PRINCIPAL, email, PASSWORD, "admin")
    client = app.test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    resp = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert resp.status_code == 302, resp.text
    return client


def _token(app: Flask) -> dict[str, str]:
    with app.app_context():
        _, secret = auth.create_token(db.session(), auth.CLI_PRINCIPAL, "bench", "admin", None)
    return {"Authorization": f"Bearer {secret}"}


def _records(app: Flask) -> dict[str, Any]:
    """The few records some pages show that the synthetic data set has none of: a release is
    published before the pages are measured (release 1); a sync target, a parent agreement,
    an answer link."""
    from dataclasses import replace as _replace

    from vetting.schemas import ParentAgreementCreate
    from vetting.services import answer_links, parent_agreements, sync

    with app.app_context():
        s = db.session()
        target = sync.create(
            s, auth.CLI_PRINCIPAL, "webhook", "Ticketing hook",
            {"url": "http://127.0.0.1:9/hook", "secret_env": "BENCH_HOOK_SECRET"},
            options=_replace(sync.SyncOptions.default(), allow_private=True),
        )  # fmt: skip
        parent = parent_agreements.create(
            s,
            auth.CLI_PRINCIPAL,
            ParentAgreementCreate(name="Bench master agreement", effective_date=AS_OF),
        )
        open_id = s.scalar(
            select(Assessment.id).where(Assessment.status == "open").order_by(Assessment.id)
        )
        link = answer_links.create(s, auth.CLI_PRINCIPAL, open_id, days=7, single_use=False)
        return {"target": target.id, "parent": parent.id, "answer_token": link.token,
                "open": open_id}  # fmt: skip


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18]


# Intune takes at most 10,000 apps in one list, an Android Management policy 3,000: at 50,000
# apps the synthetic release is over both and each export is refused with a 422 naming the
# limit (timed all the same).
REFUSED_AT_SIZE = {
    "/api/v1/allowlist/latest/intune.json": 422,
    "/api/v1/allowlist/latest/android-policy.json": 422,
}


def _measure(
    app: Flask, client: Any, path: str, runs: int = RUNS, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    statements: list[str] = []
    engine = app.extensions["vetting.engine"]

    def count(*_: Any) -> None:
        statements.append("x")

    event.listen(engine, "before_cursor_execute", count)
    try:
        start = time.perf_counter()
        resp = client.get(path, headers=headers)
        cold = (time.perf_counter() - start) * 1000
        ok = {200, REFUSED_AT_SIZE.get(path, 200)}
        assert resp.status_code in ok, (path, resp.status_code, resp.text[:500])
        queries = len(statements)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            client.get(path, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return {"path": path, "cold": cold, "warm": statistics.median(times), "p95": _p95(times),
            "queries": queries, "bytes": len(resp.data)}  # fmt: skip


def _report(title: str, rows: list[dict[str, Any]], baseline: float) -> None:
    print(f"\n{title}  (baseline /healthz {baseline:.2f} ms)")
    print(
        f"  {'route':<52} {'cold ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'× base':>7} "
        f"{'queries':>7} {'KiB':>6}"
    )
    for r in rows:
        flag = "" if r["p95"] <= AIM_MS else "  > 150 ms"
        print(
            f"  {r['path']:<52} {r['cold']:>8.1f} {r['warm']:>8.1f} {r['p95']:>8.1f} "
            f"{r['warm'] / baseline:>7.1f} {r['queries']:>7} {r['bytes'] / 1024:>6.0f}{flag}"
        )


def _baseline(client: Any) -> float:
    times = []
    for _ in range(20):
        start = time.perf_counter()
        client.get("/healthz")
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(only: Sequence[str] = ()) -> dict[str, list[dict[str, Any]]]:
    """Every page, API read and download; with `only` (BENCH_ONLY), just those pages on the
    synthetic data set after publishing — a quick before/after of a few pages."""
    clock.freeze(AS_OF)
    results: dict[str, list[dict[str, Any]]] = {}
    try:
        if not only:  # the demo data first
            with tempfile.TemporaryDirectory() as instance, _database() as url:
                app = _app(url, instance)
                with app.app_context():
                    demo.load(db.session(), app.extensions["vetting.checklists"])
                client = _signed_in(app, "bench-demo@example.org")
                base = _baseline(client)
                results["demo"] = [_measure(app, client, p, runs=10) for p in DEMO_PAGES]
                _report("demo data (vetting demo)", results["demo"], base)
                app.extensions["vetting.engine"].dispose()
        sizes = synthetic.Sizes.from_env()
        with tempfile.TemporaryDirectory() as instance, synthetic.database(sizes) as url:
            app = _app(url, instance)
            print(f"\n{sizes}")
            client = _signed_in(app, "bench-big@example.org")
            token = _token(app)
            base = _baseline(client)
            print(f"warm-up of a serving process at start (ms): {warmup.warm(app)}")
            with app.app_context():  # what IT does first: publish the list
                start = time.perf_counter()
                result = releases.publish(db.session(), auth.CLI_PRINCIPAL, AS_OF)
                live_list.published(db.session(), result.release, result.listed)  # as the UI does
                del result  # as after a request: it holds the whole list
                print(f"published release 1 in {time.perf_counter() - start:.1f} s")
            ids = {**_records(app), "release": 1}
            pages = [p.format(**ids) for p in (only or BIG_PAGES)]
            results["big"] = [_measure(app, client, p) for p in pages]
            if not only:
                results["big"] += [
                    _measure(app, app.test_client(), p.format(**ids)) for p in SIGNED_OUT_PAGES
                ]
            _report(f"pages at {sizes.baas:,} BAAs, after publishing", results["big"], base)
            if only:
                app.extensions["vetting.engine"].dispose()
                return results
            api = [p.format(**ids) for p in API_READS]
            results["api"] = [_measure(app, client, p, headers=token) for p in api]
            _report("API reads", results["api"], base)
            downloads = [_measure(app, client, p, runs=5, headers=token) for p in DOWNLOADS]
            _report("whole-list downloads (not held to 150 ms)", downloads, base)
            results["changed"] = []
            for label, change in _CHANGES:
                with app.app_context():
                    change(db.session())
                for path in CHANGED_PAGES:
                    results["changed"].append(
                        {**_measure(app, client, path), "path": f"{path} {label}"}
                    )
            _report("first request after a change (cold = after it)", results["changed"], base)
            clock.freeze(AS_OF + timedelta(days=RELEASE_AGE))
            print(f"\nwarm-up after midnight, {RELEASE_AGE} days on (ms): {warmup.warm(app)}")
            client = _signed_in(app, "bench-later@example.org")  # the first session timed out
            results["changed, old release"] = []
            for label, change in _CHANGES:
                with app.app_context():
                    change(db.session(), RELEASE_AGE)
                for path in CHANGED_PAGES:
                    results["changed, old release"].append(
                        {**_measure(app, client, path), "path": f"{path} {label}"}
                    )
            _report(
                f"first request after a change, the latest release {RELEASE_AGE} days old",
                results["changed, old release"],
                base,
            )
            # A new process has parsed no release and computed nothing for today yet: a serving
            # process warms up at start and after midnight; without that, its first request pays.
            restart = []
            for path in CHANGED_PAGES:
                cache.clear_all()
                restart.append({**_measure(app, client, path), "path": f"{path} (not warmed)"})
            _report("first request of a process that did not warm up (not asserted)", restart, base)
            cache.clear_all()
            print(f"\nwarm-up of a new process (ms): {warmup.warm(app)}")
            results["warmed"] = [_measure(app, client, path) for path in CHANGED_PAGES]
            _report("first request of a new process after its warm-up", results["warmed"], base)
            app.extensions["vetting.engine"].dispose()
    finally:
        clock.freeze(None)
    return results


def test_every_page_is_served_within_150_ms() -> None:
    """Every page and API read at p95; and the first request after a change, or in a process
    that has warmed up, cold (the first request of a process that did not warm up is only
    printed)."""
    results = run()
    slow = [
        (name, r["path"], which, round(r[which]))
        for name, rows in results.items()
        for r in rows
        for which in (("p95", "cold") if name.startswith(("changed", "warmed")) else ("p95",))
        if r[which] > AIM_MS
    ]
    assert not slow, slow
    # No query per row: at 50,000 apps a page runs no more statements than the test suite's
    # bound for 400 apps (tests/web/test_queries.py).
    many = [
        (name, r["path"], r["queries"])
        for name in ("big", "changed", "changed, old release", "warmed")
        for r in results[name]
        if r["queries"] > MAX_STATEMENTS
    ]
    assert not many, many


if __name__ == "__main__":
    run(os.environ.get("BENCH_ONLY", "").split())
