"""Column types and field helpers shared by every table module."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Text, TypeDecorator, event, inspect
from sqlmodel import Field

from vetting import clock
from vetting.db import fold


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes; always returns them aware in UTC (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def ts(**kw: Any) -> Any:
    return Field(default_factory=clock.now, sa_type=UTCDateTime, **kw)


def json_field(default: Any = None) -> Any:
    if default is None:
        return Field(default=None, sa_column=Column(JSON, nullable=True))
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


def folded(source: str) -> Any:
    """A column kept equal to `fold(<source column>)` (migration 0023), so a search compares
    stored text instead of calling `lower()` on every row. Every INSERT fills it (a column
    default reading the row's own value, Core executemany included); ORM updates refresh it
    through `keep_folded`; Core UPDATEs name it themselves (`with_folded`). Not part of the
    model's dump: audit snapshots and API bodies never show it."""

    def default(context: Any) -> Any:
        return fold(context.get_current_parameters().get(source))

    return Field(default=None, sa_type=Text, exclude=True, sa_column_kwargs={"default": default})


def keep_folded(model: type, pairs: dict[str, str]) -> None:
    """Refresh `model`'s folded columns ({folded column: source column}) before every ORM
    INSERT and UPDATE, from the values being written."""

    def inserted(_mapper: Any, _conn: Any, target: Any) -> None:
        for column, source in pairs.items():
            setattr(target, column, fold(getattr(target, source)))

    def updated(_mapper: Any, _conn: Any, target: Any) -> None:
        attrs = inspect(target).attrs
        for column, source in pairs.items():
            if attrs[source].history.has_changes():
                setattr(target, column, fold(getattr(target, source)))

    event.listen(model, "before_insert", inserted)
    event.listen(model, "before_update", updated)
    FOLDED[model.__tablename__] = dict(pairs)  # type: ignore[attr-defined]


# {table name: {folded column: source column}}, filled by keep_folded.
FOLDED: dict[str, dict[str, str]] = {}


def with_folded(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """`row` (column → value, for a Core INSERT or UPDATE of `table`) with the folded column
    of every source column it sets."""
    pairs = FOLDED.get(table, {})
    extra = {column: fold(row[source]) for column, source in pairs.items() if source in row}
    return {**row, **extra} if extra else row
