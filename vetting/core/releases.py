"""A published list as canonical JSON, its SHA-256, and the release type exporters read.

The hashed content holds only what decides the list — the entries and the exclusions with
their reasons — never the date it was computed for or the time it was published, so the
same list on another day has the same hash and publishing it again changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from operator import attrgetter
from typing import Any

from vetting.core.allowlist import ApprovedList, Exclusion, ListDiff, ListEntry

SCHEMA = "vetting.allowlist/v1"

_DATE_FIELDS = ("decided_on", "valid_until", "baa_term_end")


# Python's own string order: the same on SQLite and PostgreSQL, whatever their collation.
sort_key = attrgetter("name", "platform", "app_id")


def entry_dict(e: ListEntry) -> dict[str, Any]:
    """One approved entry as JSON-ready values (dates as ISO text)."""
    d = e.__dict__.copy()  # every field, in one C-level copy: this runs once per app
    d["decided_on"] = e.decided_on.isoformat()
    d["valid_until"] = e.valid_until.isoformat()
    d["baa_term_end"] = e.baa_term_end.isoformat() if e.baa_term_end else None
    return d


def exclusion_dict(x: Exclusion) -> dict[str, Any]:
    """One app left off the list, with every reason and whether it is rejected (blocked)."""
    d = x.__dict__.copy()
    d["reasons"] = list(x.reasons)
    d["reason"] = "; ".join(x.reasons)
    return d


def release_content(entries: Iterable[ListEntry], excluded: Iterable[Exclusion]) -> dict[str, Any]:
    """The canonical content of a release: schema, entries and exclusions, sorted."""
    return {
        "schema": SCHEMA,
        "entries": [entry_dict(e) for e in sorted(entries, key=sort_key)],
        "excluded": [exclusion_dict(x) for x in sorted(excluded, key=sort_key)],
    }


def dumps_canonical(value: Any) -> str:
    """Sorted keys, compact separators, non-ASCII as \\u escapes (pure ASCII, and the
    encoder's fast path): the one JSON spelling we hash. Content is plain trees of scalars
    built here, never cyclic, so the per-container cycle check (a quarter of the time at
    50,000 apps) is skipped."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), check_circular=False)


_CONTENT_KEYS = frozenset({"schema", "entries", "excluded"})


def canonical_parts(content: Mapping[str, Any]) -> tuple[str, str]:
    """The canonical JSON of the entries and of the exclusions: the two big pieces, written
    once and shared by the hash and the JSON export."""
    return dumps_canonical(content.get("entries", [])), dumps_canonical(content.get("excluded", []))


def canonical_json(content: Mapping[str, Any], parts: tuple[str, str] | None = None) -> bytes:
    """Sorted keys, compact separators, UTF-8: one byte string per content. Assembled from
    `canonical_parts` (byte for byte what json.dumps(sort_keys=True) writes)."""
    if set(content) != _CONTENT_KEYS:
        return dumps_canonical(content).encode("utf-8")
    entries, excluded = parts or canonical_parts(content)
    schema = dumps_canonical(content["schema"])
    return f'{{"entries":{entries},"excluded":{excluded},"schema":{schema}}}'.encode("ascii")


def content_sha256(content: Mapping[str, Any], parts: tuple[str, str] | None = None) -> str:
    return hashlib.sha256(canonical_json(content, parts)).hexdigest()


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def entry_from_dict(d: Mapping[str, Any]) -> ListEntry:
    return ListEntry(
        app_id=d["app_id"],
        name=d["name"],
        platform=d["platform"],
        store_id=d.get("store_id"),
        vendor_id=d["vendor_id"],
        vendor_name=d["vendor_name"],
        decision=d["decision"],
        decided_on=date.fromisoformat(d["decided_on"]),
        decided_by=d["decided_by"],
        valid_until=date.fromisoformat(d["valid_until"]),
        assessment_id=d["assessment_id"],
        baa_id=d["baa_id"],
        baa_term_end=_day(d.get("baa_term_end")),
        conditions=d.get("conditions"),
        reason=d["reason"],
        store_url=d.get("store_url"),
    )


def exclusion_from_dict(d: Mapping[str, Any]) -> Exclusion:
    return Exclusion(
        app_id=d["app_id"],
        name=d["name"],
        platform=d["platform"],
        store_id=d.get("store_id"),
        vendor_id=d["vendor_id"],
        vendor_name=d["vendor_name"],
        reasons=tuple(d.get("reasons") or ()),
        rejected=bool(d.get("rejected", False)),
        store_url=d.get("store_url"),
    )


def list_from_content(content: Mapping[str, Any], as_of: date) -> ApprovedList:
    """A stored release's content back as the list it was computed from."""
    return ApprovedList(
        as_of=as_of,
        entries=tuple(entry_from_dict(d) for d in content.get("entries") or ()),
        excluded=tuple(exclusion_from_dict(d) for d in content.get("excluded") or ()),
    )


@dataclass(frozen=True)
class Release:
    """An immutable published list: what every exporter and sync target reads.

    `content` is the canonical content (as stored); `entries` and `excluded` are parsed from
    it on first use, so a format that can write the content as it is never pays for parsing.
    """

    id: int
    sha256: str
    as_of: date
    created_by: str
    created_at: datetime
    previous_id: int | None
    note: str | None
    content: Mapping[str, Any]
    diff: ListDiff

    @cached_property
    def entries(self) -> tuple[ListEntry, ...]:
        return tuple(entry_from_dict(d) for d in self.content.get("entries") or ())

    @cached_property
    def excluded(self) -> tuple[Exclusion, ...]:
        return tuple(exclusion_from_dict(d) for d in self.content.get("excluded") or ())

    @classmethod
    def of_content(
        cls,
        content: Mapping[str, Any],
        *,
        id: int,
        as_of: date,
        created_by: str,
        created_at: datetime,
        previous_id: int | None = None,
        note: str | None = None,
        diff: ListDiff | None = None,
    ) -> Release:
        """A release for freshly computed content: hashes it, writing the big JSON pieces once
        and keeping them for the JSON export."""
        parts = canonical_parts(content)
        release = cls(
            id=id,
            sha256=content_sha256(content, parts),
            as_of=as_of,
            created_by=created_by,
            created_at=created_at,
            previous_id=previous_id,
            note=note,
            content=content,
            diff=diff or ListDiff(),
        )
        release.__dict__["canonical_parts"] = parts  # what the cached_property would compute
        return release

    @cached_property
    def canonical_parts(self) -> tuple[str, str]:
        """Entries and exclusions as canonical JSON, written once per release object."""
        return canonical_parts(self.content)

    @property
    def rejected(self) -> tuple[Exclusion, ...]:
        """Apps whose latest decision is a rejection: what block-mode exports block."""
        return tuple(x for x in self.excluded if x.rejected)

    def metadata(self) -> dict[str, Any]:
        """Release facts every export carries (JSON-ready)."""
        return {
            "id": self.id,
            "sha256": self.sha256,
            "as_of": self.as_of.isoformat(),
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "previous_id": self.previous_id,
            "entry_count": len(self.content.get("entries") or ()),
            "note": self.note,
        }
