"""Releases of the approved list, their diffs, exports and the pull endpoints (issue 5)."""

from __future__ import annotations

import csv
import io
import json
import plistlib
import re
from datetime import date

import openpyxl
import pytest
from sqlalchemy import event

from tests.api.chain import approved_app, audit_events, baa, vendor
from tests.api.expect import error
from vetting import clock

PULLS = {
    "/api/v1/allowlist/latest.json": ("application/json", "json"),
    "/api/v1/allowlist/latest.csv": ("text/csv; charset=utf-8", "csv"),
    "/api/v1/allowlist/latest.mobileconfig": ("application/x-apple-aspen-config", "mobileconfig"),
    "/api/v1/allowlist/latest/android-policy.json": ("application/json", "json"),
    "/api/v1/allowlist/latest/intune.json": ("application/json", "json"),
}


def publish(client, headers, status=201, **body):
    body.setdefault("allow_shrink", True)  # (the guard has its own tests below)
    r = client.post("/api/v1/allowlist/releases", json=body, headers=headers)
    assert r.status_code == status, r.get_data(as_text=True)
    return r.json


@pytest.fixture
def acme(client, admin):
    """Acme Health with a BAA that expires 2026-12-01, an approved iOS app and Android app,
    and a rejected one."""
    vid = vendor(client, admin, "Acme Health")
    baa(client, admin, vid, expiration_date="2026-11-30")
    approved_app(client, admin, vid, name="Acme Camera", store_id="com.acme.camera")
    approved_app(
        client, admin, vid, name="Acme Notes", platform="android", store_id="com.acme.notes"
    )
    approved_app(client, admin, vid, "rejected", name="Acme Chat", store_id="com.acme.chat")
    return vid


def test_publish_stores_an_immutable_release_with_hash_author_and_diff(client, admin, acme, app):
    body = publish(client, admin, note="first")
    assert body["created"] is True
    release = body["release"]
    assert re.fullmatch(r"[0-9a-f]{64}", release["sha256"])
    assert (release["as_of"], release["entry_count"], release["created_by"], release["note"]) == (
        "2026-11-25",
        2,
        "token:test-admin",
        "first",
    )
    assert [c["reason"] for c in body["diff"]["added"]] == [
        "added: approved 2026-11-25 by token:test-admin; BAA with Acme Health in force"
    ] * 2
    assert [c["name"] for c in body["diff"]["blocked"]] == ["Acme Chat"]
    (event_,) = [e for e in audit_events(app) if e.action == "allowlist.publish"]
    assert (event_.entity_id, event_.after["sha256"], event_.after["added"]) == (
        str(release["id"]),
        release["sha256"],
        2,
    )


def test_publishing_twice_without_change_stores_nothing(client, admin, acme, app):
    first = publish(client, admin)["release"]
    clock.freeze(date(2026, 11, 26))  # the calendar moved; the list did not
    again = publish(client, admin, status=200)
    assert again["created"] is False
    assert again["release"]["id"] == first["id"]
    assert "no change since release" in again["message"]
    assert client.get("/api/v1/allowlist/releases", headers=admin).json["total"] == 1
    assert len([e for e in audit_events(app) if e.action == "allowlist.publish"]) == 1


def test_baa_lapse_and_renewal_show_in_the_diffs_with_reasons(client, admin, acme):
    publish(client, admin)
    clock.freeze(date(2026, 12, 2))
    lapsed = publish(client, admin)
    assert lapsed["release"]["entry_count"] == 0
    assert {c["name"]: c["reason"] for c in lapsed["diff"]["removed"]} == {
        "Acme Camera": "removed: BAA with Acme Health expired: in force through 2026-11-30",
        "Acme Notes": "removed: BAA with Acme Health expired: in force through 2026-11-30",
    }
    baa(client, admin, acme, effective_date="2026-12-05", expiration_date="2027-12-04")
    clock.freeze(date(2026, 12, 5))
    renewed = publish(client, admin)
    rid = renewed["release"]["id"]
    diff = client.get(f"/api/v1/allowlist/releases/{rid}/diff", headers=admin).json
    assert diff["previous_id"] == lapsed["release"]["id"]
    assert diff["summary"] == "2 added"
    for change in diff["added"]:
        assert change["reason"].startswith(
            "added: approved 2026-11-25 by token:test-admin; BAA with Acme Health in force"
        )
        assert (
            "was off the list: BAA with Acme Health expired: in force through 2026-11-30"
            in change["reason"]
        )


