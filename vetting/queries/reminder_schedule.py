"""A record's reminders, as its page lists them: those the daily sweep will send (each on the
day its threshold is crossed, by the same rules as the sweep) and those already sent in-app.
For a BAA (term end or lapse, notice deadline, termination, periodic review) and for a
decision (the reassessment when it runs out, each unmet condition's due date)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from vetting.core.baa import BaaLifecycle
from vetting.core.reminders import (
    Channel,
    Due,
    ReminderKind,
    SubjectKind,
    Upcoming,
    baa_due,
    condition_due,
    reassessment_due,
    upcoming,
)
from vetting.models import BAA, Decision, DecisionCondition, Notification
from vetting.services.baas import terms_of
from vetting.settings import NotifySettings

SENT_SHOWN = 20


@dataclass(frozen=True)
class Schedule:
    upcoming: list[Upcoming]
    sent: list[Notification]


def _sent(s: Session, pairs: Sequence[tuple[str, int]]) -> list[Notification]:
    found: list[Notification] = []
    for kind, ident in pairs:
        found += s.scalars(
            select(Notification)
            .where(
                col(Notification.subject_kind) == kind,
                col(Notification.subject_id) == ident,
                col(Notification.channel) == Channel.IN_APP,
            )
            .order_by(col(Notification.created_at).desc())
            .limit(SENT_SHOWN)
        )
    return sorted(found, key=lambda n: n.created_at, reverse=True)[:SENT_SHOWN]


def for_baa(s: Session, baa: BAA, today: date, notify: NotifySettings) -> Schedule:
    terms = terms_of(baa)
    terminated = baa.status == BaaLifecycle.TERMINATED

    def due_on(day: date) -> list[Due]:
        dues = baa_due(terms, day, notify.thresholds, 0, notify.review_months)
        if terminated:  # as the sweep: only the termination itself is reminded of
            dues = [d for d in dues if d.kind == ReminderKind.TERMINATION]
        return dues

    assert baa.id is not None  # a stored agreement
    return Schedule(
        upcoming(due_on, today, notify.thresholds),
        _sent(s, [(SubjectKind.BAA, baa.id)]),
    )


def for_decision(s: Session, decision: Decision, today: date, notify: NotifySettings) -> Schedule:
    conditions = list(
        s.scalars(
            select(DecisionCondition).where(
                col(DecisionCondition.decision_id) == decision.id,
                col(DecisionCondition.met_at).is_(None),
            )
        )
    )

    def due_on(day: date) -> list[Due]:
        found = [reassessment_due(decision.valid_until, day, notify.thresholds, 0)]
        found += [condition_due(c.due_date, day, notify.thresholds, 0) for c in conditions]
        return [d for d in found if d is not None]

    pairs: list[tuple[str, int]] = [(SubjectKind.ASSESSMENT, decision.assessment_id)]
    pairs += [(SubjectKind.CONDITION, c.id) for c in conditions if c.id is not None]
    return Schedule(upcoming(due_on, today, notify.thresholds), _sent(s, pairs))
