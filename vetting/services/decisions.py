"""Decisions: recording one with its controls, a second person's confirmation or refusal, a
re-confirmation after the app changed, and conditions being met.

The rules are vetting/core/decisions.py (docs/rules.md, "Decisions"); every change writes an
audit event on the assessment, which is how the live list traces the app it moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlmodel import Session, SQLModel, col

from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.decisions import (
    IN_EFFECT,
    ConditionFacts,
    Confirmation,
    DecisionRules,
    Pins,
    RecordedDecision,
    confirmation_state,
    justification_problem,
    overdue,
    pin_changes,
    second_person_reason,
    shortfalls,
)
from vetting.core.scoring import Outcome, Verdict
from vetting.core.statuses import AssessmentStatus
from vetting.db import transaction
from vetting.errors import Conflict, FieldError, Forbidden, Invalid
from vetting.models import App, Assessment, Decision, DecisionCondition, Vendor
from vetting.schemas import ConditionIn, DecisionIn
from vetting.services.common import get_or_404


@dataclass(frozen=True)
class DecisionView:
    """A decision with its conditions, where it stands today and what it lacks by the rules."""

    decision: Decision
    conditions: tuple[DecisionCondition, ...]
    confirmation: Confirmation
    overdue_ids: frozenset[int]
    shortfalls: tuple[str, ...]


def conditions_text(conditions: Sequence[ConditionIn | DecisionCondition]) -> str | None:
    """The conditions in words, as the list and its exports show them."""
    if not conditions:
        return None
    return "; ".join(f"{c.text} (due {c.due_date.isoformat()}, {c.owner})" for c in conditions)


def _state(d: Decision, on: date) -> Confirmation:
    """Where a recorded decision stands with its second person on `on` (organisation days)."""
    confirmed = None if d.confirmed_at is None else clock.local_day(d.confirmed_at)
    refused = None if d.refused_at is None else clock.local_day(d.refused_at)
    return confirmation_state(d.needs_confirmation, confirmed, refused, on)


def view(
    d: Decision, conditions: Sequence[DecisionCondition], rules: DecisionRules, today: date
) -> DecisionView:
    decided_on = clock.local_day(d.decided_at)
    facts = [
        ConditionFacts(c.text, c.due_date, None if c.met_at is None else clock.local_day(c.met_at))
        for c in conditions
    ]
    late = {
        c.id
        for c, f in zip(conditions, facts, strict=True)
        if c.id is not None and overdue([f], today)
    }
    recorded = RecordedDecision(
        decision=d.decision,
        verdict=d.verdict,
        justification=d.justification,
        decided_on=decided_on,
        valid_until=d.valid_until,
        needs_confirmation=d.needs_confirmation,
        conditions=facts,
        conditions_text=d.conditions,
    )
    state = _state(d, today)
    return DecisionView(
        d, tuple(conditions), state, frozenset(late), tuple(shortfalls(recorded, rules))
    )


def views(s: Session, decisions: Sequence[Decision], rules: DecisionRules) -> list[DecisionView]:
    """Each decision with its conditions (one query for all of them)."""
    ids = [d.id for d in decisions if d.id is not None]
    by_decision: dict[int, list[DecisionCondition]] = {}
    if ids:
        for c in s.scalars(
            select(DecisionCondition)
            .where(col(DecisionCondition.decision_id).in_(ids))
            .order_by(col(DecisionCondition.decision_id), col(DecisionCondition.position))
        ):
            by_decision.setdefault(c.decision_id, []).append(c)
    today = clock.today()
    return [view(d, by_decision.get(d.id or 0, []), rules, today) for d in decisions]


def _check(data: DecisionIn, verdict: str, rules: DecisionRules, today: date, missing: str) -> None:
    """Refuse a decision that breaks the rules, naming every field at once."""
    outcome = Outcome(data.decision)
    if verdict == Verdict.INCOMPLETE and outcome != Outcome.REJECTED:
        raise Invalid(
            f"only a rejection can be decided on an incomplete assessment "
            f"(not answered: {missing or 'nothing applicable to score'})",
            "decision",
        )
    errors: list[FieldError] = []
    if outcome == Outcome.CONDITIONAL and not data.conditions:
        errors.append(
            FieldError(
                "conditions",
                "a conditional approval needs at least one condition (text, due date, owner)",
            )
        )
    if outcome != Outcome.CONDITIONAL and data.conditions:
        errors.append(
            FieldError("conditions", f"conditions belong to a conditional approval, not {outcome}")
        )
    if data.decision != verdict:
        problem = justification_problem(data.justification, rules.min_justification)
        if problem:
            errors.append(
                FieldError(
                    "justification",
                    f"{problem}: the decision '{data.decision}' differs from the verdict "
                    f"'{verdict}'",
                )
            )
    valid_until = data.valid_until or rules.default_valid_until(today)
    latest = rules.latest_valid_until(today)
    if valid_until <= today:
        errors.append(FieldError("valid_until", f"must be after today ({today.isoformat()})"))
    elif valid_until > latest:
        errors.append(
            FieldError(
                "valid_until",
                f"a decision is valid for at most {rules.max_months} months: "
                f"on or before {latest.isoformat()}",
            )
        )
    for i, c in enumerate(data.conditions):
        if c.due_date <= today:
            errors.append(
                FieldError(f"conditions.{i}.due_date", f"must be after today ({today.isoformat()})")
            )
        elif c.due_date > valid_until:
            errors.append(
                FieldError(
                    f"conditions.{i}.due_date",
                    f"must be on or before the decision's end ({valid_until.isoformat()})",
                )
            )
    if errors:
        raise Invalid("", errors=errors)


def _pin(s: Session, decision: Decision, app: App) -> None:
    """Bind the decision to the app as it is now: platform, store ID and vendor."""
    vendor = s.get(Vendor, app.vendor_id)
    decision.pinned_platform = app.platform
    decision.pinned_store_id = app.store_id
    decision.pinned_vendor_id = app.vendor_id
    decision.pinned_vendor_name = vendor.name if vendor else None


def _add_conditions(s: Session, decision: Decision, conditions: Sequence[ConditionIn]) -> None:
    assert decision.id is not None  # flushed
    for i, c in enumerate(conditions):
        s.add(
            DecisionCondition(
                decision_id=decision.id, position=i, text=c.text, due_date=c.due_date, owner=c.owner
            )
        )


def _audit(s: Session, actor: Principal, action: str, d: Decision, **extra: object) -> None:
    after = audit.snapshot(d)
    assert after is not None  # a row's snapshot is a dict
    after.update(extra)
    audit.record(s, actor.name, action, "assessment", d.assessment_id, None, after)


def decide(
    s: Session,
    actor: Principal,
    assessment_id: int,
    data: DecisionIn,
    rules: DecisionRules | None = None,
) -> Decision:
    """Record the human decision on an assessment, held to the rules: a justification when it
    differs from the verdict, a capped validity, structured conditions, and a second person
    when it is more permissive than the verdict (until then it is pending: not in effect)."""
    from vetting.services import assessments  # the assessment's score (it imports us back)

    actor.require("decisions:write")
    rules = rules or DecisionRules()
    today = clock.today()
    with transaction(s):
        # Decided on the answers as they are: an autosave waits until the decision is in.
        assessments.lock_answers(s, assessment_id)
        view_ = assessments.get(s, assessment_id)
        if view_.assessment.status == AssessmentStatus.DECIDED:
            # Deciding again would bind the decision to the app as it is now with no second
            # person: after a change, reassess or re-confirm instead.
            raise Conflict(
                "this assessment is already decided: start a reassessment, or re-confirm its "
                "decision if the app changed"
            )
        verdict = view_.score.verdict
        _check(data, verdict, rules, today, ", ".join(view_.score.missing))
        assessment = view_.assessment
        app = s.get(App, assessment.app_id)
        assert app is not None  # an assessment's app
        reason = second_person_reason(data.decision, verdict)
        decision = Decision(
            assessment_id=assessment_id,
            app_id=assessment.app_id,
            decision=data.decision,
            verdict=verdict,
            score=view_.score.score,
            justification=data.justification,
            conditions=conditions_text(data.conditions),
            decided_by=actor.name,
            decided_by_person=actor.who,
            valid_until=data.valid_until or rules.default_valid_until(today),
            needs_confirmation=reason is not None,
            confirmation_reason=reason,
            checklist_version=assessment.checklist_version,
            checklist_sha256=assessment.checklist_sha256,
        )
        _pin(s, decision, app)
        s.add(decision)
        s.flush()
        _add_conditions(s, decision, data.conditions)
        assessment.status = AssessmentStatus.DECIDED
        assessment.score = view_.score.score
        assessment.verdict = verdict
        assessment.updated_at = clock.now()
        s.flush()
        _audit(
            s,
            actor,
            "assessment.decide",
            decision,
            overrides_verdict=data.decision != verdict,
            condition_items=[c.model_dump(mode="json") for c in data.conditions],
        )
    return decision


def latest_clause(before: datetime | None = None) -> Any:
    """SQL: the `decision` row is its app's latest — no decision of the same app was made
    later (a tie on the moment goes to the later record, as `_newest_id` orders them); with
    `before`, among the decisions made before that moment. A lookup per row through
    ix_decision_app_decided, not a ranking of every decision."""
    table = SQLModel.metadata.tables[Decision.__tablename__]
    newer = table.alias("newer")
    later = or_(
        newer.c.decided_at > table.c.decided_at,
        and_(newer.c.decided_at == table.c.decided_at, newer.c.id > table.c.id),
    )
    if before is None:
        return ~exists().where(newer.c.app_id == table.c.app_id, later)
    return and_(
        table.c.decided_at < before,
        ~exists().where(newer.c.app_id == table.c.app_id, newer.c.decided_at < before, later),
    )


def _newest_id(s: Session, app_id: int) -> int | None:
    """The id of the app's latest decision (what the list reads)."""
    return s.scalar(
        select(col(Decision.id))
        .where(col(Decision.app_id) == app_id)
        .order_by(col(Decision.decided_at).desc(), col(Decision.id).desc())
        .limit(1)
    )