def test_list_releases_newest_first_and_paginated(client, admin, acme):
    ids = [publish(client, admin)["release"]["id"]]
    for day in (date(2026, 12, 2), date(2027, 1, 1)):
        clock.freeze(day)
        baa(client, admin, acme, effective_date=day.isoformat()) if day.year == 2027 else None
        ids.append(publish(client, admin)["release"]["id"])
    page1 = client.get("/api/v1/allowlist/releases?per_page=2", headers=admin).json
    assert (page1["total"], [r["id"] for r in page1["items"]]) == (3, ids[::-1][:2])
    assert "entries" not in page1["items"][0]
    page2 = client.get("/api/v1/allowlist/releases?per_page=2&page=2", headers=admin).json
    assert [r["id"] for r in page2["items"]] == [ids[0]]
    error(client.get("/api/v1/allowlist/releases?per_page=0", headers=admin), 422, "per_page")


def test_get_release_by_id_or_latest(client, admin, acme):
    rid = publish(client, admin)["release"]["id"]
    for ident in (rid, "latest"):
        body = client.get(f"/api/v1/allowlist/releases/{ident}", headers=admin).json
        assert body["id"] == rid and body["schema"] == "vetting.allowlist/v1"
        assert [e["name"] for e in body["entries"]] == ["Acme Camera", "Acme Notes"]
        (chat,) = body["excluded"]
        assert (chat["name"], chat["rejected"]) == ("Acme Chat", True)
        assert len(body["diff"]["added"]) == 2


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/v1/allowlist/releases/999", "no release with id 999"),
        ("/api/v1/allowlist/releases/99999999999", "no release with id 99999999999"),
        ("/api/v1/allowlist/releases/abc", "no release 'abc'"),
        ("/api/v1/allowlist/releases/999/diff", "no release with id 999"),
        ("/api/v1/allowlist/releases/999/export?format=json", "no release with id 999"),
    ],
)
def test_unknown_release_is_a_404_naming_it(client, admin, acme, path, message):
    publish(client, admin)
    error(client.get(path, headers=admin), 404, "release", message)


def test_latest_before_any_release_says_to_publish(client, admin):
    for path in [*PULLS, "/api/v1/allowlist/releases/latest"]:
        error(client.get(path, headers=admin), 404, "release", "vetting allowlist publish")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("format=pdf", "format", "unknown format 'pdf'; one of: android-policy, csv, intune"),
        ("", "format", "is required"),
        ("format=json&mode=sideways", "mode", "'allow' or 'block'"),
    ],
)
def test_bad_export_query_is_a_422_naming_the_field(client, admin, acme, query, field, message):
    rid = publish(client, admin)["release"]["id"]
    r = client.get(f"/api/v1/allowlist/releases/{rid}/export?{query}", headers=admin)
    error(r, 422, field, message)


def test_only_it_and_admin_may_publish(client, make_token, acme):
    for role in ("viewer", "legal", "procurement"):
        r = client.post("/api/v1/allowlist/releases", json={}, headers=make_token(role))
        error(r, 403, None, "allowlist:write")
    error(client.post("/api/v1/allowlist/releases", json={}), 401)
    assert publish(client, make_token("it"))["release"]["created_by"] == "token:test-it"


def test_publish_refuses_bad_input(client, admin, acme):
    r = client.post("/api/v1/allowlist/releases", json={"as_of": "yesterday"}, headers=admin)
    error(r, 422, "as_of")
    r = client.post("/api/v1/allowlist/releases", json={"colour": "red"}, headers=admin)
    error(r, 422, "colour", "unknown field")
    assert client.get("/api/v1/allowlist/releases", headers=admin).json["total"] == 0


