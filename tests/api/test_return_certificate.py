"""Issue #11 item 4: a terminated BAA's return/destroy certificate as a file — recorded with
`POST /api/v1/baas/{id}/return-destroy` (multipart), downloaded byte-exact with
`GET /api/v1/baas/{id}/return-destroy/certificate`, refused (nothing stored) when it cannot be
right. Today is 2026-11-25 (tests/conftest.py)."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.api.chain import audit_events, baa, vendor
from tests.api.expect import error
from tests.api.register_helpers import PDF
from tests.configure import use
from vetting import db
from vetting.models import BaaReturnCertificate

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>\n"


def _terminated(client, admin, on: str = "2026-11-01", name: str = "Plover Health") -> int:
    vid = vendor(client, admin, name)
    b = baa(client, admin, vid, effective_date="2025-01-01", expiration_date="2027-12-31")
    r = client.post(
        f"/api/v1/baas/{b['id']}/terminate",
        json={"on": on, "reason": "contract ended by mutual agreement"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    return int(b["id"])


def _send(
    client,
    headers,
    baa_id: int,
    data: bytes | None = PDF,
    filename: str = "certificate.pdf",
    **fields: str,
) -> Any:
    form: dict[str, Any] = {"certified_on": "2026-11-20", **fields}
    if data is not None:
        form["file"] = (io.BytesIO(data), filename)
    return client.post(
        f"/api/v1/baas/{baa_id}/return-destroy",
        data=form,
        headers=headers,
        content_type="multipart/form-data",
    )


def _certificates(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(BaaReturnCertificate)) or 0


def _nothing_kept(app, store, events_before: int) -> None:
    assert store.names() == []  # not even a temporary file
    assert _certificates(app) == 0
    assert len(audit_events(app)) == events_before


def test_the_certificate_is_recorded_with_its_file_and_downloaded_byte_exact(
    client, app, store, admin, make_token
):
    bid = _terminated(client, admin)
    r = _send(client, admin, bid, PDF, "Plover certificate.pdf", reference="PLV-2026-114")
    assert r.status_code == 200, r.json
    follow = r.json["return_destroy"]
    assert (follow["status"], follow["certified_on"], follow["reference"]) == (
        "done",
        "2026-11-20",
        "PLV-2026-114",
    )
    sha = hashlib.sha256(PDF).hexdigest()
    cert = follow["certificate"]
    assert (cert["sha256"], cert["filename"], cert["content_type"], cert["size"]) == (
        sha,
        "Plover certificate.pdf",
        "application/pdf",
        len(PDF),
    )
    assert cert["uploaded_by"] and cert["certified_on"] == "2026-11-20"
    assert store.names() == [sha]
    actions = [e.action for e in audit_events(app)]
    assert actions[-2:] == ["baa.return_destroy", "baa.return_destroy.certificate"]

    got = client.get(f"/api/v1/baas/{bid}/return-destroy/certificate", headers=admin)
    assert got.status_code == 200 and got.data == PDF
    assert got.mimetype == "application/pdf"
    assert got.headers["Content-Disposition"] == 'attachment; filename="Plover certificate.pdf"'
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["X-Document-SHA256"] == sha
    assert got.headers["Cache-Control"] == "private, no-store"
    assert audit_events(app)[-1].action == "baa.return_destroy.certificate.download"
    # Readers like the signed agreement's: legal, procurement, admin.
    error(
        client.get(f"/api/v1/baas/{bid}/return-destroy/certificate", headers=make_token("viewer")),
        403,
        None,
        "baa-documents:read",
    )
    legal = make_token("legal")
    assert client.get(f"/api/v1/baas/{bid}/return-destroy/certificate", headers=legal).data == PDF
    # And the BAA says so.
    again = client.get(f"/api/v1/baas/{bid}", headers=admin).json["return_destroy"]
    assert again["certificate"]["sha256"] == sha


def test_a_scan_without_a_reference_is_enough(client, store, admin):
    bid = _terminated(client, admin)
    r = _send(client, admin, bid, PNG, "scan.png", certified_on="2026-11-01")
    assert r.status_code == 200, r.json
    follow = r.json["return_destroy"]
    assert follow["status"] == "done" and follow["reference"] is None
    assert follow["certificate"]["content_type"] == "image/png"
    got = client.get(f"/api/v1/baas/{bid}/return-destroy/certificate", headers=admin)
    assert got.data == PNG and got.mimetype == "image/png"


def test_json_still_records_a_date_and_reference_without_a_file(client, admin):
    bid = _terminated(client, admin)
    r = client.post(
        f"/api/v1/baas/{bid}/return-destroy",
        json={"certified_on": "2026-11-20", "reference": "filed in DMS 42"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    assert r.json["return_destroy"]["certificate"] is None
    error(
        client.get(f"/api/v1/baas/{bid}/return-destroy/certificate", headers=admin),
        404,
        "certificate",
        "has no return/destroy certificate file",
    )


def test_a_certificate_for_an_active_baa_is_refused_and_nothing_stored(client, app, store, admin):
    vid = vendor(client, admin)
    active = baa(client, admin, vid, expiration_date="2027-12-31")
    events = len(audit_events(app))
    error(_send(client, admin, active["id"]), 409, "baa_id", "is not terminated")
    _nothing_kept(app, store, events)
    assert client.get(f"/api/v1/baas/{active['id']}", headers=admin).json["return_destroy"] is None


def test_a_termination_not_yet_in_effect_is_refused(client, app, store, admin):
    bid = _terminated(client, admin, on="2026-12-15")
    events = len(audit_events(app))
    r = _send(client, admin, bid, certified_on="2026-11-24")
    error(r, 409, "baa_id", "takes effect on 2026-12-15")
    _nothing_kept(app, store, events)
    # JSON alike.
    r = client.post(
        f"/api/v1/baas/{bid}/return-destroy",
        json={"certified_on": "2026-11-24", "reference": "x"},
        headers=admin,
    )
    error(r, 409, "baa_id", "takes effect on 2026-12-15")


@pytest.mark.parametrize(
    ("certified_on", "message"),
    [
        ("2026-10-31", "cannot be before the termination took effect (2026-11-01)"),
        ("2025-06-01", "cannot be before the termination took effect (2026-11-01)"),
        ("2026-11-26", "cannot be in the future"),
    ],
)
def test_a_date_before_the_termination_or_in_the_future_is_refused(
    client, app, store, admin, certified_on, message
):
    bid = _terminated(client, admin)
    events = len(audit_events(app))
    error(_send(client, admin, bid, certified_on=certified_on), 422, "certified_on", message)
    _nothing_kept(app, store, events)
    r = client.post(
        f"/api/v1/baas/{bid}/return-destroy",
        json={"certified_on": certified_on, "reference": "x"},
        headers=admin,
    )
    error(r, 422, "certified_on", message)
    got = client.get(f"/api/v1/baas/{bid}", headers=admin).json["return_destroy"]
    assert got["status"] == "open"


@pytest.mark.parametrize(
    ("data", "filename", "status", "message"),
    [
        (HTML, "certificate.pdf", 422, "is named as a PDF but its content is plain text"),
        (b"", "certificate.pdf", 422, "is empty"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "certificate.exe", 422, "is not a PDF, a PNG image"),
        (b"x" * 4096, "big.txt", 413, "is larger than"),
    ],
)
def test_a_bad_file_is_refused_and_nothing_stored(
    client, app, store, admin, data, filename, status, message
):
    use(app, max_document_bytes=2048)
    bid = _terminated(client, admin)
    events = len(audit_events(app))
    error(_send(client, admin, bid, data, filename), status, "file", message)
    _nothing_kept(app, store, events)
    got = client.get(f"/api/v1/baas/{bid}", headers=admin).json["return_destroy"]
    assert got["status"] == "open" and got["certificate"] is None


def test_multipart_needs_the_date_and_only_writers_may_send(client, app, store, admin, make_token):
    bid = _terminated(client, admin)
    r = client.post(
        f"/api/v1/baas/{bid}/return-destroy",
        data={"file": (io.BytesIO(PDF), "c.pdf")},
        headers=admin,
        content_type="multipart/form-data",
    )
    error(r, 422, "certified_on")
    error(_send(client, admin, bid, None), 422, "file", "is required")
    error(_send(client, admin, bid, reference="r" * 201), 422, "reference")
    error(_send(client, make_token("viewer"), bid), 403, None, "baas:write")
    error(_send(client, admin, 999), 404)
    assert store.names() == [] and _certificates(app) == 0


def test_the_openapi_document_offers_json_or_multipart(client):
    doc = client.get("/api/v1/openapi.json").json
    op = doc["paths"]["/api/v1/baas/{baa_id}/return-destroy"]["post"]
    assert set(op["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    dl = doc["paths"]["/api/v1/baas/{baa_id}/return-destroy/certificate"]["get"]
    assert dl["x-required-scope"] == "baa-documents:read"
