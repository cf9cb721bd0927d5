"""A vendor's completed standard questionnaire (CAIQ v4.0.x, HECVAT 4.x / 3.x) read into an
assessment as answer suggestions.

The workbook passes the upload gate (integrations/spreadsheets/reading.py), is recognised by
its layout and version (integrations/questionnaires/), and its answers are mapped onto the
assessment's checklist by the mapping file of its family (`<VETTING_CHECKLISTS_DIR>/mappings/`,
or the shipped one). Mapped answers become `attested` suggestions — question ID and the
vendor's words as the note, the file's name, SHA-256 and cell as the origin — which count
for nothing until a person accepts them (services/suggestions.py). The workbook is only read,
never written back. All or nothing: a refusal records nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session

from integrations import questionnaires as readers
from integrations.spreadsheets import reading
from integrations.spreadsheets.reading import SpreadsheetError
from vetting import audit
from vetting.auth import Principal
from vetting.core import questionnaire_map as qmap
from vetting.core.questionnaire_map import Applied, QuestionMap
from vetting.core.statuses import OriginKind
from vetting.db import transaction
from vetting.errors import Conflict, FieldError, Invalid
from vetting.models import AnswerSuggestion
from vetting.queries.checklists import pinned
from vetting.services import suggestions
from vetting.settings import REPO_ROOT, checklists_dir

MAPPINGS = Path("mappings")


def mappings() -> dict[str, QuestionMap]:
    """family → mapping: `<VETTING_CHECKLISTS_DIR>/mappings/*.toml`, or the shipped files when
    the configured folder has none."""
    configured = checklists_dir() / MAPPINGS
    folder = configured if configured.is_dir() else REPO_ROOT / "checklists" / MAPPINGS
    return qmap.load_dir(folder)


@dataclass
class ReadResult:
    file: str
    sha256: str
    kind: str
    version: str
    family: str
    answered: int  # questions the file answers (non-blank)
    applied: Applied
    suggestions: list[AnswerSuggestion] = field(default_factory=list)  # none on a dry run
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        ids = {s.capability_key: s.id for s in self.suggestions}
        return {
            "file": self.file,
            "sha256": self.sha256,
            "questionnaire": self.kind,
            "version": self.version,
            "answered": self.answered,
            "dry_run": self.dry_run,
            "suggestions": [
                {
                    "id": ids.get(p.capability),
                    "capability_key": p.capability,
                    "value": p.value,
                    "source": "attested",
                    "question_id": p.question_id,
                    "answer": p.answer,
                    "cell": p.cell,
                    "note": p.note,
                }
                for p in self.applied.proposals
            ],
            "unmapped": self.applied.unmapped,
            "refused": [
                {"question_id": k.question_id, "cell": k.cell, "reason": k.reason}
                for k in self.applied.skipped
            ],
            "notes": self.notes,
        }


def read_into(
    s: Session,
    actor: Principal,
    assessment_id: int,
    data: bytes,
    filename: str,
    *,
    dry_run: bool = False,
    maps: Mapping[str, QuestionMap] | None = None,
    before_record: Callable[[Session], None] | None = None,
) -> ReadResult:
    """Read a questionnaire workbook into the assessment as pending suggestions (see the
    module's doc); `dry_run` reports the same and records nothing. Refusals (not a workbook,
    an unknown layout or version, no answer that maps) raise `Invalid` on `file`, naming the
    file, sheet, row and reason. `before_record` runs first in the recording transaction (an
    answer link counts its use there)."""
    suggestions.may_propose(actor)
    name = Path(filename or "questionnaire.xlsx").name[:255]
    with transaction(s):  # 404 / 409 before reading a byte
        assessment = suggestions.open_assessment(s, assessment_id)
        checklist = pinned(s, assessment.checklist_sha256)
    try:
        upload = reading.check(data, name)
        found = readers.read(upload)
    except SpreadsheetError as exc:
        raise Invalid(str(exc), "file") from None
    try:
        maps = mappings() if maps is None else maps
    except qmap.MappingError as exc:  # the organisation's file, not the upload: say which
        raise Conflict(
            f"the questionnaire mappings cannot be used ({exc}); an administrator fixes "
            "them (vetting checklists validate)"
        ) from None
    mapping = maps.get(found.family)
    if mapping is None:
        raise Invalid(
            f"{name}: no mapping for {found.kind.upper()} {found.version} "
            f"(checklists/mappings/{found.family}.toml)",
            "file",
        )
    label = f"{'CAIQ' if found.kind == 'caiq' else 'HECVAT'} {found.version}"
    applied = qmap.apply(mapping, label, found.responses, checklist)
    result = ReadResult(
        name,
        hashlib.sha256(data).hexdigest(),
        found.kind,
        found.version,
        found.family,
        len(found.answered()),
        applied,
        notes=list(found.notes),
        dry_run=dry_run,
    )
    if not applied.proposals:
        reasons = [
            FieldError("file", f"{name}: {k.cell}: {k.question_id}: {k.reason}")
            for k in applied.skipped
        ]
        raise Invalid(
            "",
            errors=[
                FieldError(
                    "file",
                    f"{name}: no answer maps onto checklist {checklist.id} "
                    f"({len(mapping.rules)} mapped questions, {result.answered} answered in "
                    "the file); nothing was recorded",
                ),
                *reasons,
            ],
        )
    if dry_run:
        return result
    kind = OriginKind.CAIQ if found.kind == "caiq" else OriginKind.HECVAT
    with transaction(s):
        if before_record is not None:
            before_record(s)
        result.suggestions = suggestions.create_within(
            s,
            actor,
            assessment_id,
            [
                suggestions.NewSuggestion(
                    p.capability,
                    p.value,
                    kind,
                    p.question_id,
                    note=p.note,
                    origin_file=name,
                    origin_sha256=result.sha256,
                    origin_cell=p.cell,
                )
                for p in applied.proposals
            ],
        )
        audit.record(
            s,
            actor.name,
            "questionnaire.read",
            "assessment",
            assessment_id,
            None,
            {
                "file": name,
                "sha256": result.sha256,
                "questionnaire": found.kind,
                "version": found.version,
                "suggestions": [r.id for r in result.suggestions],
                "unmapped": applied.unmapped,
                "refused": [k.question_id for k in applied.skipped],
            },
        )
    return result