def test_pull_endpoints_serve_each_format_with_type_disposition_and_etag(client, make_token, acme):
    sha = publish(client, make_token("it"))["release"]["sha256"]
    reader = make_token("viewer", ["allowlist:read"])
    for path, (mime, _) in PULLS.items():
        r = client.get(path, headers=reader)
        assert r.status_code == 200, (path, r.get_data(as_text=True))
        assert r.headers["Content-Type"] == mime, path
        assert r.headers["ETag"] == f'"{sha}"'
        assert re.fullmatch(
            r'attachment; filename="vetting-[a-z-]+-1\.(json|csv|mobileconfig)"',
            r.headers["Content-Disposition"],
        ), r.headers["Content-Disposition"]
    body = client.get("/api/v1/allowlist/latest.json", headers=reader).json
    assert [e["name"] for e in body["entries"]] == ["Acme Camera", "Acme Notes"]
    rows = list(csv.DictReader(io.StringIO(client.get(PULLS_CSV, headers=reader).text)))
    assert [(r["name"], r["status"]) for r in rows] == [
        ("Acme Camera", "approved"),
        ("Acme Notes", "approved"),
        ("Acme Chat", "rejected"),
    ]
    profile = plistlib.loads(client.get(PULLS_PROFILE, headers=reader).data)
    assert "com.acme.camera" in profile["PayloadContent"][0]["allowListedAppBundleIDs"]
    android = client.get("/api/v1/allowlist/latest/android-policy.json", headers=reader).json
    assert android["policy"]["applications"] == [
        {"packageName": "com.acme.notes", "installType": "AVAILABLE"}
    ]
    intune = client.get("/api/v1/allowlist/latest/intune.json", headers=reader).json
    assert len(intune["targetApps"]["apps"]) == 2


PULLS_CSV = "/api/v1/allowlist/latest.csv"
PULLS_PROFILE = "/api/v1/allowlist/latest.mobileconfig"


def test_block_mode_profile_blocks_the_rejected_app(client, admin, acme):
    publish(client, admin)
    r = client.get(PULLS_PROFILE + "?mode=block", headers=admin)
    (payload,) = plistlib.loads(r.data)["PayloadContent"]
    assert payload["blockedAppBundleIDs"] == ["com.acme.chat"]
    assert r.headers["Content-Disposition"].endswith('-block.mobileconfig"')


def test_matching_etag_gets_304_from_the_hash_query_alone(client, admin, acme, app):
    sha = publish(client, admin)["release"]["sha256"]
    statements: list[str] = []

    def capture(conn, cursor, statement, *args):
        statements.append(statement)

    engine = app.extensions["vetting.engine"]
    event.listen(engine, "before_cursor_execute", capture)
    try:
        for tag in (f'"{sha}"', f'W/"{sha}"', f'"0000", "{sha}"', "*"):
            statements.clear()
            r = client.get(PULLS_PROFILE, headers={**admin, "If-None-Match": tag})
            assert r.status_code == 304, tag
            assert r.data == b"" and r.headers["ETag"] == f'"{sha}"'
            on_releases = [s for s in statements if "allowlist_release" in s]
            assert len(on_releases) == 1, statements
            assert "content" not in on_releases[0] and "diff" not in on_releases[0]
        statements.clear()
        r = client.get(PULLS_PROFILE, headers={**admin, "If-None-Match": '"stale"'})
        assert r.status_code == 200 and plistlib.loads(r.data)["PayloadType"] == "Configuration"
        assert any("content" in s for s in statements if "allowlist_release" in s)
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def test_new_release_changes_the_etag(client, admin, acme):
    publish(client, admin)
    etag = client.get(PULLS_CSV, headers=admin).headers["ETag"]
    clock.freeze(date(2026, 12, 2))
    publish(client, admin)
    r = client.get(PULLS_CSV, headers={**admin, "If-None-Match": etag})
    assert r.status_code == 200 and r.headers["ETag"] != etag
    assert {row["name"]: row["status"] for row in csv.DictReader(io.StringIO(r.text))} == {
        "Acme Camera": "excluded",
        "Acme Chat": "rejected",
        "Acme Notes": "excluded",
    }


