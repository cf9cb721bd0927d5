"""Decisions waiting for a second person: what the dashboard, the API and the CLI list."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from vetting.models import Decision
from vetting.services.decisions import latest_clause


def awaiting_second(s: Session, limit: int | None = None) -> list[Decision]:
    """Decisions more permissive than their verdict, neither confirmed nor refused, that are
    still their app's latest (a newer decision replaced the others), oldest first."""
    query = (
        select(Decision)
        .where(
            col(Decision.needs_confirmation),
            col(Decision.confirmed_at).is_(None),
            col(Decision.refused_at).is_(None),
            latest_clause(),
        )
        .order_by(col(Decision.decided_at), col(Decision.id))
    )
    if limit is not None:
        query = query.limit(limit)
    return list(s.scalars(query))
