"""Assessments: one app against one pinned checklist, its answers, score and decisions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.checklist import AnswerValueError, Capability, Checklist
from vetting.core.decisions import DecisionRules
from vetting.core.scoring import AnswerInput, Score, Source, score_assessment
from vetting.core.statuses import AssessmentStatus
from vetting.db import transaction
from vetting.errors import Conflict, FieldError, Invalid, NotFound, VettingError
from vetting.models import Answer, AnswerEvidence, App, Assessment, Decision
from vetting.queries import breach
from vetting.queries.breach import BreachCheck
from vetting.queries.checklists import pinned
from vetting.schemas import AnswerIn, AssessmentCreate
from vetting.services import checklists as checklist_service
from vetting.services import decisions as decision_service
from vetting.services import evidence
from vetting.services.common import PageResult, get_or_404, paginate
from vetting.services.decisions import DecisionView
from vetting.services.documents import Staged, uploads
from vetting.services.evidence import FileUpload, Limits
from vetting.services.locks import write_lock

NEEDS_EVIDENCE = (
    "a verified answer needs evidence: an http(s) evidence URL or an attached file "
    "(or choose attested)"
)


@dataclass(frozen=True)
class AssessmentView:
    assessment: Assessment
    checklist: Checklist
    score: Score
    decisions: list[DecisionView]
    evidence: list[AnswerEvidence] = field(default_factory=list)
    # The breach answer against the clause of the BAA covering the app (None: no such clause).
    breach: BreachCheck | None = None

    def files_of(self, capability_key: str) -> list[AnswerEvidence]:
        return [f for f in self.evidence if f.capability_key == capability_key]


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
        _prefill_breach(s, actor, assessment, checklist)
    return assessment


def _prefill_breach(
    s: Session, actor: Principal, assessment: Assessment, checklist: Checklist
) -> None:
    """A new assessment's breach answer starts as the clause of the BAA in force that covers
    the app (the register is its source): saved `attested` with a note naming the BAA, so a
    reviewer checks it against the signed copy; any answer saved later replaces it."""
    cap = breach.capability(checklist)
    source = breach.source_for(s, assessment.app_id, clock.today()) if cap else None
    if cap is None or source is None:
        return
    try:
        value = cap.normalise({k: v for k, v in source.clause.items() if k != "days"})
    except AnswerValueError:
        return  # a clause the checklist cannot take is shown, not prefilled
    note = (
        f"Prefilled from the BAA register: BAA {source.baa_id} with {source.vendor_name} says "
        f"{source.words}. Check it against the signed BAA."
    )
    data = AnswerIn(value=value, source=Source.ATTESTED, note=note)
    _save_answers(s, actor, assessment, checklist, {cap.key: (value, data)})


def _answers(s: Session, assessment_id: int) -> list[Answer]:
    return list(
        s.scalars(
            select(Answer)
            .where(col(Answer.assessment_id) == assessment_id)
            .order_by(col(Answer.id))
        ).all()
    )


def score_of(
    checklist: Checklist, answers: list[Answer], files: Mapping[str, int] | None = None
) -> Score:
    """The score of recorded answers; `files`: evidence files per capability."""
    files = files or {}
    inputs = {
        a.capability_key: AnswerInput(
            a.value, Source(a.source), a.evidence_url, a.note, files.get(a.capability_key, 0)
        )
        for a in answers
    }
    return score_assessment(checklist, inputs)


def get(s: Session, assessment_id: int, rules: DecisionRules | None = None) -> AssessmentView:
    """The assessment, scored, with its decisions (held to `rules` for what they lack)."""
    assessment = get_or_404(s, Assessment, assessment_id, "assessment")
    checklist = pinned(s, assessment.checklist_sha256)
    files = evidence.files(s, assessment_id)
    counted: dict[str, int] = {}
    for f in files:
        counted[f.capability_key] = counted.get(f.capability_key, 0) + 1
    answers = _answers(s, assessment_id)
    score = score_of(checklist, answers, counted)
    decisions = list(
        s.scalars(
            select(Decision)
            .where(col(Decision.assessment_id) == assessment_id)
            .order_by(col(Decision.decided_at), col(Decision.id))
        ).all()
    )
    return AssessmentView(
        assessment,
        checklist,
        score,
        decision_service.views(s, decisions, rules or DecisionRules()),
        files,
        breach.check(s, assessment.app_id, checklist, answers, clock.today()),
    )


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


def lock_answers(s: Session, assessment_id: int) -> None:
    """One save of an assessment's answers at a time (the form's save and its autosaves can
    overlap): two saves that both found a capability unanswered would both insert its row.
    The lock lasts until the transaction ends; what was read before it is read again."""
    if s.get_bind().dialect.name == "sqlite":
        raw = s.connection().connection.driver_connection
        if raw is not None and not raw.in_transaction:  # SQLite reads outside a transaction
            write_lock(s)
    else:
        s.execute(
            select(col(Assessment.id)).where(col(Assessment.id) == assessment_id).with_for_update()
        )
    s.expire_all()


def _open_for_answers(s: Session, assessment_id: int) -> tuple[Assessment, Checklist]:
    assessment = get_or_404(s, Assessment, assessment_id, "assessment")
    if assessment.status == AssessmentStatus.DECIDED:
        raise Conflict(
            "this assessment is decided and its answers are frozen; start a reassessment"
        )
    return assessment, pinned(s, assessment.checklist_sha256)


def _unchanged(
    row: Answer | None, value: Any, data: AnswerIn, cap: Capability | None = None
) -> bool:
    """The stored answer is what is being saved (a value stored in an older form compared in
    today's normal form)."""
    return row is not None and (
        _as_stored(cap, row.value),
        row.source,
        row.evidence_url,
        row.note,
    ) == (value, data.source, data.evidence_url, data.note)


def _without_evidence(
    s: Session,
    assessment_id: int,
    values: Mapping[str, tuple[Any, AnswerIn]],
    checklist: Checklist | None = None,
) -> list[str]:
    """The capabilities that would be saved `verified` with neither an evidence URL nor a
    file. An unchanged answer is not being saved, so older data never blocks a form."""
    existing = {a.capability_key: a for a in _answers(s, assessment_id)}
    files = evidence.counts(s, assessment_id)
    return [
        key
        for key, (value, data) in values.items()
        if data.source == "verified"
        and not data.evidence_url
        and not files[key]
        and not _unchanged(
            existing.get(key), value, data, checklist.capability(key) if checklist else None
        )
    ]


def _rescore(s: Session, assessment: Assessment, checklist: Checklist) -> Score:
    assert assessment.id is not None  # a row read from the table
    result = score_of(checklist, _answers(s, assessment.id), evidence.counts(s, assessment.id))
    assessment.score = result.score
    assessment.verdict = result.verdict
    assessment.updated_at = clock.now()
    return result


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
    *,
    rescore: bool = False,
) -> int:
    """Refuse answers that contradict each other, upsert already-normalised answers, skip
    unchanged ones, rescore once (also when only `rescore`: evidence files were added), and
    audit each change with the score it led to. Returns how many answers changed."""
    assert assessment.id is not None  # a row read from the table
    existing = {a.capability_key: a for a in _answers(s, assessment.id)}
    _refuse_conflicts(checklist, existing, values)
    changed: list[tuple[dict[str, Any] | None, Answer]] = []
    for key, (value, data) in values.items():
        row = existing.get(key)
        if _unchanged(row, value, data, checklist.capability(key)):
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
        if rescore:
            _rescore(s, assessment, checklist)
        return 0
    s.flush()
    result = _rescore(s, assessment, checklist)
    for before, row in changed:
        answered = audit.snapshot(row)
        assert answered is not None  # a row's snapshot is a dict
        after = {**answered, "score": result.score, "verdict": result.verdict}
        audit.record(s, actor.name, "assessment.answer", "assessment", assessment.id, before, after)
    return len(changed)


