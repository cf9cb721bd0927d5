"""Small helpers shared by the use cases: paging, lookups, applying partial updates."""

from __future__ import annotations

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
