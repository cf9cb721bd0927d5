"""The App Store, through the iTunes lookup API by bundle ID:
`GET <lookup>?bundleId=ID&country=CC&entity=software` → `{"resultCount": n, "results": [...]}`.

Read from a result: trackName, sellerName (the legal seller: vendors are matched on it),
artistName (the display developer), trackViewUrl, version, currentVersionReleaseDate (ISO,
UTC), minimumOsVersion, sellerUrl (optional), trackId, artistId. The API carries no privacy
label and no privacy-policy URL. No result means no such app in that country's store.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from integrations import http
from integrations.registry import register
from integrations.stores.base import (
    Listing,
    Store,
    StoreError,
    StoreOptions,
    get,
    response_of,
    text_or_none,
)


def lookup_url(options: StoreOptions, bundle_id: str) -> str:
    query = urlencode({"bundleId": bundle_id, "country": options.country, "entity": "software"})
    return f"{options.apple_lookup_url}?{query}"


def _released(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _id(value: Any) -> str | None:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


def parse(page: http.Fetched, bundle_id: str) -> Listing:
    """The listing in a lookup response; StoreError when it is not a lookup response."""
    response = response_of(page)
    try:
        doc = json.loads(page.content)
    except (ValueError, UnicodeDecodeError):
        raise StoreError(f"{page.url}: the response is not JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise StoreError(f"{page.url}: not an iTunes lookup response (no results list)")
    results = [r for r in doc["results"] if isinstance(r, dict)]
    if not results:
        return Listing(AppStore.label, False, (response,))
    wanted = bundle_id.casefold()
    same = [r for r in results if str(r.get("bundleId", "")).casefold() == wanted]
    app = (same or results)[0]
    track, artist = app.get("trackId"), app.get("artistId")
    return Listing(
        AppStore.label,
        True,
        (response,),
        title=text_or_none(app.get("trackName"), 500),
        seller_name=text_or_none(app.get("sellerName"), 500),
        developer_name=text_or_none(app.get("artistName"), 500),
        store_url=text_or_none(app.get("trackViewUrl")),
        version=text_or_none(app.get("version"), 100),
        released_at=_released(app.get("currentVersionReleaseDate")),
        minimum_os=text_or_none(app.get("minimumOsVersion"), 50),
        developer_website=text_or_none(app.get("sellerUrl")),
        track_id=_id(track),
        developer_id=_id(artist),
        extra={"bundle_id": text_or_none(app.get("bundleId"), 255)},
    )


@register
class AppStore(Store):
    slug = "ios"
    label: ClassVar[str] = "the App Store"

    @classmethod
    def lookup(cls, store_id: str, options: StoreOptions) -> Listing:
        return parse(get(lookup_url(options, store_id), options, expect="json"), store_id)
