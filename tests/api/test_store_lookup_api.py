"""POST /api/v1/apps/{id}/lookup and GET /api/v1/apps/{id}/listing: the lookup through the
API, its scope, and clear 4xx/502 answers (never a 500)."""

from __future__ import annotations

from tests.api.chain import app_, assess, vendor
from tests.configure import use
from tests.store_server import Reply, StoreServer, itunes_result, play_data_safety, play_listing

IOS = "com.acme.camera"


def test_a_lookup_returns_the_stored_listing_and_the_suggestions(
    app, client, admin, stores: StoreServer
):
    use(app, **stores.settings())
    vid = vendor(client, admin, "Acme Health")
    app_id = app_(client, admin, vid, "Acme Messenger", "com.acme.messenger", "android")
    assessment = assess(client, admin, app_id, "secure-messaging")["id"]
    stores.android("com.acme.messenger", play_listing(), play_data_safety())
    r = client.post(f"/api/v1/apps/{app_id}/lookup", headers=admin)
    assert r.status_code == 200, r.json
    listing = r.json["listing"]
    assert (listing["status"], listing["seller_name"], listing["flags"]) == (
        "found", "Acme Health LLC", [],
    )  # fmt: skip
    assert listing["data_safety"]["practices"][0]["label"] == "Data is encrypted in transit"
    assert len(r.json["suggestion_ids"]) == 1
    pending = client.get(f"/api/v1/assessments/{assessment}/suggestions", headers=admin).json
    assert pending["items"][0]["origin_kind"] == "store"
    got = client.get(f"/api/v1/apps/{app_id}/listing", headers=admin)
    assert got.status_code == 200 and got.json["sha256"] == listing["sha256"]


def test_a_store_that_cannot_be_read_is_a_502_with_the_error_kept(
    app, client, admin, stores: StoreServer
):
    use(app, **stores.settings())
    app_id = app_(client, admin, vendor(client, admin), store_id=IOS)
    stores.routes[("/lookup", IOS)] = Reply(body=b"<html>not json</html>")
    r = client.post(f"/api/v1/apps/{app_id}/lookup", headers=admin)
    assert r.status_code == 502
    assert "the response is not JSON" in r.json["errors"][0]["message"]
    kept = client.get(f"/api/v1/apps/{app_id}/listing", headers=admin).json
    assert kept["status"] == "unknown" and "not JSON" in kept["last_error"]


def test_mistakes_are_clear_4xx(app, client, admin, make_token, stores: StoreServer):
    use(app, **stores.settings())
    vid = vendor(client, admin)
    web = app_(client, admin, vid, "Acme Portal", None, "web")
    r = client.post(f"/api/v1/apps/{web}/lookup", headers=admin)
    assert r.status_code == 422 and "web app" in r.json["errors"][0]["message"]
    assert client.post("/api/v1/apps/999/lookup", headers=admin).status_code == 404
    ios_app = app_(client, admin, vid, store_id=IOS)
    assert client.get(f"/api/v1/apps/{ios_app}/listing", headers=admin).status_code == 404
    viewer = make_token("viewer")
    assert client.post(f"/api/v1/apps/{ios_app}/lookup", headers=viewer).status_code == 403
    assert client.post(f"/api/v1/apps/{ios_app}/lookup").status_code == 401
    stores.itunes[IOS] = [itunes_result(IOS)]
    assert client.post(f"/api/v1/apps/{ios_app}/lookup", headers=admin).status_code == 200
    assert client.get(f"/api/v1/apps/{ios_app}/listing", headers=viewer).status_code == 200
