"""Benchmark: whole-list downloads on the shared synthetic data set (tests/benchmarks/
synthetic.py: 100,000 BAAs, 50,000 apps), each cold (nothing kept) and as a ratio against the
raw SQL query of the same rows plus the same serialiser, measured in the same run.

1. The calendar feed (default window: 30 days back, 13 months ahead): our query, the core's
   deadline rules and the ICS writer, against a plain SQL read of the same agreements with
   their vendor, turned into the same events by the core and written by the same ICS writer
   — aim ≤ 2× (the difference is what the ORM adds to the read).
2. The live list as CSV (`/allowlist/current.csv`, `GET /api/v1/allowlist?format=csv`):
   computed from nothing, against a plain SQL read of the apps with their vendor and latest
   decision written with the csv module — printed (the list rules are more than a read).
3. Every list download through its route, unfiltered (the whole list), as CSV and XLSX: the
   BAA register (pages and API), the apps with their list status (pages and API), the
   vendors, the assessments and the audit log — each streamed, checked to hold every row the
   raw query finds, and timed against that raw SQL query of the same rows (joined to their
   vendor) written by the same serialiser (the csv module with the same defusing, or the same
   write-only sheet writer) — printed with the statements each ran (a constant per page).

    python tests/benchmarks/bench_downloads.py          # SQLite file in a temp folder
    pytest tests/benchmarks/bench_downloads.py -s       # the same, as a test (asserts 1.)
    VETTING_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python …
    BENCH_BAAS=10000 BENCH_APPS=5000 BENCH_VENDORS=1000 python …   # a quicker run
"""

from __future__ import annotations

import csv
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402

from integrations.calendar import ics_chunks  # noqa: E402
from integrations.spreadsheets import writing  # noqa: E402
from tests.benchmarks import synthetic  # noqa: E402
from vetting import clock, db  # noqa: E402
from vetting.app import create_app  # noqa: E402
from vetting.core.baa import BaaTerms  # noqa: E402
from vetting.core.baa_calendar import CalendarBaa, events_for  # noqa: E402
from vetting.core.cells import safe_cell  # noqa: E402
from vetting.current import settings_of  # noqa: E402
from vetting.queries import baa_calendar, cache, list_files  # noqa: E402
from vetting.services import baa_states  # noqa: E402

ICS_AIM = 2.0
RUNS = 5

RAW_BAAS = (
    "SELECT b.id, v.name, b.effective_date, b.expiration_date, b.auto_renews, "
    "b.renewal_term_months, b.notice_days, b.terminated_on, b.status, b.superseded_on, "
    "b.notice_months, b.title, b.termination_reason FROM baa b JOIN vendor v "
    "ON v.id = b.vendor_id WHERE b.status NOT IN ('draft', 'pending_signature') "
    "AND b.effective_date <= :end AND (b.auto_renews OR b.expiration_date >= :start "
    "OR b.terminated_on >= :start) ORDER BY b.id"
)
RAW_LIST = (
    "SELECT a.id, a.name, a.platform, a.store_id, a.vendor_id, v.name, d.decision, "
    "d.decided_at, d.decided_by, d.valid_until, d.conditions FROM app a "
    "JOIN vendor v ON v.id = a.vendor_id LEFT JOIN decision d ON d.app_id = a.id "
    "ORDER BY a.name, a.platform, a.id"
)


# The whole lists as their pages list them (no filter): route → the raw query of the same rows.
RAW_REGISTER = (
    "SELECT b.id, v.name, b.title, b.status, b.effective_date, b.expiration_date, "
    "b.notice_days, b.auto_renews, b.breach_notification_days, b.subcontractor_flowdown, "
    "b.return_or_destroy FROM baa b JOIN vendor v ON v.id = b.vendor_id ORDER BY v.name, b.id"
)
RAW_APPS = (
    "SELECT a.name, v.name, a.platform, a.store_id, a.revoked_on, a.updated_at FROM app a "
    "JOIN vendor v ON v.id = a.vendor_id ORDER BY a.name, a.id"
)
RAW_VENDORS = "SELECT name, website, contact_email, created_at FROM vendor ORDER BY name, id"
RAW_ASSESSMENTS = (
    "SELECT s.id, a.name, a.platform, v.name, s.checklist_id, s.checklist_version, s.score, "
    "s.verdict, s.status, s.created_at, s.updated_at FROM assessment s "
    "JOIN app a ON a.id = s.app_id JOIN vendor v ON v.id = a.vendor_id ORDER BY s.id DESC"
)
RAW_AUDIT = (
    "SELECT seq, at, actor, action, entity_type, entity_id, before, after FROM audit_event "
    "ORDER BY seq DESC"
)
LIST_DOWNLOADS = [  # (route, whose headers: "web" or "api", raw query)
    ("/baas/export.csv", "web", RAW_REGISTER),
    ("/baas/export.xlsx", "web", RAW_REGISTER),
    ("/api/v1/baas/register.csv", "api", RAW_REGISTER),
    ("/api/v1/baas/register.xlsx", "api", RAW_REGISTER),
    ("/apps/export.csv", "web", RAW_APPS),
    ("/apps/export.xlsx", "web", RAW_APPS),
    ("/api/v1/apps/export.csv", "api", RAW_APPS),
    ("/api/v1/apps/export.xlsx", "api", RAW_APPS),
    ("/vendors/export.csv", "web", RAW_VENDORS),
    ("/vendors/export.xlsx", "web", RAW_VENDORS),
    ("/assessments/export.csv", "web", RAW_ASSESSMENTS),
    ("/assessments/export.xlsx", "web", RAW_ASSESSMENTS),
    ("/audit/export.csv", "web", RAW_AUDIT),
    ("/audit/export.xlsx", "web", RAW_AUDIT),
]


