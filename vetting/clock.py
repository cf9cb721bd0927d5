"""The one source of "today" and "now", so tests and --as-of can move time.

"Today" is the organisation's calendar day (VETTING_TIMEZONE, default UTC), the same for
pages, the API, the CLI and the scheduled jobs; instants are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

_frozen: datetime | date | None = None
_zone: tzinfo = UTC


def set_zone(zone: str | tzinfo) -> None:
    """The organisation's time zone (set once at start-up from VETTING_TIMEZONE): an IANA
    name, so the database can compute the same days (queries name the zone by its key)."""
    global _zone
    if isinstance(zone, str):
        _zone = ZoneInfo(zone)
    elif zone is UTC or isinstance(zone, ZoneInfo):
        _zone = zone
    else:
        raise TypeError(f"an IANA time zone is needed, not {zone!r}")


def zone() -> tzinfo:
    return _zone


def now() -> datetime:
    """Timezone-aware UTC now (or the frozen instant in tests)."""
    if _frozen is None:
        return datetime.now(UTC)
    if isinstance(_frozen, datetime):
        return _frozen
    # A frozen day is noon of that day where the organisation is, whatever its zone.
    return datetime(_frozen.year, _frozen.month, _frozen.day, 12, tzinfo=_zone).astimezone(UTC)


def today() -> date:
    """The organisation's calendar day now."""
    return local_day(now())


def local_day(at: datetime) -> date:
    """The organisation's calendar day of an instant."""
    return at.astimezone(_zone).date()


def day_start(day: date) -> datetime:
    """The instant the organisation's `day` begins (its midnight, in its zone)."""
    return datetime(day.year, day.month, day.day, tzinfo=_zone)


def freeze(at: datetime | date | None) -> None:
    """Pin the clock (tests): an instant, or a day (its noon in the organisation's zone);
    None releases it."""
    global _frozen
    _frozen = at


@contextmanager
def travel(to: datetime | date) -> Iterator[None]:
    """Run a block as if it were `to` (demo history, tests), then restore the clock."""
    global _frozen
    saved = _frozen
    freeze(to)
    try:
        yield
    finally:
        _frozen = saved
