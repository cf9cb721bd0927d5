"""People and API tokens as the admin pages see them: lists, role changes, disabling.

Creating users and tokens lives in vetting.auth (the CLI uses it too); this module adds what
an administrator does afterwards. Every change is audited; the last active admin cannot be
demoted or disabled, so nobody can lock the organisation out of its own register.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from vetting import audit
from vetting.auth import Principal, check_role
from vetting.core.statuses import Role
from vetting.db import transaction
from vetting.errors import Conflict
from vetting.models import ApiToken, User
from vetting.services.common import get_or_404


def list_users(s: Session) -> list[User]:
    return list(s.scalars(select(User).order_by(User.email)).all())


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
        if role is not None:
            user.role = role
        if active is not None:
            user.active = active
        s.flush()
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
