"""Web sessions kept in the database: started at sign-in, resumed on every page, ended at
sign-out, on a password or role change, on disabling, by an administrator or by a timeout.

The browser's cookie holds only a random token; the table holds its SHA-256. Every session
of a user ends at once when anything about their right to be signed in changes, so a copied
cookie is worth nothing afterwards. The last request is written at most once a minute.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.signin import SessionRules
from vetting.db import transaction
from vetting.errors import Invalid
from vetting.models import User, WebSession
from vetting.services.common import get_or_404

KEEP_ENDED = timedelta(days=7)  # ended sessions stay visible (and explain audit events) a week


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def begin(s: Session, user: User, ip: str, user_agent: str) -> str:
    """Add a session for `user` inside the caller's transaction; returns the cookie's token
    (shown to the browser only, never stored)."""
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    now = clock.now()
    s.add(
        WebSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            ip=(ip or "unknown")[:64],
            user_agent=(user_agent or "")[:300],
        )
    )
    return token


def end_every(s: Session, user_id: int, reason: str) -> int:
    """End every open session of a user inside the caller's transaction; how many ended."""
    result = s.execute(
        update(WebSession)
        .where(col(WebSession.user_id) == user_id, col(WebSession.ended_at).is_(None))
        .values(ended_at=clock.now(), end_reason=reason[:32])
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def prune(s: Session, rules: SessionRules) -> None:
    """Forget sessions ended (or timed out) more than a week ago, inside the caller's
    transaction."""
    now = clock.now()
    s.execute(
        delete(WebSession).where(
            or_(
                col(WebSession.ended_at) < now - KEEP_ENDED,
                col(WebSession.created_at) < now - rules.absolute - KEEP_ENDED,
                col(WebSession.last_seen_at) < now - rules.idle - KEEP_ENDED,
            )
        )
    )


def resume(s: Session, token: str | None, rules: SessionRules) -> tuple[User, WebSession] | None:
    """The user and session a cookie's token stands for, or None when it is unknown, ended,
    timed out or its user is disabled (a timed-out session is marked ended)."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    row = s.scalar(select(WebSession).where(col(WebSession.token_hash) == token_hash(token)))
    if row is None or row.ended_at is not None:
        return None
    user = s.get(User, row.user_id)
    now = clock.now()
    why = (
        "disabled"
        if user is None or not user.active
        else rules.over(row.created_at, row.last_seen_at, now)
    )
    if why is not None:
        with transaction(s):
            _mark_ended(s, row.id, why)
        return None
    assert user is not None
    if rules.needs_touch(row.last_seen_at, now):
        with transaction(s):
            s.execute(
                update(WebSession)
                .where(col(WebSession.id) == row.id, col(WebSession.ended_at).is_(None))
                .values(last_seen_at=now)
            )
        row.last_seen_at = now
    return user, row


def _mark_ended(s: Session, session_id: int | None, reason: str) -> int:
    result = s.execute(
        update(WebSession)
        .where(col(WebSession.id) == session_id, col(WebSession.ended_at).is_(None))
        .values(ended_at=clock.now(), end_reason=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _summary(row: WebSession) -> dict[str, object]:
    return {"session": row.id, "user_id": row.user_id, "ip": row.ip, "started": str(row.created_at)}


def end_one(s: Session, actor: Principal, session_id: int) -> WebSession:
    """An administrator ends one session (audited); ending an ended one is refused (422)."""
    actor.require("admin")
    with transaction(s):
        row = get_or_404(s, WebSession, session_id, "session")
        if row.ended_at is not None:
            raise Invalid(f"session {session_id} has already ended ({row.end_reason})", "session")
        _mark_ended(s, row.id, "ended by an admin")
        audit.record(s, actor.name, "session.end", "user", row.user_id, None, _summary(row))
    s.refresh(row)
    return row


def end_all_of(s: Session, actor: Principal, user_id: int) -> int:
    """An administrator ends every session of a user (audited); how many ended."""
    actor.require("admin")
    with transaction(s):
        user = get_or_404(s, User, user_id, "user")
        ended = end_every(s, user_id, "ended by an admin")
        audit.record(s, actor.name, "user.sessions.end", "user", user.id, None, {"sessions": ended})
    return ended
