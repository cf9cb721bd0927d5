"""Password sign-in for the web UI: the throttle, the attempt log and the session it starts.

**Throttle** (`login_throttle`, shared by every app instance, so it holds behind a load
balancer): failures count per (e-mail, client address) and, with a higher ceiling, per client
address alone — a hospital's staff often share one NAT address, and one person's typos must
not lock out a ward, nor an attacker's guesses from one address lock the account everywhere.
Past the limit sign-in waits, the wait doubling with each further failure up to a cap
(`vetting.core.signin.ThrottleRules`).

An attempt is *reserved* before the password is checked: under a lock of the counter rows
(SELECT … FOR UPDATE on PostgreSQL; on SQLite the first write of the transaction takes the
database's write lock) the failure is counted, and the wait it would earn set, in one short
transaction; a success then gives it back. So 50 concurrent guesses at one account make at
most `max_failures` password checks, whatever the timing. An unknown e-mail costs one hash
check like a known one (vetting.auth.authenticate_password).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from vetting import audit, clock
from vetting.auth import MAX_PASSWORD, Principal, authenticate_password
from vetting.core.signin import SessionRules, ThrottleRules, client_key, wait_words
from vetting.db import transaction
from vetting.errors import FieldError, Invalid, NotFound, TooManyRequests, Unauthorized
from vetting.models import LoginAttempt, LoginThrottle, User
from vetting.services import web_sessions


@dataclass(frozen=True)
class SignedIn:
    user: User
    token: str  # the session cookie's token: given to the browser, stored only hashed


@dataclass(frozen=True)
class _Reserved:
    """What one attempt counted, to give back on success."""

    pair_id: int
    address_id: int


def _clean(email: str, password: str, ip: str) -> tuple[str, str]:
    email = (email or "").strip().lower()
    errors = []
    if not email:
        errors.append(FieldError("email", "is required"))
    elif len(email) > 320:
        errors.append(FieldError("email", "is too long (at most 320 characters)"))
    if not password:
        errors.append(FieldError("password", "is required"))
    elif len(password) > MAX_PASSWORD:
        errors.append(FieldError("password", f"is too long (at most {MAX_PASSWORD} characters)"))
    if errors:
        raise Invalid("", errors=errors)
    return email, (ip or "unknown")[:64]


def _insert_missing(s: Session, rows: list[dict[str, object]]) -> None:
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(LoginThrottle).values(rows).on_conflict_do_nothing()
    s.execute(stmt)


def _too_many(wait: timedelta, what: str = "sign-in attempts") -> TooManyRequests:
    return TooManyRequests(f"too many failed {what}; {wait_words(wait)} and try again")


def _reserve(
    s: Session, email: str, ip: str, rules: ThrottleRules, what: str = "sign-in attempts"
) -> _Reserved:
    """Count this attempt as a failure before the password is checked (429 while waiting)."""
    for _ in range(3):
        found = _try_reserve(s, email, ip, rules, what)
        if found is not None:
            return found
    raise TooManyRequests("sign-in is busy; try again in a moment")


# Other secrets a client presents (answer links) share the throttle: one counter per (kind,
# client address) under a key no e-mail can be, and the address's own ceiling.
Reserved = _Reserved


def reserve_attempt(s: Session, kind: str, ip: str, rules: ThrottleRules, what: str) -> Reserved:
    """Count an attempt at a secret of `kind` from this client as a failure before the secret
    is checked (429 naming `what`, with the wait, while throttled); `give_back` on success."""
    return _reserve(s, f"<{kind}>", client_key((ip or "unknown")[:64]), rules, what)


def give_back(s: Session, reserved: Reserved, rules: ThrottleRules) -> None:
    """The attempt succeeded: inside the caller's transaction, forget it."""
    _give_back(s, reserved, rules)


