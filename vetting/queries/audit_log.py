"""Reading the audit log: filtered pages for the audit page, and one record's history.

Writing stays in vetting.audit (record, verify); this module only reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlmodel import Session, col

from vetting import clock
from vetting.models import AuditEvent
from vetting.services.common import PageResult, like


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page filters by; `since`/`until` are inclusive calendar days of the
    organisation (VETTING_TIMEZONE), the days the pages show."""

    actor: str | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    since: date | None = None
    until: date | None = None


# The audit page's sort keys (the column headers): seq is the order events were written in.
SORTS = ("seq", "actor", "action", "record")
DEFAULT_SORT = "seq"


def sort_key(sort: str | None) -> str:
    """`sort` when it is one of SORTS, else the default (a bad value is never an error)."""
    return sort if sort in SORTS else DEFAULT_SORT


def ordering(sort: str | None, descending: bool) -> tuple[Any, ...]:
    """ORDER BY terms for a sort key; ties are broken newest first."""
    seq = col(AuditEvent.seq)
    keys: dict[str, tuple[Any, ...]] = {
        "seq": (seq,),
        "actor": (func.lower(AuditEvent.actor),),
        "action": (col(AuditEvent.action),),
        "record": (col(AuditEvent.entity_type), col(AuditEvent.entity_id)),
    }
    chosen = keys[sort_key(sort)]
    terms = tuple(k.desc() if descending else k.asc() for k in chosen)
    return terms if chosen == (seq,) else (*terms, seq.desc())


def list_events(
    s: Session,
    f: AuditFilter = AuditFilter(),
    *,
    page: int = 1,
    per_page: int = 50,
    sort: str | None = None,
    descending: bool = True,
) -> PageResult:
    """Events matching `f` in the order asked for (newest first by default)."""
    stmt = filtered(select(AuditEvent), f)
    total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = list(
        s.scalars(
            stmt.order_by(*ordering(sort, descending)).limit(per_page).offset((page - 1) * per_page)
        )
    )
    return PageResult(items, page, per_page, total)


def filtered(stmt: Select[Any], f: AuditFilter) -> Select[Any]:
    """`stmt` over audit events, narrowed to those matching `f`."""
    if f.actor:
        stmt = stmt.where(func.lower(AuditEvent.actor).like(like(f.actor), escape="\\"))
    if f.action:
        stmt = stmt.where(col(AuditEvent.action) == f.action)
    if f.entity_type:
        stmt = stmt.where(col(AuditEvent.entity_type) == f.entity_type)
    if f.entity_id:
        stmt = stmt.where(col(AuditEvent.entity_id) == f.entity_id)
    if f.since:
        stmt = stmt.where(col(AuditEvent.at) >= clock.day_start(f.since))
    if f.until:
        end = clock.day_start(f.until + timedelta(days=1))
        stmt = stmt.where(col(AuditEvent.at) < end)
    return stmt


def facets(s: Session) -> tuple[list[str], list[str]]:
    """The distinct actions and entity types present, for the filter drop-downs."""
    actions = list(
        s.scalars(select(col(AuditEvent.action)).distinct().order_by(col(AuditEvent.action)))
    )
    types = list(
        s.scalars(
            select(col(AuditEvent.entity_type)).distinct().order_by(col(AuditEvent.entity_type))
        )
    )
    return actions, types


def history(s: Session, refs: Iterable[tuple[str, int | str]], limit: int = 50) -> list[AuditEvent]:
    """The latest events about any of these (entity_type, entity_id) records, newest first."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for entity_type, entity_id in refs:
        by_type[entity_type].append(str(entity_id))
    if not by_type:
        return []
    clauses = [
        and_(col(AuditEvent.entity_type) == t, col(AuditEvent.entity_id).in_(ids))
        for t, ids in by_type.items()
    ]
    return list(
        s.scalars(
            select(AuditEvent)
            .where(or_(*clauses))
            .order_by(col(AuditEvent.seq).desc())
            .limit(limit)
        )
    )


def changes(before: object, after: object) -> list[tuple[str, object, object]]:
    """(field, before, after) for every field an event changed, for display."""
    b = before if isinstance(before, dict) else {}
    a = after if isinstance(after, dict) else {}
    if not b:
        return [(k, None, v) for k, v in a.items()]
    if not a:
        return [(k, v, None) for k, v in b.items()]
    skip = {"updated_at"}
    return [
        (k, b.get(k), a.get(k))
        for k in sorted(set(a) | set(b))
        if k not in skip and b.get(k) != a.get(k)
    ]
