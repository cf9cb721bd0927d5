"""Who is signed in to the web UI: the sessions an administrator sees (and may end), and the
sign-in waits running for each user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from vetting import clock
from vetting.core.signin import SessionRules
from vetting.errors import NotFound
from vetting.models import LoginThrottle, User, WebSession


@dataclass(frozen=True)
class ActiveSession:
    id: int
    user_id: int
    email: str
    started: datetime
    last_seen: datetime
    ip: str
    user_agent: str


def active(s: Session, rules: SessionRules, email: str | None = None) -> list[ActiveSession]:
    """Sessions not ended and not timed out, the most recently used first (optionally one
    user's, by e-mail)."""
    now = clock.now()
    stmt = (
        select(WebSession, User.email)
        .join(User, col(User.id) == col(WebSession.user_id))
        .where(
            col(WebSession.ended_at).is_(None),
            col(WebSession.created_at) > now - rules.absolute,
            col(WebSession.last_seen_at) > now - rules.idle,
        )
        .order_by(col(WebSession.last_seen_at).desc(), col(WebSession.id).desc())
    )
    if email:
        stmt = stmt.where(col(User.email) == email.strip().lower())
    return [
        ActiveSession(
            id=row.id or 0,
            user_id=row.user_id,
            email=user_email,
            started=row.created_at,
            last_seen=row.last_seen_at,
            ip=row.ip,
            user_agent=row.user_agent,
        )
        for row, user_email in s.exec(stmt).all()
    ]


def user_id(s: Session, email: str) -> int:
    """The id of the user with this e-mail; 404 when there is none."""
    email = (email or "").strip().lower()
    found = s.exec(select(User.id).where(col(User.email) == email)).first()
    if found is None:
        raise NotFound(f"no user with email {email}")
    return found


def locked_until(s: Session) -> dict[str, datetime]:
    """E-mail → the end of the longest sign-in wait running for it (from any address)."""
    now = clock.now()
    found: dict[str, datetime] = {}
    rows = s.exec(
        select(LoginThrottle.email, LoginThrottle.locked_until).where(
            col(LoginThrottle.email) != "", col(LoginThrottle.locked_until) > now
        )
    ).all()
    for email, until in rows:
        if until is not None and (email not in found or until > found[email]):
            found[email] = until
    return found
