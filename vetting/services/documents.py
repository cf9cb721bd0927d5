"""The document store: uploaded files kept once by SHA-256, never altered. Signed BAAs
(services/baa_documents.py), return/destroy certificates (services/baa_certificates.py) and
answer evidence (services/evidence.py) share it, so the same
bytes are one document whatever points at them. Where the bytes live is the store's business
(integrations/storage/: the instance folder, or an S3 bucket shared by several app instances),
chosen by VETTING_DOCUMENT_STORE (`store_for`).

An upload is streamed to a temporary file in the store's staging folder (hashing and counting
as it goes), judged by its content (vetting.core.documents), then put into the store once the
caller's transaction is about to commit — so a stored document is always complete, and a
refused upload or a rolled-back transaction leaves nothing behind. Reading a document back
re-checks the hash before anything is served (`checked`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlmodel import Session, col

from integrations.storage.base import DocumentMissing, DocumentStore, StoreUnavailable
from integrations.storage.local import FOLDER as STORE
from integrations.storage.local import LocalStore
from integrations.storage.s3 import S3Store
from vetting.core.documents import (
    AGREEMENT,
    DocumentRejected,
    Identified,
    check_claim,
    identify,
    safe_filename,
)
from vetting.db import transaction
from vetting.errors import Invalid, TooLarge, VettingError
from vetting.models import AnswerEvidence, BaaDocument, BaaReturnCertificate
from vetting.settings import Settings, SettingsError

__all__ = ["STORE", "DocumentMissing", "DocumentStore", "StoreUnavailable"]

log = logging.getLogger(__name__)
_CHUNK = 1 << 16
_SPOOL_IN_MEMORY = 1 << 20  # a document read from a remote store: in memory up to 1 MiB


class StoredDocumentDamaged(VettingError):
    """The stored document no longer matches its recorded SHA-256 (or is gone): a server
    fault for an administrator (restore from backup), not something the caller can fix."""

    status = 500


class StoreFailed(VettingError):
    """The document store could not be read or written (permissions, the network, the
    bucket): a server fault, its message says what and where."""

    status = 503


def store_for(settings: Settings) -> DocumentStore:
    """The store VETTING_DOCUMENT_STORE names, configured from the settings."""
    if settings.document_store == "s3":
        if not settings.s3_bucket:
            raise SettingsError("VETTING_DOCUMENT_STORE=s3 needs VETTING_S3_BUCKET")
        return S3Store(
            settings.instance_path,
            settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
        )
    return LocalStore(settings.instance_path)


def store_dir(instance_path: str | Path) -> Path:
    """The local store's folder (VETTING_DOCUMENT_STORE=local)."""
    return LocalStore(instance_path).folder


def stored_path(instance_path: str | Path, sha256: str) -> Path:
    """A document's file in the local store."""
    return LocalStore(instance_path).path(sha256)


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MiB" if n >= 1024 * 1024 else f"{n} bytes"


@dataclass(frozen=True)
class Staged:
    """An accepted upload in a temporary file, not yet in the store."""

    tmp: Path
    sha256: str
    size: int
    kind: Identified
    filename: str  # safe, ending in the extension of what the file really is


