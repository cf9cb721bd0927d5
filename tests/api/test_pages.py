"""/api/v1/vendors/{id}/pages: watch a vendor's page, fetch it now (claims, suggestions,
alerts), list and remove; errors as JSON 4xx, a failed fetch recorded on the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.vendor_pages import DENIAL_PAGE, TRUST_PAGE, Site, serve


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    yield from serve(monkeypatch)


def _vendor(client: Any, admin: dict[str, str]) -> int:
    v = client.post("/api/v1/vendors", json={"name": "Lumen Health"}, headers=admin).json
    a = client.post(
        "/api/v1/apps", json={"vendor_id": v["id"], "name": "Lumen", "platform": "web"},
        headers=admin,
    ).json  # fmt: skip
    r = client.post(
        "/api/v1/assessments", json={"app_id": a["id"], "checklist_id": "clinical-photo"},
        headers=admin,
    )  # fmt: skip
    assert r.status_code == 201, r.json
    return int(v["id"])


def test_watch_fetch_list_and_remove(client: Any, admin: dict[str, str], site: Site) -> None:
    vid = _vendor(client, admin)
    url = site.html("/trust", TRUST_PAGE)
    r = client.post(f"/api/v1/vendors/{vid}/pages", json={"url": url}, headers=admin)
    assert r.status_code == 201, r.json
    pid = r.json["id"]
    assert r.json["last_fetched_at"] is None and r.json["claims"] == []
    got = client.post(f"/api/v1/vendors/{vid}/pages/{pid}/fetch", headers=admin)
    assert got.status_code == 200, got.json
    assert [(c["capability"], c["stance"]) for c in got.json["claims"]] == [
        ("baa_signed", "supports"),
        ("encryption_at_rest", "supports"),
    ]
    assert got.json["suggested"] == 2 and got.json["alerts"] == []
    site.html("/trust", DENIAL_PAGE)
    again = client.post(f"/api/v1/vendors/{vid}/pages/{pid}/fetch", headers=admin).json
    assert len(again["alerts"]) == 1
    notes = client.get("/api/v1/notifications?subject_kind=page", headers=admin).json
    assert notes["total"] == 1
    listed = client.get(f"/api/v1/vendors/{vid}/pages", headers=admin).json["items"]
    assert listed[0]["claims"][0]["stance"] == "denies"
    assert listed[0]["fetch_count"] == 2 and len(listed[0]["sha256"]) == 64
    assert client.delete(f"/api/v1/vendors/{vid}/pages/{pid}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/vendors/{vid}/pages", headers=admin).json["items"] == []


def test_mistakes_are_json_4xx(client: Any, admin: dict[str, str], make_token: Any, site: Site):
    vid = _vendor(client, admin)
    r = client.post(f"/api/v1/vendors/{vid}/pages", json={"url": "ftp://x"}, headers=admin)
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "url"
    r = client.post(f"/api/v1/vendors/{vid}/pages", json={"url": "https://a.example", "x": 1},
                    headers=admin)  # fmt: skip
    assert r.status_code == 422
    assert client.post("/api/v1/vendors/999/pages", json={"url": "https://a.example"},
                       headers=admin).status_code == 404  # fmt: skip
    assert client.post(f"/api/v1/vendors/{vid}/pages/5/fetch", headers=admin).status_code == 404
    hop = site.put("/hop", b"", 302, Location=f"http://169.254.169.254:{site.port}/latest")
    pid = client.post(f"/api/v1/vendors/{vid}/pages", json={"url": hop}, headers=admin).json["id"]
    r = client.post(f"/api/v1/vendors/{vid}/pages/{pid}/fetch", headers=admin)
    assert r.status_code == 422 and "link-local" in r.json["errors"][0]["message"]
    page = client.get(f"/api/v1/vendors/{vid}/pages", headers=admin).json["items"][0]
    assert "link-local" in page["last_error"] and page["last_fetched_at"] is None
    viewer = make_token("viewer")
    assert client.get(f"/api/v1/vendors/{vid}/pages", headers=viewer).status_code == 200
    r = client.post(f"/api/v1/vendors/{vid}/pages/{pid}/fetch", headers=viewer)
    assert r.status_code == 403