def _pending(s: Session, decision_id: int) -> Decision:
    d = get_or_404(s, Decision, decision_id, "decision")
    if not d.needs_confirmation:
        raise Conflict("this decision needs no second approval: it is in effect")
    if d.confirmed_at is not None:
        raise Conflict(f"this decision was already confirmed by {d.confirmed_by}")
    if d.refused_at is not None:
        raise Conflict(f"this decision was refused by {d.refused_by}")
    if _newest_id(s, d.app_id) != d.id:
        raise Conflict("a newer decision on this app replaced this one")
    return d


def same_person(actor: Principal, d: Decision) -> bool:
    """Whether `actor` is the person who made `d`: by name, and by the person behind a token
    (a token its author created is still its author)."""
    made_by = {d.decided_by.strip().lower(), (d.decided_by_person or "").strip().lower()}
    return bool({actor.name.strip().lower(), actor.who} & (made_by - {""}))


def confirm(s: Session, actor: Principal, decision_id: int) -> Decision:
    """A second person agrees to a pending decision: it takes effect now."""
    actor.require("decisions:write")
    with transaction(s):
        d = _pending(s, decision_id)
        if same_person(actor, d):
            raise Forbidden(
                "a decision more permissive than the verdict needs a second person: "
                f"{d.decided_by} made it and cannot confirm it"
            )
        d.confirmed_by = actor.name
        d.confirmed_at = clock.now()
        s.flush()
        _audit(s, actor, "decision.confirm", d)
    return d