def test_export_any_release_in_every_format(client, admin, acme):
    first = publish(client, admin)["release"]["id"]
    clock.freeze(date(2026, 12, 2))
    publish(client, admin)
    base = f"/api/v1/allowlist/releases/{first}/export?format="
    wb = openpyxl.load_workbook(io.BytesIO(client.get(base + "xlsx", headers=admin).data))
    assert [r[0] for r in wb["Approved"].iter_rows(min_row=2, values_only=True)] == [
        "Acme Camera",
        "Acme Notes",
    ]
    doc = json.loads(client.get(base + "json", headers=admin).data)
    assert doc["release"]["id"] == first and len(doc["entries"]) == 2
    r = client.get(base + "intune&mode=block", headers=admin)
    ios = r.json["iosGeneralDeviceConfiguration"]
    assert [i["appId"] for i in ios["compliantAppsList"]] == ["com.acme.chat"]


def test_export_reports_an_app_without_bundle_id_as_skipped(client, admin, acme):
    approved_app(client, admin, acme, name="Bare App", store_id=None)
    publish(client, admin)
    doc = client.get("/api/v1/allowlist/latest/intune.json", headers=admin).json
    assert [(s["name"], s["reason"][:12]) for s in doc["skipped"]] == [("Bare App", "no bundle ID")]
    profile = plistlib.loads(client.get(PULLS_PROFILE, headers=admin).data)
    assert "Bare App" in profile["PayloadDescription"]
    assert None not in profile["PayloadContent"][0]["allowListedAppBundleIDs"]


def test_openapi_document_lists_the_release_and_pull_routes(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/allowlist/releases",
        "/api/v1/allowlist/releases/{release_id}",
        "/api/v1/allowlist/releases/{release_id}/diff",
        "/api/v1/allowlist/releases/{release_id}/export",
        "/api/v1/allowlist/latest.mobileconfig",
        "/api/v1/allowlist/latest/intune.json",
    ):
        assert path in paths, path
    profile = paths["/api/v1/allowlist/latest.mobileconfig"]["get"]
    assert "application/x-apple-aspen-config" in profile["responses"]["200"]["content"]
    assert profile["x-required-scope"] == "allowlist:read"


def test_a_release_file_is_written_once_and_kept_for_every_pull(
    client, admin, make_token, acme, monkeypatch
):
    """Releases never change: MDMs pulling all day get the kept file (issue 16: a full pull
    read and wrote the whole release each time), and a new release is written afresh."""
    from vetting.queries import releases

    written = []
    real = releases.export_release
    monkeypatch.setattr(
        releases,
        "export_release",
        lambda row, fmt, opts: written.append(row.id) or real(row, fmt, opts),
    )
    it = make_token("it")
    first = publish(client, it)["release"]
    bodies = {client.get("/api/v1/allowlist/latest.json", headers=it).data for _ in range(3)}
    assert len(bodies) == 1 and written == [first["id"]]
    assert (
        client.get(f"/api/v1/allowlist/releases/{first['id']}/export?format=json", headers=it).data
        in bodies
    )
    assert written == [first["id"]]  # the same release in the same format: the same file
    client.get("/api/v1/allowlist/latest.csv", headers=it)
    assert written == [first["id"], first["id"]]  # another format is written once
    approved_app(client, admin, acme, name="Acme Scan", store_id="com.acme.scan")
    second = publish(client, it)["release"]
    fresh = client.get("/api/v1/allowlist/latest.json", headers=it)
    assert fresh.headers["ETag"] == f'"{second["sha256"]}"' and fresh.data not in bodies
    assert written[-1] == second["id"]


