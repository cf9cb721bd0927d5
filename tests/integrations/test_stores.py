"""Reading the app stores through the guarded fetch: the iTunes lookup JSON by bundle ID, and
Google Play's listing and data-safety pages by package name (AF_initDataCallback blocks read
with a regular expression and json.loads). A value not where we look is unknown, never "none";
anything that is not the store's answer is a StoreError naming the URL."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from integrations.stores.base import StoreError, store_for
from integrations.stores.google_play import callbacks
from tests.store_server import (
    PUBLIC,
    Reply,
    StoreServer,
    category,
    itunes_result,
    play_data_safety,
    play_listing,
)

IOS = "com.acme.camera"
ANDROID = "com.acme.messenger"


def ios(stores: StoreServer, **options: object):  # type: ignore[no-untyped-def]
    store = store_for("ios")
    assert store is not None
    return store.lookup(IOS, stores.options(**options))


def android(stores: StoreServer, **options: object):  # type: ignore[no-untyped-def]
    store = store_for("android")
    assert store is not None
    return store.lookup(ANDROID, stores.options(**options))


def test_an_itunes_result_gives_seller_developer_version_and_links(stores: StoreServer) -> None:
    stores.itunes[IOS] = [itunes_result(IOS)]
    found = ios(stores)
    assert found.found and found.store == "the App Store"
    assert (found.title, found.seller_name, found.developer_name) == (
        "Acme Camera",
        "Acme Health, L.L.C.",
        "Acme Health",
    )
    assert (found.version, found.minimum_os, found.track_id) == ("4.2.1", "16.0", "640000001")
    assert found.developer_id == "640000000"
    assert found.released_at == datetime(2026, 10, 2, 7, 0, tzinfo=UTC)
    assert found.developer_website == "https://acme.example/"
    assert found.store_url and "id640000001" in found.store_url
    assert found.privacy_policy_url is None and found.data_safety is None  # not in this API
    assert found.response.url.startswith(f"http://{PUBLIC}:{stores.port}/lookup?bundleId={IOS}")
    assert "country=us" in found.response.url and "entity=software" in found.response.url
    assert len(found.response.sha256) == 64


def test_the_result_for_the_asked_bundle_id_is_taken_and_the_country_is_asked(
    stores: StoreServer,
) -> None:
    stores.itunes[IOS] = [itunes_result("com.other.app", name="Other"), itunes_result(IOS)]
    assert ios(stores, country="gb").title == "Acme Camera"
    assert "country=gb" in stores.seen[-1]


def test_no_itunes_result_means_not_in_that_store(stores: StoreServer) -> None:
    found = ios(stores)
    assert not found.found and found.title is None


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply(body=b"<html>Please accept cookies</html>"), "the response is not JSON"),
        (Reply(body=b'{"errorMessage": "Invalid value"}', content_type="application/json"),
         "not an iTunes lookup response"),
        (Reply(500, b"oops"), "the store answered HTTP 500"),
    ],
)  # fmt: skip
def test_what_is_not_a_lookup_response_is_an_error(
    stores: StoreServer, reply: Reply, words: str
) -> None:
    stores.routes[("/lookup", IOS)] = reply
    with pytest.raises(StoreError, match=words):
        ios(stores)


def test_a_play_listing_and_its_data_safety_are_read_from_their_blocks(
    stores: StoreServer,
) -> None:
    stores.android(
        ANDROID,
        play_listing(),
        play_data_safety(
            shared=[category("Personal info", "Email address", "Name")],
            collected=[category("Messages", "Other in-app messages"), category("Photos", "Photos")],
        ),
    )
    found = android(stores)
    assert found.found and found.store == "Google Play"
    assert (found.title, found.seller_name, found.developer_name) == (
        "Acme Messenger: Care Team Chat",
        "Acme Health LLC",
        "Acme Health LLC",
    )
    assert found.version == "Varies with device"  # kept as the store words it
    assert found.released_at == datetime.fromtimestamp(1_790_000_000, UTC)
    assert found.developer_email == "support@acme.example"
    assert found.developer_website == "https://acme.example"
    assert found.privacy_policy_url == "https://acme.example/privacy"
    safety = found.data_safety
    assert safety is not None and safety.declared
    assert [p.label for p in safety.practices or ()] == [
        "Data is encrypted in transit",
        "You can request that data be deleted",
    ]
    assert safety.practices and safety.practices[0].description == (
        "Your data is sent over a secure connection"
    )
    assert [(c.category, c.items) for c in safety.shared or ()] == [
        ("Personal info", ("Email address", "Name"))
    ]
    assert [c.category for c in safety.collected or ()] == ["Messages", "Photos"]
    assert [r.sha256 for r in found.responses] == [
        stores.sha("/store/apps/details", ANDROID),
        stores.sha("/store/apps/datasafety", ANDROID),
    ]
    assert "hl=en" in safety.response.url and "/datasafety?id=com.acme.messenger" in (
        safety.response.url
    )


def test_a_data_safety_value_not_where_we_look_is_unknown_not_none(stores: StoreServer) -> None:
    """The positions move: shared/collected missing are None (unknown), never "collects
    nothing"; only the store's own "No data shared…" label says none."""
    stores.android(
        ANDROID, play_listing(), play_data_safety(words=("No data shared with third parties",))
    )
    safety = android(stores).data_safety
    assert safety is not None
    assert safety.shared == ()  # the store's words
    assert safety.collected is None  # nothing found: unknown


