"""Which agreements and vendors changed since a kept result was computed: what lets the
dashboard's BAA section and the register's timeline be patched after a write instead of
worked out again from all 100,000 agreements (each agreement's facts depend on its own terms;
the dashboard's also on its vendor's other agreements and name).

A kept result records `Seen` (the newest audit event and the newest agreement and vendor ids)
when it is computed. Later, `changed(s, kept, now)` names what can differ: the agreements and
vendors of every "baa" and "vendor" audit event since (with the vendor an agreement had before
and after an edit), and the rows inserted around the services since (by id). Events of other
kinds do not touch agreements or vendors' names. None means: cannot be traced (the database
went back to an older copy, a demo reset, an event without a numeric id, too many changes) —
compute it all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from vetting.models import BAA, AuditEvent, Vendor

# Beyond this many events or agreements to redo, computing it all is as cheap.
MAX_EVENTS = 20_000
MAX_AGREEMENTS = 5_000


@dataclass(frozen=True)
class Seen:
    """The newest audit event and the newest agreement and vendor ids a result has seen."""

    seq: int
    baa_id: int
    vendor_id: int


@dataclass(frozen=True)
class Changed:
    baas: frozenset[int]  # agreements to work out again (changed, added or deleted)
    vendors: frozenset[int]  # vendors whose agreements or name changed


def seen(s: Session) -> Seen:
    """What the database holds now (one statement of index look-ups)."""
    row = s.execute(
        select(
            select(func.max(AuditEvent.seq)).scalar_subquery(),
            select(func.max(BAA.id)).scalar_subquery(),
            select(func.max(Vendor.id)).scalar_subquery(),
        )
    ).one()
    return Seen(row[0] or 0, row[1] or 0, row[2] or 0)


def changed(s: Session, kept: Seen, now: Seen) -> Changed | None:
    """What can differ between a result computed at `kept` and one computed at `now`."""
    if now.seq < kept.seq or now.baa_id < kept.baa_id or now.vendor_id < kept.vendor_id:
        return None  # restored from an older copy: nothing can be traced from here
    events = s.execute(
        select(
            col(AuditEvent.entity_type),
            col(AuditEvent.entity_id),
            col(AuditEvent.before),
            col(AuditEvent.after),
        )
        .where(col(AuditEvent.seq) > kept.seq)
        .where(col(AuditEvent.entity_type).in_(("baa", "vendor", "demo")))
        .limit(MAX_EVENTS + 1)
    ).all()
    if len(events) > MAX_EVENTS:
        return None
    baas: set[int] = set()
    vendors: set[int] = set()
    for kind, entity_id, before, after in events:
        if kind == "demo" or entity_id is None or not entity_id.isdigit():
            return None
        if kind == "vendor":
            vendors.add(int(entity_id))
            continue
        baas.add(int(entity_id))
        for snapshot in (before, after):  # an edit can move an agreement to another vendor
            vendor_id = _vendor_of(snapshot)
            if vendor_id is not None:
                vendors.add(vendor_id)
    if now.baa_id > kept.baa_id:  # rows inserted around the services
        baas |= set(s.scalars(select(col(BAA.id)).where(col(BAA.id) > kept.baa_id)))
    if now.vendor_id > kept.vendor_id:
        vendors |= set(s.scalars(select(col(Vendor.id)).where(col(Vendor.id) > kept.vendor_id)))
    if len(baas) > MAX_AGREEMENTS:
        return None
    if baas:  # their vendors now
        vendors |= set(
            s.scalars(select(col(BAA.vendor_id)).where(col(BAA.id).in_(sorted(baas))).distinct())
        )
    return Changed(frozenset(baas), frozenset(vendors))


def _vendor_of(snapshot: Any) -> int | None:
    value = snapshot.get("vendor_id") if isinstance(snapshot, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
