"""Answer suggestions: proposed answers (a vendor's CAIQ or HECVAT, and later answer links,
vendor pages and store listings) that count for nothing until a person accepts them.

- `create` records suggestions for an assessment, replacing an older pending one for the same
  capability and origin kind; values are checked against the capability first (all or none).
- `accept` (some or all pending) writes the real answers through the answer-writing service,
  so conflicts, scoring, rescoring and the audit are the same as a typed answer; the note is
  the suggestion's (question ID and the vendor's words). A `discovered` suggestion (a store
  listing's) is saved `attested`: a person confirmed what the vendor declares.
- `dismiss` sets them aside. Every step is audited; a decided assessment takes none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.checklist import AnswerValueError
from vetting.core.scoring import Source
from vetting.core.statuses import AssessmentStatus, OriginKind, SuggestionStatus
from vetting.db import transaction
from vetting.errors import Conflict, FieldError, Invalid
from vetting.models import Answer, AnswerSuggestion, Assessment
from vetting.queries.checklists import pinned
from vetting.schemas import AnswerIn
from vetting.services import assessments
from vetting.services.common import get_or_404

WRITE_SCOPE = "assessments:write"
READ_SCOPE = "assessments:read"
PROPOSE_SCOPE = "suggestions:propose"  # an answer link's: propose, nothing else


def may_propose(actor: Principal) -> None:
    if not actor.can(PROPOSE_SCOPE):
        actor.require(WRITE_SCOPE)


@dataclass(frozen=True)
class NewSuggestion:
    capability_key: str
    value: Any
    origin_kind: OriginKind
    origin_ref: str  # a question ID, or a URL
    note: str | None = None  # the vendor's words / the quote
    source: Source = Source.ATTESTED
    origin_file: str | None = None
    origin_sha256: str | None = None
    origin_cell: str | None = None


@dataclass(frozen=True)
class Pending:
    """A pending suggestion with what it would replace: the capability's current answer (None
    when unanswered), and whether that answer is a person's (not a scanner's suggestion)."""

    suggestion: AnswerSuggestion
    current: Answer | None

    @property
    def overrides(self) -> bool:
        return self.current is not None and self.current.source != Source.DISCOVERED


def open_assessment(s: Session, assessment_id: int) -> Assessment:
    assessment = get_or_404(s, Assessment, assessment_id, "assessment")
    if assessment.status == AssessmentStatus.DECIDED:
        raise Conflict(
            "this assessment is decided and its answers are frozen; start a reassessment"
        )
    return assessment


def create_within(
    s: Session, actor: Principal, assessment_id: int, items: Sequence[NewSuggestion]
) -> list[AnswerSuggestion]:
    """Record suggestions inside the caller's transaction (see the module's doc)."""
    may_propose(actor)
    assessment = open_assessment(s, assessment_id)
    checklist = pinned(s, assessment.checklist_sha256)
    errors: list[FieldError] = []
    values: list[Any] = []
    for item in items:
        cap = checklist.capability(item.capability_key)
        if cap is None:
            errors.append(
                FieldError(
                    item.capability_key,
                    f"checklist {checklist.id} has no capability {item.capability_key!r}",
                )
            )
            values.append(None)
            continue
        try:
            values.append(cap.normalise(item.value))
        except AnswerValueError as exc:
            errors.append(FieldError(f"{item.capability_key}.value", str(exc)))
            values.append(None)
    if errors:
        raise Invalid("", errors=errors)
    created: list[AnswerSuggestion] = []
    now = clock.now()
    for item, value in zip(items, values, strict=True):
        older = s.scalars(
            select(AnswerSuggestion).where(
                col(AnswerSuggestion.assessment_id) == assessment_id,
                col(AnswerSuggestion.capability_key) == item.capability_key,
                col(AnswerSuggestion.origin_kind) == item.origin_kind,
                col(AnswerSuggestion.status) == SuggestionStatus.PENDING,
            )
        ).all()
        for old in older:
            before = audit.snapshot(old)
            old.status = SuggestionStatus.REPLACED
            old.decided_by = actor.name
            old.decided_at = now
            audit.record(
                s,
                actor.name,
                "suggestion.replace",
                "assessment",
                assessment_id,
                before,
                audit.snapshot(old),
            )
        row = AnswerSuggestion(
            assessment_id=assessment_id,
            capability_key=item.capability_key,
            value=value,
            source=item.source,
            origin_kind=item.origin_kind,
            origin_ref=item.origin_ref[:2000],
            origin_file=(item.origin_file or None) and item.origin_file[:255],
            origin_sha256=item.origin_sha256,
            origin_cell=(item.origin_cell or None) and item.origin_cell[:200],
            note=item.note,
            created_by=actor.name,
            created_at=now,
        )
        s.add(row)
        s.flush()
        audit.record(
            s, actor.name, "suggestion.create", "assessment", assessment_id, None,
            audit.snapshot(row),
        )  # fmt: skip
        created.append(row)
    return created


def create(
    s: Session, actor: Principal, assessment_id: int, items: Sequence[NewSuggestion]
) -> list[AnswerSuggestion]:
    with transaction(s):
        return create_within(s, actor, assessment_id, items)


def pending(s: Session, assessment_id: int) -> list[Pending]:
    """The assessment's pending suggestions, in capability order of its checklist, each with
    the capability's current answer."""
    assessment = get_or_404(s, Assessment, assessment_id, "assessment")
    checklist = pinned(s, assessment.checklist_sha256)
    order = {c.key: i for i, c in enumerate(checklist.capabilities)}
    rows = s.scalars(
        select(AnswerSuggestion).where(
            col(AnswerSuggestion.assessment_id) == assessment_id,
            col(AnswerSuggestion.status) == SuggestionStatus.PENDING,
        )
    ).all()
    answers = {
        a.capability_key: a
        for a in s.scalars(select(Answer).where(col(Answer.assessment_id) == assessment_id))
    }
    ordered = sorted(rows, key=lambda r: (order.get(r.capability_key, len(order)), r.id or 0))
    return [Pending(r, answers.get(r.capability_key)) for r in ordered]


