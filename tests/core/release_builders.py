"""Builders for pure release tests: list entries, exclusions and releases without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from vetting.core.allowlist import ApprovedList, Exclusion, ListDiff, ListEntry, diff_lists
from vetting.core.releases import Release, content_sha256, release_content


def entry(app_id: int = 1, name: str = "Acme Camera", **kw: Any) -> ListEntry:
    fields: dict[str, Any] = {
        "app_id": app_id,
        "name": name,
        "platform": "ios",
        "store_id": f"com.acme.app{app_id}",
        "vendor_id": 1,
        "vendor_name": "Acme Health",
        "decision": "approved",
        "decided_on": date(2026, 10, 2),
        "decided_by": "pat@example.org",
        "valid_until": date(2027, 10, 2),
        "assessment_id": app_id,
        "baa_id": 1,
        "baa_term_end": date(2027, 6, 1),
        "conditions": None,
        "reason": "approved 2026-10-02 by pat@example.org; BAA with Acme Health in force",
        "store_url": None,
    }
    fields.update(kw)
    return ListEntry(**fields)


def exclusion(
    app_id: int = 2,
    name: str = "Chat Box",
    reasons: tuple[str, ...] = ("no decision recorded",),
    **kw: Any,
) -> Exclusion:
    fields: dict[str, Any] = {
        "app_id": app_id,
        "name": name,
        "platform": "ios",
        "store_id": f"com.chat.app{app_id}",
        "vendor_id": 2,
        "vendor_name": "Chatty Inc",
        "reasons": reasons,
    }
    fields.update(kw)
    return Exclusion(**fields)


def release(
    entries: tuple[ListEntry, ...] = (),
    excluded: tuple[Exclusion, ...] = (),
    release_id: int = 7,
    previous: ApprovedList | None = None,
    as_of: date = date(2026, 11, 25),
) -> Release:
    content = release_content(entries, excluded)
    current = ApprovedList(as_of, entries, excluded)
    diff = diff_lists(previous, current) if previous is not None else ListDiff()
    return Release(
        id=release_id,
        sha256=content_sha256(content),
        as_of=as_of,
        created_by="cli:pat",
        created_at=datetime(2026, 11, 25, 12, tzinfo=UTC),
        previous_id=release_id - 1 if previous is not None else None,
        note=None,
        content=content,
        diff=diff,
    )
