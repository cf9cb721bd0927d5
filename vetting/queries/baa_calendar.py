"""The ICS feed of BAA deadlines: load the agreements, let the core pick the dates, let the
calendar integration write RFC 5545."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from integrations.calendar import to_ics
from vetting.core.baa import UNSIGNED
from vetting.core.baa_calendar import CalendarBaa, DeadlineEvent, deadline_events
from vetting.models import BAA, Vendor
from vetting.services.baas import terms_of


def events(s: Session, as_of: date, vendor_id: int | None = None) -> list[DeadlineEvent]:
    """Deadline events of every signed agreement (one query)."""
    stmt = (
        select(BAA, col(Vendor.name))
        .join(Vendor, col(Vendor.id) == BAA.vendor_id)
        .where(col(BAA.status).not_in(sorted(UNSIGNED)))
        .order_by(col(BAA.id))
    )
    if vendor_id is not None:
        stmt = stmt.where(col(BAA.vendor_id) == vendor_id)
    baas = [
        CalendarBaa(b.id, name, terms_of(b), b.title, b.termination_reason)
        for b, name in s.execute(stmt)
    ]
    return deadline_events(baas, as_of)


def calendar(s: Session, as_of: date, now: datetime, vendor_id: int | None = None) -> bytes:
    return to_ics(events(s, as_of, vendor_id), stamp=now)
