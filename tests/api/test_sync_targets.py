"""/api/v1/sync-targets: configure targets, run (or dry-run) a sync against a local fake,
read the runs; errors name what is missing; roles are enforced."""

from __future__ import annotations

import pytest

from tests import sync_data as data
from tests.integrations.fake_apis import fake_api


@pytest.fixture
def local(app, monkeypatch):
    data.allow_local(app)
    monkeypatch.setenv("HOOK_SECRET", data.SECRET)


def create(client, headers, status=201, **body):
    r = client.post("/api/v1/sync-targets", json=body, headers=headers)
    assert r.status_code == status, r.json
    return r.json


def webhook(client, headers, url="http://127.0.0.1:9/hook", name="hook"):
    return create(client, headers, kind="webhook", name=name, settings=data.webhook_settings(url))


def test_create_list_get_update_delete(client, admin, local):
    t = webhook(client, admin)
    assert t["kind"] == "webhook" and t["settings"] == {
        "url": "http://127.0.0.1:9/hook",
        "secret_env": "HOOK_SECRET",
    }
    assert t["active"] and t["last_synced_release_id"] is None and t["last_result"] is None
    assert client.get("/api/v1/sync-targets", headers=admin).json["items"] == [t]
    assert client.get(f"/api/v1/sync-targets/{t['id']}", headers=admin).json == t
    r = client.patch(
        f"/api/v1/sync-targets/{t['id']}", json={"active": False, "name": "Hook 2"}, headers=admin
    )
    assert r.status_code == 200 and (r.json["active"], r.json["name"]) == (False, "Hook 2")
    assert client.delete(f"/api/v1/sync-targets/{t['id']}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/sync-targets/{t['id']}", headers=admin).status_code == 404


def test_run_pushes_the_latest_release_and_the_runs_list_it(client, admin, app, local):
    release = data.first_release(client, admin, app)
    with fake_api() as api:
        api.on("POST", "/hook", (200, {}))
        t = webhook(client, admin, f"{api.url}/hook")
        r = client.post(f"/api/v1/sync-targets/{t['id']}/run", json={}, headers=admin)
    assert r.status_code == 201, r.json
    run = r.json
    assert (run["status"], run["dry_run"], run["release_id"], run["error"]) == (
        "ok",
        False,
        release,
        None,
    )
    assert (
        run["target"]["last_synced_release_id"] == release and run["target"]["last_result"] == "ok"
    )
    assert run["previous_release_id"] is None
    assert run["changes"][0] == f"release {release} (the first push to this target): 2 added"
    (call,) = run["calls"]
    assert (call["method"], call["url"], call["status"]) == ("POST", f"{api.url}/hook", 200)
    assert call["body"]["schema"] == "vetting.allowlist/v1"
    assert len(api.requests) == 1
    runs = client.get(f"/api/v1/sync-targets/{t['id']}/runs", headers=admin).json["items"]
    assert [(x["id"], x["status"]) for x in runs] == [(run["id"], "ok")]


def test_dry_run_makes_no_call(client, admin, app, local):
    data.first_release(client, admin, app)
    with fake_api() as api:
        t = webhook(client, admin, f"{api.url}/hook")
        r = client.post(
            f"/api/v1/sync-targets/{t['id']}/run", json={"dry_run": True}, headers=admin
        )
        assert api.requests == []
    assert r.status_code == 201 and r.json["dry_run"] and r.json["status"] == "ok"
    assert r.json["calls"][0]["status"] is None
    assert r.json["target"]["last_synced_release_id"] is None


def test_a_failed_sync_is_reported_and_keeps_the_last_synced_release(client, admin, app, local):
    data.first_release(client, admin, app)
    with fake_api() as api:
        api.on(
            "POST",
            "/hook",
            (403, {"error": {"code": "Forbidden", "message": "signature rejected"}}),
        )
        t = webhook(client, admin, f"{api.url}/hook")
        r = client.post(f"/api/v1/sync-targets/{t['id']}/run", json={}, headers=admin)
    assert r.status_code == 201
    assert r.json["status"] == "failed"
    assert r.json["error"].endswith("failed: HTTP 403: Forbidden: signature rejected")
    assert (
        r.json["target"]["last_synced_release_id"] is None
        and r.json["target"]["last_result"] == "failed"
    )