def test_an_app_that_declared_nothing_is_shown_as_such(stores: StoreServer) -> None:
    stores.android(
        ANDROID,
        play_listing(),
        b"<html><body><div>No information available</div></body></html>",
    )
    safety = android(stores).data_safety
    assert safety is not None
    assert not safety.declared and safety.practices is None and safety.shared is None


def test_a_play_404_means_not_in_the_store(stores: StoreServer) -> None:
    found = android(stores)
    assert not found.found and len(found.responses) == 1
    assert not [p for p in stores.seen if "datasafety" in p]


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply(body=b"<html><body>Before you continue</body></html>"), "no ds:5 block"),
        # Data that is JavaScript, not JSON, is never evaluated: the block is skipped.
        (Reply(body=b"<script>AF_initDataCallback({key: 'ds:5', hash: '1', data:function(){"
                    b"return [1]}(), sideChannel: {}});</script>"), "no ds:5 block"),
        (Reply(body=b'{"title": "x"}', content_type="application/json"),
         "expected an HTML page, got application/json"),
        (Reply(503, b"busy"), "HTTP 503"),
    ],
)  # fmt: skip
def test_what_is_not_a_listing_page_is_an_error(
    stores: StoreServer, reply: Reply, words: str
) -> None:
    stores.routes[("/store/apps/details", ANDROID)] = reply
    with pytest.raises(StoreError, match=words):
        android(stores)


def test_a_failed_data_safety_page_fails_the_whole_lookup(stores: StoreServer) -> None:
    stores.routes[("/store/apps/details", ANDROID)] = Reply(body=play_listing())
    with pytest.raises(StoreError, match="HTTP 404"):
        android(stores)


def test_an_over_size_response_is_refused(stores: StoreServer) -> None:
    stores.itunes[IOS] = [itunes_result(IOS, description="x" * 5000)]
    with pytest.raises(StoreError, match="over the limit of 2,048"):
        ios(stores, max_bytes=2048)


def test_a_slow_store_times_out(stores: StoreServer) -> None:
    stores.routes[("/lookup", IOS)] = Reply(body=b"{}", delay=2.5)
    with pytest.raises(StoreError, match=r"timed out|gave up"):
        ios(stores, timeout_seconds=1.0)


def test_a_redirect_to_an_internal_address_is_refused(stores: StoreServer) -> None:
    stores.routes[("/lookup", IOS)] = Reply(
        302, location=f"http://127.0.0.1:{stores.port}/lookup?bundleId=x"
    )
    with pytest.raises(StoreError, match=re.escape("127.0.0.1, a loopback address")):
        ios(stores)
    assert len(stores.seen) == 1  # the internal URL was never asked


def test_the_store_on_a_private_address_needs_the_allow_private_setting(
    stores: StoreServer,
) -> None:
    stores.itunes[IOS] = [itunes_result(IOS)]
    local = f"http://127.0.0.1:{stores.port}/lookup"
    with pytest.raises(StoreError, match="loopback"):
        ios(stores, apple_lookup_url=local)
    assert ios(stores, apple_lookup_url=local, allow_private=True).found


def test_only_blocks_with_json_data_are_read() -> None:
    html = (
        "<script>AF_initDataCallback({key: 'ds:1', hash: '1', data:[1, \"a\"], "
        "sideChannel: {}});</script><script>AF_initDataCallback({key: 'ds:2', hash: '2', "
        "data:[oops], sideChannel: {}});</script>"
    )
    assert callbacks(html) == {"ds:1": [1, "a"]}


def test_web_apps_have_no_store() -> None:
    assert store_for("web") is None