def test_a_release_document_is_built_once_and_is_conditional(client, admin, acme, app):
    """A release never changes: its JSON document and diff are built once per process, with
    an ETag (If-None-Match → 304, no body); "latest" names the newest release, not the one
    that was latest when its document was first built (a careless key by the word "latest"
    would keep serving the old one), and a matching tag of another release is no 304."""
    first = publish(client, admin)["release"]["id"]
    engine = app.extensions["vetting.engine"]
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        for ident in (first, "latest"):
            for path in (
                f"/api/v1/allowlist/releases/{ident}",
                f"/api/v1/allowlist/releases/{ident}/diff",
            ):
                r = client.get(path, headers=admin)
                assert r.status_code == 200 and r.headers["ETag"].startswith('W/"')
                again = client.get(path, headers={**admin, "If-None-Match": r.headers["ETag"]})
                assert again.status_code == 304 and again.data == b""
                statements.clear()
                assert client.get(path, headers=admin).json == r.json
                # the second time: no content or diff read (kept, never stale)
                heavy = ("allowlist_release.content", "allowlist_release.diff")
                assert not any(h in st for st in statements for h in heavy), statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    approved_app(client, admin, acme, name="Acme Scheduler", store_id="com.acme.scheduler")
    second = publish(client, admin)["release"]["id"]
    latest = client.get("/api/v1/allowlist/releases/latest", headers=admin)
    assert latest.json["id"] == second and "Acme Scheduler" in {
        e["name"] for e in latest.json["entries"]
    }
    diff = client.get("/api/v1/allowlist/releases/latest/diff", headers=admin).json
    assert diff["release_id"] == second and [c["name"] for c in diff["added"]] == ["Acme Scheduler"]
    old_tag = client.get(f"/api/v1/allowlist/releases/{first}", headers=admin).headers["ETag"]
    r = client.get("/api/v1/allowlist/releases/latest", headers={**admin, "If-None-Match": old_tag})
    assert r.status_code == 200


def test_a_sync_preview_is_kept_per_pair_of_releases(client, admin, acme, app):
    """What syncing the latest release changes depends on what the target last received: kept
    per pair (a careless key by the release alone would show a new target's preview to one
    that already has the release before)."""
    from vetting import db
    from vetting.queries import releases

    first = publish(client, admin)["release"]["id"]
    approved_app(client, admin, acme, name="Acme Scheduler", store_id="com.acme.scheduler")
    second = publish(client, admin)["release"]["id"]
    from sqlalchemy import event

    engine = app.extensions["vetting.engine"]
    read: list[str] = []

    def seen(*args: object) -> None:
        read.append(str(args[2]))

    with app.app_context():
        s = db.session()
        for time in range(2):  # the second time from what was kept
            event.listen(engine, "before_cursor_execute", seen)
            fresh = releases.sync_preview(s, None)
            after_first = releases.sync_preview(s, first)
            same = releases.sync_preview(s, second)
            assert fresh.release.id == after_first.release.id == second
            assert sorted(c.name for c in fresh.diff.added) == [
                "Acme Camera",
                "Acme Notes",
                "Acme Scheduler",
            ]
            assert [c.name for c in after_first.diff.added] == ["Acme Scheduler"]
            assert not same.diff.added and not same.diff.removed
            event.remove(engine, "before_cursor_execute", seen)
            if time:  # kept: no release's content read again
                assert not any("allowlist_release.content" in st for st in read), read
            read.clear()


def test_the_same_list_published_again_is_another_document(client, admin, acme):
    """A list can come back (A, then B, then A again): the later release has the same hash as
    the first but another id, previous release and diff, so the first one's tag is no 304."""
    first = publish(client, admin)["release"]
    apps = client.get("/api/v1/apps?q=Acme%20Camera", headers=admin).json["items"]
    camera = apps[0]["id"]
    r = client.patch(
        f"/api/v1/apps/{camera}",
        json={"revoked_on": "2026-01-01", "revoked_reason": "withdrawn"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    publish(client, admin)
    r = client.patch(f"/api/v1/apps/{camera}", json={"revoked_on": None}, headers=admin)
    assert r.status_code == 200, r.json
    third = publish(client, admin)["release"]
    assert third["sha256"] == first["sha256"] and third["id"] != first["id"]
    for suffix in ("", "/diff"):
        old = client.get(f"/api/v1/allowlist/releases/{first['id']}{suffix}", headers=admin)
        latest = client.get(
            f"/api/v1/allowlist/releases/latest{suffix}",
            headers={**admin, "If-None-Match": old.headers["ETag"]},
        )
        assert latest.status_code == 200, suffix
        assert latest.json != old.json
