"""Small helpers shared by the use cases: paging, lookups, applying partial updates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlmodel import Session

from vetting.errors import NotFound
from vetting.schemas import MAX_ID

T = TypeVar("T")


@dataclass(frozen=True)
class PageResult(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int


def paginate(s: Session, stmt: Select, page: int, per_page: int) -> PageResult:
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(s.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all())
    return PageResult(items, page, per_page, total)


@dataclass(frozen=True)
class RunsPage:
    """Where a page falls in a list made of runs (each vendor's rows, in a kept order)."""

    keys: list[int]  # the runs the page touches, in order
    skip: int  # how far into the first of them the page starts
    total: int  # the rows of every run


def runs_page(runs: Iterable[tuple[int, int]], start: int, size: int) -> RunsPage:
    """The runs (key, rows) that rows [start, start + size) of their concatenation fall in:
    a page of a list sorted by a key whose rows stay together (a vendor's agreements, its
    apps), found from counts per key without sorting the rows."""
    keys: list[int] = []
    seen = skip = 0
    for key, n in runs:
        if n and seen + n > start and seen < start + size:
            if not keys:
                skip = start - seen
            keys.append(key)
        seen += n
    return RunsPage(keys, skip, seen)


def get_or_404(s: Session, model: type[T], ident: int, label: str) -> T:
    # An id beyond a 32-bit INTEGER column cannot exist (and would overflow the driver).
    out_of_range = isinstance(ident, int) and not 1 <= ident <= MAX_ID
    obj = None if out_of_range else s.get(model, ident)
    if obj is None:
        raise NotFound(f"no {label} with id {ident}")
    return obj


def _escaped(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").lower()


def like(term: str) -> str:
    """A LIKE pattern for a user's search term, with its wildcards escaped."""
    return f"%{_escaped(term)}%"


def prefix(term: str) -> str:
    """A LIKE pattern for names starting with a user's term, its wildcards escaped."""
    return f"{_escaped(term)}%"


def apply(obj: Any, changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        setattr(obj, key, value)
