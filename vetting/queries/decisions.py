"""Decisions waiting for a second person: what the dashboard, the API and the CLI list."""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from vetting.models import Decision


def awaiting_second(s: Session, limit: int | None = None) -> list[Decision]:
    """Decisions more permissive than their verdict, neither confirmed nor refused, that are
    still their app's latest (a newer decision replaced the others), oldest first."""
    newer = aliased(Decision)
    query = (
        select(Decision)
        .where(
            col(Decision.needs_confirmation),
            col(Decision.confirmed_at).is_(None),
            col(Decision.refused_at).is_(None),
            ~exists().where(
                col(newer.app_id) == col(Decision.app_id),
                or_(
                    col(newer.decided_at) > col(Decision.decided_at),
                    and_(
                        col(newer.decided_at) == col(Decision.decided_at),
                        col(newer.id) > col(Decision.id),
                    ),
                ),
            ),
        )
        .order_by(col(Decision.decided_at), col(Decision.id))
    )
    if limit is not None:
        query = query.limit(limit)
    return list(s.scalars(query))