def save_within(
    s: Session, actor: Principal, assessment_id: int, answers: Mapping[str, AnswerIn]
) -> int:
    """Record several answers inside the caller's transaction (accepting suggestions): the
    same checks, rescoring and audit as the answer form; any error refuses them all (the
    caller's transaction rolls back). Returns how many answers changed."""
    actor.require("assessments:write")
    assessment, checklist = _open_for_answers(s, assessment_id)
    assert assessment.id is not None  # a row read from the table
    errors: list[FieldError] = []
    values: dict[str, tuple[Any, AnswerIn]] = {}
    for key, data in answers.items():
        cap = checklist.capability(key)
        if cap is None:
            errors.append(FieldError(key, f"checklist {checklist.id} has no capability {key!r}"))
            continue
        try:
            values[key] = (cap.normalise(data.value), data)
        except AnswerValueError as exc:
            errors.append(FieldError(f"{key}.value", str(exc)))
    errors += [
        FieldError(f"{key}.evidence_url", NEEDS_EVIDENCE)
        for key in _without_evidence(s, assessment.id, values, checklist)
    ]
    if errors:
        raise Invalid("", errors=errors)
    return _save_answers(s, actor, assessment, checklist, values)


def answer(
    s: Session, actor: Principal, assessment_id: int, capability_key: str, data: AnswerIn
) -> AssessmentView:
    """Record (or replace) the answer to one capability and rescore."""
    actor.require("assessments:write")
    with transaction(s):
        lock_answers(s, assessment_id)
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
        values = {capability_key: (value, data)}
        assert assessment.id is not None  # a row read from the table
        if _without_evidence(s, assessment.id, values, checklist):
            raise Invalid(
                f"{NEEDS_EVIDENCE}; upload one first with POST /api/v1/assessments/"
                f"{assessment_id}/answers/{capability_key}/evidence",
                "evidence_url",
            )
        _save_answers(s, actor, assessment, checklist, values)
    return get(s, assessment_id)


