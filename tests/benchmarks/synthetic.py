"""Large synthetic inventories for benchmarks and query-count tests, bulk-inserted with
executemany (one statement per table, not one per row).

Shape (per vendor index v, app index i): five apps per vendor across iOS, Android and web;
one BAA per vendor plus renewals for some; decisions for most apps — approved, conditional,
rejected, some past their validity — so every branch of the list rules is exercised.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert

from vetting.models import BAA, App, Assessment, ChecklistVersion, Decision, Vendor

AS_OF = date(2026, 11, 25)
CHECKLIST_SHA = hashlib.sha256(b"synthetic checklist").hexdigest()


@dataclass(frozen=True)
class Sizes:
    apps: int = 50_000
    vendors: int = 10_000
    baas: int = 12_000


def populate(engine: Engine, sizes: Sizes = Sizes()) -> dict[str, int]:
    """Insert the synthetic inventory into an empty, migrated database; returns row counts."""
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
            "id": i + 1,
            "vendor_id": i % sizes.vendors + 1,
            "name": f"App {i:06d}",
            "platform": platform,
            "store_id": store_id,
            "store_url": None,
            "revoked_on": date(2026, 6, 1) if i % 211 == 0 else None,
            "revoked_reason": "retired" if i % 211 == 0 else None,
            "created_at": now,
            "updated_at": now,
        })  # fmt: skip
    assessments, decisions = [], []
    for i in range(sizes.apps):
        if i % 10 == 9:  # one app in ten is still undecided
            continue
        kind = "rejected" if i % 10 == 8 else "conditional" if i % 10 == 7 else "approved"
        decided = now - timedelta(days=i % 300)
        valid_until = (decided + timedelta(days=365 if i % 13 else 200)).date()
        assessments.append({
            "id": i + 1, "app_id": i + 1, "checklist_id": "clinical-photo",
            "checklist_version": "1.0.0", "checklist_sha256": CHECKLIST_SHA, "status": "decided",
            "score": 80.0, "verdict": kind, "created_by": "bench@example.org",
            "created_at": decided, "updated_at": decided,
        })  # fmt: skip
        decisions.append({
            "id": i + 1, "assessment_id": i + 1, "app_id": i + 1, "decision": kind,
            "verdict": kind, "score": 80.0, "justification": None,
            "conditions": "camera roll disabled" if kind == "conditional" else None,
            "decided_by": "bench@example.org", "decided_at": decided, "valid_until": valid_until,
        })  # fmt: skip
    baas = []
    for b in range(sizes.baas):
        v = b % sizes.vendors
        renewal = b >= sizes.vendors
        start = date(2026, 1, 1) if renewal else date(2024, 1, 1) + timedelta(days=v % 365)
        style = v % 6
        baas.append({
            "id": b + 1, "vendor_id": v + 1, "title": f"BAA {b}", "effective_date": start,
            "expiration_date": None if style == 0 else start + timedelta(days=730 + v % 400),
            "auto_renews": style == 1, "renewal_term_months": 12 if style == 1 else None,
            "notice_days": 60 if style == 1 else None,
            "terminated_on": date(2026, 3, 1) if style == 2 and not renewal else None,
            "status": "terminated" if style == 2 and not renewal else "active",
            "created_at": now, "updated_at": now,
        })  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            insert(ChecklistVersion),
            [{
                "sha256": CHECKLIST_SHA, "checklist_id": "clinical-photo", "version": "1.0.0",
                "content": "# synthetic", "first_seen_at": now,
            }],
        )  # fmt: skip
        for model, rows in ((Vendor, vendors), (App, apps), (Assessment, assessments),
                            (Decision, decisions), (BAA, baas)):  # fmt: skip
            for start in range(0, len(rows), 5000):
                conn.execute(insert(model), rows[start : start + 5000])
        if engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
            for table in ("vendor", "app", "assessment", "decision", "baa"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
    return {
        "vendors": len(vendors),
        "apps": len(apps),
        "decisions": len(decisions),
        "baas": len(baas),
    }
