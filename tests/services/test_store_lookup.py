"""Looking an app up in its store, down to the database: the listing kept with its URL, time
and SHA-256, the flags, the declared practices as discovered suggestions (counting for
nothing until a person accepts them), a failure that records its error and keeps nothing
else, and the refresh of the approved list's apps."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlmodel import Session

from tests.api.chain import app_, approved_app, assess, audit_events, baa, vendor
from tests.configure import use
from tests.store_server import (
    Reply,
    StoreServer,
    itunes_result,
    play_data_safety,
    play_listing,
)
from vetting import auth, clock, db
from vetting.core.statuses import OriginKind
from vetting.errors import Invalid
from vetting.models import Answer, AnswerSuggestion, StoreListing
from vetting.services import store_lookup, suggestions

IOS = "com.acme.camera"
ANDROID = "com.acme.messenger"


@pytest.fixture
def vid(client: FlaskClient, admin: dict[str, str]) -> int:
    return vendor(client, admin, "Acme Health LLC")


def look_up(app: Flask, stores: StoreServer, app_id: int, **options: Any) -> store_lookup.Outcome:
    """A lookup in a session of its own, its rows readable after it ends."""
    with Session(app.extensions["vetting.engine"], expire_on_commit=False) as s:
        return store_lookup.lookup(s, auth.CLI_PRINCIPAL, app_id, stores.options(**options))


def listing(app: Flask, app_id: int) -> StoreListing:
    with Session(app.extensions["vetting.engine"]) as s:
        row = store_lookup.listing_of(s, app_id)
        assert row is not None
        s.expunge(row)
        return row


def rows(app: Flask, model: Any, **where: Any) -> list[Any]:
    with Session(app.extensions["vetting.engine"]) as s:
        found = list(s.scalars(select(model).filter_by(**where)))
        s.expunge_all()
        return found


def test_an_ios_lookup_keeps_the_listing_with_url_time_and_hash(app, client, admin, vid, stores):
    app_id = app_(client, admin, vid, name="Acme Camera", store_id=IOS)
    stores.itunes[IOS] = [itunes_result(IOS)]
    outcome = look_up(app, stores, app_id)
    row = listing(app, app_id)
    assert (row.status, row.title, row.seller_name, row.developer_name) == (
        "found", "Acme Camera", "Acme Health, L.L.C.", "Acme Health",
    )  # fmt: skip
    assert (row.version, row.minimum_os, row.developer_website) == (
        "4.2.1", "16.0", "https://acme.example/",
    )  # fmt: skip
    assert row.fetched_at == clock.now() and row.found_at == clock.now()
    assert row.lookup_url and row.lookup_url.startswith(stores.base() + "/lookup?")
    assert row.sha256 and len(row.sha256) == 64
    assert row.flags == [] and row.last_error is None and row.country == "us"
    assert outcome.suggested == []  # the App Store declares no practices through this API
    assert [e.action for e in audit_events(app)][-1] == "store_listing.update"


def test_a_seller_that_is_not_the_vendor_and_another_app_name_are_flagged(
    app, client, admin, vid, stores
):
    app_id = app_(client, admin, vid, name="Acme Camera", store_id=IOS)
    stores.itunes[IOS] = [itunes_result(IOS, name="Acme Messenger", seller="Acme Software Inc.")]
    look_up(app, stores, app_id)  # flags never fail a lookup
    assert [f["code"] for f in listing(app, app_id).flags] == [
        "seller_mismatch", "name_mismatch",
    ]  # fmt: skip


def test_an_app_gone_from_the_store_keeps_what_was_last_seen(app, client, admin, vid, stores):
    app_id = app_(client, admin, vid, name="Acme Camera", store_id=IOS)
    stores.itunes[IOS] = [itunes_result(IOS)]
    look_up(app, stores, app_id)
    seen = listing(app, app_id).found_at
    del stores.itunes[IOS]
    today = clock.today()
    clock.freeze(today.replace(day=26))
    try:
        look_up(app, stores, app_id)
        row = listing(app, app_id)
    finally:
        clock.freeze(today)
    assert row.status == "not_in_store" and [f["code"] for f in row.flags] == ["not_in_store"]
    assert row.title == "Acme Camera" and row.found_at == seen and row.fetched_at != seen


def test_a_failed_first_lookup_records_only_its_error(app, client, admin, vid, stores):
    app_id = app_(client, admin, vid, name="Acme Camera", store_id=IOS)
    stores.routes[("/lookup", IOS)] = Reply(body=b"<html>consent</html>")
    with pytest.raises(store_lookup.LookupFailed, match="not JSON"):
        look_up(app, stores, app_id)
    row = listing(app, app_id)
    assert row.status == "unknown" and row.fetched_at is None and row.title is None
    assert row.last_error and "not JSON" in row.last_error and row.last_error_at == clock.now()


def test_a_failure_after_a_success_keeps_the_earlier_facts(app, client, admin, vid, stores):
    app_id = app_(client, admin, vid, name="Acme Camera", store_id=IOS)
    stores.itunes[IOS] = [itunes_result(IOS)]
    look_up(app, stores, app_id)
    before = listing(app, app_id)
    stores.routes[("/lookup", IOS)] = Reply(
        302, location=f"http://10.0.0.7:{stores.port}/lookup?bundleId=x"
    )
    with pytest.raises(store_lookup.LookupFailed, match=re.escape("10.0.0.7, a private address")):
        look_up(app, stores, app_id)
    after = listing(app, app_id)
    assert (after.status, after.title, after.sha256, after.fetched_at) == (
        before.status, before.title, before.sha256, before.fetched_at,
    )  # fmt: skip
    assert after.last_error and "redirected from" in after.last_error
    stores.routes.clear()
    look_up(app, stores, app_id)
    assert listing(app, app_id).last_error is None  # the next success clears it


def test_a_web_app_or_one_without_store_id_is_refused(app, client, admin, vid, stores):
    web = app_(client, admin, vid, name="Acme Portal", store_id=None, platform="web")
    with pytest.raises(Invalid, match="web app has no store listing"):
        look_up(app, stores, web)
    assert rows(app, StoreListing) == []


def android_app(app, client, admin, vid, stores, **safety: Any) -> tuple[int, int]:
    app_id = app_(client, admin, vid, name="Acme Messenger", store_id=ANDROID, platform="android")
    assessment = assess(client, admin, app_id, "secure-messaging")["id"]
    stores.android(ANDROID, play_listing(), play_data_safety(**safety))
    return app_id, assessment


def test_declared_encryption_in_transit_is_a_discovered_suggestion(app, client, admin, vid, stores):
    app_id, assessment = android_app(app, client, admin, vid, stores)
    score = client.get(f"/api/v1/assessments/{assessment}", headers=admin).json["score"]
    outcome = look_up(app, stores, app_id)
    [made] = outcome.suggested
    assert (made.capability_key, made.value, made.source, made.origin_kind) == (
        "tls_in_transit", True, "discovered", OriginKind.STORE,
    )  # fmt: skip
    assert made.origin_ref.endswith("/store/apps/datasafety?id=com.acme.messenger&hl=en")
    assert made.origin_sha256 == stores.sha("/store/apps/datasafety", ANDROID)
    assert made.note and '"Data is encrypted in transit"' in made.note
    assert "2026-11-25" in made.note  # when it was read
    # Deletion on request: no capability asks exactly that; shown on the listing only.
    practices = listing(app, app_id).data_safety["practices"]
    assert [p["label"] for p in practices][1] == "You can request that data be deleted"
    # A suggestion counts for nothing until accepted …
    after = client.get(f"/api/v1/assessments/{assessment}", headers=admin).json["score"]
    assert after == score
    with app.app_context():
        suggestions.accept(db.session(), auth.CLI_PRINCIPAL, assessment, [made.id])
    # … and a person accepting it makes it the vendor's attested answer.
    [answer] = rows(app, Answer, assessment_id=assessment, capability_key="tls_in_transit")
    assert (answer.value, answer.source) == (True, "attested")


def test_a_refresh_does_not_propose_the_same_practice_again(app, client, admin, vid, stores):
    app_id, assessment = android_app(app, client, admin, vid, stores)
    [made] = look_up(app, stores, app_id).suggested
    with app.app_context():
        suggestions.dismiss(db.session(), auth.CLI_PRINCIPAL, assessment, [made.id])
    assert look_up(app, stores, app_id).suggested == []  # dismissed stays dismissed
    stores.android(
        ANDROID, play_listing(), play_data_safety(practices=[("Data isn't encrypted", "")])
    )
    [changed] = look_up(app, stores, app_id).suggested  # the store now says otherwise
    assert changed.value is False


def test_a_decided_assessment_takes_no_suggestion(app, client, admin, vid, stores):
    app_id = approved_app(
        client, admin, vid, name="Acme Messenger", store_id=ANDROID, platform="android"
    )
    stores.android(ANDROID, play_listing(), play_data_safety())
    assert look_up(app, stores, app_id).suggested == []
    assert rows(app, AnswerSuggestion) == []


def test_a_failed_lookup_proposes_nothing(app, client, admin, vid, stores):
    app_id, _ = android_app(app, client, admin, vid, stores)
    stores.routes[("/store/apps/datasafety", ANDROID)] = Reply(body=b"x" * 4096)
    with pytest.raises(store_lookup.LookupFailed, match="over the limit"):
        look_up(app, stores, app_id, max_bytes=2048)
    assert rows(app, AnswerSuggestion) == []
    row = listing(app, app_id)
    assert row.title is None and row.data_safety is None and row.last_error


def test_the_refresh_looks_up_only_the_apps_on_the_list(app, client, admin, vid, stores):
    baa(client, admin, vid, expiration_date="2027-05-31")
    listed = approved_app(client, admin, vid, name="Acme Camera", store_id=IOS)
    app_(client, admin, vid, name="Acme Scanner", store_id="com.acme.scanner")  # not decided
    stores.itunes[IOS] = [itunes_result(IOS)]
    use(app, **stores.settings(), store_refresh=True)
    with app.app_context():
        summary = store_lookup.refresh_listed(
            db.session(),
            clock.today(),
            store_lookup.options_from(app.extensions["vetting.settings"]),
        )
    assert summary.as_dict()["looked_up"] == 1 and summary.failed == 0
    assert [r.app_id for r in rows(app, StoreListing)] == [listed]
    assert all("scanner" not in p for p in stores.seen)


def test_the_daily_job_refreshes_the_listed_apps_only_when_on(app, client, admin, vid, stores):
    from vetting import jobs

    baa(client, admin, vid, expiration_date="2027-05-31")
    listed = approved_app(client, admin, vid, name="Acme Camera", store_id=IOS)
    stores.itunes[IOS] = [itunes_result(IOS)]
    use(app, **stores.settings())
    assert "stores" not in jobs.daily_job(app)  # off by default
    assert rows(app, StoreListing) == []
    use(app, store_refresh=True)
    today = clock.today()
    clock.freeze(today.replace(day=26))  # the daily job runs once a day
    try:
        out = jobs.daily_job(app)
    finally:
        clock.freeze(today)
    assert out["stores"]["looked_up"] == 1
    assert [r.app_id for r in rows(app, StoreListing)] == [listed]


def test_a_lookup_that_finds_nothing_new_is_not_audited_again(app, client, admin, vid, stores):
    app_id = app_(client, admin, vid, name="Acme Camera", store_id=IOS)
    stores.itunes[IOS] = [itunes_result(IOS, averageUserRating=4.5)]
    look_up(app, stores, app_id)
    count = len(audit_events(app))
    first = listing(app, app_id).sha256
    stores.itunes[IOS] = [itunes_result(IOS, averageUserRating=4)]  # a rating moved
    look_up(app, stores, app_id)
    assert listing(app, app_id).sha256 != first  # the response it read is kept …
    assert len(audit_events(app)) == count  # … but the listing says nothing new
    stores.itunes[IOS] = [itunes_result(IOS, version="4.3.0")]
    look_up(app, stores, app_id)
    [event] = audit_events(app)[count:]
    assert event.action == "store_listing.update"
    assert (event.before["version"], event.after["version"]) == ("4.2.1", "4.3.0")
