"""Users, roles, API tokens and the one permission check used by api/, web/ and the CLI."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from vetting import audit, clock
from vetting.core.statuses import Role, values
from vetting.db import transaction
from vetting.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from vetting.models import ApiToken, User

ROLES: tuple[str, ...] = values(Role)  # plain strings: click choices, form options

READ_SCOPES = (
    "vendors:read",
    "apps:read",
    "checklists:read",
    "assessments:read",
    "baas:read",
    "allowlist:read",
)
SCOPES: tuple[str, ...] = (
    *READ_SCOPES,
    "vendors:write",
    "apps:write",
    "assessments:write",
    "decisions:write",
    "baas:write",
    "allowlist:write",
    "sync:write",
    "audit:read",
    "baa-documents:read",
    "evidence:read",
    "admin",
)

# What each role may do. Viewer reads; legal writes BAAs; procurement writes vendors, apps,
# assessments and decisions; IT reads everything and (later) publishes the list; admin all.
# Signed BAA documents (contract text, signatures, negotiated terms) are downloadable only by
# those who negotiate them: legal, procurement and admin — not viewer or IT. Evidence files
# behind answers (SOC 2 reports, penetration tests, often under NDA) likewise.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    Role.VIEWER: frozenset(READ_SCOPES),
    Role.LEGAL: frozenset(
        {*READ_SCOPES, "baas:write", "audit:read", "baa-documents:read", "evidence:read"}
    ),
    Role.PROCUREMENT: frozenset(
        {
            *READ_SCOPES,
            "vendors:write",
            "apps:write",
            "assessments:write",
            "decisions:write",
            "baa-documents:read",
            "evidence:read",
        }
    ),
    # sync:write: configure MDM sync targets and push the list to them.
    Role.IT: frozenset({*READ_SCOPES, "allowlist:write", "sync:write"}),
    Role.ADMIN: frozenset(SCOPES),
}

TOKEN_PREFIX = "vt_"
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # sign-in refuses longer ones: hashing a megabyte is work nobody needs


def password_problem(password: str) -> str | None:
    """Why a new password cannot be set (None: it can)."""
    if len(password) < MIN_PASSWORD:
        return f"must be at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"must be at most {MAX_PASSWORD} characters (sign-in accepts no longer)"
    return None


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user or a token, with the scopes it holds right now."""

    name: str
    role: str
    scopes: frozenset[str]
    kind: str = "token"  # token | user | cli
    # The person behind it: a user's e-mail; for a token, whoever created it; else the name.
    # What "a second person" compares (a token an author made is still the author).
    person: str = ""

    @property
    def who(self) -> str:
        return (self.person or self.name).strip().lower()

    def can(self, scope: str) -> bool:
        return scope in self.scopes

    def require(self, scope: str) -> None:
        if not self.can(scope):
            raise Forbidden(f"role '{self.role}' may not do this (needs scope {scope!r})")


CLI_PRINCIPAL = Principal("cli", Role.ADMIN, frozenset(SCOPES), kind="cli")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_role(role: str) -> str:
    if role not in ROLES:
        raise Invalid(f"must be one of {', '.join(ROLES)}", "role")
    return role


def create_user(s: Session, actor: Principal, email: str, password: str, role: str) -> User:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise Invalid("must be an email address", "email")
    check_role(role)
    if problem := password_problem(password):
        raise Invalid(problem, "password")
    with transaction(s):
        if s.scalar(select(User).where(User.email == email)) is not None:
            raise Conflict(f"a user with email {email} already exists", "email")
        user = User(email=email, password_hash=generate_password_hash(password), role=role)
        s.add(user)
        s.flush()
        audit.record(
            s,
            actor.name,
            "user.create",
            "user",
            user.id,
            None,
            audit.snapshot(user, exclude=("password_hash",)),
        )
    return user


_dummy_hash: str | None = None


