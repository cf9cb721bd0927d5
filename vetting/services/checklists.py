"""Checklists on disk, and storing the exact versions that assessments pin (by SHA-256; reading
them back is queries/checklists.py)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlmodel import Session

from vetting.core.checklist import Checklist, load_directory
from vetting.errors import NotFound
from vetting.models import ChecklistVersion


def load_all(directory: Path) -> dict[str, Checklist]:
    """Every checklist in the folder; raises ChecklistError on the first bad file."""
    return load_directory(directory)


def get(checklists: Mapping[str, Checklist], checklist_id: str) -> Checklist:
    checklist = checklists.get(checklist_id)
    if checklist is None:
        known = ", ".join(sorted(checklists)) or "none"
        raise NotFound(f"no checklist {checklist_id!r} (known: {known})", "checklist_id")
    return checklist


def pin(s: Session, checklist: Checklist) -> ChecklistVersion:
    """Store this exact checklist text once, so later edits of the file change nothing."""
    row = s.get(ChecklistVersion, checklist.sha256)
    if row is None:
        row = ChecklistVersion(
            sha256=checklist.sha256,
            checklist_id=checklist.id,
            version=checklist.version,
            content=checklist.text,
        )
        s.add(row)
        s.flush()
    return row
