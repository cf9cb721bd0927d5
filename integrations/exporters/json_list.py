"""The list as our own versioned JSON (`schema: "vetting.allowlist/v1"`)."""

from __future__ import annotations

from typing import Any

from integrations.exporters.base import Exporter, ExportOptions
from integrations.registry import register
from vetting.core.releases import SCHEMA, Release, dumps_canonical


def document(release: Release) -> dict[str, Any]:
    """Release metadata, entries, exclusions (with `rejected`) and the diff to the last. The
    entries and exclusions are the release's canonical content as stored."""
    return {
        "schema": SCHEMA,
        "release": release.metadata(),
        "as_of": release.as_of.isoformat(),
        "entries": release.content.get("entries", []),
        "excluded": release.content.get("excluded", []),
        "diff": release.diff.as_dict(),
    }


def document_json(release: Release) -> bytes:
    """`document` as canonical JSON (sorted keys, compact): the release's canonical entries
    and exclusions are spliced in, not written a second time (tens of thousands of entries)."""
    entries, excluded = release.canonical_parts
    pieces = {
        "as_of": dumps_canonical(release.as_of.isoformat()),
        "diff": dumps_canonical(release.diff.as_dict()),
        "entries": entries,
        "excluded": excluded,
        "release": dumps_canonical(release.metadata()),
        "schema": dumps_canonical(SCHEMA),
    }
    body = ",".join(f"{dumps_canonical(key)}:{value}" for key, value in sorted(pieces.items()))
    return ("{" + body + "}").encode("ascii")


@register
class JsonExporter(Exporter):
    slug = "json"
    media_type = "application/json"
    extension = "json"
    title = "JSON (vetting.allowlist/v1)"

    def export(self, release: Release, options: ExportOptions) -> bytes:
        return document_json(release)
