"""The in-app inbox: the reminders the daily sweep writes to the `in-app` channel, shown to
each person by what their role acts on, with their own read marks.

Who sees what (docs/rules.md, "The inbox"): legal every BAA reminder; procurement the BAA
ends that take apps off the list and the decisions and conditions coming due; IT the BAA ends
and reassessments that change the list; legal and procurement also a watched vendor page that
stopped saying what it said; admins and viewers everything. Only the last
`WINDOW_DAYS` of reminders are shown (older ones stay in the outbox and the audit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlmodel import Session, col

from vetting import clock
from vetting.core.reminders import Channel, ReminderKind
from vetting.db import transaction
from vetting.models import Notification, NotificationRead, User
from vetting.services.common import PageResult

WINDOW_DAYS = 180
K = ReminderKind
_BAA_ENDS = (K.TERM_END, K.EXPIRED, K.TERMINATION, K.COVERAGE_GAP)
ROLE_KINDS: dict[str, tuple[str, ...] | None] = {  # None: every kind
    "admin": None,
    "viewer": None,
    "legal": (
        *_BAA_ENDS,
        K.NOTICE_DEADLINE,
        K.REVIEW,
        K.RETURN_DESTROY,
        K.NONCONFORMING,
        K.PAGE_CLAIM_LOST,
    ),
    "procurement": (
        *_BAA_ENDS,
        K.REASSESSMENT,
        K.CONDITION_DUE,
        K.NONCONFORMING,
        K.PAGE_CLAIM_LOST,
    ),
    "it": (*_BAA_ENDS, K.REASSESSMENT),
}


@dataclass(frozen=True)
class Item:
    row: Notification
    read: bool


def _shown(user: User) -> list[Any]:
    """The conditions of the reminders this person's inbox shows."""
    since = clock.now() - timedelta(days=WINDOW_DAYS)
    where: list[Any] = [
        col(Notification.channel) == Channel.IN_APP,
        col(Notification.created_at) >= since,
    ]
    kinds = ROLE_KINDS.get(user.role, ())
    if kinds is not None:
        where.append(col(Notification.kind).in_([str(k) for k in kinds]))
    return where


def _read_by(user: User) -> Any:
    return exists().where(
        and_(
            col(NotificationRead.notification_id) == col(Notification.id),
            col(NotificationRead.user_id) == user.id,
        )
    )


def unread_count(s: Session, user: User) -> int:
    """How many reminders this person has not read (the number in the header)."""
    q = select(func.count()).select_from(Notification).where(*_shown(user), ~_read_by(user))
    return s.scalar(q) or 0


def items(
    s: Session, user: User, *, unread_only: bool = False, page: int = 1, per_page: int = 50
) -> PageResult:
    """The person's reminders, newest first, each with whether they read it."""
    where = _shown(user)
    if unread_only:
        where.append(~_read_by(user))
    total = s.scalar(select(func.count()).select_from(Notification).where(*where)) or 0
    rows = s.execute(
        select(Notification, _read_by(user).label("read"))
        .where(*where)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return PageResult([Item(r[0], bool(r[1])) for r in rows], page, per_page, total)


def mark_read(s: Session, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark some of the person's reminders read (all shown ones when `ids` is None); ids they
    cannot see, or already read, are passed over. Returns how many were marked."""
    q = select(col(Notification.id)).where(*_shown(user), ~_read_by(user))
    if ids is not None:
        wanted = sorted({int(i) for i in ids})[:1000]
        if not wanted:
            return 0
        q = q.where(col(Notification.id).in_(wanted))
    assert user.id is not None  # a stored account
    with transaction(s):
        found = [i for i in s.scalars(q) if i is not None]
        now = clock.now()
        for i in found:
            s.add(NotificationRead(user_id=user.id, notification_id=i, read_at=now))
    return len(found)


def visible(s: Session, user: User, notification_id: int) -> Notification | None:
    """The reminder, if this person's inbox shows it (else None: nothing of it is told)."""
    return s.scalar(
        select(Notification).where(col(Notification.id) == notification_id, *_shown(user))
    )


def link(row: Notification) -> tuple[str, int] | None:
    """(endpoint kind, id) of the record a reminder is about: a BAA, an assessment (a
    condition's), or a vendor (a watched page's)."""
    if row.subject_kind == "baa":
        return "baa", row.subject_id
    if row.subject_kind == "assessment":
        return "assessment", row.subject_id
    payload = row.payload if isinstance(row.payload, dict) else {}
    subject = payload.get("subject", {}) if isinstance(payload.get("subject"), dict) else {}
    assessment_id = subject.get("assessment_id")
    if row.subject_kind == "condition" and isinstance(assessment_id, int):
        return "assessment", assessment_id
    vendor_id = payload.get("vendor_id", subject.get("vendor_id"))
    if row.subject_kind == "page" and isinstance(vendor_id, int):
        return "vendor", vendor_id
    return None
