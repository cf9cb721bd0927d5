"""Google Play, through its public pages (it has no official API; all of it is the
developer's own declaration): the listing `<base>/details?id=PKG&hl=LANG&gl=CC` and the data
safety page `<base>/datasafety?id=PKG&hl=LANG`.

The data sit in `<script>AF_initDataCallback({key: 'ds:N', hash: '…', data: JSON,
sideChannel: {}});</script>` blocks, found with a regular expression and read with
`json.loads` — never evaluated. The positions inside are Google's internal ones and move: a
value not found where we look is unknown (None), never "collects nothing". A listing page
with no `ds:5` block at all is not read as a listing (a consent or error page).

Listing (`ds:5`): title [1,2,0,0], developer [1,2,68,0], e-mail [1,2,69,1,0], website
[1,2,69,0,5,2], privacy policy [1,2,99,0,5,2], updated (epoch seconds) [1,2,145,0,1,0],
version [1,2,140,0,0,0]. Data safety (`ds:3`): shared [1,2,1,138,4,0,0], collected
[1,2,1,138,4,1,0], security practices [1,2,1,138,9,2] (each: label [1], detail [2,1]),
privacy policy [1,2,1,100,0,5,2]. A 404 on the listing is "not in the store".
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from integrations import http
from integrations.registry import register
from integrations.stores.base import (
    DataCategory,
    DataSafety,
    Listing,
    Practice,
    Store,
    StoreError,
    StoreOptions,
    get,
    response_of,
    text_or_none,
)

_CALLBACK = re.compile(
    r"AF_initDataCallback\(\s*\{\s*key:\s*'(?P<key>ds:\d+)'.*?data:\s*(?P<data>.*?)"
    r",\s*sideChannel:\s*\{\s*\}\s*\}\s*\)\s*;?\s*</script>",
    re.S,
)

LISTING = {
    "title": (1, 2, 0, 0),
    "developer": (1, 2, 68, 0),
    "email": (1, 2, 69, 1, 0),
    "website": (1, 2, 69, 0, 5, 2),
    "privacy_policy": (1, 2, 99, 0, 5, 2),
    "updated": (1, 2, 145, 0, 1, 0),
    "version": (1, 2, 140, 0, 0, 0),
}
SAFETY = {
    "shared": (1, 2, 1, 138, 4, 0, 0),
    "collected": (1, 2, 1, 138, 4, 1, 0),
    "practices": (1, 2, 1, 138, 9, 2),
    "privacy_policy": (1, 2, 1, 100, 0, 5, 2),
}
NO_INFORMATION = "No information available"
NO_DATA_SHARED = "No data shared with third parties"
NO_DATA_COLLECTED = "No data collected"


def callbacks(html: str) -> dict[str, Any]:
    """key → data of every AF_initDataCallback block whose data is valid JSON (a block that
    is not is skipped: what it held is unknown)."""
    found: dict[str, Any] = {}
    for m in _CALLBACK.finditer(html):
        try:
            found.setdefault(m.group("key"), json.loads(m.group("data")))
        except ValueError:
            continue
    return found


def at(data: Any, path: Sequence[int]) -> Any:
    """The value at `path` in nested lists; None where the path leads nowhere."""
    for step in path:
        if not isinstance(data, list) or not -len(data) <= step < len(data):
            return None
        data = data[step]
    return data


def listing_url(options: StoreOptions, package: str) -> str:
    query = urlencode({"id": package, "hl": options.language, "gl": options.country.lower()})
    return f"{options.play_url}/details?{query}"


def data_safety_url(options: StoreOptions, package: str) -> str:
    return f"{options.play_url}/datasafety?{urlencode({'id': package, 'hl': options.language})}"


def _updated(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _email(value: Any) -> str | None:
    text = text_or_none(value, 320)
    return text if text and "@" in text else None


def parse_listing(page: http.Fetched, package: str) -> Listing:
    """The listing page's facts; StoreError when it carries no app data."""
    blocks = callbacks(page.text)
    data = blocks.get("ds:5")
    if data is None:
        raise StoreError(
            f"{page.url}: no app data on the page (no ds:5 block): not a Play listing, "
            "or the page's layout changed"
        )
    return Listing(
        GooglePlay.label,
        True,
        (response_of(page),),
        title=text_or_none(at(data, LISTING["title"]), 500),
        seller_name=text_or_none(at(data, LISTING["developer"]), 500),
        developer_name=text_or_none(at(data, LISTING["developer"]), 500),
        store_url=page.url,
        version=text_or_none(at(data, LISTING["version"]), 100),
        released_at=_updated(at(data, LISTING["updated"])),
        developer_website=text_or_none(at(data, LISTING["website"])),
        developer_email=_email(at(data, LISTING["email"])),
        privacy_policy_url=text_or_none(at(data, LISTING["privacy_policy"])),
        extra={"package": package},
    )


