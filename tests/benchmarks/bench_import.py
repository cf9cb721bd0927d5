"""Benchmark: importing a 50,000-row app inventory (CSV and XLSX) through the import service,
against what the same run takes to parse the file with pandas (`read_csv` / `read_excel`)
and write the same rows with one bulk insert. Aim: at most 3x that baseline, with memory
bounded (the peak of Python allocations while the import is planned, by tracemalloc, and the
process's peak resident size).

    python tests/benchmarks/bench_import.py                 # SQLite file in a temp folder
    pytest tests/benchmarks/bench_import.py -s              # the same, as a test
    VETTING_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python …
    BENCH_IMPORT_ROWS=5000 python …                         # a quicker run

The inventory is the generic sheet (Name, Platform, Store ID, Vendor, Category): half iOS,
half Android, 500 vendors, store IDs with leading zeros in a segment. Each format is imported
into a fresh database: first the baseline (pandas, then one INSERT of the vendors and one of
the apps, rolled back), then the import (every row validated, vendors created, apps inserted,
one audit event), then the same file again (every row unchanged).
"""

from __future__ import annotations

import io
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from tests.databases import throwaway_database  # noqa: E402
from vetting import audit, auth, clock, db, migrate  # noqa: E402
from vetting.core.imports import ImportKind  # noqa: E402
from vetting.models import App, Vendor  # noqa: E402
from vetting.services import imports  # noqa: E402

AS_OF = date(2026, 11, 30)
HEADER = ["Name", "Platform", "Store ID", "Vendor", "Category"]
AIM = 3.0


def inventory(n: int) -> list[list[str]]:
    """`n` synthetic apps: alternating iOS and Android, 500 vendors."""
    rows = []
    for i in range(n):
        platform = "iOS" if i % 2 else "Android"
        rows.append(
            [f"App {i:06d}", platform, f"com.vendor{i % 500}.app{i:06d}", f"Vendor {i % 500:03d}",
             "clinical" if i % 3 else ""]
        )  # fmt: skip
    return rows


def csv_file(rows: list[list[str]]) -> bytes:
    lines = [",".join(HEADER)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def xlsx_file(rows: list[list[str]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Apps")
    sheet.append(HEADER)
    for r in rows:
        sheet.append([v or None for v in r])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def baseline(engine: Any, data: bytes, kind: str) -> float:
    """pandas parses the file, then one bulk insert of its vendors and apps (rolled back)."""
    start = time.perf_counter()
    if kind == "csv":
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    else:
        frame = pd.read_excel(io.BytesIO(data), dtype=object)
    now = datetime.now(UTC)
    vendors = sorted(set(frame["Vendor"]))
    ids = {name: i + 1 for i, name in enumerate(vendors)}
    apps = [
        {"name": name, "platform": platform.lower(), "store_id": store_id,
         "vendor_id": ids[vendor], "category": category or None, "created_at": now,
         "updated_at": now}
        for name, platform, store_id, vendor, category in frame.itertuples(index=False)
    ]  # fmt: skip
    with engine.connect() as conn:
        tx = conn.begin()
        conn.execute(
            insert(Vendor),
            [{"id": i, "name": n, "created_at": now, "updated_at": now} for n, i in ids.items()],
        )
        conn.execute(insert(App), apps)
        tx.rollback()
    return time.perf_counter() - start


def measure(url: str, n: int, kind: str, data: bytes) -> dict[str, Any]:
    engine = db.make_engine(url)
    audit.use_key(engine, "benchmark-audit-key")  # as the app factory does
    name = f"inventory.{kind}"
    try:
        migrate.upgrade(engine)
        t_base = baseline(engine, data, kind)
        with Session(engine, expire_on_commit=False) as s:
            cli = auth.CLI_PRINCIPAL
            t_import, first = timed(lambda: imports.run(s, cli, ImportKind.APPS, data, name))
            t_again, again = timed(lambda: imports.run(s, cli, ImportKind.APPS, data, name))
            apps = s.scalar(select(func.count()).select_from(App))
            tracemalloc.start()
            imports.run(s, cli, ImportKind.APPS, data, name, dry_run=True)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        assert first.applied and first.counts["created"] == n, first.counts
        assert again.counts["unchanged"] == n, again.counts
        assert apps == n
        return {
            "dialect": engine.dialect.name,
            "format": kind,
            "rows": n,
            "file_bytes": len(data),
            "baseline_s": t_base,
            "import_s": t_import,
            "reimport_s": t_again,
            "ratio": t_import / t_base,
            "reimport_ratio": t_again / t_base,
            "plan_peak_mib": peak / 2**20,
            "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    finally:
        engine.dispose()


def report(r: dict[str, Any]) -> None:
    print(
        f"{r['dialect']} {r['format']}: {r['rows']:,} rows ({r['file_bytes'] / 2**20:.1f} MiB); "
        f"pandas + one bulk insert {r['baseline_s']:.2f}s; import {r['import_s']:.2f}s = "
        f"{r['ratio']:.2f}x (aim ≤ {AIM}x); again, all unchanged, {r['reimport_s']:.2f}s = "
        f"{r['reimport_ratio']:.2f}x; peak while planning {r['plan_peak_mib']:.0f} MiB "
        f"(tracemalloc), process peak {r['maxrss_mib']:.0f} MiB (ru_maxrss)"
    )


def run(n: int | None = None, formats: tuple[str, ...] = ("csv", "xlsx")) -> list[dict[str, Any]]:
    n = n or int(os.environ.get("BENCH_IMPORT_ROWS", 50_000))
    rows = inventory(n)
    files = {"csv": csv_file, "xlsx": xlsx_file}
    results = []
    clock.freeze(AS_OF)
    try:
        for kind in formats:
            data = files[kind](rows)
            with throwaway_database("vetting_bench") as url:
                result = measure(url, n, kind, data)
            report(result)
            results.append(result)
    finally:
        clock.freeze(None)
    return results


def test_import_at_scale() -> None:
    for result in run():
        assert result["ratio"] <= AIM, result


if __name__ == "__main__":
    run()
