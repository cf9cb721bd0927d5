"""/api/v1/apps: one app per platform and store ID; create, read, change, revoke, delete."""

from __future__ import annotations

import pytest

from tests.api.expect import error

URL = "/api/v1/apps"


@pytest.fixture
def vendor_id(client, admin) -> int:
    r = client.post("/api/v1/vendors", json={"name": "Acme Health"}, headers=admin)
    assert r.status_code == 201
    return r.json["id"]


@pytest.fixture
def new_app(client, admin, vendor_id):
    def make(name: str = "Acme Camera", platform: str = "ios", **fields) -> dict:
        body = {"vendor_id": vendor_id, "name": name, "platform": platform, **fields}
        r = client.post(URL, json=body, headers=admin)
        assert r.status_code == 201, r.json
        return r.json

    return make


def test_create_returns_the_app_and_get_reads_it_back(client, admin, vendor_id):
    body = {
        "vendor_id": vendor_id,
        "name": "Acme Camera",
        "platform": "ios",
        "store_id": " com.acme.camera ",
        "category": "clinical photo",
        "store_url": "https://apps.apple.com/app/id123",
    }
    r = client.post(URL, json=body, headers=admin)
    assert r.status_code == 201, r.json
    a = r.json
    assert a["store_id"] == "com.acme.camera"
    assert a["vendor_id"] == vendor_id
    assert a["revoked_on"] is None and a["revoked_reason"] is None
    assert client.get(f"{URL}/{a['id']}", headers=admin).json == a


@pytest.mark.parametrize(
    ("platform", "store_id"),
    [
        ("ios", "com.acme.camera-pro"),
        ("ios", "com.acme.Camera2"),
        ("android", "com.acme.camera_pro"),
        ("web", "anything goes here"),
        ("ios", None),
    ],
)
def test_valid_store_ids_are_accepted(client, admin, new_app, platform, store_id):
    assert new_app(platform=platform, store_id=store_id)["store_id"] == store_id


def test_duplicate_bundle_id_on_same_platform_is_a_conflict(client, admin, new_app, vendor_id):
    new_app(store_id="com.acme.camera")
    body = {
        "vendor_id": vendor_id,
        "name": "Copy",
        "platform": "ios",
        "store_id": "com.acme.camera",
    }
    error(client.post(URL, json=body, headers=admin), 409, "store_id")
    assert client.get(URL, headers=admin).json["total"] == 1


def test_same_store_id_on_another_platform_is_fine(client, admin, new_app):
    ios = new_app(platform="ios", store_id="com.acme.camera")
    android = new_app(platform="android", store_id="com.acme.camera")
    assert ios["id"] != android["id"]


def test_apps_without_store_id_never_clash(client, admin, new_app):
    new_app("Portal", platform="web")
    new_app("Portal 2", platform="web")
    assert client.get(URL, headers=admin).json["total"] == 2


def test_patch_changes_only_the_given_fields(client, admin, new_app):
    a = new_app(store_id="com.acme.camera", category="photo")
    r = client.patch(f"{URL}/{a['id']}", json={"name": "Acme Camera Pro"}, headers=admin)
    assert r.status_code == 200, r.json
    assert r.json["name"] == "Acme Camera Pro"
    assert (r.json["store_id"], r.json["category"]) == ("com.acme.camera", "photo")


def test_patch_store_id_to_a_taken_one_is_a_conflict(client, admin, new_app):
    new_app("A", store_id="com.acme.a")
    b = new_app("B", store_id="com.acme.b")
    error(client.patch(f"{URL}/{b['id']}", json={"store_id": "com.acme.a"}, headers=admin), 409)
    assert client.get(f"{URL}/{b['id']}", headers=admin).json["store_id"] == "com.acme.b"


def test_patch_platform_into_a_clash_is_a_conflict(client, admin, new_app):
    new_app("A", platform="android", store_id="com.acme.a")
    b = new_app("B", platform="ios", store_id="com.acme.a")
    error(client.patch(f"{URL}/{b['id']}", json={"platform": "android"}, headers=admin), 409)


def test_patch_invalid_store_id_names_store_id(client, admin, new_app):
    a = new_app(store_id="com.acme.camera")
    error(
        client.patch(f"{URL}/{a['id']}", json={"store_id": "not valid"}, headers=admin),
        422,
        "store_id",
    )


def test_patch_platform_revalidates_the_existing_store_id(client, admin, new_app):
    a = new_app(platform="web", store_id="portal")
    error(
        client.patch(f"{URL}/{a['id']}", json={"platform": "ios"}, headers=admin), 422, "store_id"
    )


@pytest.mark.parametrize("field", ["vendor_id", "name", "platform"])
def test_patch_cannot_empty_a_required_field(client, admin, new_app, field):
    a = new_app()
    error(client.patch(f"{URL}/{a['id']}", json={field: None}, headers=admin), 422, field)


def test_patch_to_unknown_vendor_names_vendor_id(client, admin, new_app):
    a = new_app()
    error(
        client.patch(f"{URL}/{a['id']}", json={"vendor_id": 999}, headers=admin), 422, "vendor_id"
    )


