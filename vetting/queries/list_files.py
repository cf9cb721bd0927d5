"""The live list as a file (JSON or CSV), kept until it can change.

A poller of `GET /api/v1/allowlist` without If-None-Match, or a person downloading
`/allowlist/current.csv`, used to have the whole list computed and serialised on every call
(seconds at 50,000 apps). The list itself comes from the live list the dashboard keeps
(the last release patched with what changed since, `dashboard.list_changes`), and the bytes are
kept under the list's version tag (the ETag: the day, the writes it is computed from, the
code and the provisions catalogue), so every call after the first is a lookup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from vetting import clock
from vetting.queries import allowlist, cache
from vetting.queries.dashboard import list_changes

FORMATS = ("json", "json-pretty", "csv")


@dataclass(frozen=True)
class ListFile:
    tag: str  # the weak ETag's value
    body: bytes
    media_type: str


def live_file(s: Session, as_of: date, fmt: str, tag: str | None = None) -> ListFile:
    """The list on `as_of` as `fmt` (json, json-pretty or csv), computed and serialised once
    per version; pass the `tag` already read to save the query."""
    tag = tag or allowlist.version(s, as_of, fmt)

    def build() -> ListFile:
        current = list_changes(s, as_of).current
        if fmt == "csv":
            return ListFile(tag, allowlist.as_csv(current).encode("utf-8"), "text/csv")
        body = allowlist.as_dict(current, clock.now())
        text = json.dumps(body, indent=2) if fmt == "json-pretty" else json.dumps(body)
        return ListFile(tag, text.encode("utf-8"), "application/json")

    # the day in the key in plain sight (the tag hashes it): the warm-up after midnight drops
    # the days before (cache.forget_before), tens of MB each
    return cache.remembered("live list file", (as_of, tag, fmt), build)
