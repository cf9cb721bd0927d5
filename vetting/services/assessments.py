"""Assessments: one app against one pinned checklist, its answers, score and decisions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlmodel import Session, col

from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.checklist import AnswerValueError, Capability, Checklist
from vetting.core.scoring import AnswerInput, Outcome, Score, Source, Verdict, score_assessment
from vetting.core.statuses import AssessmentStatus
from vetting.db import transaction
from vetting.errors import Conflict, FieldError, Invalid, NotFound
from vetting.models import Answer, App, Assessment, Decision
from vetting.queries.checklists import pinned
from vetting.schemas import AnswerIn, AssessmentCreate, DecisionIn
from vetting.services import checklists as checklist_service
from vetting.services.common import PageResult, get_or_404, paginate


@dataclass(frozen=True)
class AssessmentView:
    assessment: Assessment
    checklist: Checklist
    score: Score
    decisions: list[Decision]


def create(
    s: Session, actor: Principal, checklists: Mapping[str, Checklist], data: AssessmentCreate
) -> Assessment:
    actor.require("assessments:write")
    checklist = checklists.get(data.checklist_id)
    if checklist is None:
        raise Invalid(
            f"no checklist {data.checklist_id!r} (known: {', '.join(sorted(checklists))})",
            "checklist_id",
        )
    with transaction(s):
        if s.get(App, data.app_id) is None:
            raise Invalid(f"no app with id {data.app_id}", "app_id")
        checklist_service.pin(s, checklist)
        empty = score_assessment(checklist, {})
        assessment = Assessment(
            app_id=data.app_id,
            checklist_id=checklist.id,
            checklist_version=checklist.version,
            checklist_sha256=checklist.sha256,
            score=empty.score,
            verdict=empty.verdict,
            created_by=actor.name,
        )
        s.add(assessment)
        s.flush()
        audit.record(
            s,
            actor.name,
            "assessment.create",
            "assessment",
            assessment.id,
            None,
            audit.snapshot(assessment),
        )
    return assessment


def _answers(s: Session, assessment_id: int) -> list[Answer]:
    return list(
        s.scalars(
            select(Answer)
            .where(col(Answer.assessment_id) == assessment_id)
            .order_by(col(Answer.id))
        ).all()
    )


def score_of(checklist: Checklist, answers: list[Answer]) -> Score:
    inputs = {
        a.capability_key: AnswerInput(a.value, Source(a.source), a.evidence_url, a.note)
        for a in answers
    }
    return score_assessment(checklist, inputs)


def get(s: Session, assessment_id: int) -> AssessmentView:
    assessment = get_or_404(s, Assessment, assessment_id, "assessment")
    checklist = pinned(s, assessment.checklist_sha256)
    score = score_of(checklist, _answers(s, assessment_id))
    decisions = list(
        s.scalars(
            select(Decision)
            .where(col(Decision.assessment_id) == assessment_id)
            .order_by(col(Decision.decided_at), col(Decision.id))
        ).all()
    )
    return AssessmentView(assessment, checklist, score, decisions)


def list_(
    s: Session,
    page: int = 1,
    per_page: int = 50,
    app_id: int | None = None,
    status: str | None = None,
) -> PageResult:
    stmt = select(Assessment).order_by(col(Assessment.id).desc())
    if app_id is not None:
        stmt = stmt.where(col(Assessment.app_id) == app_id)
    if status is not None:
        stmt = stmt.where(col(Assessment.status) == status)
    return paginate(s, stmt, page, per_page)


def _open_for_answers(s: Session, assessment_id: int) -> tuple[Assessment, Checklist]:
    assessment = get_or_404(s, Assessment, assessment_id, "assessment")
    if assessment.status == AssessmentStatus.DECIDED:
        raise Conflict(
            "this assessment is decided and its answers are frozen; start a reassessment"
        )
    return assessment, pinned(s, assessment.checklist_sha256)


def _as_stored(cap: Capability | None, value: Any) -> Any:
    """A stored value in today's normal form (a breach deadline stored as a plain int before
    answers kept their words reads as the structured form), to tell a real change."""
    if cap is None:
        return value
    try:
        return cap.normalise(value)
    except AnswerValueError:
        return value


def _counted(rows: Mapping[str, tuple[Any, str]]) -> dict[str, Any]:
    """key → value of the answers that count (a discovered suggestion never does)."""
    return {k: v for k, (v, source) in rows.items() if source != Source.DISCOVERED}


def _refuse_conflicts(
    checklist: Checklist,
    existing: Mapping[str, Answer],
    values: Mapping[str, tuple[Any, AnswerIn]],
) -> None:
    """Refuse answers that contradict each other (the checklist's [[conflicts]]): the stored
    answers with these saved over them, counted answers only. Only a conflict that involves a
    capability this save changes is refused, so resolving one by changing either side works."""
    before = {
        k: (_as_stored(checklist.capability(k), a.value), a.source) for k, a in existing.items()
    }
    after = {**before, **{k: (v, d.source) for k, (v, d) in values.items()}}
    touched = {k for k in values if before.get(k) != after[k]}
    errors: list[FieldError] = []
    for found in checklist.conflicts_in(_counted(after)):
        keys = [k for k in found.keys if k in touched]
        if not keys:
            continue
        message = "these answers contradict each other: " + found.describe(checklist)
        errors.extend(FieldError(f"{k}.value", message) for k in keys)
    if errors:
        raise Invalid("", errors=errors)


def _save_answers(
    s: Session,
    actor: Principal,
    assessment: Assessment,
    checklist: Checklist,
    values: Mapping[str, tuple[Any, AnswerIn]],
) -> int:
    """Refuse answers that contradict each other, upsert already-normalised answers, skip
    unchanged ones, rescore once, and audit each change with the score it led to. Returns how
    many answers changed."""
    assert assessment.id is not None  # a row read from the table
    existing = {a.capability_key: a for a in _answers(s, assessment.id)}
    _refuse_conflicts(checklist, existing, values)
    changed: list[tuple[dict[str, Any] | None, Answer]] = []
    for key, (value, data) in values.items():
        row = existing.get(key)
        if row is not None and (
            _as_stored(checklist.capability(key), row.value),
            row.source,
            row.evidence_url,
            row.note,
        ) == (value, data.source, data.evidence_url, data.note):
            continue
        before = audit.snapshot(row)
        if row is None:
            row = Answer(
                assessment_id=assessment.id,
                capability_key=key,
                value=value,
                source=data.source,
                answered_by=actor.name,
            )
            s.add(row)
        row.value = value
        row.source = data.source
        row.evidence_url = data.evidence_url
        row.note = data.note
        row.answered_by = actor.name
        row.answered_at = clock.now()
        changed.append((before, row))
    if not changed:
        return 0
    s.flush()
    result = score_of(checklist, _answers(s, assessment.id))
    assessment.score = result.score
    assessment.verdict = result.verdict
    assessment.updated_at = clock.now()
    for before, row in changed:
        answered = audit.snapshot(row)
        assert answered is not None  # a row's snapshot is a dict
        after = {**answered, "score": result.score, "verdict": result.verdict}
        audit.record(s, actor.name, "assessment.answer", "assessment", assessment.id, before, after)
    return len(changed)


def answer(
    s: Session, actor: Principal, assessment_id: int, capability_key: str, data: AnswerIn
) -> AssessmentView:
    """Record (or replace) the answer to one capability and rescore."""
    actor.require("assessments:write")
    with transaction(s):
        assessment, checklist = _open_for_answers(s, assessment_id)
        cap = checklist.capability(capability_key)
        if cap is None:
            raise NotFound(
                f"checklist {checklist.id} {checklist.version} has no capability "
                f"{capability_key!r}",
                "capability_key",
            )
        try:
            value = cap.normalise(data.value)
        except AnswerValueError as exc:
            raise Invalid(str(exc), "value") from None
        _save_answers(s, actor, assessment, checklist, {capability_key: (value, data)})
    return get(s, assessment_id)


def decide(
    s: Session, actor: Principal, assessment_id: int, data: DecisionIn, valid_months: int = 12
) -> Decision:
    """Record the human decision; overriding the verdict needs a written justification."""
    actor.require("decisions:write")
    today = clock.today()
    with transaction(s):
        view_ = get(s, assessment_id)
        verdict = view_.score.verdict
        if verdict == Verdict.INCOMPLETE and Outcome(data.decision) != Outcome.REJECTED:
            missing = ", ".join(view_.score.missing) or "nothing applicable to score"
            raise Invalid(
                f"only a rejection can be decided on an incomplete assessment "
                f"(not answered: {missing})",
                "decision",
            )
        if Outcome(data.decision) == Outcome.CONDITIONAL and not (data.conditions or "").strip():
            raise Invalid("conditions are required for a conditional approval", "conditions")
        if data.decision != verdict and not (data.justification or "").strip():
            raise Invalid(
                f"a justification is required: the decision '{data.decision}' differs from "
                f"the verdict '{verdict}'",
                "justification",
            )
        valid_until: date = data.valid_until or today + relativedelta(months=valid_months)
        if valid_until <= today:
            raise Invalid(f"must be after today ({today.isoformat()})", "valid_until")
        decision = Decision(
            assessment_id=assessment_id,
            app_id=view_.assessment.app_id,
            decision=data.decision,
            verdict=verdict,
            score=view_.score.score,
            justification=data.justification,
            conditions=data.conditions,
            decided_by=actor.name,
            valid_until=valid_until,
        )
        s.add(decision)
        assessment = view_.assessment
        assessment.status = AssessmentStatus.DECIDED
        assessment.score = view_.score.score
        assessment.verdict = verdict
        assessment.updated_at = clock.now()
        s.flush()
        after = audit.snapshot(decision)
        assert after is not None  # a row's snapshot is a dict
        after["overrides_verdict"] = data.decision != verdict
        audit.record(s, actor.name, "assessment.decide", "assessment", assessment_id, None, after)
    return decision


def answer_many(
    s: Session, actor: Principal, assessment_id: int, answers: Mapping[str, AnswerIn]
) -> tuple[AssessmentView, int]:
    """Record several answers at once (the web form): all of them or, on any error, none.

    Errors name the capability (field "<key>.value"); unchanged answers are not rewritten
    and leave no audit event. Returns the rescored assessment and how many answers changed.
    """
    actor.require("assessments:write")
    with transaction(s):
        assessment, checklist = _open_for_answers(s, assessment_id)
        errors: list[FieldError] = []
        values: dict[str, tuple[Any, AnswerIn]] = {}
        for key, data in answers.items():
            cap = checklist.capability(key)
            if cap is None:
                errors.append(
                    FieldError(key, f"checklist {checklist.id} has no capability {key!r}")
                )
                continue
            try:
                values[key] = (cap.normalise(data.value), data)
            except AnswerValueError as exc:
                errors.append(FieldError(f"{key}.value", str(exc)))
        if errors:
            raise Invalid("", errors=errors)
        changed = _save_answers(s, actor, assessment, checklist, values)
    return get(s, assessment_id), changed
