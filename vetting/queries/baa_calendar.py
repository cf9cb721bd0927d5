"""The ICS feed of BAA deadlines: load the agreements whose dates can fall in the window, let
the core pick the dates, let the calendar integration write RFC 5545.

A feed covers a date window — by default the past 30 days and the next 13 months around
`as_of` — and may be narrowed to one vendor, one owner or some kinds of event. Its bytes are
kept (cache.py) and its ETag names the window, the filters and the state of the BAAs and
vendors it reads: a calendar client that polls with If-None-Match gets 304 until something
changes."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlmodel import Session, col

from integrations.calendar import ics_chunks
from vetting import __version__
from vetting.core.baa import UNSIGNED, BaaTerms, add_months
from vetting.core.baa_calendar import CalendarBaa, DeadlineEvent, EventKind, events_for
from vetting.models import BAA, Vendor
from vetting.queries import cache
from vetting.services.baas import TERMS

BACK = timedelta(days=30)  # a default feed starts this long before as_of
AHEAD_MONTHS = 13  # … and ends this many months after it
READS = cache.Reads(("baa", "vendor", "demo"), (BAA, Vendor))


@dataclass(frozen=True)
class Feed:
    """Which events a feed holds: the window [start, end] around as_of, and its filters."""

    as_of: date
    start: date
    end: date
    vendor_id: int | None = None
    owner: str | None = None
    kinds: tuple[EventKind, ...] = ()

    @classmethod
    def of(
        cls,
        as_of: date,
        start: date | None = None,
        end: date | None = None,
        vendor_id: int | None = None,
        owner: str | None = None,
        kinds: Collection[str] | None = None,
    ) -> Feed:
        return cls(
            as_of,
            start or as_of - BACK,
            end or add_months(as_of, AHEAD_MONTHS),
            vendor_id,
            (owner or "").strip().lower() or None,
            tuple(sorted(EventKind(k) for k in set(kinds or ()))),
        )


def events(s: Session, feed: Feed) -> list[DeadlineEvent]:
    """The feed's events in date order (one query: only agreements whose dates can reach the
    window — not starting after it; renewing, or ending or terminated within or after it)."""
    stmt = (
        # the columns the events are made of, not mapped rows (tens of thousands of them)
        select(col(BAA.id), col(Vendor.name), col(BAA.title), col(BAA.termination_reason), *TERMS)
        .join(Vendor, col(Vendor.id) == BAA.vendor_id)
        .where(
            col(BAA.status).not_in(sorted(UNSIGNED)),
            col(BAA.effective_date) <= feed.end,
            or_(
                col(BAA.auto_renews).is_(True),
                col(BAA.expiration_date) >= feed.start,
                col(BAA.terminated_on) >= feed.start,
            ),
        )
        .order_by(col(BAA.id))
    )
    if feed.vendor_id is not None:
        stmt = stmt.where(col(BAA.vendor_id) == feed.vendor_id)
    if feed.owner is not None:
        stmt = stmt.where(col(BAA.owner_email) == feed.owner)
    history = (feed.as_of - feed.start).days
    ahead = (feed.end - feed.as_of).days
    wanted = set(feed.kinds) or set(EventKind)
    found = [
        e
        for r in s.execute(stmt)
        for e in events_for(
            CalendarBaa(r.id, r.name, BaaTerms(*r[4:]), r.title, r.termination_reason),
            feed.as_of,
            history_days=history,
            ahead_days=max(ahead, 0),
        )
        if feed.start <= e.day <= feed.end and e.kind in wanted
    ]
    return sorted(found, key=lambda e: (e.day, e.baa_id, e.kind))


def version(s: Session, feed: Feed) -> str:
    """The feed's ETag: the same while no BAA or vendor changed (and the same code)."""
    return cache.version_tag(s, READS, "calendar", __version__, feed)


def calendar(s: Session, feed: Feed, now: datetime) -> tuple[bytes, ...]:
    """The feed as ICS chunks (kept per feed and state of the register: a poll that was not
    answered 304 is still served without recomputing)."""

    def build() -> tuple[bytes, ...]:
        return tuple(ics_chunks(events(s, feed), stamp=now))

    # the feed's day in plain sight: the warm-up after midnight drops the days before
    key = (__version__, feed.as_of, feed)
    return cache.remembered("calendar", key, build, s=s, reads=READS)
