"""The document store: uploaded files kept once by SHA-256 under the instance folder, never
altered. Signed BAAs (services/baa_documents.py) and answer evidence (services/evidence.py)
share it, so the same bytes are one file whatever points at them.

An upload is streamed to a temporary file beside the store (hashing and counting as it goes),
judged by its content (vetting.core.documents), then moved into place with os.replace once
the caller's transaction is about to commit — so a file under documents/<sha256> is always
complete, and a refused upload or a rolled-back transaction leaves nothing behind. Reading a
file back re-checks the hash first.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlmodel import Session, col

from vetting.core.documents import (
    AGREEMENT,
    DocumentRejected,
    Identified,
    check_claim,
    identify,
    safe_filename,
)
from vetting.errors import Invalid, TooLarge, VettingError
from vetting.models import AnswerEvidence, BaaDocument

STORE = "documents"
_CHUNK = 1 << 16


class StoredDocumentDamaged(VettingError):
    """The file on disk no longer matches its recorded SHA-256 (or is gone): a server fault
    for an administrator (restore from backup), not something the caller can fix."""

    status = 500


def store_dir(instance_path: str | Path) -> Path:
    return Path(instance_path) / STORE


def stored_path(instance_path: str | Path, sha256: str) -> Path:
    return store_dir(instance_path) / sha256


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
    (`uploads()`) remove every temporary file and every placed file nothing refers to (the
    transaction was rolled back)."""

    instance_path: Path
    staged: list[Staged] = field(default_factory=list)
    placed: list[Path] = field(default_factory=list)

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
        folder = store_dir(self.instance_path)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # owner only
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
        """Move a staged file into the store (a no-op when those bytes are already there).
        Call it inside the transaction that records the row pointing at it."""
        final = stored_path(self.instance_path, staged.sha256)
        if final.exists():
            return
        os.chmod(staged.tmp, 0o400)  # owner-only, and never written again
        os.replace(staged.tmp, final)
        self.placed.append(final)

    def cleanup(self, s: Session) -> None:
        for staged in self.staged:
            with contextlib.suppress(FileNotFoundError):
                staged.tmp.unlink()
        for path in self.placed:
            if not referenced(s, path.name):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        self.staged.clear()
        self.placed.clear()


@contextlib.contextmanager
def uploads(s: Session, instance_path: str | Path) -> Iterator[Uploads]:
    """Uploads that are cleaned up on leaving, whatever happened."""
    batch = Uploads(Path(instance_path))
    try:
        yield batch
    finally:
        batch.cleanup(s)


def referenced(s: Session, sha: str) -> bool:
    """Whether any row (a BAA document, a piece of evidence) points at these bytes."""
    for column in (col(BaaDocument.sha256), col(AnswerEvidence.sha256)):
        if s.scalar(select(column).where(column == sha).limit(1)) is not None:
            return True
    return False


def checked_path(instance_path: str | Path, sha256: str, what: str) -> Path:
    """The stored file of `what` ("document 3"), after checking it still has its SHA-256."""
    path = stored_path(instance_path, sha256)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        raise StoredDocumentDamaged(
            f"the stored file of {what} ({sha256}) is missing from "
            f"{store_dir(instance_path)}; restore it from backup"
        ) from None
    if digest.hexdigest() != sha256:
        raise StoredDocumentDamaged(
            f"the stored file of {what} no longer matches its SHA-256 "
            f"({sha256}); restore it from backup"
        )
    return path
