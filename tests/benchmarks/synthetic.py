"""The one synthetic data set every benchmark measures: a large hospital system (10,000
vendors, 50,000 apps, 100,000 BAAs, 50,000 assessments × 25 answered capabilities), built
with bulk inserts (one executemany per table and batch) and cached between runs.

Shape, per vendor v, app i and agreement b (deterministic: the same sizes give the same rows):

- five apps per vendor across iOS, Android and web; some without a store ID, some revoked;
- one assessment per app against the shipped clinical-photo checklist, answering 25 of its
  capabilities (half verified with an evidence URL, the rest attested); nine in ten decided —
  approved, conditional (with a condition) or rejected, some past their validity — the rest
  still open. Stored scores are those of an older rule set (80), so a rescore rewrites them;
- ten agreements per vendor: fixed terms ending anywhere from 14 months ago to 2 years
  ahead, a fifth auto-renewing (notice 30–90 days, current term not yet ended), drafts,
  superseded and terminated ones (their return/destroy certificate due), evergreen ones, half
  with an owner — every state and every reminder kind on `AS_OF`.

    with synthetic.database(sizes) as url: …   # a private copy of the cached data set

The cache: a SQLite file (or, with VETTING_TEST_DATABASE_URL, a PostgreSQL template database)
named by a hash of this module, the sizes and the migrations, under
$BENCH_CACHE (default ~/.cache/vetting-bench); each run gets a copy (`CREATE DATABASE … TEMPLATE`
on PostgreSQL), so the benchmarks may write. BENCH_CACHE=off builds afresh every time.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, make_url, text

from vetting import audit, db, migrate
from vetting.core.checklist import Checklist, Kind, load_checklist
from vetting.models import BAA, Answer, App, Assessment, ChecklistVersion, Decision, Vendor

AS_OF = date(2026, 11, 25)
ROOT = Path(__file__).resolve().parents[2]
CHECKLIST = ROOT / "checklists" / "clinical-photo.toml"
AUDIT_KEY = "benchmark-audit-key"
BATCH = 10_000


@dataclass(frozen=True)
class Sizes:
    apps: int = 50_000
    vendors: int = 10_000
    baas: int = 100_000
    answers: int = 25  # answered capabilities per assessment (one assessment per app)

    @classmethod
    def from_env(cls) -> Sizes:
        """The stated size, or smaller through BENCH_APPS / BENCH_VENDORS / BENCH_BAAS."""
        env = os.environ
        return cls(
            apps=int(env.get("BENCH_APPS", cls.apps)),
            vendors=int(env.get("BENCH_VENDORS", cls.vendors)),
            baas=int(env.get("BENCH_BAAS", cls.baas)),
            answers=int(env.get("BENCH_ANSWERS", cls.answers)),
        )


def _value(cap: Any, rng: random.Random) -> Any:
    if cap.kind == Kind.BOOL:
        return rng.random() < 0.85
    if cap.kind == Kind.CHOICE:
        return rng.choice(cap.options)[0]
    if cap.kind == Kind.MAX_DAYS:
        return cap.normalise(rng.choice([3, "72 hours", "5 business days", 30, "unstated"]))
    return cap.number_levels[0].min if rng.random() < 0.7 else 0


def baa_rows(n: int, vendors: int, as_of: date = AS_OF) -> list[dict[str, Any]]:
    """`n` agreements over `vendors` vendors, every state and reminder kind on `as_of`."""
    now = datetime(2026, 11, 1, 9, tzinfo=UTC)
    rows = []
    for i in range(n):
        style = i % 10
        row: dict[str, Any] = {
            "id": i + 1,
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
            # evergreen; its yearly review (1 June) falls outside a sweep on AS_OF
            row |= {"expiration_date": None, "effective_date": date(2023, 6, 1)}
        rows.append(row)
    return rows


def populate(engine: Engine, sizes: Sizes = Sizes(), seed: int = 1) -> dict[str, int]:
    """Insert the data set into an empty, migrated database; returns row counts."""
    rng = random.Random(seed)
    checklist: Checklist = load_checklist(CHECKLIST)
    caps = list(checklist.capabilities)
    answered = min(sizes.answers, len(caps))
    now = datetime(2026, 11, 1, 9, tzinfo=UTC)
    vendors = [
        {"id": v + 1, "name": f"Vendor {v:05d}", "created_at": now, "updated_at": now}
        for v in range(sizes.vendors)
    ]
    apps = []
    for i in range(sizes.apps):
        platform = ("ios", "android", "ios", "android", "web")[i % 5]
        store_id = (
            None if i % 97 == 0 or platform == "web" else f"com.vendor{i % sizes.vendors}.app{i}"
        )
        apps.append({
            "id": i + 1, "vendor_id": i % sizes.vendors + 1, "name": f"App {i:06d}",
            "platform": platform, "store_id": store_id, "store_url": None,
            "revoked_on": date(2026, 6, 1) if i % 211 == 0 else None,
            "revoked_reason": "retired" if i % 211 == 0 else None,
            "created_at": now, "updated_at": now,
        })  # fmt: skip
    assessments, decisions, answers = [], [], []
    for i in range(sizes.apps):
        undecided = i % 10 == 9
        kind = "rejected" if i % 10 == 8 else "conditional" if i % 10 == 7 else "approved"
        decided = now - timedelta(days=i % 300)
        assessments.append({
            "id": i + 1, "app_id": i + 1, "checklist_id": checklist.id,
            "checklist_version": checklist.version, "checklist_sha256": checklist.sha256,
            "status": "open" if undecided else "decided", "score": 80.0,
            "verdict": "incomplete" if undecided else kind, "created_by": "bench@example.org",
            "created_at": decided, "updated_at": decided,
        })  # fmt: skip
        for cap in rng.sample(caps, answered):
            verified = rng.random() < 0.5
            answers.append({
                "assessment_id": i + 1, "capability_key": cap.key, "value": _value(cap, rng),
                "source": "verified" if verified else "attested",
                "evidence_url": "https://vendor.example/evidence" if verified else None,
                "note": None, "answered_by": "bench@example.org", "answered_at": decided,
            })  # fmt: skip
        if undecided:
            continue
        valid_until = (decided + timedelta(days=365 if i % 13 else 200)).date()
        decisions.append({
            "id": i + 1, "assessment_id": i + 1, "app_id": i + 1, "decision": kind,
            "verdict": kind, "score": 80.0, "justification": None,
            "conditions": "camera roll disabled" if kind == "conditional" else None,
            "decided_by": "bench@example.org", "decided_at": decided, "valid_until": valid_until,
        })  # fmt: skip
    baas = baa_rows(sizes.baas, sizes.vendors)
    with engine.begin() as conn:
        conn.execute(
            insert(ChecklistVersion),
            [{
                "sha256": checklist.sha256, "checklist_id": checklist.id,
                "version": checklist.version, "content": CHECKLIST.read_text("utf-8"),
                "first_seen_at": now,
            }],
        )  # fmt: skip
        for model, rows in ((Vendor, vendors), (App, apps), (Assessment, assessments),
                            (Answer, answers), (Decision, decisions), (BAA, baas)):  # fmt: skip
            for start in range(0, len(rows), BATCH):
                conn.execute(insert(model), rows[start : start + BATCH])
        if engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
            for table in ("vendor", "app", "assessment", "decision", "baa"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
        # The planner's statistics, as a database that has been running would have them
        # (PostgreSQL's template copies carry them).
        conn.exec_driver_sql("ANALYZE")
    return {
        "vendors": len(vendors),
        "apps": len(apps),
        "assessments": len(assessments),
        "answers": len(answers),
        "decisions": len(decisions),
        "baas": len(baas),
    }


def _key(sizes: Sizes) -> str:
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(repr(sorted(asdict(sizes).items())).encode())
    for migration in sorted((ROOT / "vetting" / "migrations" / "versions").glob("*.py")):
        h.update(migration.name.encode() + migration.read_bytes())
    return h.hexdigest()[:12]


def _cache_dir() -> Path | None:
    where = os.environ.get("BENCH_CACHE", str(Path.home() / ".cache" / "vetting-bench"))
    if where == "off":
        return None
    path = Path(where)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _build(url: str, sizes: Sizes) -> dict[str, int]:
    engine = db.make_engine(url)
    audit.use_key(engine, AUDIT_KEY)  # as the app factory does
    try:
        migrate.upgrade(engine)
        started = time.perf_counter()
        counts = populate(engine, sizes)
        print(f"synthetic data set built in {time.perf_counter() - started:.1f} s: {counts}")
        if engine.dialect.name == "sqlite":  # one self-contained file to copy
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:  # the visibility map autovacuum sets after bulk inserts (template copies carry
            # it): without it an index-only scan still visits every row it finds
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM")
        return counts
    finally:
        engine.dispose()


@contextmanager
def database(sizes: Sizes | None = None, prefix: str = "vetting_bench") -> Iterator[str]:
    """The URL of a private, migrated copy of the data set at `sizes` (default: the stated
    size, or BENCH_* overrides), dropped when the block ends."""
    sizes = sizes or Sizes.from_env()
    cache = _cache_dir()
    key = _key(sizes)
    pg = os.environ.get("VETTING_TEST_DATABASE_URL")
    if not pg:
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "vetting.db"
            if cache is None:
                _build(f"sqlite:///{target}", sizes)
            else:
                cached = cache / f"synthetic-{key}.sqlite"
                if not cached.exists():
                    partial = cache / f"synthetic-{key}.{uuid.uuid4().hex[:6]}.partial"
                    _build(f"sqlite:///{partial}", sizes)
                    partial.replace(cached)
                shutil.copyfile(cached, target)
            yield f"sqlite:///{target}"
        return
    base = make_url(pg)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    template = f"vetting_synthetic_{key}"
    try:
        with admin.connect() as conn:
            if cache is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                _build(base.set(database=name).render_as_string(hide_password=False), sizes)
            else:
                have = conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": template}
                ).first()
                if have is None:
                    building = f"{template}_partial"
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)'))
                    conn.execute(text(f'CREATE DATABASE "{building}"'))
                    _build(base.set(database=building).render_as_string(hide_password=False), sizes)
                    conn.execute(text(f'ALTER DATABASE "{building}" RENAME TO "{template}"'))
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
