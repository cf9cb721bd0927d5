"""The one source of "today" and "now", so tests and --as-of can move time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

_frozen: datetime | None = None


def now() -> datetime:
    """Timezone-aware UTC now (or the frozen instant in tests)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    return now().date()


def freeze(at: datetime | date | None) -> None:
    """Pin the clock (tests); None releases it."""
    global _frozen
    if at is None or isinstance(at, datetime):
        _frozen = at
    else:
        _frozen = datetime(at.year, at.month, at.day, 12, tzinfo=UTC)


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
