"""A person's own calendar feeds: a read-only token (only `baas:read`) bound to their account,
for the URL a calendar app subscribes to (calendar apps cannot send headers, so the token rides
in the URL). The secret is shown once and stored hashed; a feed works only while its owner's
account is active, reads no more than the owner's role does today, and is revoked by its owner
(or an admin) in one click. Each creation and revocation is audited (token.create / revoke)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from vetting import auth
from vetting.auth import Principal
from vetting.errors import Invalid, NotFound
from vetting.models import ApiToken, User

MAX_FEEDS = 5  # per person: one per calendar app is plenty; old ones are revoked, not piled up
KINDS = ("term_end", "notice_deadline", "terminated")
KIND_WORDS = {
    "term_end": "term ends",
    "notice_deadline": "notice deadlines (to stop an automatic renewal)",
    "terminated": "terminations",
}
# What each role acts on: legal keeps the contracts (every date), the others learn when an
# agreement ends (an app may leave the list).
ROLE_KINDS: dict[str, tuple[str, ...]] = {
    "admin": KINDS,
    "legal": KINDS,
    "procurement": ("term_end", "terminated"),
    "it": ("term_end", "terminated"),
    "viewer": ("term_end", "terminated"),
}
PREFIX = "calendar feed"


@dataclass(frozen=True)
class NewFeed:
    token: ApiToken
    secret: str
    kinds: tuple[str, ...]
    owner_only: bool

    def query(self, email: str) -> dict[str, str]:
        """The feed URL's query: its token and filters."""
        q = {"token": self.secret}
        if set(self.kinds) != set(KINDS):
            q["kind"] = ",".join(self.kinds)
        if self.owner_only:
            q["owner"] = email
        return q


def default_kinds(role: str) -> tuple[str, ...]:
    return ROLE_KINDS.get(role, ("term_end", "terminated"))


def mine(s: Session, user: User) -> list[ApiToken]:
    """The person's feeds still in use, newest first."""
    return list(
        s.scalars(
            select(ApiToken)
            .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
            .order_by(col(ApiToken.id).desc())
        )
    )


def create(
    s: Session, actor: Principal, user: User, kinds: Sequence[str], owner_only: bool
) -> NewFeed:
    """A new feed for `user` (who must be the actor): which kinds of event, and whether only
    the BAAs they own."""
    actor.require("baas:read")
    chosen = tuple(k for k in KINDS if k in set(kinds))
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise Invalid(f"unknown kind of event: {', '.join(unknown)}", "kind")
    if not chosen:
        raise Invalid("choose at least one kind of event", "kind")
    count = s.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
    )
    if (count or 0) >= MAX_FEEDS:
        raise Invalid(
            f"you already have {MAX_FEEDS} calendar feeds: revoke one you no longer use first",
            "kind",
        )
    words = ", ".join(KIND_WORDS[k].split(" (")[0] for k in chosen)
    name = f"{PREFIX} · {user.email} · {words}" + (" · mine only" if owner_only else "")
    token, secret = auth.create_token(
        s, actor, name[:200], user.role, ["baas:read"], None, user_id=user.id
    )
    return NewFeed(token, secret, chosen, owner_only)


def revoke(s: Session, actor: Principal, user: User, token_id: int) -> ApiToken:
    """Revoke one of the person's feeds (an admin may revoke anyone's)."""
    token = s.get(ApiToken, token_id)
    if (
        token is None
        or token.user_id is None
        or (token.user_id != user.id and not actor.can("admin"))
    ):
        raise NotFound(f"no calendar feed {token_id} of yours", "feed")
    return auth.revoke_token(s, actor, token_id)