def refuse(s: Session, actor: Principal, decision_id: int, reason: str) -> Decision:
    """A second person refuses a pending decision (or its author withdraws it): it never takes
    effect, and the assessment opens again for a new decision (a refused re-confirmation
    leaves it decided)."""
    actor.require("decisions:write")
    if not reason.strip():
        raise Invalid("is required: say why the decision is refused", "reason")
    with transaction(s):
        d = _pending(s, decision_id)
        d.refused_by = actor.name
        d.refused_at = clock.now()
        d.refusal_reason = reason.strip()
        if d.reconfirms_id is None:
            # The refused decision closed the assessment: open it for a new one. A refused
            # re-confirmation leaves the earlier decision's assessment as it was.
            assessment = s.get(Assessment, d.assessment_id)
            assert assessment is not None  # a decision's assessment
            assessment.status = AssessmentStatus.OPEN
            assessment.updated_at = clock.now()
        s.flush()
        _audit(s, actor, "decision.refuse", d)
    return d


def reconfirm(
    s: Session,
    actor: Principal,
    decision_id: int,
    justification: str,
    rules: DecisionRules | None = None,
) -> Decision:
    """Bind an approving decision to what its app is now (after its store ID, platform or
    vendor changed) without a new assessment: a new decision with the same outcome, validity
    and conditions, which a second person must confirm before the app returns to the list."""
    actor.require("decisions:write")
    rules = rules or DecisionRules()
    problem = justification_problem(justification, rules.min_justification)
    if problem:
        raise Invalid(
            f"{problem}: say why the change does not need a new assessment", "justification"
        )
    with transaction(s):
        old = get_or_404(s, Decision, decision_id, "decision")
        if _newest_id(s, old.app_id) != old.id:
            raise Conflict("only the app's latest decision can be re-confirmed")
        if old.decision not in (Outcome.APPROVED, Outcome.CONDITIONAL):
            raise Conflict(f"a {old.decision} decision has nothing to re-confirm")
        today = clock.today()
        state = _state(old, today)
        if state in (Confirmation.PENDING, Confirmation.REFUSED):
            raise Conflict(f"this decision is {state}: it cannot be re-confirmed")
        if old.valid_until < today:
            raise Conflict(f"this decision expired {old.valid_until.isoformat()}: reassess the app")
        app = s.get(App, old.app_id)
        assert app is not None  # a decision's app
        changed = pin_changes(
            Pins(
                old.pinned_platform,
                old.pinned_store_id,
                old.pinned_vendor_id,
                old.pinned_vendor_name,
            ),
            app.platform,
            app.store_id,
            app.vendor_id,
            clock.local_day(old.decided_at),
        )
        if not changed:
            raise Conflict("nothing about the app changed since this decision")
        conditions = list(
            s.scalars(
                select(DecisionCondition)
                .where(col(DecisionCondition.decision_id) == old.id)
                .order_by(col(DecisionCondition.position))
            )
        )
        new = Decision(
            assessment_id=old.assessment_id,
            app_id=old.app_id,
            decision=old.decision,
            verdict=old.verdict,
            score=old.score,
            justification=justification.strip(),
            conditions=old.conditions,
            decided_by=actor.name,
            decided_by_person=actor.who,
            valid_until=old.valid_until,
            needs_confirmation=True,
            confirmation_reason="re-confirmation after: " + "; ".join(changed),
            checklist_version=old.checklist_version,
            checklist_sha256=old.checklist_sha256,
            reconfirms_id=old.id,
        )
        _pin(s, new, app)
        s.add(new)
        s.flush()
        assert new.id is not None  # flushed
        for c in conditions:
            s.add(
                DecisionCondition(
                    decision_id=new.id,
                    position=c.position,
                    text=c.text,
                    due_date=c.due_date,
                    owner=c.owner,
                    met_at=c.met_at,
                    met_by=c.met_by,
                    met_note=c.met_note,
                )
            )
        s.flush()
        _audit(s, actor, "decision.reconfirm", new, changed=changed)
    return new


