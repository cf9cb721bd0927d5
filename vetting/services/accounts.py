"""People and API tokens as the admin pages see them: lists, role changes, disabling.

Creating users and tokens lives in vetting.auth (the CLI uses it too); this module adds what
an administrator does afterwards. Every change is audited; the last active admin cannot be
demoted or disabled, so nobody can lock the organisation out of its own register. A change
of role, disabling and a new password end every web session of that user at once.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col
from werkzeug.security import generate_password_hash

from vetting import audit
from vetting.auth import Principal, check_role, password_problem
from vetting.core.statuses import Role
from vetting.db import transaction
from vetting.errors import Conflict, Invalid, NotFound
from vetting.models import ApiToken, User
from vetting.services.common import get_or_404
from vetting.services.web_sessions import end_every


def list_users(s: Session) -> list[User]:
    return list(s.scalars(select(User).order_by(User.email)).all())


def get_user(s: Session, user_id: int) -> User:
    return get_or_404(s, User, user_id, "user")


def list_tokens(s: Session) -> list[ApiToken]:
    """Every token, newest first (revoked ones too: they explain past API calls)."""
    return list(s.scalars(select(ApiToken).order_by(col(ApiToken.id).desc())).all())


def _other_active_admins(s: Session, user_id: int) -> int:
    return (
        s.scalar(
            select(func.count()).where(
                col(User.role) == Role.ADMIN, col(User.active).is_(True), col(User.id) != user_id
            )
        )
        or 0
    )


def update_user(
    s: Session, actor: Principal, user_id: int, role: str | None = None, active: bool | None = None
) -> User:
    """Change a user's role and/or whether they may sign in."""
    actor.require("admin")
    if role is not None:
        check_role(role)
    with transaction(s):
        user = get_or_404(s, User, user_id, "user")
        before = audit.snapshot(user, exclude=("password_hash",))
        losing_admin = (
            user.role == Role.ADMIN
            and user.active
            and ((role is not None and role != Role.ADMIN) or active is False)
        )
        if losing_admin and _other_active_admins(s, user_id) == 0:
            raise Conflict(f"{user.email} is the last active admin; make another admin first")
        role_changed = role is not None and role != user.role
        disabled = active is False and user.active
        if role is not None:
            user.role = role
        if active is not None:
            user.active = active
        s.flush()
        if role_changed or disabled:
            # Scopes are read from the role on every request, but a session signed in under
            # the old role (or a copied cookie) should not outlive the change.
            end_every(s, user_id, "role changed" if role_changed else "disabled")
        audit.record(
            s,
            actor.name,
            "user.update",
            "user",
            user.id,
            before,
            audit.snapshot(user, exclude=("password_hash",)),
        )
    return user


def set_password(s: Session, actor: Principal, email: str, password: str) -> User:
    """Give a user a new password (audited, the hash never); every session of theirs ends."""
    actor.require("admin")
    if problem := password_problem(password):
        raise Invalid(problem, "password")
    email = (email or "").strip().lower()
    with transaction(s):
        user = s.scalar(select(User).where(col(User.email) == email))
        if user is None:
            raise NotFound(f"no user with email {email}")
        user.password_hash = generate_password_hash(password)
        assert user.id is not None
        ended = end_every(s, user.id, "password changed")
        audit.record(
            s, actor.name, "user.password", "user", user.id, None, {"sessions_ended": ended}
        )
    return user