def _categories(value: Any) -> tuple[DataCategory, ...] | None:
    """Categories as declared: each entry's name at [0][1], its items' names at [4][i][0].
    Anything else in that place is unknown."""
    if not isinstance(value, list):
        return None
    out: list[DataCategory] = []
    for entry in value:
        name = text_or_none(at(entry, (0, 1)), 200)
        if name is None:
            return None
        items = at(entry, (4,))
        names = (
            tuple(t for t in (text_or_none(at(i, (0,)), 200) for i in items) if t)
            if isinstance(items, list)
            else ()
        )
        out.append(DataCategory(name, names))
    return tuple(out)


def _mentions(data: Any, label: str) -> bool:
    """True when the exact label is one of the strings in `data` (the store's own words)."""
    if isinstance(data, str):
        return data.strip() == label
    if isinstance(data, list):
        return any(_mentions(d, label) for d in data)
    return False


def parse_data_safety(page: http.Fetched) -> DataSafety:
    """The data-safety declaration; what the page does not say stays unknown."""
    response = response_of(page)
    data = callbacks(page.text).get("ds:3")
    if data is None:
        declared = NO_INFORMATION not in page.text
        return DataSafety(response, declared=declared)
    shared = _categories(at(data, SAFETY["shared"]))
    if shared is None and _mentions(data, NO_DATA_SHARED):
        shared = ()
    collected = _categories(at(data, SAFETY["collected"]))
    if collected is None and _mentions(data, NO_DATA_COLLECTED):
        collected = ()
    raw = at(data, SAFETY["practices"])
    practices: tuple[Practice, ...] | None = None
    if isinstance(raw, list):
        found = []
        for entry in raw:
            label = text_or_none(at(entry, (1,)), 200)
            if label is not None:
                found.append(Practice(label, text_or_none(at(entry, (2, 1)), 1000)))
        practices = tuple(found) if found else None
    nothing = shared is None and collected is None and practices is None
    return DataSafety(
        response,
        shared=shared,
        collected=collected,
        practices=practices,
        privacy_policy_url=text_or_none(at(data, SAFETY["privacy_policy"])),
        declared=not (nothing and _mentions(data, NO_INFORMATION)),
    )


@register
class GooglePlay(Store):
    slug = "android"
    label: ClassVar[str] = "Google Play"

    @classmethod
    def lookup(cls, store_id: str, options: StoreOptions) -> Listing:
        page = get(listing_url(options, store_id), options, expect="html", missing_ok=True)
        if page.status == 404:
            return Listing(cls.label, False, (response_of(page),))
        listing = parse_listing(page, store_id)
        safety_page = get(data_safety_url(options, store_id), options, expect="html")
        safety = parse_data_safety(safety_page)
        return Listing(
            listing.store,
            True,
            (listing.response, safety.response),
            title=listing.title,
            seller_name=listing.seller_name,
            developer_name=listing.developer_name,
            store_url=listing.store_url,
            version=listing.version,
            released_at=listing.released_at,
            developer_website=listing.developer_website,
            developer_email=listing.developer_email,
            privacy_policy_url=listing.privacy_policy_url or safety.privacy_policy_url,
            data_safety=safety,
            extra=listing.extra,
        )