def test_unknown_release_is_404_and_an_unset_secret_422(client, admin, app, local, monkeypatch):
    data.first_release(client, admin, app)
    t = webhook(client, admin)
    r = client.post(f"/api/v1/sync-targets/{t['id']}/run", json={"release_id": 42}, headers=admin)
    assert r.status_code == 404 and r.json["errors"] == [
        {"field": "release", "message": "no release with id 42"}
    ]
    monkeypatch.delenv("HOOK_SECRET")
    r = client.post(f"/api/v1/sync-targets/{t['id']}/run", json={}, headers=admin)
    assert r.status_code == 422
    (err,) = r.json["errors"]
    assert err["field"] == "settings.secret_env" and "HOOK_SECRET is not set" in err["message"]
    assert client.get(f"/api/v1/sync-targets/{t['id']}/runs", headers=admin).json["items"] == []


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"kind": "intune", "name": "x", "settings": {"tenant_id": "t"}},
            "settings.client_id",
            "is required",
        ),
        ({"kind": "mdm9000", "name": "x"}, "kind", "unknown kind 'mdm9000'"),
        (
            {
                "kind": "webhook",
                "name": "x",
                "settings": {"url": "http://127.0.0.1/", "secret_env": "not a name"},
            },
            "settings.secret_env",
            "must name the environment variable",
        ),
        ({"kind": "webhook", "name": "x", "settings": {"url": 5}}, "settings.url", "string"),
        ({"kind": "webhook", "name": "", "settings": {}}, "name", "at least 1 character"),
    ],
)
def test_bad_targets_are_422_naming_the_field(client, admin, local, body, field, message):
    r = client.post("/api/v1/sync-targets", json=body, headers=admin)
    assert r.status_code == 422, r.json
    assert r.json["errors"][0]["field"] == field and message in r.json["errors"][0]["message"]


def test_unknown_target_is_404(client, admin):
    assert client.post("/api/v1/sync-targets/77/run", json={}, headers=admin).status_code == 404
    assert client.get("/api/v1/sync-targets/77/runs", headers=admin).status_code == 404
    assert client.patch("/api/v1/sync-targets/77", json={}, headers=admin).status_code == 404


def test_duplicate_name_is_409(client, admin, local):
    webhook(client, admin)
    r = client.post(
        "/api/v1/sync-targets",
        json={
            "kind": "webhook",
            "name": "hook",
            "settings": data.webhook_settings("http://127.0.0.1:9/x"),
        },
        headers=admin,
    )
    assert r.status_code == 409 and r.json["errors"][0]["field"] == "name"


@pytest.mark.parametrize(
    ("role", "write"),
    [("admin", True), ("it", True), ("viewer", False), ("legal", False), ("procurement", False)],
)
def test_only_admin_and_it_configure_and_run_everyone_reads(
    client, make_token, admin, app, local, role, write
):
    data.first_release(client, admin, app)
    t = webhook(client, admin)
    headers = make_token(role)
    assert client.get("/api/v1/sync-targets", headers=headers).status_code == 200
    assert client.get(f"/api/v1/sync-targets/{t['id']}/runs", headers=headers).status_code == 200
    expected = (201, 201) if write else (403, 403)
    r1 = client.post("/api/v1/sync-targets/1/run", json={"dry_run": True}, headers=headers)
    r2 = client.post(
        "/api/v1/sync-targets",
        json={
            "kind": "webhook",
            "name": f"h-{role}",
            "settings": data.webhook_settings("http://127.0.0.1:9/x"),
        },
        headers=headers,
    )
    assert (r1.status_code, r2.status_code) == expected
    if not write:
        assert "sync:write" in r1.json["errors"][0]["message"]
    assert client.get("/api/v1/sync-targets").status_code == 401


def test_the_openapi_document_describes_the_sync_routes(client):
    doc = client.get("/api/v1/openapi.json").json
    run = doc["paths"]["/api/v1/sync-targets/{target_id}/run"]["post"]
    assert run["x-required-scope"] == "sync:write"
    assert (
        "SyncRunResultOut"
        in run["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    )
