"""The document store in the instance folder: `documents/<sha256>`, each file 0400 in a 0700
folder, renamed into place whole (os.replace) so a name always holds complete bytes. One
machine only: several app instances behind a load balancer need a shared store (s3.py)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import BinaryIO

from integrations.storage.base import DocumentMissing, DocumentStore, StoreUnavailable

FOLDER = "documents"


class LocalStore(DocumentStore):
    kind = "local"

    def __init__(self, instance_path: str | Path) -> None:
        self.folder = Path(instance_path) / FOLDER

    @property
    def where(self) -> str:
        return str(self.folder)

    @property
    def staging(self) -> Path:
        # Beside the documents, so moving one into place is a rename on one file system.
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # owner only
        except OSError as exc:
            raise StoreUnavailable(f"cannot create {self.folder}: {exc.strerror or exc}") from None
        return self.folder

    def path(self, sha256: str) -> Path:
        return self.folder / sha256

    def put(self, sha256: str, source: Path) -> bool:
        final = self.path(sha256)
        if final.exists():
            return False
        try:
            os.chmod(source, 0o400)  # owner-only, and never written again
            os.replace(source, final)
        except OSError as exc:
            raise StoreUnavailable(f"cannot write {final}: {exc.strerror or exc}") from None
        return True

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError:
            raise DocumentMissing(sha256) from None
        except OSError as exc:  # unreadable (permissions, a folder in its place)
            raise StoreUnavailable(
                f"{self.path(sha256)}: cannot read: {exc.strerror or exc}"
            ) from None

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def size(self, sha256: str) -> int:
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            raise DocumentMissing(sha256) from None

    def delete(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(sha256).unlink()