def _dummy() -> str:
    """A hash made the way real ones are (same method and cost), of a password nobody has:
    checked against for an unknown e-mail so it takes as long as a known one."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash(secrets.token_urlsafe(24))
    return _dummy_hash


def authenticate_password(s: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None. Exactly one hash check
    either way: an unknown e-mail is checked against a dummy hash, so the time taken does not
    tell which e-mails have accounts."""
    user = s.scalar(select(User).where(User.email == email.strip().lower()))
    stored = user.password_hash if user is not None else _dummy()
    matches = check_password_hash(stored, password)
    if user is None or not user.active or not matches:
        return None
    return user


def create_token(
    s: Session,
    actor: Principal,
    name: str,
    role: str,
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
    user_id: int | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the secret, which is shown once and stored hashed.
    `user_id`: a person's own token (a calendar feed), bound to their account."""
    if not name.strip():
        raise Invalid("is required", "name")
    check_role(role)
    allowed = ROLE_SCOPES[role]
    if scopes:
        unknown = [sc for sc in scopes if sc not in SCOPES]
        if unknown:
            raise Invalid(f"unknown scope(s): {', '.join(unknown)}", "scopes")
        beyond = [sc for sc in scopes if sc not in allowed]
        if beyond:
            raise Invalid(f"role '{role}' cannot hold: {', '.join(beyond)}", "scopes")
    chosen = sorted(set(scopes) if scopes else allowed)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction(s):
        token = ApiToken(
            name=name.strip(),
            prefix=secret[:10],
            token_hash=hash_token(secret),
            role=role,
            scopes=chosen,
            created_by=actor.name,
            expires_at=expires_at,
            user_id=user_id,
        )
        s.add(token)
        s.flush()
        audit.record(
            s,
            actor.name,
            "token.create",
            "api_token",
            token.id,
            None,
            audit.snapshot(token, exclude=("token_hash",)),
        )
    return token, secret


def revoke_token(s: Session, actor: Principal, token_id: int) -> ApiToken:
    with transaction(s):
        token = s.get(ApiToken, token_id)
        if token is None:
            raise NotFound(f"no token with id {token_id}")
        before = audit.snapshot(token, exclude=("token_hash",))
        token.revoked_at = clock.now()
        audit.record(
            s,
            actor.name,
            "token.revoke",
            "api_token",
            token.id,
            before,
            audit.snapshot(token, exclude=("token_hash",)),
        )
    return token


def revoke_exposed_token(s: Session, secret: str, where: str) -> None:
    """Revoke the token `secret` because it was sent where others can read it (a URL lands in
    proxy and server logs and browser histories): audited with the reason."""
    with transaction(s):
        token = s.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
        if token is None or token.revoked_at is not None:
            return
        before = audit.snapshot(token, exclude=("token_hash",))
        token.revoked_at = clock.now()
        after = audit.snapshot(token, exclude=("token_hash",)) or {}
        audit.record(
            s,
            "system:exposed-token",
            "token.revoke",
            "api_token",
            token.id,
            before,
            {**after, "reason": f"a token that can write was sent in {where}"},
        )


def principal_for_token(s: Session, secret: str, *, in_url: bool = False) -> Principal:
    """The principal a bearer token stands for; 401 when it is unknown, revoked or expired.
    A person's calendar feed token (`user_id` set) works only in a feed URL (`in_url`: the
    routes that take ?token=), never as a bearer token on the rest of the API."""
    token = s.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    now = clock.now()
    if token is None or token.revoked_at is not None:
        raise Unauthorized("invalid or revoked token")
    if token.user_id is not None and not in_url:
        raise Unauthorized(
            "a calendar feed token only works in its feed address (…/baas.ics?token=…)"
        )
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthorized("token expired")
    role = token.role
    if token.user_id is not None:  # a person's own token: only while the account is active
        owner = s.get(User, token.user_id)
        if owner is None or not owner.active:
            raise Unauthorized("the account this token belongs to is deactivated")
        role = owner.role  # never more than the person may read today
    # A token never holds more than its role allows today.
    scopes = frozenset(token.scopes) & ROLE_SCOPES.get(role, frozenset())
    return Principal(f"token:{token.name}", role, scopes, kind="token", person=token.created_by)


def principal_for_user(user: User) -> Principal:
    return Principal(user.email, user.role, ROLE_SCOPES[user.role], kind="user", person=user.email)
