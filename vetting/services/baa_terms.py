"""Terms read from a BAA's signed document: reading an attached document (its text, then
vetting/core/baa_terms.py), keeping what was read as suggestions, and legal accepting one
into the register (through the BAA services, so validation, audit and kept states stay
right) or dismissing it.

A document whose text cannot be read (a scan without a text layer, an encrypted PDF) is
still attached: its reading records why no terms were read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select, update
from sqlmodel import Session, col

from integrations.documents.text import TextUnavailable, text_of
from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.baa_terms import Terms, extract
from vetting.core.documents import AGREEMENT, DocumentRejected, identify
from vetting.errors import Conflict, Invalid, NotFound, VettingError
from vetting.models import BAA, BaaDocument, BaaTermReading, BaaTermSuggestion
from vetting.schemas import BaaUpdate
from vetting.services import baa_provisions
from vetting.services import baas as svc

log = logging.getLogger(__name__)

PENDING, ACCEPTED, DISMISSED, REPLACED = "pending", "accepted", "dismissed", "replaced"
# Provisions whose own suggestion would repeat a top-level one are still suggested as
# provisions: the column (a yes/no) and the provision (present, with its quote) are two fields.
FIELD_TITLES = {
    "breach_notification": "Breach-notification clause",
    "effective_date": "Effective date",
    "expiration_date": "Expiration date (last day in force)",
    "subcontractor_flow_down": "Subcontractor flow-down",
    "return_or_destroy": "Return or destruction at termination",
}


@dataclass(frozen=True)
class Reading:
    """What reading one document gave: the terms, or why there are none."""

    terms: Terms | None
    error: str | None

    def result(self) -> dict[str, Any] | None:
        return self.terms.as_json() if self.terms is not None else None


def read_text(fh: BinaryIO, content_type: str) -> Terms:
    """The terms in a document of a known kind; TextUnavailable when its text cannot be read."""
    return extract(text_of(fh, content_type), baa_provisions.catalogue().keys)


def read_document(path: Path, content_type: str) -> Reading:
    """Read an attached document's terms; never raises (a failure is the reading's error)."""
    try:
        with path.open("rb") as fh:
            return Reading(read_text(fh, content_type), None)
    except TextUnavailable as exc:
        return Reading(None, f"No terms were read: the document {exc}.")
    except Exception:  # a reader's bug must not lose the signed document's upload
        log.exception("reading the terms of %s failed", path.name)
        return Reading(None, "No terms were read: the reader failed on this document (logged).")


def read_file(fh: BinaryIO, size: int, name: str, *, max_unpacked: int) -> Terms:
    """`vetting baas extract`: judge the file by its bytes, then read it. Invalid (field
    "file") with the reason when it is not an agreement document or has no readable text."""
    try:
        kind = identify(fh, size, max_unpacked, AGREEMENT)
        return read_text(fh, kind.content_type)
    except (DocumentRejected, TextUnavailable) as exc:
        raise Invalid(f"{name} {exc}", "file") from None


# --- suggestions ------------------------------------------------------------------------------


def _suggestions(baa: BAA, terms: Terms) -> list[tuple[str, Any, str | None]]:
    """(field, value, quote) for each term worth suggesting: found in the text and not
    already what the register says."""
    out: list[tuple[str, Any, str | None]] = []
    if terms.breach_notification is not None:
        d = terms.breach_notification
        out.append(("breach_notification", d.as_json(), d.quote))
    if terms.effective_date is not None and terms.effective_date.value != baa.effective_date:
        out.append(
            (
                "effective_date",
                terms.effective_date.value.isoformat(),
                terms.effective_date.quote,
            )
        )
    if terms.expiration_date is not None and terms.expiration_date.value != baa.expiration_date:
        out.append(
            (
                "expiration_date",
                terms.expiration_date.value.isoformat(),
                terms.expiration_date.quote,
            )
        )
    if terms.subcontractor_flow_down.present and baa.subcontractor_flowdown is not True:
        out.append(("subcontractor_flow_down", True, terms.subcontractor_flow_down.quote))
    if terms.return_or_destroy.present and baa.return_or_destroy is not True:
        out.append(("return_or_destroy", True, terms.return_or_destroy.quote))
    for key, found in terms.provisions.items():
        if found.present:
            out.append((f"provision:{key}", "present", found.quote))
    return out


def record_reading(s: Session, actor: Principal, baa: BAA, doc: BaaDocument, r: Reading) -> None:
    """Keep a document's reading and its suggestions (inside the attach's transaction); the
    pending suggestions of the BAA's earlier documents are replaced."""
    assert baa.id is not None and doc.id is not None
    s.execute(
        update(BaaTermSuggestion)
        .where(
            col(BaaTermSuggestion.baa_id) == baa.id,
            col(BaaTermSuggestion.status) == PENDING,
        )
        .values(status=REPLACED, decided_at=clock.now(), decided_by=actor.name)
    )
    s.add(BaaTermReading(baa_id=baa.id, document_id=doc.id, error=r.error, result=r.result()))
    fields: list[str] = []
    if r.terms is not None:
        for name, value, quote in _suggestions(baa, r.terms):
            s.add(
                BaaTermSuggestion(
                    baa_id=baa.id, document_id=doc.id, field=name, value=value, quote=quote
                )
            )
            fields.append(name)
    audit.record(
        s,
        actor.name,
        "baa.terms.read",
        "baa",
        baa.id,
        None,
        {"document_id": doc.id, "suggested": fields, "error": r.error},
    )