def meet_condition(
    s: Session, actor: Principal, condition_id: int, note: str | None = None
) -> DecisionCondition:
    """Mark a condition met (from now): an app off the list only for it returns."""
    actor.require("decisions:write")
    if not (note or "").strip():
        raise Invalid("is required: say how the condition was met", "note")
    with transaction(s):
        c = get_or_404(s, DecisionCondition, condition_id, "condition")
        if c.met_at is not None:
            raise Conflict(f"this condition was already marked met by {c.met_by}")
        d = s.get(Decision, c.decision_id)
        assert d is not None  # a condition's decision
        if _newest_id(s, d.app_id) != d.id:
            raise Conflict("a newer decision on this app replaced the one with this condition")
        state = _state(d, clock.today())
        if state not in IN_EFFECT:
            raise Conflict(f"this condition's decision is {state}, not in effect")
        if same_person(actor, d):
            raise Forbidden(
                f"{d.decided_by} made this decision: someone else confirms its conditions are met"
            )
        before = audit.snapshot(c)
        c.met_at = clock.now()
        c.met_by = actor.name
        c.met_note = (note or "").strip()
        s.flush()
        audit.record(
            s,
            actor.name,
            "decision.condition_met",
            "assessment",
            d.assessment_id,
            before,
            audit.snapshot(c),
        )
    return c
