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

    python tests/benchmarks/bench_downloads.py          # SQLite file in a temp folder
    pytest tests/benchmarks/bench_downloads.py -s       # the same, as a test (asserts 1.)
    VETTING_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python …
    BENCH_BAAS=10000 BENCH_APPS=5000 BENCH_VENDORS=1000 python …   # a quicker run
"""

from __future__ import annotations

import csv
import io
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

from sqlalchemy import text  # noqa: E402

from integrations.calendar import ics_chunks  # noqa: E402
from tests.benchmarks import synthetic  # noqa: E402
from vetting import clock, db  # noqa: E402
from vetting.app import create_app  # noqa: E402
from vetting.core.baa import BaaTerms  # noqa: E402
from vetting.core.baa_calendar import CalendarBaa, events_for  # noqa: E402
from vetting.queries import baa_calendar, cache, list_files  # noqa: E402

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
    assert r["ics_ratio"] <= ICS_AIM, r


if __name__ == "__main__":
    report(run())
