from __future__ import annotations


def test_full_chain_puts_approved_app_on_list(client, admin):
    v = client.post("/api/v1/vendors", json={"name": "Acme Health"}, headers=admin)
    assert v.status_code == 201, v.json
    a = client.post(
        "/api/v1/apps",
        json={
            "vendor_id": v.json["id"],
            "name": "Acme Camera",
            "platform": "ios",
            "store_id": "com.acme.camera",
        },
        headers=admin,
    )
    assert a.status_code == 201, a.json
    r = client.post(
        "/api/v1/assessments",
        json={"app_id": a.json["id"], "checklist_id": "clinical-photo"},
        headers=admin,
    )
    assert r.status_code == 201, r.json
    aid = r.json["id"]
    caps = client.get("/api/v1/checklists/clinical-photo", headers=admin).json["capabilities"]
    for cap in caps:
        value = {"bool": True, "max_days": 3, "min_number": 7}.get(cap["kind"])
        if cap["kind"] == "choice":
            value = cap["options"][0]
        r = client.put(
            f"/api/v1/assessments/{aid}/answers/{cap['key']}",
            json={
                "value": value,
                "source": "verified",
                "evidence_url": "https://vendor.example/trust/pen-test-letter.pdf",
            },
            headers=admin,
        )
        assert r.status_code == 200, r.json
    assert r.json["verdict"] == "approved", r.json["reasons"]
    d = client.post(
        f"/api/v1/assessments/{aid}/decision", json={"decision": "approved"}, headers=admin
    )
    assert d.status_code == 201, d.json
    b = client.post(
        "/api/v1/baas",
        json={
            "vendor_id": v.json["id"],
            "effective_date": "2026-01-01",
            "expiration_date": "2027-05-31",
            "signed_copy_note": "signed PDF in the contracts share",
        },
        headers=admin,
    )
    assert b.status_code == 201, b.json
    assert b.json["state"] == "active"
    lst = client.get("/api/v1/allowlist", headers=admin)
    assert [e["store_id"] for e in lst.json["entries"]] == ["com.acme.camera"]
    lst = client.get("/api/v1/allowlist?as_of=2027-06-01", headers=admin)
    assert lst.json["entries"] == []
    assert (
        lst.json["excluded"][0]["reason"]
        == "BAA with Acme Health expired: in force through 2027-05-31"
    )
    assert client.get("/api/v1/openapi.json").status_code == 200
