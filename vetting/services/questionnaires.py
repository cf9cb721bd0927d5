"""Our questionnaire workbook, out and back: export one for an assessment, and import a filled
one as `attested` answers — checked whole, shown as a list of changes, applied all or nothing.

Rules (docs/rules.md, "Questionnaire workbooks"): rows match back by the hidden capability
key; a workbook exported for a vendor and a checklist (before an assessment exists) goes into
an open assessment of one of that vendor's apps on the same checklist version; a workbook for
another assessment, vendor or checklist version, or whose keys or meta were
changed (the HMAC under SECRET_KEY), is refused by name; a blank answer never overwrites; an
answer already `verified` with the same value stays verified; every answer keeps the file's
SHA-256 and its row in its note; re-importing the same file changes nothing and writes no
audit event; one audit event per applied import carries the file's SHA-256 and the counts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session, col

from integrations.spreadsheets import questionnaire as workbook
from integrations.spreadsheets.reading import MAX_UPLOAD, SpreadsheetError, check
from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.checklist import NA, AnswerValueError, Checklist
from vetting.core.deadlines import days_of
from vetting.core.scoring import Source
from vetting.core.statuses import AssessmentStatus, OriginKind
from vetting.db import transaction
from vetting.errors import Conflict, FieldError, Invalid
from vetting.models import Answer, App, Assessment, Vendor
from vetting.queries.checklists import pinned
from vetting.schemas import AnswerIn
from vetting.services import assessments, suggestions
from vetting.services.common import get_or_404

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
LARGEST = MAX_UPLOAD  # the spreadsheet gate's limit on an upload
PROVENANCE = "From questionnaire workbook sha256:{sha256}, Questions row {row}."
_PROVENANCE_RE = re.compile(
    r"\s*From questionnaire workbook sha256:[0-9a-f]{64}, Questions row \d+\.$"
)


@dataclass(frozen=True)
class Exported:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Change:
    """What importing one row does to one capability's answer."""

    key: str
    title: str
    row: int
    action: str  # create / update / unchanged
    before: str | None
    after: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "capability_key": self.key,
            "title": self.title,
            "cell": f"{workbook.QUESTIONS}!{workbook.ANSWER}{self.row}",
            "action": self.action,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class Report:
    """The import of one file: each answered row's change, the blank rows, and whether it
    was applied."""

    file: str
    sha256: str
    assessment_id: int
    checklist: str
    changes: list[Change] = field(default_factory=list)
    blank: int = 0
    applied: bool = False

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def changed(self) -> int:
        return self.count(CREATE) + self.count(UPDATE)

    @property
    def plan(self) -> str:
        """A fingerprint of exactly what would be written: the web's confirm step refuses
        when the assessment changed since the review."""
        body = [self.sha256, self.assessment_id, [c.as_dict() for c in self.changes]]
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "assessment_id": self.assessment_id,
            "checklist": self.checklist,
            "applied": self.applied,
            "created": self.count(CREATE),
            "updated": self.count(UPDATE),
            "unchanged": self.count(UNCHANGED),
            "blank": self.blank,
            "changes": [c.as_dict() for c in self.changes],
        }


def export(s: Session, actor: Principal, assessment_id: int, secret: str) -> Exported:
    """The questionnaire workbook of one assessment."""
    actor.require("assessments:read")
    return workbook_of(s, assessment_id, secret)


def workbook_of(s: Session, assessment_id: int, secret: str) -> Exported:
    """The workbook itself, for a caller that has already checked who may have it (`export`
    checks a role; an answer link, its secret)."""
    assessment = get_or_404(s, Assessment, assessment_id, "assessment")
    checklist = pinned(s, assessment.checklist_sha256)
    app = s.get(App, assessment.app_id)
    meta = workbook.Meta(
        checklist.id,
        checklist.version,
        checklist.sha256,
        assessment_id,
        clock.now().isoformat(timespec="seconds"),
    )
    title = f"App: {app.name}" if app is not None else ""
    data = workbook.build(checklist, meta, secret, title)
    name = f"questionnaire-{assessment_id}-{checklist.id}-{checklist.version}.xlsx"
    return Exported(name, data)


