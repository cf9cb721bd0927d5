"""The checklist versions assessments pinned, parsed once per process (a version is stored by
its SHA-256, so a parsed one never goes stale)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import select
from sqlmodel import Session, col

from vetting.core.checklist import Checklist, parse_checklist
from vetting.errors import Invalid, NotFound
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


_SHA_RE = re.compile(r"^[0-9a-f]{8,64}$")


def resolve_version(s: Session, spec: str, loaded: Mapping[str, Checklist]) -> Checklist:
    """A checklist named by `id@version` (the loaded file when it has that version, else the
    pinned text) or by the SHA-256 (or a prefix of ≥ 8 hex digits) of a pinned text.
    Raises NotFound naming what is known, or Invalid when a name fits several texts."""
    if "@" in spec:
        cid, _, version = spec.partition("@")
        current = loaded.get(cid)
        if current is not None and current.version == version:
            return current
        rows = list(
            s.scalars(
                select(ChecklistVersion).where(
                    col(ChecklistVersion.checklist_id) == cid,
                    col(ChecklistVersion.version) == version,
                )
            ).all()
        )
        if not rows:
            known = sorted(
                {
                    f"{cid}@{v}"
                    for v in s.scalars(
                        select(col(ChecklistVersion.version)).where(
                            col(ChecklistVersion.checklist_id) == cid
                        )
                    ).all()
                }
                | ({f"{cid}@{current.version}"} if current is not None else set())
            )
            raise NotFound(
                f"no checklist version {spec!r} is loaded or pinned"
                + (f" (known: {', '.join(known)})" if known else f" (no checklist {cid!r})")
            )
    elif _SHA_RE.match(spec.lower()):
        rows = list(
            s.scalars(
                select(ChecklistVersion).where(
                    col(ChecklistVersion.sha256).startswith(spec.lower())
                )
            ).all()
        )
        for checklist in loaded.values():
            if checklist.sha256.startswith(spec.lower()) and not rows:
                return checklist
        if not rows:
            raise NotFound(f"no pinned checklist version has sha256 {spec!r}")
    else:
        raise NotFound(
            f"{spec!r} is not a file, an id@version or the sha256 of a pinned checklist version"
        )
    if len(rows) > 1:
        shas = ", ".join(r.sha256[:12] for r in rows)
        raise Invalid(f"{spec!r} names {len(rows)} pinned texts ({shas}): give its sha256")
    return pinned(s, rows[0].sha256)
