"""An agreement's terms as the database returns them, the key pages remember the core's date
rules by: the dashboard's BAA states and the timeline's lanes read 12,000 agreements, and
after an edit only the edited agreement has terms they have not seen."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast, overload

from sqlalchemy import Date, String, type_coerce
from sqlalchemy.orm import QueryableAttribute

from vetting.core.baa import BaaTerms
from vetting.services.baas import TERMS

# TERMS without the driver-level date conversion SQLAlchemy does for SQLite (ISO text → date,
# in Python, per value): results are keyed by these raw values and only the few not seen yet
# are converted (PostgreSQL returns dates either way).
# (TERMS holds the model's column attributes: typed Mapped, whose stubs declare no .type.)
_COLUMNS = cast(tuple[QueryableAttribute[Any], ...], TERMS)
RAW_TERMS = tuple(type_coerce(c, String) if isinstance(c.type, Date) else c for c in _COLUMNS)


@overload
def _day(value: date | str) -> date: ...
@overload
def _day(value: None) -> None: ...
def _day(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def terms_from_raw(raw: Sequence[Any]) -> BaaTerms:
    """BaaTerms from a row of RAW_TERMS."""
    effective: date | str  # NOT NULL
    effective, expiration, auto, months, notice, terminated, status, superseded, notice_m = raw
    return BaaTerms(
        _day(effective),
        _day(expiration),
        bool(auto),
        months,
        notice,
        _day(terminated),
        status,
        _day(superseded),
        notice_m,
    )