@dataclass(frozen=True)
class Pending:
    """The BAA page's view of the latest reading and its suggestions."""

    reading: BaaTermReading | None
    suggestions: list[BaaTermSuggestion]


def pending(s: Session, baa_id: int) -> Pending:
    reading = s.scalar(
        select(BaaTermReading)
        .where(col(BaaTermReading.baa_id) == baa_id)
        .order_by(col(BaaTermReading.id).desc())
        .limit(1)
    )
    if reading is None:
        return Pending(None, [])
    rows = s.scalars(
        select(BaaTermSuggestion)
        .where(
            col(BaaTermSuggestion.baa_id) == baa_id,
            col(BaaTermSuggestion.document_id) == reading.document_id,
        )
        .order_by(col(BaaTermSuggestion.id))
    ).all()
    return Pending(reading, list(rows))


def _locked(s: Session, baa_id: int, suggestion_id: int) -> BaaTermSuggestion:
    row = s.get(BaaTermSuggestion, suggestion_id) if 1 <= suggestion_id <= 2**31 - 1 else None
    if row is None or row.baa_id != baa_id:
        raise NotFound(f"BAA {baa_id} has no term suggestion {suggestion_id}")
    s.refresh(row, with_for_update=True)
    if row.status != PENDING:
        raise Conflict(f"this suggestion was already {row.status}")
    return row


def accept(s: Session, actor: Principal, baa_id: int, suggestion_id: int) -> BaaTermSuggestion:
    """Write a suggested term into the register through the BAA services, in the same
    transaction as the suggestion's acceptance (a refused value leaves both unchanged)."""
    actor.require("baas:write")
    try:
        row = _locked(s, baa_id, suggestion_id)
        row.status, row.decided_by, row.decided_at = ACCEPTED, actor.name, clock.now()
        s.add(row)
        audit.record(
            s,
            actor.name,
            "baa.terms.accept",
            "baa",
            baa_id,
            None,
            {"field": row.field, "value": row.value, "quote": row.quote},
        )
        _write(s, actor, row)  # commits everything above with the change itself
    except BaseException:
        s.rollback()
        raise
    return row


def _write(s: Session, actor: Principal, row: BaaTermSuggestion) -> None:
    if row.field.startswith("provision:"):
        baa_provisions.set_provision(
            s, actor, row.baa_id, row.field.split(":", 1)[1], "present", row.quote, None
        )
        return
    changes: dict[str, Any]
    if row.field == "breach_notification":
        v = row.value
        clause: dict[str, Any] = (
            {"stated": False, "trigger": v["trigger"], "quote": row.quote}
            if v.get("unstated")
            else {"value": v["value"], "unit": v["unit"], "trigger": v["trigger"]}
        )
        if not v.get("unstated"):
            clause["quote"] = row.quote
        changes = {"breach_clause": clause}
    elif row.field in ("effective_date", "expiration_date"):
        changes = {row.field: date.fromisoformat(row.value)}
    elif row.field == "subcontractor_flow_down":
        changes = {"subcontractor_flowdown": True}
    elif row.field == "return_or_destroy":
        changes = {"return_or_destroy": True}
    else:
        raise VettingError(f"no register field for {row.field!r}")
    svc.update(s, actor, row.baa_id, BaaUpdate.model_validate(changes))


def dismiss(s: Session, actor: Principal, baa_id: int, suggestion_id: int) -> BaaTermSuggestion:
    actor.require("baas:write")
    try:
        row = _locked(s, baa_id, suggestion_id)
        row.status, row.decided_by, row.decided_at = DISMISSED, actor.name, clock.now()
        s.add(row)
        audit.record(
            s,
            actor.name,
            "baa.terms.dismiss",
            "baa",
            baa_id,
            None,
            {"field": row.field, "value": row.value},
        )
        s.commit()
    except BaseException:
        s.rollback()
        raise
    return row
