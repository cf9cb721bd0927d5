"""The document store's interface: bytes kept by their SHA-256, written once, never altered.

A store is handed complete files (staged and judged by vetting/services/documents.py) and
gives them back as they were stored; checking the hash of what comes back is the caller's
job, so a store never has to trust itself.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import BinaryIO


class DocumentMissing(Exception):
    """No document is stored under that SHA-256."""


class StoreUnavailable(Exception):
    """The store could not be read or written (permissions, the network, the bucket): the
    message says what and where, for an administrator."""


class DocumentStore(ABC):
    """Bytes by SHA-256. `put` is idempotent: the same bytes under the same name are one
    document, and a document already there is never rewritten."""

    kind: str  # the value of VETTING_DOCUMENT_STORE that selects it

    @property
    @abstractmethod
    def where(self) -> str:
        """Where the documents are, in words for messages ("/srv/instance/documents",
        "s3://bucket/prefix/documents/")."""

    @property
    @abstractmethod
    def staging(self) -> Path:
        """A local folder, owner-only, for temporary files on their way in or out (uploads
        being judged, a document being checked before it is served)."""

    @abstractmethod
    def put(self, sha256: str, source: Path) -> bool:
        """Store the complete file `source` as `sha256` (the caller checked its hash). False,
        leaving the store as it was, when a document is already stored under that name. The
        store may move `source` away (the local store renames it into place)."""

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes, for reading from the start (close it); DocumentMissing when
        there are none."""

    @abstractmethod
    def exists(self, sha256: str) -> bool:
        """Whether a document is stored under that name."""

    @abstractmethod
    def size(self, sha256: str) -> int:
        """The stored document's size in bytes; DocumentMissing when there is none."""

    @abstractmethod
    def delete(self, sha256: str) -> None:
        """Remove a document (one a rolled-back transaction placed); no error when absent."""