@dataclass
class Uploads:
    """Uploads of one use case: stage them, place the ones that are kept, and on leaving
    (`uploads()`) remove every temporary file and every placed document nothing refers to
    (the transaction was rolled back)."""

    store: DocumentStore | None  # None: a use case that takes no files this time
    staged: list[Staged] = field(default_factory=list)
    placed: list[str] = field(default_factory=list)

    def stage(
        self,
        stream: IO[bytes],
        filename: str,
        mimetype: str | None,
        *,
        max_bytes: int,
        max_unpacked: int,
        accept: tuple[str, ...] = AGREEMENT,
        field_name: str = "file",
        default_name: str = "agreement",
    ) -> Staged:
        """Read an upload into a temporary file and judge it. Refused uploads (empty, too
        large, of a type not accepted, or not what their name claims) raise naming
        `field_name`."""
        if self.store is None:
            raise ValueError("uploads need a document store")
        with _store_errors():
            folder = self.store.staging
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".upload-")
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "w+b") as out:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(
                            f"is larger than the {_mib(max_bytes)} limit "
                            "(VETTING_MAX_DOCUMENT_BYTES)",
                            field_name,
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                try:
                    kind = identify(out, size, max_unpacked, accept)
                    check_claim(filename or "", mimetype, kind)
                except DocumentRejected as exc:
                    name = f"{filename!r} " if filename else ""
                    raise Invalid(f"{name}{exc}", field_name) from None
                os.fsync(out.fileno())
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        staged = Staged(
            tmp, digest.hexdigest(), size, kind, safe_filename(filename or "", kind, default_name)
        )
        self.staged.append(staged)
        return staged

    def place(self, staged: Staged) -> None:
        """Put a staged file into the store (a no-op when those bytes are already there).
        Call it inside the transaction that records the row pointing at it."""
        if self.store is None:
            raise ValueError("uploads need a document store")
        with _store_errors():
            if self.store.put(staged.sha256, staged.tmp):
                self.placed.append(staged.sha256)

    def cleanup(self, s: Session) -> None:
        for staged in self.staged:
            with contextlib.suppress(FileNotFoundError):
                staged.tmp.unlink()
        for sha in self.placed:
            if self.store is not None and not referenced(s, sha):
                try:
                    self.store.delete(sha)
                except StoreUnavailable as exc:
                    # Unreferenced bytes left behind are harmless (nothing points at them);
                    # the error that rolled the transaction back is the one to report.
                    log.warning("an unreferenced document stays in the store: %s", exc)
        self.staged.clear()
        self.placed.clear()


@contextlib.contextmanager
def uploads(s: Session, store: DocumentStore | None) -> Iterator[Uploads]:
    """Uploads that are cleaned up on leaving, whatever happened."""
    batch = Uploads(store)
    try:
        yield batch
    finally:
        batch.cleanup(s)


@contextlib.contextmanager
def _store_errors() -> Iterator[None]:
    try:
        yield
    except StoreUnavailable as exc:
        raise StoreFailed(f"the document store is unavailable: {exc}") from None


def referenced(s: Session, sha: str) -> bool:
    """Whether any row (a BAA document, a return/destroy certificate, a piece of evidence)
    points at these bytes."""
    for column in (
        col(BaaDocument.sha256),
        col(BaaReturnCertificate.sha256),
        col(AnswerEvidence.sha256),
    ):
        if s.scalar(select(column).where(column == sha).limit(1)) is not None:
            return True
    return False


@dataclass
class Checked:
    """A stored document read back and found to have its SHA-256: `file` (open, at its
    start; whoever serves it closes it) holds exactly the bytes that were checked."""

    file: IO[bytes]
    size: int

    @contextlib.contextmanager
    def closed_on_error(self) -> Iterator[None]:
        """Close the file if what follows fails (it is not served then)."""
        try:
            yield
        except BaseException:
            self.file.close()
            raise


def read_checked(store: DocumentStore, sha256: str, size_limit: int | None = None) -> Checked:
    """The document stored as `sha256`, its bytes checked: DocumentMissing when it is not
    there, StoredBytesChanged when they no longer hash to their name (or run past
    `size_limit`, the size recorded at upload: a swapped object is not read to its end). A
    local file is hashed and then served from the same open file (it is never rewritten in
    place); a remote object is copied while it is hashed, so what is served is what was
    checked."""
    source = store.open(sha256)
    target: IO[bytes] = source
    try:
        digest = hashlib.sha256()
        size = 0
        if not source.seekable():
            target = tempfile.SpooledTemporaryFile(_SPOOL_IN_MEMORY, dir=str(store.staging))  # noqa: SIM115
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if size_limit is not None and size > size_limit:
                raise StoredBytesChanged(sha256)
            if target is not source:
                target.write(chunk)
        target.seek(0)
        if digest.hexdigest() != sha256:
            raise StoredBytesChanged(sha256)
    except BaseException:
        target.close()
        source.close()
        raise
    if target is not source:
        source.close()
    return Checked(target, size)


class StoredBytesChanged(Exception):
    """A stored document's bytes no longer hash to its name."""


def download(
    s: Session,
    store: DocumentStore,
    *,
    sha256: str,
    size: int | None,
    what: str,
    audited: Callable[[Session], object],
) -> Checked:
    """A stored file checked for download (`checked`), with the download's audit event
    (`audited(s)`) recorded in its own transaction; the file is closed if that fails."""
    found = checked(store, sha256, what, size)
    with found.closed_on_error(), transaction(s):
        audited(s)
    return found


def checked(store: DocumentStore, sha256: str, what: str, size: int | None = None) -> Checked:
    """The stored document of `what` ("document 3", recorded as `size` bytes), after checking
    it still has its SHA-256; StoredDocumentDamaged (500) when it is missing or altered,
    StoreFailed (503) when the store cannot be read."""
    try:
        return read_checked(store, sha256, size)
    except DocumentMissing:
        raise StoredDocumentDamaged(
            f"the stored file of {what} ({sha256}) is missing from {store.where}; "
            "restore it from backup"
        ) from None
    except StoredBytesChanged:
        raise StoredDocumentDamaged(
            f"the stored file of {what} no longer matches its SHA-256 "
            f"({sha256}); restore it from backup"
        ) from None
    except StoreUnavailable as exc:
        raise StoreFailed(f"the document store is unavailable: {exc}") from None
