"""Evidence that counts (issue #10, item 2): a verified answer needs an evidence URL or an
attached file; files are stored once by SHA-256, survive re-answering, are type-checked and
size-limited, and download only as attachments to those who may read assessments."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.api.chain import answer, app_, assess, audit_events, decide, vendor
from tests.api.expect import error
from tests.configure import use
from vetting import db
from vetting.models import Answer, AnswerEvidence

# A pen-test summary as a reviewer would save it, and a screenshot of an admin console.
REPORT = b"%PDF-1.4\n% Penetration test summary, March 2026 - no critical findings\n%%EOF\n"
CONSOLE = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(48)
POLICY = "https://trust.acme.example/encryption-whitepaper"


@pytest.fixture
def aid(client, admin):
    return assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]


def attach(client, headers, aid, key, data, filename="report.pdf", content_type=None) -> Any:
    part: tuple[Any, ...] = (io.BytesIO(data), filename)
    if content_type:
        part = (*part, content_type)
    return client.post(
        f"/api/v1/assessments/{aid}/answers/{key}/evidence",
        data={"file": part},
        headers=headers,
    )


def put(client, headers, aid, key, value=True, **body) -> Any:
    return client.put(
        f"/api/v1/assessments/{aid}/answers/{key}",
        json={"value": value, "source": "verified", **body},
        headers=headers,
    )


def detail(client, headers, aid) -> dict[str, Any]:
    r = client.get(f"/api/v1/assessments/{aid}", headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def line(d, key) -> dict[str, Any]:
    return next(c for c in d["capabilities"] if c["key"] == key)


def stored(app) -> list[str]:
    folder = Path(app.instance_path) / "documents"
    return sorted(os.listdir(folder)) if folder.exists() else []


def rows(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model)) or 0


# --- verified needs evidence ----------------------------------------------------------------


def test_verified_without_url_or_file_is_refused_naming_the_field(client, app, admin, aid):
    events = len(audit_events(app))
    r = put(client, admin, aid, "encryption_at_rest")
    error(r, 422, "evidence_url", "a verified answer needs evidence")
    assert "/answers/encryption_at_rest/evidence" in r.json["errors"][0]["message"]
    assert rows(app, Answer) == 0
    assert len(audit_events(app)) == events
    # attested needs none; an http(s) URL is enough for verified
    assert put(client, admin, aid, "tls_in_transit", source="attested").status_code == 200
    r = put(client, admin, aid, "encryption_at_rest", evidence_url=POLICY)
    assert r.status_code == 200, r.json
    assert line(r.json, "encryption_at_rest")["counts_as"] == "verified"


@pytest.mark.parametrize("url", ["ftp://acme.example/x", "javascript:alert(1)", "acme.example"])
def test_the_evidence_url_must_be_http_or_https(client, admin, aid, url):
    error(put(client, admin, aid, "baa_signed", evidence_url=url), 422, "evidence_url", "http")


def test_a_file_counts_as_evidence_and_survives_re_answering(client, app, admin, aid):
    r = attach(client, admin, aid, "encryption_at_rest", REPORT, "Pen test 2026.pdf")
    assert r.status_code == 201, r.json
    sha = hashlib.sha256(REPORT).hexdigest()
    assert (r.json["sha256"], r.json["content_type"], r.json["filename"]) == (
        sha,
        "application/pdf",
        "Pen test 2026.pdf",
    )
    assert r.json["download"] == f"/api/v1/assessments/{aid}/evidence/{r.json['id']}"
    assert stored(app) == [sha]
    ev = audit_events(app)[-1]
    assert (ev.action, ev.entity_type, ev.entity_id) == (
        "assessment.evidence.upload",
        "assessment",
        str(aid),
    )
    assert (ev.after["capability_key"], ev.after["sha256"]) == ("encryption_at_rest", sha)

    # verified without a URL is fine now: the file is the evidence
    r = put(client, admin, aid, "encryption_at_rest", note="AES-256, checked in the report")
    assert r.status_code == 200, r.json
    got = line(r.json, "encryption_at_rest")
    assert (got["source"], got["counts_as"], got["unsupported"]) == ("verified", "verified", False)
    assert [f["sha256"] for f in got["files"]] == [sha]
    # re-answering (a new note, then another value) keeps the file
    put(client, admin, aid, "encryption_at_rest", note="re-read on site")
    r = put(client, admin, aid, "encryption_at_rest", value=False)
    assert [f["id"] for f in line(r.json, "encryption_at_rest")["files"]] == [got["files"][0]["id"]]


def test_the_same_file_is_stored_once(client, app, admin, aid):
    first = attach(client, admin, aid, "audit_logging", CONSOLE, "console.png")
    assert (first.status_code, first.json["content_type"]) == (201, "image/png")
    again = attach(client, admin, aid, "audit_logging", CONSOLE, "console-copy.png")
    assert (again.status_code, again.json["id"]) == (200, first.json["id"])
    other = attach(client, admin, aid, "unique_user_ids", CONSOLE, "console.png")
    assert other.status_code == 201 and other.json["id"] != first.json["id"]
    assert stored(app) == [hashlib.sha256(CONSOLE).hexdigest()]  # one file, two links
    assert rows(app, AnswerEvidence) == 2
    uploads = [e for e in audit_events(app) if e.action == "assessment.evidence.upload"]
    assert len(uploads) == 2


def test_attaching_evidence_to_an_older_verified_answer_rescores_it(client, app, admin, aid):
    # Older data: answers marked verified before evidence was required.
    for c in client.get("/api/v1/checklists/clinical-photo", headers=admin).json["capabilities"]:
        value = {"bool": True, "max_days": 3, "min_number": 7}.get(c["kind"])
        if c["kind"] == "choice":
            value = c["options"][0]
        assert answer(client, admin, aid, c["key"], value).status_code == 200
    with app.app_context():
        s = db.session()
        row = s.scalar(select(Answer).where(Answer.capability_key == "gallery_bypass"))
        assert row is not None
        row.evidence_url = None
        s.commit()
    d = detail(client, admin, aid)
    assert d["verdict"] == "conditional"
    assert d["unsupported"] == ["gallery_bypass"] == d["attested_gates"]
    title = line(d, "gallery_bypass")["title"]
    assert d["conditions"] == [
        f"{title}: marked verified but no evidence attached — attach the evidence"
    ]
    assert line(d, "gallery_bypass")["unsupported"] is True
    assert d["evidence"]["attested"] > 0
    assert attach(client, admin, aid, "gallery_bypass", CONSOLE, "photos.png").status_code == 201
    d = detail(client, admin, aid)
    assert (d["verdict"], d["unsupported"], d["evidence"]["attested"]) == ("approved", [], 0)
    listed = client.get(f"/api/v1/assessments?app_id={d['app_id']}", headers=admin).json
    assert listed["items"][0]["verdict"] == "approved"  # the stored verdict moved too


# --- refused uploads ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "status", "message"),
    [
        (b"GIF89a\x01\x00\x01\x00" + bytes(20), "diagram.gif", 422, "is not a PDF, a PNG image"),
        (REPORT, "console.png", 422, "named as a PNG image but its content is a PDF"),
        (b"", "empty.txt", 422, "is empty"),
        (b"x" * 4096, "big.txt", 413, "larger than the 2048 bytes limit"),
    ],
)
def test_bad_evidence_files_are_refused_and_store_nothing(
    client, app, admin, aid, data, filename, status, message
):
    use(app, max_document_bytes=2048)
    events = len(audit_events(app))
    error(attach(client, admin, aid, "baa_signed", data, filename), status, "file", message)
    assert stored(app) == []  # not even a temporary file
    assert rows(app, AnswerEvidence) == 0
    assert len(audit_events(app)) == events


def test_evidence_for_an_unknown_capability_or_assessment_is_404(client, admin, aid):
    error(attach(client, admin, aid, "no_such_thing", REPORT), 404, "capability_key")
    error(attach(client, admin, 999, "baa_signed", REPORT), 404)


def test_a_decided_assessment_takes_no_more_evidence(client, app, admin, aid):
    decide(client, admin, aid, "rejected", justification="withdrawn by the ward manager")
    error(attach(client, admin, aid, "baa_signed", REPORT), 409, None, "frozen")
    assert stored(app) == []


def test_uploading_needs_assessments_write(client, aid, make_token):
    error(attach(client, make_token("viewer"), aid, "baa_signed", REPORT), 403)
    error(attach(client, {}, aid, "baa_signed", REPORT), 401)


# --- download -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "procurement", "legal"])
def test_download_is_an_attachment_that_is_never_sniffed(client, admin, make_token, aid, role):
    up = attach(client, admin, aid, "audit_logging", CONSOLE, "SIEM export.png").json
    r = client.get(up["download"], headers=make_token(role))
    assert r.status_code == 200
    assert r.data == CONSOLE
    assert r.mimetype == "image/png"
    assert r.headers["Content-Disposition"] == 'attachment; filename="SIEM export.png"'
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Document-SHA256"] == hashlib.sha256(CONSOLE).hexdigest()
    ev = audit_events(client.application)[-1]
    assert (ev.action, ev.actor) == ("assessment.evidence.download", f"token:test-{role}")


def test_download_needs_the_evidence_scope(client, admin, make_token, aid):
    """Evidence (SOC 2 reports, penetration tests) is often under NDA: those who negotiate
    read it (procurement, legal, admin), not viewers, IT or an MDM's pull token."""
    up = attach(client, admin, aid, "audit_logging", CONSOLE, "console.png").json
    error(client.get(up["download"]), 401)
    feed = make_token("it", ["allowlist:read"])  # an MDM's pull token
    error(client.get(up["download"], headers=feed), 403, None, "evidence:read")
    for role in ("viewer", "it"):
        error(client.get(up["download"], headers=make_token(role)), 403, None, "evidence:read")


