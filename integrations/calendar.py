"""BAA deadlines as an iCalendar feed (RFC 5545), written with the `icalendar` library.

All-day events (DTSTART;VALUE=DATE, DTEND the day after), stable UIDs from the core, and
TRANSP:TRANSPARENT so a deadline never shows anyone as busy. Depends on core types only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from vetting.core.baa_calendar import DeadlineEvent
from vetting.core.cells import printable

PRODID = "-//Vetting//BAA register//EN"
CATEGORY = {"term_end": "BAA term end", "notice_deadline": "BAA notice deadline",
            "terminated": "BAA terminated"}  # fmt: skip


def to_ics(events: Iterable[DeadlineEvent], stamp: datetime, name: str = "BAA deadlines") -> bytes:
    """The calendar as bytes (CRLF lines, folded at 75 octets, UTF-8)."""
    return b"".join(ics_chunks(events, stamp, name))


def ics_chunks(
    events: Iterable[DeadlineEvent], stamp: datetime, name: str = "BAA deadlines"
) -> Iterator[bytes]:
    """The calendar a piece at a time — its header, each event, its end — to stream a large
    feed without holding it whole as one object tree."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", printable(name))
    whole = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert whole.endswith(end)
    yield whole[: -len(end)]
    for e in events:
        ev = Event()
        ev.add("uid", e.uid)
        ev.add("dtstamp", stamp)
        ev.add("dtstart", e.day)
        ev.add("dtend", e.day + timedelta(days=1))
        ev.add("summary", printable(e.summary))
        ev.add("description", printable(e.description))
        ev.add("categories", [CATEGORY[e.kind]])
        ev.add("transp", "TRANSPARENT")
        yield ev.to_ical()
    yield end
