"""Load the facts the approved list needs in three queries, then let the core decide."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from vetting.core.allowlist import AppFacts, ApprovedList, BaaFacts, DecisionFacts, approved_list
from vetting.core.baa import BaaTerms
from vetting.models import BAA, App, Decision, Vendor

SCHEMA = "vetting.allowlist/v1"


def compute(s: Session, as_of: date) -> ApprovedList:
    """The approved list on `as_of` (no query per app)."""
    apps = [
        AppFacts(
            r.id,
            r.name,
            r.platform,
            r.store_id,
            r.vendor_id,
            r.vendor_name,
            r.revoked_on,
            r.revoked_reason,
        )
        for r in s.execute(
            select(
                App.id,
                App.name,
                App.platform,
                App.store_id,
                App.vendor_id,
                Vendor.name.label("vendor_name"),
                App.revoked_on,
                App.revoked_reason,
            )
            .join(Vendor, Vendor.id == App.vendor_id)
            .order_by(App.name, App.platform, App.id)
        )
    ]
    cutoff = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)
    latest: dict[int, DecisionFacts] = {}
    for r in s.execute(
        select(
            Decision.app_id,
            Decision.decision,
            Decision.decided_at,
            Decision.decided_by,
            Decision.valid_until,
            Decision.assessment_id,
            Decision.conditions,
        )
        .where(Decision.decided_at < cutoff)
        .order_by(Decision.decided_at, Decision.id)
    ):
        latest[r.app_id] = DecisionFacts(
            r.decision,
            r.decided_at.date(),
            r.decided_by,
            r.valid_until,
            r.assessment_id,
            r.conditions,
        )
    baas: dict[int, list[BaaFacts]] = defaultdict(list)
    for r in s.execute(
        select(
            BAA.id,
            BAA.vendor_id,
            BAA.effective_date,
            BAA.expiration_date,
            BAA.auto_renews,
            BAA.renewal_term_months,
            BAA.notice_days,
            BAA.terminated_on,
        )
    ):
        baas[r.vendor_id].append(
            BaaFacts(
                r.id,
                BaaTerms(
                    r.effective_date,
                    r.expiration_date,
                    r.auto_renews,
                    r.renewal_term_months,
                    r.notice_days,
                    r.terminated_on,
                ),
            )
        )
    return approved_list(as_of, apps, latest, baas)


def as_dict(result: ApprovedList, generated_at: datetime) -> dict[str, Any]:
    def entry(e: Any) -> dict[str, Any]:
        d = dict(e.__dict__)
        for k, v in d.items():
            if isinstance(v, date):
                d[k] = v.isoformat()
        return d

    return {
        "schema": SCHEMA,
        "as_of": result.as_of.isoformat(),
        "generated_at": generated_at.isoformat(),
        "entries": [entry(e) for e in result.entries],
        "excluded": [
            {**entry(x), "reasons": list(x.reasons), "reason": x.reason} for x in result.excluded
        ],
    }


CSV_COLUMNS = (
    "status",
    "app_id",
    "name",
    "platform",
    "store_id",
    "vendor_id",
    "vendor_name",
    "decision",
    "decided_on",
    "valid_until",
    "baa_id",
    "baa_term_end",
    "reason",
)


def safe_cell(value: Any) -> str:
    """Text a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def as_csv(result: ApprovedList) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in result.entries:
        writer.writerow(
            [
                safe_cell(v)
                for v in (
                    "approved",
                    e.app_id,
                    e.name,
                    e.platform,
                    e.store_id,
                    e.vendor_id,
                    e.vendor_name,
                    e.decision,
                    e.decided_on.isoformat(),
                    e.valid_until.isoformat(),
                    e.baa_id,
                    e.baa_term_end.isoformat() if e.baa_term_end else "",
                    e.reason,
                )
            ]
        )
    for x in result.excluded:
        writer.writerow(
            [
                safe_cell(v)
                for v in (
                    "excluded",
                    x.app_id,
                    x.name,
                    x.platform,
                    x.store_id,
                    x.vendor_id,
                    x.vendor_name,
                    "",
                    "",
                    "",
                    "",
                    "",
                    x.reason,
                )
            ]
        )
    return out.getvalue()
