"""Evidence files behind answers: kept in the document store (services/documents.py) by
SHA-256, linked to (assessment, capability) rather than to an answer row, so re-answering
never loses them; the same bytes for the same capability are one row, and one stored document
whatever points at it. Uploading and the check that a `verified` answer has evidence are
use cases of services/assessments.py; this module records, lists and serves the files.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import IO

from sqlalchemy import select
from sqlmodel import Session, col

from vetting import audit
from vetting.auth import Principal
from vetting.core.documents import EVIDENCE
from vetting.errors import NotFound
from vetting.models import AnswerEvidence
from vetting.services.documents import Checked, DocumentStore, Staged, Uploads, download

READ_SCOPE = "evidence:read"
ACCEPTED = EVIDENCE


@dataclass(frozen=True)
class FileUpload:
    """One uploaded file as the edge received it."""

    stream: IO[bytes]
    filename: str
    mimetype: str | None


@dataclass(frozen=True)
class Limits:
    """The document store and how large an upload may be (settings, read by the edge)."""

    store: DocumentStore
    max_bytes: int
    max_unpacked: int


def stage(batch: Uploads, upload: FileUpload, limits: Limits, field_name: str) -> Staged:
    """Read and judge one evidence file (PDF, PNG, JPEG, DOCX or UTF-8 text); refusals name
    `field_name`."""
    return batch.stage(
        upload.stream,
        upload.filename,
        upload.mimetype,
        max_bytes=limits.max_bytes,
        max_unpacked=limits.max_unpacked,
        accept=ACCEPTED,
        field_name=field_name,
        default_name="evidence",
    )


def record(
    s: Session,
    actor: Principal,
    assessment_id: int,
    capability_key: str,
    staged: Staged,
    batch: Uploads,
) -> tuple[AnswerEvidence, bool]:
    """Link a staged file to a capability's answer (inside the caller's transaction) and
    audit it; (row, False) when these bytes were already linked to it."""
    existing = s.scalar(
        select(AnswerEvidence).where(
            col(AnswerEvidence.assessment_id) == assessment_id,
            col(AnswerEvidence.capability_key) == capability_key,
            col(AnswerEvidence.sha256) == staged.sha256,
        )
    )
    if existing is not None:
        return existing, False
    batch.place(staged)
    row = AnswerEvidence(
        assessment_id=assessment_id,
        capability_key=capability_key,
        sha256=staged.sha256,
        filename=staged.filename,
        content_type=staged.kind.content_type,
        size=staged.size,
        uploaded_by=actor.name,
    )
    s.add(row)
    s.flush()
    audit.record(
        s,
        actor.name,
        "assessment.evidence.upload",
        "assessment",
        assessment_id,
        None,
        audit.snapshot(row),
    )
    return row, True


def files(s: Session, assessment_id: int) -> list[AnswerEvidence]:
    """Every evidence file of an assessment, oldest first."""
    return list(
        s.scalars(
            select(AnswerEvidence)
            .where(col(AnswerEvidence.assessment_id) == assessment_id)
            .order_by(col(AnswerEvidence.id))
        )
    )


def counts(s: Session, assessment_id: int) -> Counter[str]:
    """How many files each capability's answer has."""
    return Counter(f.capability_key for f in files(s, assessment_id))


def open_file(
    s: Session,
    actor: Principal,
    assessment_id: int,
    evidence_id: int,
    *,
    store: DocumentStore,
) -> tuple[AnswerEvidence, Checked]:
    """One evidence file and its checked bytes, for download (audited)."""
    actor.require(READ_SCOPE)
    row = s.get(AnswerEvidence, evidence_id)
    if row is None or row.assessment_id != assessment_id:
        raise NotFound(
            f"assessment {assessment_id} has no evidence file {evidence_id}", "evidence_id"
        )
    found = download(
        s,
        store,
        sha256=row.sha256,
        size=row.size,
        what=f"evidence file {row.id}",
        audited=lambda t: audit.record(
            t,
            actor.name,
            "assessment.evidence.download",
            # Its own kind of record: a download changes nothing on the approved list.
            "evidence",
            row.id,
            None,
            {
                "assessment_id": assessment_id,
                "evidence_id": row.id,
                "capability_key": row.capability_key,
                "sha256": row.sha256,
            },
        ),
    )
    return row, found
