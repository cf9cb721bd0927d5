"""BAA deadlines as an iCalendar feed (RFC 5545), written with the `icalendar` library.

All-day events (DTSTART;VALUE=DATE, DTEND the day after), stable UIDs from the core, and
TRANSP:TRANSPARENT so a deadline never shows anyone as busy. Depends on core types only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from icalendar import Calendar
from icalendar.prop import vDDDTypes, vText

from vetting.core.baa_calendar import DeadlineEvent
from vetting.core.cells import printable

PRODID = "-//Vetting//BAA register//EN"
LIMIT = 75  # octets a content line stays under before it is folded
CATEGORY = {"term_end": "BAA term end", "notice_deadline": "BAA notice deadline",
            "terminated": "BAA terminated"}  # fmt: skip


def to_ics(events: Iterable[DeadlineEvent], stamp: datetime, name: str = "BAA deadlines") -> bytes:
    """The calendar as bytes (CRLF lines, folded at 75 octets, UTF-8)."""
    return b"".join(ics_chunks(events, stamp, name))


def ics_chunks(
    events: Iterable[DeadlineEvent], stamp: datetime, name: str = "BAA deadlines"
) -> Iterator[bytes]:
    """The calendar a piece at a time — its header, each event, its end — to stream a large
    feed without holding it whole as one object tree.

    The calendar's frame is built by the library; each event's lines are put together here
    from the library's own value encoders (`vText` escaping, `vDDDTypes`) and folded as the
    library folds (`_fold`), in the order the library writes them, so the bytes are exactly what
    `Event.to_ical()` gives (tests/integrations compare them) at a fraction of its cost: an
    Event object tree per deadline made a 100,000-agreement feed take tens of seconds."""
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
    dtstamp = "DTSTAMP:" + vDDDTypes(stamp).to_ical().decode()
    categories = {k: "CATEGORIES:" + _text(v) for k, v in CATEGORY.items()}
    for e in events:
        lines = (
            "BEGIN:VEVENT",
            "SUMMARY:" + _text(printable(e.summary)),
            "DTSTART;VALUE=DATE:" + e.day.strftime("%Y%m%d"),
            "DTEND;VALUE=DATE:" + (e.day + timedelta(days=1)).strftime("%Y%m%d"),
            dtstamp,
            "UID:" + _text(e.uid),
            categories[e.kind],
            "DESCRIPTION:" + _text(printable(e.description)),
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        )
        yield "".join(_fold(line) + "\r\n" for line in lines).encode("utf-8")
    yield end


def _fold(line: str) -> str:
    """RFC 5545 folding as the library's Event.to_ical() does it (which it does not offer for
    outside use from version 7): a line of 75 octets or more is cut before the character that
    would reach 75, never inside a UTF-8 character nor right after a backslash escape, and
    each continuation starts with a space. Most lines need no cut."""
    if len(line) < LIMIT and (line.isascii() or len(line.encode("utf-8")) < LIMIT):
        return line
    pieces: list[str] = []
    current: list[str] = []
    count = 0
    for char in line:
        size = 1 if char.isascii() else len(char.encode("utf-8"))
        if current and count + size >= LIMIT:
            if len(current) > 1 and current[-1] in "\\^":  # keep an escape with what it escapes
                carried = current.pop()
                pieces.append("".join(current))
                current, count = [carried], len(carried.encode("utf-8"))
            else:
                pieces.append("".join(current))
                current, count = [], 0
        current.append(char)
        count += size
    if current:
        pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _text(value: str) -> str:
    return vText(value).to_ical().decode("utf-8")