def test_download_through_another_assessment_is_404(client, admin, aid):
    up = attach(client, admin, aid, "audit_logging", CONSOLE, "console.png").json
    other_app = app_(client, admin, vendor(client, admin, "Other Co"), "Other", "com.other.cam")
    other = assess(client, admin, other_app)["id"]
    error(client.get(f"/api/v1/assessments/{other}/evidence/{up['id']}", headers=admin), 404)


def test_a_damaged_evidence_file_is_refused_not_served(client, app, store, admin, aid):
    up = attach(client, admin, aid, "audit_logging", CONSOLE, "console.png").json
    got = client.get(up["download"], headers=admin)
    assert got.status_code == 200 and got.data == CONSOLE
    assert got.headers["Content-Length"] == str(len(CONSOLE))
    store.tamper(up["sha256"], b"tampered")
    error(client.get(up["download"], headers=admin), 500, None, "no longer matches")


# --- discovered answers, the evidence figure ------------------------------------------------


def test_a_discovered_answer_counts_once_a_person_confirms_it(client, admin, aid):
    r = put(client, admin, aid, "tls_in_transit", source="discovered", evidence_url=POLICY)
    got = line(r.json, "tls_in_transit")
    assert (got["status"], got["points"], got["counts_as"]) == ("suggested", 0.0, "discovered")
    assert "tls_in_transit" in r.json["missing"]
    assert r.json["evidence"]["verified"] == r.json["evidence"]["attested"] == 0

    r = put(client, admin, aid, "tls_in_transit", source="attested")  # confirmed on trust
    got = line(r.json, "tls_in_transit")
    assert (got["status"], got["points"]) == ("answered", got["possible"])
    assert "tls_in_transit" not in r.json["missing"]
    assert r.json["evidence"]["attested"] > 0
    r = put(client, admin, aid, "tls_in_transit", evidence_url=POLICY)  # confirmed, checked
    assert line(r.json, "tls_in_transit")["counts_as"] == "verified"
    assert (r.json["evidence"]["verified"] > 0, r.json["evidence"]["attested"]) == (True, 0)


def test_the_detail_carries_the_evidence_figure(client, admin, aid):
    caps = client.get("/api/v1/checklists/clinical-photo", headers=admin).json["capabilities"]
    weight = {c["key"]: c["weight"] for c in caps}
    put(client, admin, aid, "baa_signed", evidence_url=POLICY)
    put(client, admin, aid, "encryption_at_rest", source="attested")
    e = detail(client, admin, aid)["evidence"]
    assert e["verified_weight"] == weight["baa_signed"]
    assert e["attested_weight"] == weight["encryption_at_rest"]
    assert e["applicable_weight"] == sum(weight.values())
    assert e["verified"] + e["attested"] + e["unanswered"] == 100
    assert e["summary"] == (
        f"Evidence: {e['verified']}% verified, {e['attested']}% attested, "
        f"{e['unanswered']}% unanswered"
    )
