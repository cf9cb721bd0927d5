"""The ICS writer: each event's lines are assembled from the icalendar library's encoders and
folding; the bytes must be exactly what the library's Event.to_ical() writes, whatever the
text (commas, semicolons, backslashes, line breaks, control characters, wide characters,
lines long enough to fold inside a multi-byte character)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from integrations.calendar import CATEGORY, ics_chunks
from vetting.core.baa_calendar import DeadlineEvent, EventKind
from vetting.core.cells import printable

STAMP = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)
ALPHABET = "abc xyz,;:\\\n\"'éü日本🙂\t\x01\x7f"


def library_event(e: DeadlineEvent) -> bytes:
    ev = Event()
    ev.add("uid", e.uid)
    ev.add("dtstamp", STAMP)
    ev.add("dtstart", e.day)
    ev.add("dtend", e.day + timedelta(days=1))
    ev.add("summary", printable(e.summary))
    ev.add("description", printable(e.description))
    ev.add("categories", [CATEGORY[e.kind]])
    ev.add("transp", "TRANSPARENT")
    return ev.to_ical()


def test_each_event_is_byte_for_byte_what_the_library_writes() -> None:
    rng = random.Random(5)

    def text(n: int) -> str:
        return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, n)))

    for i in range(2000):
        e = DeadlineEvent(
            f"baa-{i}-term-end@{text(4)}",
            date(2026, 1, 1) + timedelta(days=rng.randint(0, 900)),
            EventKind(rng.choice(list(CATEGORY))),
            i,
            text(150),
            text(500),
        )
        assert list(ics_chunks([e], STAMP))[1] == library_event(e), e


def test_the_whole_feed_parses_back_with_every_event() -> None:
    events = [
        DeadlineEvent(f"u{i}@x", date(2026, 12, 1), EventKind("term_end"), i, f"S{i}", "D, é")
        for i in range(5)
    ]
    cal = Calendar.from_ical(b"".join(ics_chunks(events, STAMP)))
    got = [c for c in cal.walk("VEVENT")]
    assert [str(c["uid"]) for c in got] == [e.uid for e in events]
    assert str(got[0]["description"]) == "D, é"
