"""Signed BAA documents, kept in the document store (services/documents.py): stored once by
SHA-256 in the configured store (the instance folder or an S3 bucket), never altered. The
same bytes uploaded twice are stored once. Download re-checks the hash before serving.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from sqlalchemy import select
from sqlmodel import Session, col

from vetting import audit
from vetting.auth import Principal
from vetting.core.documents import AGREEMENT
from vetting.db import transaction
from vetting.errors import NotFound
from vetting.models import BaaDocument
from vetting.services import baa_terms
from vetting.services.baas import get as get_baa
from vetting.services.documents import (
    STORE,
    Checked,
    DocumentStore,
    StoredDocumentDamaged,
    download,
    store_dir,
    stored_path,
    uploads,
)

__all__ = ["STORE", "StoredDocumentDamaged", "store_dir", "stored_path"]

READ_SCOPE = "baa-documents:read"


@dataclass(frozen=True)
class Attached:
    document: BaaDocument
    created: bool  # False: these exact bytes were already this BAA's latest document


def attach(
    s: Session,
    actor: Principal,
    baa_id: int,
    stream: IO[bytes],
    filename: str,
    mimetype: str | None,
    *,
    store: DocumentStore,
    max_bytes: int,
    max_unpacked: int,
) -> Attached:
    """Attach a signed document to a BAA and read its terms (services/baa_terms.py) as
    suggestions for legal. Refused uploads (empty, too large, not a PDF, DOCX or UTF-8 text,
    or not what their name claims) raise with field "file" and store nothing."""
    actor.require("baas:write")
    get_baa(s, baa_id)  # 404 before reading a byte
    with uploads(s, store) as batch:
        staged = batch.stage(
            stream,
            filename,
            mimetype,
            max_bytes=max_bytes,
            max_unpacked=max_unpacked,
            accept=AGREEMENT,
        )
        # Read the terms before the transaction (a long PDF takes a moment); a document whose
        # text cannot be read is attached all the same, its reading saying why.
        reading = baa_terms.read_document(staged.tmp, staged.kind.content_type)
        with transaction(s):
            baa = get_baa(s, baa_id)
            latest = s.scalar(
                select(BaaDocument)
                .where(col(BaaDocument.baa_id) == baa.id)
                .order_by(col(BaaDocument.id).desc())
                .limit(1)
            )
            if latest is not None and latest.sha256 == staged.sha256:
                return Attached(latest, created=False)
            batch.place(staged)
            doc = BaaDocument(
                baa_id=baa_id,
                sha256=staged.sha256,
                filename=staged.filename,
                content_type=staged.kind.content_type,
                size=staged.size,
                uploaded_by=actor.name,
            )
            s.add(doc)
            s.flush()
            baa_terms.record_reading(s, actor, baa, doc, reading)
            audit.record(
                s, actor.name, "baa.document.upload", "baa", baa.id, None, audit.snapshot(doc)
            )
        return Attached(doc, created=True)


def latest(s: Session, baa_id: int) -> BaaDocument:
    baa = get_baa(s, baa_id)
    doc = s.scalar(
        select(BaaDocument)
        .where(col(BaaDocument.baa_id) == baa.id)
        .order_by(col(BaaDocument.id).desc())
        .limit(1)
    )
    if doc is None:
        raise NotFound(f"BAA {baa.id} has no signed document yet", "document")
    return doc


def history(s: Session, baa_id: int) -> list[BaaDocument]:
    """Every document uploaded for a BAA, oldest first."""
    baa = get_baa(s, baa_id)
    return list(
        s.scalars(
            select(BaaDocument)
            .where(col(BaaDocument.baa_id) == baa.id)
            .order_by(col(BaaDocument.id))
        )
    )


def open_latest(
    s: Session, actor: Principal, baa_id: int, *, store: DocumentStore
) -> tuple[BaaDocument, Checked]:
    """The latest document of a BAA and its verified bytes, for download (audited)."""
    actor.require(READ_SCOPE)
    doc = latest(s, baa_id)
    found = download(
        s,
        store,
        sha256=doc.sha256,
        size=doc.size,
        what=f"document {doc.id}",
        audited=lambda t: audit.record(
            t,
            actor.name,
            "baa.document.download",
            "baa",
            doc.baa_id,
            None,
            {"document_id": doc.id, "sha256": doc.sha256},
        ),
    )
    return doc, found