def _raw_file(conn: Any, sql: str, fmt: str) -> tuple[list[str], int]:
    """The raw query's rows written by the same serialiser: (each row's first value, bytes)."""
    rows = conn.execute(text(sql))
    first: list[str] = []

    def noted(row: Any) -> Any:
        first.append(str(row[0]))
        # a JSON column (the audit log's before/after) as the export writes it: its text
        return [json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for v in row]

    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for row in rows:
            writer.writerow(["" if v is None else safe_cell(v) for v in noted(row)])
        return first, len(out.getvalue().encode())
    buf = io.BytesIO()
    headers = [(str(i), 10) for i in range(len(rows.keys()))]
    writing.write_one_sheet(buf, "raw", headers, (tuple(noted(r)) for r in rows))
    return first, len(buf.getvalue())


def _first_column(body: bytes, fmt: str) -> list[str]:
    """Each data row's first value in a downloaded file (under its header)."""
    if fmt == "csv":
        return [r[0] for r in csv.reader(io.StringIO(body.decode()))][1:]
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(body), read_only=True).active
    return [str(r[0]) for r in ws.iter_rows(min_row=2, values_only=True)]  # type: ignore[union-attr]


def measure_lists(app: Any, runs: int = 1, check_rows: bool = True) -> list[dict[str, Any]]:
    """Each list download of `app` through its route (a signed-in administrator, an API
    token), timed (median of `runs`, nothing kept between them) against its raw query and
    serialiser; each download must hold the raw query's rows, each once."""
    from tests.benchmarks.bench_web import _signed_in, _token

    client = _signed_in(app, f"bench-downloads-{time.monotonic_ns()}@example.org")
    token = _token(app)
    engine = app.extensions["vetting.engine"]
    out = []
    for route, who, sql in LIST_DOWNLOADS:
        fmt = route.rsplit(".", 1)[1]
        statements: list[int] = []

        def count(*_: Any, found: list[int] = statements) -> None:
            found.append(1)

        def ours(route: str = route, who: str = who) -> bytes:
            cache.clear_all()
            resp = client.get(route, headers=token if who == "api" else None)
            body = resp.get_data()  # a streamed body is read (and its rows queried) here
            assert resp.status_code == 200, (route, resp.status_code, body[:300])
            return body

        event.listen(engine, "before_cursor_execute", count)
        try:
            t_ours, body = _median(ours, runs)
        finally:
            event.remove(engine, "before_cursor_execute", count)

        def raw(sql: str = sql, fmt: str = fmt) -> tuple[int, int]:
            with engine.connect() as conn:
                return _raw_file(conn, sql, fmt)

        t_raw, (raw_first, raw_bytes) = _median(raw, runs)
        if check_rows:  # every row the raw query finds, each once (by its first column)
            found = _first_column(body, fmt)
            assert sorted(found) == sorted(raw_first), (route, len(found), len(raw_first))
        rows = len(raw_first)
        out.append({"route": route, "s": t_ours, "raw_s": t_raw, "ratio": t_ours / t_raw,
                    "rows": rows, "bytes": len(body), "raw_bytes": raw_bytes,
                    "statements": len(statements) // max(runs, 1)})  # fmt: skip
    return out


def report_lists(rows: list[dict[str, Any]]) -> None:
    print("\nwhole-list downloads through their routes, against the raw query + serialiser")
    print(f"  {'route':<30} {'rows':>8} {'MB':>6} {'ours s':>8} {'raw s':>7} {'ratio':>6} "
          f"{'queries':>7}")  # fmt: skip
    for r in rows:
        print(f"  {r['route']:<30} {r['rows']:>8,} {r['bytes'] / 1e6:>6.1f} {r['s']:>8.2f} "
              f"{r['raw_s']:>7.2f} {r['ratio']:>6.1f} {r['statements']:>7}")  # fmt: skip


def _date(value: Any) -> Any:
    from datetime import date

    return date.fromisoformat(value) if isinstance(value, str) else value


def _median(fn: Callable[[], Any], runs: int = RUNS) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def run() -> dict[str, float]:
    clock.freeze(synthetic.AS_OF)
    results: dict[str, float] = {}
    try:
        with synthetic.database() as url, tempfile.TemporaryDirectory() as instance:
            app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True,
                              "AUDIT_KEY": synthetic.AUDIT_KEY,
                              "INSTANCE_PATH": Path(instance)})  # fmt: skip
            # Today's states are kept, as in a serving process (its warm-up, the daily job):
            # the vendors list reads them rather than working out 100,000 states.
            start = time.perf_counter()
            engine, days = app.extensions["vetting.engine"], settings_of(app).baa_warning_days
            baa_states.ensure(engine, synthetic.AS_OF, days)
            print(f"today's kept states built in {time.perf_counter() - start:.1f} s")
            with app.app_context():
                s = db.session()
                feed = baa_calendar.Feed.of(synthetic.AS_OF)
                now = clock.now()

                def ours() -> int:
                    cache.clear_all()
                    s.expunge_all()
                    return sum(len(c) for c in baa_calendar.calendar(s, feed, now))

                def raw() -> int:
                    history = (feed.as_of - feed.start).days
                    ahead = (feed.end - feed.as_of).days
                    with db.engine().connect() as conn:
                        rows = conn.execute(
                            text(RAW_BAAS), {"start": feed.start, "end": feed.end}
                        ).all()
                    found = [
                        e
                        for r in rows
                        for e in events_for(
                            CalendarBaa(
                                r[0],
                                r[1],
                                BaaTerms(
                                    _date(r[2]),
                                    _date(r[3]),
                                    bool(r[4]),
                                    r[5],
                                    r[6],
                                    _date(r[7]),
                                    r[8],
                                    _date(r[9]),
                                    r[10],
                                ),
                                r[11],
                                r[12],
                            ),
                            feed.as_of,
                            history_days=history,
                            ahead_days=ahead,
                        )
                        if feed.start <= e.day <= feed.end
                    ]
                    found.sort(key=lambda e: (e.day, e.baa_id, e.kind))
                    return sum(len(c) for c in ics_chunks(found, stamp=now))

                t_ours, size = _median(ours)
                t_raw, raw_size = _median(raw)
                assert abs(size - raw_size) < 0.01 * raw_size, (size, raw_size)
                results |= {"ics_s": t_ours, "ics_raw_s": t_raw, "ics_ratio": t_ours / t_raw,
                            "ics_bytes": size}  # fmt: skip

                def list_csv() -> int:
                    cache.clear_all()
                    s.expunge_all()
                    return len(list_files.live_file(s, synthetic.AS_OF, "csv").body)

                def raw_csv() -> int:
                    out = io.StringIO()
                    writer = csv.writer(out)
                    with db.engine().connect() as conn:
                        for row in conn.execute(text(RAW_LIST)):
                            writer.writerow(row)
                    return len(out.getvalue())

                t_list, list_size = _median(list_csv, 3)
                t_list_raw, _ = _median(raw_csv, 3)
                results |= {"list_csv_s": t_list, "list_csv_raw_s": t_list_raw,
                            "list_csv_ratio": t_list / t_list_raw,
                            "list_csv_bytes": list_size}  # fmt: skip
            runs = int(os.environ.get("BENCH_DOWNLOAD_RUNS", "1"))
            lists = measure_lists(app, runs)
            results["lists"] = lists  # type: ignore[assignment]
            app.extensions["vetting.engine"].dispose()
    finally:
        clock.freeze(None)
    return results


def report(r: dict[str, float]) -> None:
    verdict = "meets" if r["ics_ratio"] <= ICS_AIM else "MISSES"
    print(
        f"calendar feed, cold: {r['ics_s'] * 1000:.0f} ms for {r['ics_bytes'] / 1e6:.1f} MB; "
        f"raw SQL + same events + ICS writer: {r['ics_raw_s'] * 1000:.0f} ms — "
        f"{r['ics_ratio']:.2f}x ({verdict} the {ICS_AIM:.0f}x aim)"
    )
    print(
        f"live list CSV, cold: {r['list_csv_s'] * 1000:.0f} ms for "
        f"{r['list_csv_bytes'] / 1e6:.1f} MB; raw SQL + csv module: "
        f"{r['list_csv_raw_s'] * 1000:.0f} ms — {r['list_csv_ratio']:.2f}x (printed only)"
    )


def test_downloads_benchmark() -> None:
    r = run()
    report(r)
    report_lists(r["lists"])  # type: ignore[arg-type]
    assert r["ics_ratio"] <= ICS_AIM, r


if __name__ == "__main__":
    found = run()
    report(found)
    report_lists(found["lists"])  # type: ignore[arg-type]
