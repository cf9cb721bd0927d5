"""The store family: a Store looks one app up in its app store by store ID and returns what
the listing says, parsed, with the URL and SHA-256 of every response it read. One class per
store with a `slug` (the app's platform) and one `lookup` method, registered with
`integrations.registry.register`; a new store is one new file in integrations/stores/.

Every request goes through `integrations.http.fetch` (SSRF guard, redirects checked hop by
hop, byte and time limits). Anything that is not the answer we expect — a timeout, a body
over the limit, a redirect to an internal address, an error status, a body that is not
JSON/HTML or carries no app data — is a StoreError naming the URL: the caller records it and
keeps nothing of that lookup.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from integrations import http, registry

FAMILY = "stores"


class StoreError(ValueError):
    """A lookup that failed, in words (naming the URL)."""


@dataclass(frozen=True)
class StoreOptions:
    """Where the stores are and how to ask them (from the settings; tests point the base
    URLs at a local server)."""

    apple_lookup_url: str = "https://itunes.apple.com/lookup"
    play_url: str = "https://play.google.com/store/apps"
    country: str = "us"
    language: str = "en"
    max_bytes: int = 5 * 1024 * 1024
    timeout_seconds: float = 20.0
    allow_private: bool = False


@dataclass(frozen=True)
class Response:
    """One response a lookup read: where from, its SHA-256 (of the body as received)."""

    url: str
    sha256: str
    status: int


@dataclass(frozen=True)
class Practice:
    """One declared security practice: its label as the store words it, and its detail."""

    label: str
    description: str | None = None


@dataclass(frozen=True)
class DataCategory:
    """One category of data shared or collected ("Personal info") and its items."""

    category: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataSafety:
    """A data-safety declaration. None in a field means the page did not say (or our path to
    it moved): unknown — never "nothing collected". An empty tuple is the store's own "No
    data shared / collected"."""

    response: Response
    shared: tuple[DataCategory, ...] | None = None
    collected: tuple[DataCategory, ...] | None = None
    practices: tuple[Practice, ...] | None = None
    privacy_policy_url: str | None = None
    declared: bool = True  # False: the store shows "No information available"

    def as_dict(self) -> dict[str, Any]:
        def cats(value: tuple[DataCategory, ...] | None) -> list[dict[str, Any]] | None:
            if value is None:
                return None
            return [{"category": c.category, "items": list(c.items)} for c in value]

        return {
            "url": self.response.url,
            "sha256": self.response.sha256,
            "declared": self.declared,
            "shared": cats(self.shared),
            "collected": cats(self.collected),
            "practices": None
            if self.practices is None
            else [{"label": p.label, "description": p.description} for p in self.practices],
            "privacy_policy_url": self.privacy_policy_url,
        }


@dataclass(frozen=True)
class Listing:
    """What one lookup found. `found` False: the store has no such app (the other fields
    are empty). `responses` lists every response read, the listing's first."""

    store: str  # "App Store", "Google Play"
    found: bool
    responses: tuple[Response, ...]
    title: str | None = None
    seller_name: str | None = None
    developer_name: str | None = None
    store_url: str | None = None
    version: str | None = None
    released_at: datetime | None = None
    minimum_os: str | None = None
    developer_website: str | None = None
    developer_email: str | None = None
    privacy_policy_url: str | None = None
    track_id: str | None = None
    developer_id: str | None = None
    data_safety: DataSafety | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def response(self) -> Response:
        return self.responses[0]


class Store(ABC):
    """One app store. `slug` is the platform whose store IDs it looks up."""

    family: ClassVar[str] = FAMILY
    slug: ClassVar[str]
    label: ClassVar[str]

    @classmethod
    @abstractmethod
    def lookup(cls, store_id: str, options: StoreOptions) -> Listing:
        """The store's listing of `store_id`; StoreError when it cannot be read."""


def store_for(platform: str) -> type[Store] | None:
    """The store that lists apps of `platform` (None: web apps, or no such store)."""
    return registry.lookup(FAMILY, platform)


# --- reading a response ---------------------------------------------------------------------


def get(url: str, options: StoreOptions, *, expect: str, missing_ok: bool = False) -> http.Fetched:
    """GET `url` through the guarded fetch. `expect` is "json" or "html": an HTML reply where
    JSON is expected (a consent or error page) is refused by the reader; a non-HTML reply
    where HTML is expected is refused here. A 404 is returned when `missing_ok` (the store's
    "no such app"); every other status but 200 is a StoreError."""
    accept = "application/json, text/javascript" if expect == "json" else "text/html"
    try:
        page = http.fetch(
            url,
            allow_private=options.allow_private,
            max_bytes=options.max_bytes,
            total_seconds=options.timeout_seconds,
            accept=accept,
        )
    except http.FetchError as exc:
        raise StoreError(str(exc)) from None
    if page.status == 404 and missing_ok:
        return page
    if page.status != 200:
        raise StoreError(f"{page.url}: the store answered HTTP {page.status}")
    kind = page.headers.get("content-type", "").split(";")[0].strip().lower()
    if expect == "html" and kind not in ("text/html", "application/xhtml+xml"):
        raise StoreError(f"{page.url}: expected an HTML page, got {kind or 'no content type'}")
    return page


def response_of(page: http.Fetched) -> Response:
    return Response(page.url, hashlib.sha256(page.content).hexdigest(), page.status)


def text_or_none(value: Any, limit: int = 2000) -> str | None:
    """A non-empty string, trimmed and cut to `limit`; anything else None."""
    if isinstance(value, str) and value.strip():
        return value.strip()[:limit]
    return None