def count_pending(s: Session, assessment_id: int) -> int:
    return len(
        s.scalars(
            select(col(AnswerSuggestion.id)).where(
                col(AnswerSuggestion.assessment_id) == assessment_id,
                col(AnswerSuggestion.status) == SuggestionStatus.PENDING,
            )
        ).all()
    )


def _chosen(s: Session, assessment_id: int, ids: Sequence[int] | None) -> list[AnswerSuggestion]:
    """The pending suggestions named by `ids` (all pending ones when None); an id that is not
    a pending suggestion of this assessment refuses the whole request."""
    rows = {
        r.id: r
        for r in s.scalars(
            select(AnswerSuggestion).where(
                col(AnswerSuggestion.assessment_id) == assessment_id,
                col(AnswerSuggestion.status) == SuggestionStatus.PENDING,
            )
        )
    }
    if ids is None:
        return [rows[k] for k in sorted(rows, key=lambda k: k or 0)]
    if not ids:
        raise Invalid("choose at least one suggestion", "ids")
    missing = [i for i in ids if i not in rows]
    if missing:
        raise Invalid(
            f"not a pending suggestion of assessment {assessment_id}: "
            + ", ".join(str(i) for i in missing),
            "ids",
        )
    return [rows[i] for i in dict.fromkeys(ids)]


def accepted_source(proposed: str) -> str:
    """The source an accepted suggestion is saved with: a scanner's `discovered` finding (a
    store's data-safety label, a vendor page) is what the vendor declares, so a person who
    accepts it makes it `attested`; it never stays `discovered`, which counts for nothing."""
    return Source.ATTESTED if proposed == Source.DISCOVERED else proposed


def accept(
    s: Session, actor: Principal, assessment_id: int, ids: Sequence[int] | None = None
) -> list[AnswerSuggestion]:
    """Accept the named pending suggestions (all when `ids` is None): each becomes the
    capability's answer (its proposed source, its note), all or none."""
    actor.require(WRITE_SCOPE)
    with transaction(s):
        open_assessment(s, assessment_id)
        chosen = _chosen(s, assessment_id, ids)
        by_cap: dict[str, AnswerSuggestion] = {}
        for row in chosen:
            if row.capability_key in by_cap:
                raise Invalid(
                    f"suggestions {by_cap[row.capability_key].id} and {row.id} both answer "
                    f"{row.capability_key}: accept one of them",
                    "ids",
                )
            by_cap[row.capability_key] = row
        answers = {
            key: AnswerIn.model_validate(
                {"value": row.value, "source": accepted_source(row.source), "note": row.note}
            )
            for key, row in by_cap.items()
        }
        assessments.save_within(s, actor, assessment_id, answers)
        _decide(s, actor, assessment_id, chosen, SuggestionStatus.ACCEPTED)
    return chosen


def dismiss(
    s: Session, actor: Principal, assessment_id: int, ids: Sequence[int] | None = None
) -> list[AnswerSuggestion]:
    """Set the named pending suggestions aside (all when `ids` is None); no answer changes."""
    actor.require(WRITE_SCOPE)
    with transaction(s):
        open_assessment(s, assessment_id)
        chosen = _chosen(s, assessment_id, ids)
        _decide(s, actor, assessment_id, chosen, SuggestionStatus.DISMISSED)
    return chosen


def _decide(
    s: Session,
    actor: Principal,
    assessment_id: int,
    rows: Sequence[AnswerSuggestion],
    status: SuggestionStatus,
) -> None:
    now = clock.now()
    for row in rows:
        before = audit.snapshot(row)
        row.status = status
        row.decided_by = actor.name
        row.decided_at = now
        s.flush()
        audit.record(
            s,
            actor.name,
            "suggestion.accept" if status == SuggestionStatus.ACCEPTED else "suggestion.dismiss",
            "assessment",
            assessment_id,
            before,
            audit.snapshot(row),
        )
