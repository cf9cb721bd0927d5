"""Benchmark: the reminder sweep over 100,000 BAAs — one sweep, then a rerun that must create
nothing — against a plain SQL query that selects the same due agreements.

    python tests/benchmarks/bench_reminders.py              # SQLite file in a temp folder
    pytest tests/benchmarks/bench_reminders.py -s           # the same, as a test
    VETTING_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python …
    BENCH_REMINDER_BAAS=10000 python …                      # a quicker run

The agreements: fixed terms ending anywhere from 14 months ago to 2 years ahead, a fifth of
them auto-renewing (notice 30–90 days, not yet rolled, so plain SQL can compute their notice
deadline too), some drafts, superseded or terminated ones (whose return/destroy certificate
is due), evergreen ones (reviewed yearly, outside this window), half with an owner; SMTP and one
legal address are configured, so each due reminder fans out to in-app + legal (+ owner).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, insert, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from tests.databases import throwaway_database  # noqa: E402
from tests.reminder_data import settings as make_settings  # noqa: E402
from vetting import audit, clock, db, migrate  # noqa: E402
from vetting.models import BAA, Vendor  # noqa: E402
from vetting.services.reminders import run_reminders  # noqa: E402
from vetting.settings import NotifySettings  # noqa: E402

AS_OF = date(2026, 11, 25)
SETTINGS = make_settings(smtp_host="127.0.0.1", legal_emails=("legal@example.org",))


def database() -> AbstractContextManager[str]:
    return throwaway_database("vetting_bench")


def populate(engine: Engine, n: int, as_of: date = AS_OF) -> None:
    """Bulk-insert `n` synthetic BAAs over n/100 vendors (executemany, not a row at a time)."""
    now = datetime(2026, 11, 1, 9, tzinfo=UTC)
    vendors = max(n // 100, 1)
    baas = []
    for i in range(n):
        style = i % 10
        row: dict[str, Any] = {
            "vendor_id": i % vendors + 1,
            "title": None if i % 3 else f"MSA {i}",
            "effective_date": date(2023, 1, 1),
            "auto_renews": False,
            "renewal_term_months": None,
            "notice_days": None,
            "terminated_on": None,
            "owner_email": f"owner{i % 500}@example.org" if i % 2 else None,
            "status": "active",
            "superseded_on": None,
            "created_at": now,
            "updated_at": now,
            # spread over [as_of − 420, as_of + 730): all thresholds and the catch-up window
            "expiration_date": as_of + timedelta(days=(i * 7919) % 1150 - 420),
        }
        if style in (1, 2):  # auto-renewing, current term not yet ended
            row |= {
                "auto_renews": True,
                "renewal_term_months": 12,
                "notice_days": 30 + (i % 7) * 10,
                "expiration_date": as_of + timedelta(days=1 + (i * 7919) % 700),
            }
        elif style == 3 and i % 30 == 3:
            row["status"] = "draft"
        elif style == 4 and i % 20 == 4:
            row |= {"status": "superseded", "superseded_on": as_of - timedelta(days=10)}
        elif style == 5 and i % 20 == 5:
            row |= {"status": "terminated", "terminated_on": as_of - timedelta(days=3)}
        elif style == 6 and i % 40 == 6:
            # evergreen; its yearly review (1 June) falls outside this sweep's window
            row |= {"expiration_date": None, "effective_date": date(2023, 6, 1)}
        baas.append(row)
    with engine.begin() as conn:
        conn.execute(
            insert(Vendor),
            [
                {"id": v + 1, "name": f"Vendor {v:05d}", "created_at": now, "updated_at": now}
                for v in range(vendors)
            ],
        )
        for start in range(0, n, 10_000):
            conn.execute(insert(BAA), baas[start : start + 10_000])


def baseline_sql(dialect: str, settings: NotifySettings) -> str:
    """Plain SQL for the agreements with a reminder due on :as_of — the same selection the
    sweep makes — joined to their vendor, as a hand-written report would."""
    days = settings.return_destroy_days
    # expiration_date is the last day in force: a fixed term counts to the day after it, an
    # auto-renewing one's notice deadline is notice_days before the day after it.
    if dialect == "postgresql":
        left = "(b.expiration_date + 1 - CAST(:as_of AS date))"
        notice = "(b.expiration_date + 1 - b.notice_days - CAST(:as_of AS date))"
        certificate = f"(b.terminated_on + {days} - CAST(:as_of AS date))"
    else:
        left = "(julianday(b.expiration_date) + 1 - julianday(:as_of))"
        notice = "(julianday(b.expiration_date) + 1 - b.notice_days - julianday(:as_of))"
        certificate = f"(julianday(b.terminated_on) + {days} - julianday(:as_of))"
    hi = max(settings.thresholds)
    lo = min(settings.thresholds) - settings.catch_up_days
    return (
        "SELECT b.id, b.expiration_date, b.notice_days, b.owner_email, v.name "
        "FROM baa b JOIN vendor v ON v.id = b.vendor_id "
        "WHERE (b.status = 'active' AND b.expiration_date IS NOT NULL "
        "AND (b.terminated_on IS NULL OR b.terminated_on > :as_of) AND ("
        f"(NOT b.auto_renews AND {left} BETWEEN {lo} AND {hi}) OR "
        f"(b.auto_renews AND {notice} BETWEEN {lo} AND {hi}))) "
        # terminated ones whose return/destroy certificate is due
        "OR (b.status = 'terminated' AND b.terminated_on <= :as_of "
        f"AND b.return_destroy_certified_on IS NULL AND {certificate} BETWEEN {lo} AND {hi})"
    )


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def measure(url: str, n: int, populate_first: bool = True) -> dict[str, Any]:
    """Populate, then time: the baseline query (median of 3), the sweep, and the rerun."""
    engine = db.make_engine(url)
    audit.use_key(engine, "benchmark-audit-key")  # as the app factory does
    try:
        if populate_first:
            migrate.upgrade(engine)
            t_fill, _ = timed(lambda: populate(engine, n))
        else:
            t_fill = 0.0
        sql = text(baseline_sql(engine.dialect.name, SETTINGS))
        runs = []
        due_rows: list[Any] = []
        for _ in range(3):
            with engine.connect() as conn:
                t, due_rows = timed(lambda c=conn: c.execute(sql, {"as_of": AS_OF}).all())
            runs.append(t)
        t_base = statistics.median(runs)
        with Session(engine, expire_on_commit=False) as s:
            t_sweep, first = timed(lambda: run_reminders(s, AS_OF, settings=SETTINGS))
            t_rerun, rerun = timed(lambda: run_reminders(s, AS_OF, settings=SETTINGS))
        assert first.due == len(due_rows), (first.due, len(due_rows))
        assert rerun.created == 0, rerun.as_dict()
        assert rerun.existing == first.created
        return {
            "dialect": engine.dialect.name,
            "baas": n,
            "populate_s": t_fill,
            "due": first.due,
            "created": first.created,
            "rerun_created": rerun.created,
            "baseline_s": t_base,
            "sweep_s": t_sweep,
            "rerun_s": t_rerun,
            "sweep_ratio": t_sweep / t_base,
            "rerun_ratio": t_rerun / t_base,
        }
    finally:
        engine.dispose()


def report(r: dict[str, Any]) -> None:
    print(f"database: {r['dialect']}; {r['baas']:,} BAAs inserted in {r['populate_s']:.1f}s")
    print(f"plain SQL selecting the {r['due']:,} due agreements: {r['baseline_s'] * 1000:.0f} ms")
    print(
        f"sweep:  {r['sweep_s']:.2f}s, created {r['created']:,} outbox rows "
        f"— {r['sweep_ratio']:.1f}x the plain query"
    )
    print(
        f"rerun:  {r['rerun_s']:.2f}s, created {r['rerun_created']} rows "
        f"— {r['rerun_ratio']:.1f}x the plain query"
    )


def run(n: int | None = None) -> dict[str, Any]:
    n = n or int(os.environ.get("BENCH_REMINDER_BAAS", 100_000))
    clock.freeze(AS_OF)
    try:
        with database() as url:
            result = measure(url, n)
    finally:
        clock.freeze(None)
    report(result)
    return result


def test_reminder_sweep_at_scale() -> None:
    result = run()
    assert result["rerun_created"] == 0


if __name__ == "__main__":
    run()