def export_for_vendor(
    s: Session, actor: Principal, vendor_id: int, checklist: Checklist, secret: str
) -> Exported:
    """The questionnaire workbook of a vendor and a checklist, before any assessment exists
    (procurement sends it with the first contact). It comes back into an open assessment of one
    of the vendor's apps on the same checklist version (`import_file` finds it, or is told)."""
    actor.require("assessments:read")
    vendor = get_or_404(s, Vendor, vendor_id, "vendor")
    meta = workbook.Meta(
        checklist.id,
        checklist.version,
        checklist.sha256,
        None,
        clock.now().isoformat(timespec="seconds"),
        vendor_id=vendor_id,
    )
    data = workbook.build(checklist, meta, secret, f"Vendor: {vendor.name}")
    name = f"questionnaire-vendor-{vendor_id}-{checklist.id}-{checklist.version}.xlsx"
    return Exported(name, data)


def _target(s: Session, filename: str, meta: workbook.Meta, assessment_id: int | None) -> int:
    """The assessment a workbook goes into: the one named, else the one it was exported for,
    else (a vendor's workbook) the vendor's only open assessment on its checklist version."""
    if assessment_id is not None:
        return assessment_id
    if meta.assessment_id is not None:
        return meta.assessment_id
    found = [
        n
        for n in s.scalars(
            select(col(Assessment.id))
            .join(App, col(App.id) == col(Assessment.app_id))
            .where(
                col(App.vendor_id) == meta.vendor_id,
                col(Assessment.checklist_sha256) == meta.checklist_sha256,
                col(Assessment.status) == AssessmentStatus.OPEN,
            )
            .order_by(col(Assessment.id))
        )
        if n is not None
    ]
    version = f"{meta.checklist_id} {meta.checklist_version}"
    if len(found) == 1:
        return found[0]
    if not found:
        raise Invalid(
            f"this workbook is for vendor #{meta.vendor_id} and checklist {version}, and none "
            f"of the vendor's apps has an open assessment on that checklist version: start one, "
            "then import the workbook into it",
            filename,
        )
    ids = ", ".join(f"#{n}" for n in found)
    raise Invalid(
        f"this workbook is for vendor #{meta.vendor_id} and checklist {version}, which has "
        f"several open assessments ({ids}): name the one to import into",
        filename,
    )


def import_file(
    s: Session,
    actor: Principal,
    data: bytes,
    filename: str,
    secret: str,
    *,
    assessment_id: int | None = None,
    dry_run: bool = False,
    plan: str | None = None,
) -> Report:
    """Check a filled workbook whole and, unless `dry_run`, apply its changes in one
    transaction. `assessment_id`: the assessment it must be for (the API and web pages);
    `plan`: the fingerprint of the changes a person reviewed (refused if they differ now).
    Errors name the file and the cell (`Questions!D14`); nothing is written on any error."""
    actor.require("assessments:write")
    filename = filename or "questionnaire.xlsx"
    try:
        filled = workbook.read(check(data, filename), secret)
    except SpreadsheetError as exc:
        raise Invalid(exc.reason, exc.where) from None
    with transaction(s):
        _refuse_unsigned(filename, filled)  # first: a changed meta names no assessment
        target = _target(s, filename, filled.meta, assessment_id)
        assessment, checklist = assessments._open_for_answers(s, target)
        _refuse_foreign(s, filename, filled, assessment, checklist)
        sha256 = hashlib.sha256(data).hexdigest()
        existing = {a.capability_key: a for a in assessments._answers(s, target)}
        report, values = _diff(filename, sha256, filled, assessment, checklist, existing)
        rows = {c.key: c.row for c in report.changes}
        try:
            assessments._refuse_conflicts(checklist, existing, values)
        except Invalid as exc:
            raise Invalid("", errors=[_at_cell(e, rows, filename) for e in exc.errors]) from None
        if plan is not None and plan != report.plan:
            raise Conflict(
                "the assessment's answers changed since this file was reviewed: upload it "
                "again to review the changes as they are now",
                "plan",
            )
        if dry_run or not report.changed:
            return report
        assessments._save_answers(s, actor, assessment, checklist, values)
        audit.record(
            s,
            actor.name,
            "assessment.questionnaire_import",
            "assessment",
            target,
            None,
            {
                "file": filename,
                "sha256": sha256,
                "created": report.count(CREATE),
                "updated": report.count(UPDATE),
                "unchanged": report.count(UNCHANGED),
                "blank": report.blank,
            },
        )
    return Report(
        report.file,
        report.sha256,
        report.assessment_id,
        report.checklist,
        report.changes,
        report.blank,
        applied=True,
    )


