"""The document store in an S3 bucket (AWS, or an S3-compatible store such as MinIO named by
its endpoint URL): object `<prefix>documents/<sha256>`, shared by every app instance.

Credentials come from boto3's own chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile,
an instance or task role), never from the database or Vetting's settings. Each object is
written whole by one PUT carrying its SHA-256, which S3 checks before it keeps it; what is
read back is checked again by the caller before it is served.
"""

from __future__ import annotations

import base64
import io
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from integrations.storage.base import DocumentMissing, DocumentStore, StoreUnavailable

if TYPE_CHECKING:
    from botocore.response import StreamingBody

FOLDER = "documents/"
STAGING = "staging"
_MISSING = {"404", "NoSuchKey", "NotFound"}


def key_prefix(prefix: str) -> str:
    """'vetting' and '/vetting/' both mean the folder 'vetting/'; '' is the bucket's root."""
    prefix = prefix.strip().strip("/")
    return f"{prefix}/" if prefix else ""


class S3Store(DocumentStore):
    kind = "s3"

    def __init__(
        self,
        instance_path: str | Path,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = key_prefix(prefix) + FOLDER
        self.endpoint_url = endpoint_url
        self.region = region
        self._staging = Path(instance_path) / STAGING
        self._client: Any = None
        self._lock = threading.Lock()

    # boto3 is imported and its client made on first use: `vetting` commands that never
    # touch a document do not pay for it.
    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                import boto3
                from botocore.config import Config

                config = Config(
                    retries={"max_attempts": 4, "mode": "standard"},
                    connect_timeout=10,
                    read_timeout=60,
                    # S3-compatible stores (MinIO…) rarely serve bucket names as host names.
                    s3={"addressing_style": "path"} if self.endpoint_url else {},
                )
                self._client = boto3.session.Session().client(
                    "s3",
                    endpoint_url=self.endpoint_url,
                    region_name=self.region,
                    config=config,
                )
            return self._client

    @property
    def where(self) -> str:
        at = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}{at}"

    @property
    def staging(self) -> Path:
        try:
            self._staging.mkdir(parents=True, exist_ok=True, mode=0o700)  # owner only
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot create {self._staging}: {exc.strerror or exc}"
            ) from None
        return self._staging

    def key(self, sha256: str) -> str:
        return self.prefix + sha256

    def _failed(self, doing: str, sha256: str, exc: Exception) -> StoreUnavailable:
        hint = ""
        if _code(exc) in {"403", "AccessDenied", "Forbidden"}:
            # Without s3:ListBucket S3 answers 403, not 404, for a key that is not there.
            hint = " (access denied: the role needs s3:GetObject, s3:PutObject and "
            hint += "s3:ListBucket on the prefix)"
        return StoreUnavailable(
            f"cannot {doing} s3://{self.bucket}/{self.key(sha256)}"
            f"{f' at {self.endpoint_url}' if self.endpoint_url else ''}: {_reason(exc)}{hint}"
        )

    def put(self, sha256: str, source: Path) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        if self.exists(sha256):
            return False
        checksum = base64.b64encode(bytes.fromhex(sha256)).decode()
        try:
            with source.open("rb") as fh:
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=self.key(sha256),
                    Body=fh,
                    ContentLength=source.stat().st_size,
                    ContentType="application/octet-stream",
                    ChecksumSHA256=checksum,  # S3 refuses bytes that do not match
                )
        except (BotoCoreError, ClientError) as exc:
            raise self._failed("write", sha256, exc) from None
        except OSError as exc:
            raise StoreUnavailable(f"{source}: cannot read: {exc.strerror or exc}") from None
        return True

    def open(self, sha256: str) -> BinaryIO:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise DocumentMissing(sha256) from None
            raise self._failed("read", sha256, exc) from None
        except BotoCoreError as exc:
            raise self._failed("read", sha256, exc) from None
        raw = _Body(found["Body"], lambda exc: self._failed("read", sha256, exc))
        return cast(BinaryIO, io.BufferedReader(raw, 1 << 16))

    def _head(self, sha256: str) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            found: dict[str, Any] = self.client.head_object(
                Bucket=self.bucket, Key=self.key(sha256)
            )
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return None
            raise self._failed("look up", sha256, exc) from None
        except BotoCoreError as exc:
            raise self._failed("look up", sha256, exc) from None
        return found

    def exists(self, sha256: str) -> bool:
        return self._head(sha256) is not None

    def size(self, sha256: str) -> int:
        found = self._head(sha256)
        if found is None:
            raise DocumentMissing(sha256)
        return int(found["ContentLength"])

    def delete(self, sha256: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))
        except (BotoCoreError, ClientError) as exc:
            raise self._failed("delete", sha256, exc) from None


class _Body(io.RawIOBase):
    """An object's body as a plain binary stream whose failures read as StoreUnavailable."""

    def __init__(self, body: StreamingBody, failed: Any) -> None:
        self._body = body
        self._failed = failed

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        from botocore.exceptions import BotoCoreError

        try:
            data = self._body.read(len(buffer))
        except (BotoCoreError, OSError) as exc:
            raise self._failed(exc) from None
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


def _code(exc: Any) -> str:
    response = getattr(exc, "response", None)  # ClientError has one; BotoCoreError not
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        return f"{error.get('Code', '')} {error.get('Message', '')}".strip() or str(exc)
    return str(exc)
