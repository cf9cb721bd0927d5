"""Small builders for the core chain (vendor → app → assessment → decision, vendor → BAA),
shared by the assessment, allowlist, audit and CLI tests. Each asserts its own status code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from vetting import clock, db
from vetting.models import AuditEvent

Headers = dict[str, str]

# A passing answer for every kind: full credit unless a choice's first option says otherwise.
GOOD = {"bool": True, "max_days": 3, "min_number": 7}


def vendor(client: FlaskClient, headers: Headers, name: str = "Acme Health") -> int:
    r = client.post("/api/v1/vendors", json={"name": name}, headers=headers)
    assert r.status_code == 201, r.json
    return r.json["id"]


def app_(
    client: FlaskClient,
    headers: Headers,
    vendor_id: int,
    name: str = "Acme Camera",
    store_id: str | None = "com.acme.camera",
    platform: str = "ios",
) -> int:
    body = {"vendor_id": vendor_id, "name": name, "platform": platform, "store_id": store_id}
    r = client.post("/api/v1/apps", json=body, headers=headers)
    assert r.status_code == 201, r.json
    return r.json["id"]


def assess(
    client: FlaskClient, headers: Headers, app_id: int, checklist: str = "clinical-photo"
) -> dict[str, Any]:
    r = client.post(
        "/api/v1/assessments", json={"app_id": app_id, "checklist_id": checklist}, headers=headers
    )
    assert r.status_code == 201, r.json
    return r.json


CHECKED = "https://vendor.example/trust/assurance-pack"


def answer(
    client: FlaskClient, headers: Headers, assessment_id: int, key: str, value: Any, **extra: Any
) -> Any:
    # a verified answer needs evidence: where the reviewer saw it
    body = {"value": value, "source": "verified", "evidence_url": CHECKED, **extra}
    return client.put(
        f"/api/v1/assessments/{assessment_id}/answers/{key}", json=body, headers=headers
    )


def answer_all(
    client: FlaskClient, headers: Headers, assessment_id: int, checklist: str = "clinical-photo"
) -> dict[str, Any]:
    """Answer every capability with its best value; returns the last assessment detail."""
    caps = client.get(f"/api/v1/checklists/{checklist}", headers=headers).json["capabilities"]
    r = None
    for cap in caps:
        value = cap["options"][0] if cap["kind"] == "choice" else GOOD[cap["kind"]]
        r = answer(client, headers, assessment_id, cap["key"], value)
        assert r.status_code == 200, r.json
    assert r is not None
    return r.json


def decide(
    client: FlaskClient,
    headers: Headers,
    assessment_id: int,
    decision: str = "approved",
    **extra: Any,
) -> dict[str, Any]:
    r = client.post(
        f"/api/v1/assessments/{assessment_id}/decision",
        json={"decision": decision, **extra},
        headers=headers,
    )
    assert r.status_code == 201, r.json
    return r.json


def approved_app(
    client: FlaskClient, headers: Headers, vendor_id: int, decision: str = "approved", **app_kw: Any
) -> int:
    """An app with a recorded decision on a fully answered assessment (only a rejection can
    be decided on an incomplete one); justified, so any decision may differ from the verdict."""
    app_id = app_(client, headers, vendor_id, **app_kw)
    a = assess(client, headers, app_id)
    answer_all(client, headers, a["id"])
    extra: dict[str, Any] = {"justification": "reviewed offline by the security committee"}
    if decision == "conditional":
        extra["conditions"] = [condition("camera roll disabled by MDM")]
    decide(client, headers, a["id"], decision, **extra)
    return app_id


def condition(text: str, days: int = 60, owner: str = "it@example.org") -> dict[str, str]:
    """A condition of a conditional approval, due `days` after today."""
    due = clock.today() + timedelta(days=days)
    return {"text": text, "due_date": due.isoformat(), "owner": owner}


# What tests say about an active BAA's signed copy (signed means signed: a document or this).
SIGNED = "signed original held by legal"


def baa(client: FlaskClient, headers: Headers, vendor_id: int, **fields: Any) -> dict[str, Any]:
    body = {"vendor_id": vendor_id, "effective_date": "2026-01-01", **fields}
    if body.get("status", "active") == "active":
        body.setdefault("signed_copy_note", SIGNED)
    r = client.post("/api/v1/baas", json=body, headers=headers)
    assert r.status_code == 201, r.json
    return r.json


def audit_events(app: Any) -> list[AuditEvent]:
    with app.app_context():
        s = db.session()
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all())
        s.expunge_all()  # readable after the app context closes the session
        return events
