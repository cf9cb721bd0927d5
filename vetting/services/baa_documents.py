"""Signed BAA documents: stored once by SHA-256 under the instance folder, never altered.

Upload: stream to a temporary file beside the store (hashing and counting as it goes), judge
the content (vetting.core.documents), then move it into place with os.replace — so a file
under documents/<sha256> is always complete, and a refused upload leaves nothing behind.
The same bytes uploaded twice are stored once. Download re-checks the hash before serving.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlmodel import Session, col

from vetting import audit
from vetting.auth import Principal
from vetting.core.documents import DocumentRejected, check_claim, identify, safe_filename
from vetting.db import transaction
from vetting.errors import Invalid, NotFound, TooLarge, VettingError
from vetting.models import BaaDocument
from vetting.services.baas import get as get_baa

STORE = "documents"
_CHUNK = 1 << 16
READ_SCOPE = "baa-documents:read"


class StoredDocumentDamaged(VettingError):
    """The file on disk no longer matches its recorded SHA-256 (or is gone): a server fault
    for an administrator (restore from backup), not something the caller can fix."""

    status = 500


@dataclass(frozen=True)
class Attached:
    document: BaaDocument
    created: bool  # False: these exact bytes were already this BAA's latest document


def store_dir(instance_path: str | Path) -> Path:
    return Path(instance_path) / STORE


def stored_path(instance_path: str | Path, sha256: str) -> Path:
    return store_dir(instance_path) / sha256


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def attach(
    s: Session,
    actor: Principal,
    baa_id: int,
    stream: IO[bytes],
    filename: str,
    mimetype: str | None,
    *,
    instance_path: str | Path,
    max_bytes: int,
    max_unpacked: int,
) -> Attached:
    """Attach a signed document to a BAA. Refused uploads (empty, too large, not a PDF, DOCX
    or UTF-8 text, or not what their name claims) raise with field "file" and store nothing."""
    actor.require("baas:write")
    get_baa(s, baa_id)  # 404 before reading a byte
    folder = store_dir(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    tmp = Path(tmp_name)
    placed: Path | None = None
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "w+b") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(
                        f"is larger than the {_mib(max_bytes)} limit (VETTING_MAX_DOCUMENT_BYTES)",
                        "file",
                    )
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            try:
                kind = identify(out, size, max_unpacked)
                check_claim(filename or "", mimetype, kind)
            except DocumentRejected as exc:
                name = f"{filename!r} " if filename else ""
                raise Invalid(f"{name}{exc}", "file") from None
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        with transaction(s):
            baa = get_baa(s, baa_id)
            latest = s.scalar(
                select(BaaDocument)
                .where(col(BaaDocument.baa_id) == baa.id)
                .order_by(col(BaaDocument.id).desc())
                .limit(1)
            )
            if latest is not None and latest.sha256 == sha:
                return Attached(latest, created=False)
            final = stored_path(instance_path, sha)
            if not final.exists():
                os.chmod(tmp, 0o440)  # stored documents are never written again
                os.replace(tmp, final)
                placed = final
            doc = BaaDocument(
                baa_id=baa_id,
                sha256=sha,
                filename=safe_filename(filename or "", kind),
                content_type=kind.content_type,
                size=size,
                uploaded_by=actor.name,
            )
            s.add(doc)
            s.flush()
            audit.record(
                s, actor.name, "baa.document.upload", "baa", baa.id, None, audit.snapshot(doc)
            )
        placed = None  # committed: the file now belongs to the store
        return Attached(doc, created=True)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if placed is not None and not _referenced(s, placed.name):
            with contextlib.suppress(FileNotFoundError):
                placed.unlink()


def _referenced(s: Session, sha: str) -> bool:
    return (
        s.scalar(select(col(BaaDocument.id)).where(col(BaaDocument.sha256) == sha).limit(1))
        is not None
    )


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
    s: Session, actor: Principal, baa_id: int, *, instance_path: str | Path
) -> tuple[BaaDocument, Path]:
    """The latest document of a BAA and its verified file, for download (audited)."""
    actor.require(READ_SCOPE)
    doc = latest(s, baa_id)
    path = stored_path(instance_path, doc.sha256)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        raise StoredDocumentDamaged(
            f"the stored file of document {doc.id} ({doc.sha256}) is missing from "
            f"{store_dir(instance_path)}; restore it from backup"
        ) from None
    if digest.hexdigest() != doc.sha256:
        raise StoredDocumentDamaged(
            f"the stored file of document {doc.id} no longer matches its SHA-256 "
            f"({doc.sha256}); restore it from backup"
        )
    with transaction(s):
        audit.record(
            s,
            actor.name,
            "baa.document.download",
            "baa",
            doc.baa_id,
            None,
            {"document_id": doc.id, "sha256": doc.sha256},
        )
    return doc, path
