"""Password sign-in for the web UI, throttled through the LoginAttempt table.

The table is shared by every app instance, so the limit holds behind a load balancer too.
Failures count per email (5 in 15 minutes by default) and, with a higher limit, per client
address: a hospital's staff often share one NAT address, and one person's typos must not lock
out a ward.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from vetting import audit, clock
from vetting.auth import authenticate_password
from vetting.db import transaction
from vetting.errors import FieldError, TooManyRequests, Unauthorized
from vetting.models import LoginAttempt, User


@dataclass(frozen=True)
class Throttle:
    """How many failures are allowed in which window before sign-in waits."""

    max_per_email: int = 5
    max_per_ip: int = 20
    window: timedelta = timedelta(minutes=15)


def _wait_message(s: Session, email: str, ip: str, limits: Throttle) -> str | None:
    """None when a new attempt may proceed, else the message saying how long to wait."""
    now = clock.now()
    since = now - limits.window
    # Per email: failures since the window opened and after the last success for it.
    last_ok = s.scalar(
        select(func.max(LoginAttempt.at)).where(
            col(LoginAttempt.email) == email,
            col(LoginAttempt.success).is_(True),
            col(LoginAttempt.at) > since,
        )
    )
    email_since = max(since, last_ok) if last_ok else since
    failed = col(LoginAttempt.success).is_(False)
    by_email = s.execute(
        select(func.count(), func.min(LoginAttempt.at)).where(
            col(LoginAttempt.email) == email, failed, col(LoginAttempt.at) > email_since
        )
    ).one()
    by_ip = s.execute(
        select(func.count(), func.min(LoginAttempt.at)).where(
            col(LoginAttempt.ip) == ip, failed, col(LoginAttempt.at) > since
        )
    ).one()
    blocked = [
        first
        for (count, first), limit in ((by_email, limits.max_per_email), (by_ip, limits.max_per_ip))
        if count >= limit and first is not None
    ]
    if not blocked:
        return None
    free_at = min(blocked) + limits.window
    minutes = max(1, math.ceil((free_at - now).total_seconds() / 60))
    return (
        f"too many failed sign-in attempts; wait {minutes} minute{'s' * (minutes != 1)} "
        "and try again"
    )


def sign_in(s: Session, email: str, password: str, ip: str, limits: Throttle | None = None) -> User:
    """The user for these credentials; 429 while throttled, 401 for a wrong email/password.

    Every attempt is recorded (in its own transaction, so a failure is counted even though
    the caller then reports an error); a success is also an audit event.
    """
    limits = limits or Throttle()
    email = email.strip().lower()[:320]
    ip = (ip or "unknown")[:64]
    wait = _wait_message(s, email, ip, limits)
    if wait is not None:
        raise TooManyRequests(wait)
    user = authenticate_password(s, email, password) if email and password else None
    with transaction(s):
        # Old attempts are only useful inside the window; keep the table small.
        s.execute(
            delete(LoginAttempt).where(col(LoginAttempt.at) < clock.now() - timedelta(days=1))
        )
        s.add(LoginAttempt(email=email, ip=ip, success=user is not None))
        if user is not None:
            audit.record(s, user.email, "user.login", "user", user.id, None, {"ip": ip})
    if user is None:
        raise Unauthorized(
            "",
            errors=[FieldError(None, "email or password is wrong (or the account is disabled)")],
        )
    return user


def sign_out(s: Session, user: User) -> None:
    """Record the sign-out in the audit log (the session cookie itself is cleared by the view)."""
    with transaction(s):
        audit.record(s, user.email, "user.logout", "user", user.id, None, None)


def current_user(s: Session, user_id: int | None) -> User | None:
    """The signed-in user from a session's user id, or None when gone or disabled."""
    if user_id is None:
        return None
    user = s.get(User, user_id)
    if user is None or not user.active:
        return None
    return user