def suggest_from_file(
    s: Session,
    actor: Principal,
    assessment_id: int,
    data: bytes,
    filename: str,
    secret: str,
    *,
    before_record: Callable[[Session], None] | None = None,
) -> Report:
    """A filled workbook of ours, sent through an answer link: checked whole exactly as an
    import is (same refusals, each naming its cell), but its changed answers become pending
    `attested` suggestions (services/suggestions.py) that a person reviews, not answers.
    Every answered row is suggested, whatever is stored (the sender learns nothing of the
    recorded answers). `before_record` runs in the same transaction first (the link counts
    its use)."""
    filename = Path(filename or "questionnaire.xlsx").name[:255] or "questionnaire.xlsx"
    try:
        filled = workbook.read(check(data, filename), secret)
    except SpreadsheetError as exc:
        raise Invalid(exc.reason, exc.where) from None
    with transaction(s):
        assessment, checklist = assessments._open_for_answers(s, assessment_id)
        _refuse_foreign(s, filename, filled, assessment, checklist)
        sha256 = hashlib.sha256(data).hexdigest()
        # judged against no stored answers: every answered row is a suggestion
        report, values = _diff(filename, sha256, filled, assessment, checklist, {})
        rows = {c.key: c.row for c in report.changes}
        items = [
            suggestions.NewSuggestion(
                key,
                value,
                OriginKind.QUESTIONNAIRE,
                f"{workbook.QUESTIONS}!{workbook.ANSWER}{rows[key]}",
                note=_comment(answer.note) or None,
                origin_file=filename,
                origin_sha256=sha256,
                origin_cell=f"{workbook.QUESTIONS}!{workbook.ANSWER}{rows[key]}",
            )
            for key, (value, answer) in values.items()
        ]
        if before_record is not None:
            before_record(s)
        suggestions.create_within(s, actor, assessment_id, items)
    return report


def _refuse_unsigned(filename: str, filled: workbook.Filled) -> None:
    if not filled.signed:
        raise Invalid(
            f"the workbook's hidden key column ({workbook.QUESTIONS}!{workbook.KEY}) or its "
            "_meta sheet was changed after export (its signature does not match), or it was "
            "exported by another installation: export a fresh questionnaire",
            filename,
        )


def _refuse_foreign(
    s: Session,
    filename: str,
    filled: workbook.Filled,
    assessment: Assessment,
    checklist: Checklist,
) -> None:
    """Refuse a workbook for another assessment (or another vendor's) or checklist version, or
    one changed since it was exported, by name."""
    meta = filled.meta
    theirs = f"{meta.checklist_id} {meta.checklist_version}"
    ours = f"{checklist.id} {checklist.version}"
    if meta.assessment_id is None:
        app = s.get(App, assessment.app_id)
        if app is None or app.vendor_id != meta.vendor_id:
            raise Invalid(
                f"this workbook is for vendor #{meta.vendor_id} ({theirs}), but assessment "
                f"#{assessment.id} is of an app from "
                + (f"vendor #{app.vendor_id}" if app is not None else "no vendor")
                + f": export the questionnaire of assessment #{assessment.id}",
                filename,
            )
    elif meta.assessment_id != assessment.id:
        raise Invalid(
            f"this workbook is for assessment #{meta.assessment_id} ({theirs}), not "
            f"assessment #{assessment.id} ({ours}): export the questionnaire of assessment "
            f"#{assessment.id}",
            filename,
        )
    if (meta.checklist_id, meta.checklist_version, meta.checklist_sha256) != (
        checklist.id,
        checklist.version,
        checklist.sha256,
    ):
        raise Invalid(
            f"this workbook is for checklist {theirs} (sha256 {meta.checklist_sha256[:12]}), "
            f"but assessment #{assessment.id} uses {ours} (sha256 {checklist.sha256[:12]}): "
            "export a fresh questionnaire",
            filename,
        )
    _refuse_unsigned(filename, filled)
    unknown = [k for k in filled.keys if checklist.capability(k) is None]
    if unknown or len(set(filled.keys)) != len(filled.keys):
        raise Invalid(
            f"the workbook's question keys do not match checklist {ours}: export a fresh "
            "questionnaire",
            filename,
        )