def _try_reserve(
    s: Session, email: str, ip: str, rules: ThrottleRules, what: str = "sign-in attempts"
) -> _Reserved | None:
    """The reservation, or None when a counter row vanished (unlocked or pruned) between
    being made and being locked: then the caller tries again."""
    now = clock.now()
    with transaction(s):
        # The first statement writes: on SQLite it takes the write lock for the whole
        # transaction, so concurrent attempts queue here rather than read stale counts.
        _insert_missing(
            s,
            [
                {"email": email, "ip": ip, "failures": 0},
                {"email": "", "ip": ip, "failures": 0},
            ],
        )
        rows = s.scalars(
            select(LoginThrottle)
            .where(
                tuple_(col(LoginThrottle.email), col(LoginThrottle.ip)).in_([(email, ip), ("", ip)])
            )
            .order_by(col(LoginThrottle.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        pair = next((r for r in rows if r.email == email), None)
        address = next((r for r in rows if r.email == ""), None)
        if pair is None or address is None:
            return None
        limits = ((pair, rules.max_failures), (address, rules.max_per_address))
        waits = [r.locked_until - now for r, _ in limits if r.locked_until and r.locked_until > now]
        if waits:
            raise _too_many(max(waits), what)
        for row, limit in limits:
            escalates = row is pair
            if rules.forgotten(row.failures, limit, row.last_failure_at, now, escalates):
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            wait = rules.wait_after(row.failures, limit)
            row.locked_until = now + wait if wait else None
        assert pair.id is not None and address.id is not None
        return _Reserved(pair.id, address.id)


def _give_back(s: Session, reserved: _Reserved, rules: ThrottleRules) -> None:
    """A success: the pair's count starts again; the address's loses this attempt, and its
    wait is what the remaining count earns (a wait concurrent failures earned meanwhile
    stays), inside the caller's transaction."""
    rows = s.scalars(
        select(LoginThrottle)
        .where(col(LoginThrottle.id).in_([reserved.pair_id, reserved.address_id]))
        .order_by(col(LoginThrottle.id))  # the order _reserve locks them in: no deadlock
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for row in rows:
        if row.id == reserved.pair_id:  # kept, not deleted: a concurrent attempt may hold it
            row.failures = 0
            row.locked_until = None
        else:
            row.failures = max(0, row.failures - 1)
            row.locked_until = rules.lock_until(
                row.failures, rules.max_per_address, row.last_failure_at
            )


def sign_in(
    s: Session,
    email: str,
    password: str,
    ip: str,
    user_agent: str = "",
    rules: ThrottleRules | None = None,
    session_rules: SessionRules | None = None,
) -> SignedIn:
    """A new web session for these credentials; 422 for an empty or absurd field, 429 while
    throttled (saying how long to wait), 401 for a wrong email/password.

    Every attempt is recorded in `login_attempt`; a success is also an audit event.
    """
    rules = rules or ThrottleRules()
    email, ip = _clean(email, password, ip)
    reserved = _reserve(s, email, client_key(ip), rules)
    user = authenticate_password(s, email, password)
    token = ""
    with transaction(s):
        now = clock.now()
        # Old attempts and forgotten counters are only useful for a day; keep the tables small.
        s.execute(delete(LoginAttempt).where(col(LoginAttempt.at) < now - timedelta(days=1)))
        s.execute(
            delete(LoginThrottle).where(
                or_(
                    col(LoginThrottle.failures) == 0,
                    col(LoginThrottle.last_failure_at) < now - rules.forget_after,
                ),
                or_(
                    col(LoginThrottle.locked_until).is_(None),
                    col(LoginThrottle.locked_until) < now,
                ),
            )
        )
        s.add(LoginAttempt(email=email, ip=ip, success=user is not None))
        if user is not None:
            _give_back(s, reserved, rules)
            web_sessions.prune(s, session_rules or SessionRules())
            token = web_sessions.begin(s, user, ip, user_agent)
            audit.record(s, user.email, "user.login", "user", user.id, None, {"ip": ip})
    if user is None:
        raise Unauthorized(
            "",
            errors=[FieldError(None, "email or password is wrong (or the account is disabled)")],
        )
    return SignedIn(user, token)


def sign_out(s: Session, user: User) -> int:
    """End every session of the user (a copied cookie too) and audit it; how many ended."""
    with transaction(s):
        ended = web_sessions.end_every(s, user.id or 0, "signed out")
        audit.record(s, user.email, "user.logout", "user", user.id, None, {"sessions": ended})
    return ended


def unlock(s: Session, actor: Principal, email: str) -> int:
    """An administrator lifts the waits on a user's sign-in from every address (audited);
    how many counters were cleared. The per-address ceilings are left alone."""
    actor.require("admin")
    email = (email or "").strip().lower()
    with transaction(s):
        user = s.scalar(select(User).where(col(User.email) == email))
        if user is None:
            raise NotFound(f"no user with email {email}")
        result = s.execute(delete(LoginThrottle).where(col(LoginThrottle.email) == email))
        cleared = int(result.rowcount or 0)  # type: ignore[attr-defined]
        audit.record(s, actor.name, "user.unlock", "user", user.id, None, {"cleared": cleared})
    return cleared