def test_revoke_an_app_via_patch_and_unrevoke_it(client, admin, new_app):
    a = new_app()
    r = client.patch(
        f"{URL}/{a['id']}",
        json={"revoked_on": "2026-12-01", "revoked_reason": "vendor breach"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    assert (r.json["revoked_on"], r.json["revoked_reason"]) == ("2026-12-01", "vendor breach")
    r = client.patch(f"{URL}/{a['id']}", json={"revoked_on": None}, headers=admin)
    assert (r.json["revoked_on"], r.json["revoked_reason"]) == (None, None)


def test_revoked_on_must_be_a_date(client, admin, new_app):
    a = new_app()
    error(
        client.patch(f"{URL}/{a['id']}", json={"revoked_on": "soon"}, headers=admin),
        422,
        "revoked_on",
    )


def test_delete_removes_an_unassessed_app(client, admin, new_app):
    a = new_app()
    assert client.delete(f"{URL}/{a['id']}", headers=admin).status_code == 204
    error(client.get(f"{URL}/{a['id']}", headers=admin), 404)
    error(client.delete(f"{URL}/{a['id']}", headers=admin), 404)


def test_delete_app_with_assessments_is_a_conflict(client, admin, new_app):
    a = new_app()
    r = client.post(
        "/api/v1/assessments",
        json={"app_id": a["id"], "checklist_id": "clinical-photo"},
        headers=admin,
    )
    assert r.status_code == 201, r.json
    error(client.delete(f"{URL}/{a['id']}", headers=admin), 409, message="revoke")
    assert client.get(f"{URL}/{a['id']}", headers=admin).status_code == 200


@pytest.fixture
def catalogue(client, admin, new_app):
    other = client.post("/api/v1/vendors", json={"name": "Globex"}, headers=admin).json["id"]
    new_app("Acme Camera", "ios", store_id="com.acme.camera")
    new_app("Acme Camera", "android", store_id="com.acme.camera")
    new_app("Acme Chat", "ios", store_id="com.acme.chat")
    new_app("Portal 100%", "web")
    new_app("Secure_Inbox", "android", store_id="com.acme.inbox")
    r = client.post(
        URL,
        json={
            "vendor_id": other,
            "name": "Globex Notes",
            "platform": "ios",
            "store_id": "com.globex.notes",
        },
        headers=admin,
    )
    assert r.status_code == 201
    return other


def names(resp) -> list[str]:
    assert resp.status_code == 200, resp.json
    assert resp.json["total"] == len(resp.json["items"])
    return sorted(f"{a['name']}/{a['platform']}" for a in resp.json["items"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"platform": "android"}, ["Acme Camera/android", "Secure_Inbox/android"]),
        ({"platform": "web"}, ["Portal 100%/web"]),
        ({"q": "CAMERA"}, ["Acme Camera/android", "Acme Camera/ios"]),
        ({"q": "com.acme.c"}, ["Acme Camera/android", "Acme Camera/ios", "Acme Chat/ios"]),
        ({"q": "camera", "platform": "ios"}, ["Acme Camera/ios"]),
        ({"q": "_"}, ["Secure_Inbox/android"]),
        ({"q": "%"}, ["Portal 100%/web"]),
        ({"q": "globex"}, ["Globex Notes/ios"]),
    ],
)
def test_list_filters_and_searches(client, admin, catalogue, query, expected):
    assert names(client.get(URL, query_string=query, headers=admin)) == expected


def test_list_filters_by_vendor(client, admin, catalogue, vendor_id):
    assert names(client.get(URL, query_string={"vendor_id": catalogue}, headers=admin)) == [
        "Globex Notes/ios"
    ]
    r = client.get(URL, query_string={"vendor_id": vendor_id}, headers=admin)
    assert r.json["total"] == 5


def test_list_paginates(client, admin, catalogue):
    first = client.get(f"{URL}?per_page=4", headers=admin).json
    second = client.get(f"{URL}?per_page=4&page=2", headers=admin).json
    assert (first["total"], len(first["items"]), len(second["items"])) == (6, 4, 2)
    ids = [a["id"] for a in first["items"] + second["items"]]
    assert len(set(ids)) == 6


class TestRefusedWithoutWriting:
    """Nothing here is written: one shared app serves them all."""

    def test_create_for_unknown_vendor_names_vendor_id(self, api):
        body = {"vendor_id": 999, "name": "Orphan", "platform": "web"}
        error(
            api.client.post(URL, json=body, headers=api.admin),
            422,
            "vendor_id",
            "no vendor with id 999",
        )

    @pytest.mark.parametrize(
        ("platform", "store_id"),
        [
            ("ios", "acme"),  # no dot
            ("ios", "com.acme camera"),
            ("ios", "com..acme"),
            ("ios", "com.acme_camera"),  # underscores are not allowed in bundle IDs
            ("android", "1com.acme.camera"),  # segments start with a letter
            ("android", "com.acme-camera"),
            ("android", "camera"),
            ("android", "com.acme.1camera"),
        ],
    )
    def test_invalid_bundle_id_or_package_name_names_store_id(self, api, platform, store_id):
        body = {"vendor_id": 1, "name": "X", "platform": platform, "store_id": store_id}
        error(api.client.post(URL, json=body, headers=api.admin), 422, "store_id")

    def test_invalid_platform_names_platform(self, api):
        body = {"vendor_id": 1, "name": "X", "platform": "blackberry", "store_id": "x"}
        error(api.client.post(URL, json=body, headers=api.admin), 422, "platform")

    def test_patch_unknown_app_is_404(self, api):
        error(api.client.patch(f"{URL}/999", json={"name": "x"}, headers=api.admin), 404)

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("per_page=501", "per_page"),
            ("platform=symbian", "platform"),
            ("vendor_id=0", "vendor_id"),
            ("vendor_id=abc", "vendor_id"),
            (f"vendor_id={10**30}", "vendor_id"),
        ],
    )
    def test_list_rejects_bad_parameters(self, api, query, field):
        error(api.client.get(f"{URL}?{query}", headers=api.admin), 422, field)