@dataclass(frozen=True)
class EvidenceAttached:
    file: AnswerEvidence
    created: bool  # False: these bytes were already linked to this capability's answer


def attach_evidence(
    s: Session,
    actor: Principal,
    assessment_id: int,
    capability_key: str,
    upload: FileUpload,
    limits: Limits,
) -> EvidenceAttached:
    """Attach an evidence file to one capability's answer (answered or not yet) and rescore:
    a `verified` answer without evidence counts as attested until it has some. Refused files
    (empty, too large, not PDF/PNG/JPEG/DOCX/UTF-8 text, not what their name claims) raise
    naming "file" and store nothing."""
    actor.require("assessments:write")
    with transaction(s):  # 404 / 409 before reading a byte
        _, checklist = _open_for_answers(s, assessment_id)
        _capability(checklist, capability_key)
    with uploads(s, limits.store) as batch:
        staged = evidence.stage(batch, upload, limits, "file")
        with transaction(s):
            assessment, checklist = _open_for_answers(s, assessment_id)
            row, created = evidence.record(s, actor, assessment_id, capability_key, staged, batch)
            if created:
                _rescore(s, assessment, checklist)
        return EvidenceAttached(row, created)


def _capability(checklist: Checklist, capability_key: str) -> None:
    if checklist.capability(capability_key) is None:
        raise NotFound(
            f"checklist {checklist.id} {checklist.version} has no capability {capability_key!r}",
            "capability_key",
        )


def answer_many(
    s: Session,
    actor: Principal,
    assessment_id: int,
    answers: Mapping[str, AnswerIn],
    files: Mapping[str, FileUpload] | None = None,
    limits: Limits | None = None,
) -> tuple[AssessmentView, int]:
    """Record several answers at once, with evidence files per capability: all of them or,
    on any error, none (no answer, no file).

    Errors name the capability (fields "<key>.value", "<key>.evidence_url" for a verified
    answer without evidence, "<key>.evidence" for a refused file); unchanged answers are not
    rewritten and leave no audit event. Returns the rescored assessment and how many answers
    changed (files are counted by the caller: a file already linked is not linked twice).
    """
    saved = _answer_several(s, actor, assessment_id, answers, files, limits, partial=False)
    return saved.view, saved.changed


