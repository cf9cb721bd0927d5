"""A terminated BAA's return/destroy certificate as a file: the vendor's certificate that it
returned or destroyed the PHI, kept in the document store (services/documents.py) by SHA-256
and never altered, linked to the BAA (`BaaReturnCertificate`). Recording it closes the
return/destroy follow-up like `baas.record_return_destroy` (the date and reference go on the
BAA), so the reminder sweep cancels what is still pending. Refused — before a byte is kept —
for a BAA that is not terminated or whose termination has not taken effect, a date before
the termination or in the future, and a file that is empty, too large or not a PDF, PNG,
JPEG, DOCX or UTF-8 text by its content (or not what its name claims).
"""

from __future__ import annotations

from datetime import date
from typing import IO

from sqlalchemy import select
from sqlmodel import Session, col

from vetting import audit
from vetting.auth import Principal
from vetting.core.documents import CERTIFICATE
from vetting.db import transaction
from vetting.errors import Invalid, NotFound
from vetting.models import BaaReturnCertificate
from vetting.services import baas
from vetting.services.documents import Checked, DocumentStore, download, uploads

READ_SCOPE = "baa-documents:read"
MAX_REFERENCE = 200


def record(
    s: Session,
    actor: Principal,
    baa_id: int,
    certified_on: date,
    reference: str | None,
    stream: IO[bytes],
    filename: str,
    mimetype: str | None,
    *,
    store: DocumentStore,
    max_bytes: int,
    max_unpacked: int,
) -> BaaReturnCertificate:
    """Record the certificate received on `certified_on` with its file (and optionally a
    reference). Audited as `baa.return_destroy` (the BAA's columns) and
    `baa.return_destroy.certificate` (the file)."""
    actor.require("baas:write")
    ref = (reference or "").strip() or None
    if ref is not None and len(ref) > MAX_REFERENCE:
        raise Invalid(f"must be at most {MAX_REFERENCE} characters", "reference")
    baas.check_return_destroy(baas.get(s, baa_id), certified_on)  # before reading a byte
    with uploads(s, store) as batch:
        staged = batch.stage(
            stream,
            filename,
            mimetype,
            max_bytes=max_bytes,
            max_unpacked=max_unpacked,
            accept=CERTIFICATE,
            default_name="return-destroy-certificate",
        )
        with transaction(s):
            baa = baas.locked(s, baa_id)
            baas.check_return_destroy(baa, certified_on)
            batch.place(staged)
            row = BaaReturnCertificate(
                baa_id=baa_id,
                sha256=staged.sha256,
                filename=staged.filename,
                content_type=staged.kind.content_type,
                size=staged.size,
                certified_on=certified_on,
                reference=ref,
                uploaded_by=actor.name,
            )
            s.add(row)
            s.flush()
            baas.mark_return_destroy(s, actor, baa, certified_on, ref)
            audit.record(
                s,
                actor.name,
                "baa.return_destroy.certificate",
                "baa",
                baa.id,
                None,
                audit.snapshot(row),
            )
    return row


def latest(s: Session, baa_id: int) -> BaaReturnCertificate:
    baa = baas.get(s, baa_id)
    row = s.scalar(
        select(BaaReturnCertificate)
        .where(col(BaaReturnCertificate.baa_id) == baa.id)
        .order_by(col(BaaReturnCertificate.id).desc())
        .limit(1)
    )
    if row is None:
        raise NotFound(f"BAA {baa.id} has no return/destroy certificate file", "certificate")
    return row


def open_latest(
    s: Session, actor: Principal, baa_id: int, *, store: DocumentStore
) -> tuple[BaaReturnCertificate, Checked]:
    """The latest certificate of a BAA and its verified bytes, for download (audited)."""
    actor.require(READ_SCOPE)
    row = latest(s, baa_id)
    found = download(
        s,
        store,
        sha256=row.sha256,
        size=row.size,
        what=f"return/destroy certificate {row.id}",
        audited=lambda t: audit.record(
            t,
            actor.name,
            "baa.return_destroy.certificate.download",
            "baa",
            row.baa_id,
            None,
            {"certificate_id": row.id, "sha256": row.sha256},
        ),
    )
    return row, found