def _diff(
    filename: str,
    sha256: str,
    filled: workbook.Filled,
    assessment: Assessment,
    checklist: Checklist,
    existing: Mapping[str, Answer],
) -> tuple[Report, dict[str, tuple[Any, AnswerIn]]]:
    """Every answered row judged (all errors collected, each naming its cell) and compared
    with the stored answer."""
    assert assessment.id is not None  # a row read from the table
    errors: list[FieldError] = []
    changes: list[Change] = []
    values: dict[str, tuple[Any, AnswerIn]] = {}
    blank = 0
    for row in filled.rows:
        cap = checklist.capability(row.key)
        assert cap is not None  # checked by _refuse_foreign
        if row.answer is None:
            blank += 1
            continue
        cell = f"{filename}: {workbook.QUESTIONS}!{{col}}{row.row}"
        try:
            value = workbook.answer_value(cap, row.answer)
        except AnswerValueError as exc:
            errors.append(FieldError(cell.format(col=workbook.ANSWER), str(exc)))
            continue
        old = existing.get(row.key)
        provenance = PROVENANCE.format(sha256=sha256, row=row.row)
        kept = _comment(old.note) if old else ""
        note = "\n\n".join(t for t in (row.comment or kept, provenance) if t)
        try:
            data = AnswerIn(
                value=value,
                source=Source.ATTESTED,
                evidence_url=row.evidence_url or (old.evidence_url if old else None),
                note=note,
            )
        except ValidationError as exc:
            for err in exc.errors():
                where = err["loc"][0] if err["loc"] else ""
                col = workbook.EVIDENCE if where == "evidence_url" else workbook.COMMENT
                msg = err["msg"].removeprefix("Value error, ")
                errors.append(FieldError(cell.format(col=col), msg))
            continue
        stored = assessments._as_stored(cap, old.value) if old else None
        if old is None:
            action = CREATE
        elif (old.source == Source.VERIFIED and stored == value) or (
            (stored, old.source, old.evidence_url, _comment(old.note))
            == (value, data.source, data.evidence_url, _comment(data.note))
        ):
            action = UNCHANGED
        else:
            action = UPDATE
            values[row.key] = (value, data)
        if action == CREATE:
            values[row.key] = (value, data)
        changes.append(
            Change(
                row.key,
                cap.title,
                row.row,
                action,
                None if old is None else f"{shown(stored)} ({old.source})",
                shown(value) + _also(old, stored, value, data, action),
            )
        )
    if errors:
        raise Invalid("", errors=errors)
    if not changes:
        raise Invalid(
            f"the workbook has no answers: fill column {workbook.ANSWER} of the "
            f"{workbook.QUESTIONS} sheet",
            filename,
        )
    report = Report(
        filename, sha256, assessment.id, f"{checklist.id} {checklist.version}", changes, blank
    )
    return report, values


def _also(old: Answer | None, stored: Any, value: Any, data: AnswerIn, action: str) -> str:
    """What else an update changes, where the value stays: "30 days (same value; new
    comment)" rather than a puzzling "30 days → 30 days"."""
    if old is None or action != UPDATE or stored != value:
        return ""
    parts = []
    if old.source != data.source:
        parts.append(f"now {data.source}")
    if old.evidence_url != data.evidence_url:
        parts.append("new evidence URL")
    if _comment(old.note) != _comment(data.note):
        parts.append("new comment")
    return f" (same value; {', '.join(parts)})" if parts else ""


def _comment(note: str | None) -> str:
    """A note without the line naming the workbook it came from."""
    return _PROVENANCE_RE.sub("", note or "").strip()


def _at_cell(error: FieldError, rows: Mapping[str, int], filename: str) -> FieldError:
    """A conflict reported on "<key>.value", moved to the answer cell of that key's row."""
    key = (error.field or "").removesuffix(".value")
    if key in rows:
        return FieldError(
            f"{filename}: {workbook.QUESTIONS}!{workbook.ANSWER}{rows[key]}", error.message
        )
    return error


def shown(value: Any) -> str:
    """An answer value as the workbook and the review page word it."""
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if value == NA:
        return "N/A"
    if isinstance(value, dict):
        try:
            return f"{days_of(value)} days"
        except (KeyError, TypeError, ValueError):
            return json.dumps(value, sort_keys=True)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
