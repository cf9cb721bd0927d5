"""The checklist versions assessments pinned, parsed once per process (a version is stored by
its SHA-256, so a parsed one never goes stale)."""

from __future__ import annotations

from sqlmodel import Session

from vetting.core.checklist import Checklist, parse_checklist
from vetting.errors import NotFound
from vetting.models import ChecklistVersion
from vetting.queries import cache


def pinned(s: Session, sha256: str) -> Checklist:
    """The checklist exactly as the assessment saw it."""
    row = s.get(ChecklistVersion, sha256)
    if row is None:
        raise NotFound(f"checklist version {sha256} is not stored")
    content = row.content
    return cache.remembered(
        "pinned checklist",
        sha256,
        lambda: parse_checklist(content, file=f"pinned:{sha256[:12]}"),
    )