@dataclass(frozen=True)
class FormSave:
    """What the answer form's save kept and what it refused."""

    view: AssessmentView
    changed: int  # answers that changed
    saved: frozenset[str]  # capabilities recorded (their answer and their files)
    refused: tuple[FieldError, ...]  # why the others were not
    files: int = 0  # evidence files kept with the recorded capabilities


def capability_of(field_name: str | None) -> str:
    """The capability a field error names ("<key>.value", "<key>.evidence", "<key>")."""
    return (field_name or "").split(".", 1)[0]


def answer_each(
    s: Session,
    actor: Principal,
    assessment_id: int,
    answers: Mapping[str, AnswerIn],
    files: Mapping[str, FileUpload] | None = None,
    limits: Limits | None = None,
) -> FormSave:
    """Record several answers where each capability stands alone (the answer form): a
    capability with any error (its value, its evidence, a refused file, a contradiction with
    the answers being kept) is refused whole, answer and files, and every other one is
    recorded. Errors name fields as in `answer_many`."""
    return _answer_several(s, actor, assessment_id, answers, files, limits, partial=True)


def _answer_several(
    s: Session,
    actor: Principal,
    assessment_id: int,
    answers: Mapping[str, AnswerIn],
    files: Mapping[str, FileUpload] | None,
    limits: Limits | None,
    *,
    partial: bool,
) -> FormSave:
    actor.require("assessments:write")
    files = files or {}
    if files and limits is None:
        raise ValueError("evidence files need the store's limits")
    with uploads(s, limits.store if limits else None) as batch, transaction(s):
        assessment, checklist = _open_for_answers(s, assessment_id)
        assert assessment.id is not None  # a row read from the table
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
        staged: dict[str, Staged] = {}
        for key, upload in files.items():
            if checklist.capability(key) is None:
                errors.append(
                    FieldError(key, f"checklist {checklist.id} has no capability {key!r}")
                )
                continue
            assert limits is not None  # checked above
            try:
                staged[key] = evidence.stage(batch, upload, limits, f"{key}.evidence")
            except VettingError as exc:
                errors.extend(exc.errors)
        lock_answers(s, assessment.id)
        assessment, checklist = _open_for_answers(s, assessment_id)  # again, under the lock
        assert assessment.id is not None  # a row read from the table

        def drop(found: list[FieldError]) -> None:
            """A refused capability keeps nothing of this save: its answer nor its files."""
            nonlocal values, staged
            names = {capability_of(e.field) for e in found}
            values = {k: v for k, v in values.items() if k not in names}
            staged = {k: v for k, v in staged.items() if k not in names}

        if partial:
            drop(errors)
        errors += [
            FieldError(f"{key}.evidence_url", NEEDS_EVIDENCE)
            for key in _without_evidence(s, assessment.id, values, checklist)
            if key not in files  # a file (kept, or refused and reported as such) is evidence
        ]
        if errors and not partial:
            raise Invalid("", errors=errors)
        drop(errors)
        existing = {a.capability_key: a for a in _answers(s, assessment.id)}
        while values:  # drop the answers a contradiction names until none is left
            try:
                _refuse_conflicts(checklist, existing, values)
            except Invalid as exc:
                if not partial:
                    raise
                errors.extend(exc.errors)
                drop(exc.errors)
                continue
            break
        added = 0  # record the files first: they are evidence for the answers
        for key, one in staged.items():
            added += evidence.record(s, actor, assessment.id, key, one, batch)[1]
        changed = _save_answers(s, actor, assessment, checklist, values, rescore=added > 0)
    return FormSave(
        get(s, assessment_id),
        changed,
        frozenset(values) | frozenset(staged),
        tuple(errors),
        len(staged),
    )
