"""The audit chain's head written outside the database (a file, a webhook), and read back to
show that the newest events were not removed: `vetting audit anchor`, the daily job, and
`vetting audit verify --anchors FILE`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
from sqlmodel import Session

from integrations import http
from integrations.notifiers.webhook import SIGNATURE_HEADER, sign
from vetting import audit
from vetting.errors import Invalid, NotFound
from vetting.settings import Settings


def to_file(anchor: audit.Anchor, path: Path) -> None:
    """Append the anchor as one JSON line (created owner-only), flushed to disk."""
    line = json.dumps(anchor.as_json(), separators=(",", ":")) + "\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as exc:
        raise Invalid(f"{path}: cannot write the anchor: {exc.strerror or exc}") from None
    with os.fdopen(fd, "a") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def to_url(
    anchor: audit.Anchor,
    url: str,
    secret: str | None,
    *,
    timeout: float = http.DEFAULT_TIMEOUT,
    allow_private: bool = False,
) -> None:
    """POST the anchor as JSON through the SSRF-guarded client; signed when `secret` is set."""
    body = json.dumps({"audit_anchor": anchor.as_json()}, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json"}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret.encode(), body)
    try:
        http.check_url(url, allow_private)
        with http.client(timeout, allow_private) as c:
            response = c.post(url, content=body, headers=headers)
    except http.UnsafeURL as exc:
        raise Invalid(f"anchor URL refused: {exc}") from None
    except httpx.HTTPError as exc:
        raise Invalid(f"anchor URL: could not send: {exc}") from None
    if not response.is_success:
        raise Invalid(f"anchor URL answered HTTP {response.status_code}")


def read_file(path: Path) -> list[audit.Anchor]:
    """Every anchor in a file written by `to_file`; a bad line is refused naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid(f"{path}: cannot read: {exc}") from None
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            found.append(audit.parse_anchor(line))
        except ValueError as exc:
            raise Invalid(f"{path}: line {number}: {exc}") from None
    return found


def write_configured(s: Session, settings: Settings) -> audit.Anchor | None:
    """The daily job's anchor: the head now, to VETTING_AUDIT_ANCHOR_FILE and _URL (None when
    neither is set)."""
    if settings.audit_anchor_file is None and not settings.audit_anchor_url:
        return None
    anchor = audit.head(s)
    if settings.audit_anchor_file is not None:
        to_file(anchor, settings.audit_anchor_file)
    if settings.audit_anchor_url:
        to_url(
            anchor,
            settings.audit_anchor_url,
            settings.audit_anchor_secret,
            timeout=settings.notify.webhook_timeout,
            allow_private=settings.notify.allow_private_urls,
        )
    return anchor
