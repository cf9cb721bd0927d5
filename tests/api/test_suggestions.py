"""The API of answer suggestions and vendors' standard questionnaires: upload a CAIQ or
HECVAT, list what it suggests, accept some, dismiss others; bad files are JSON 4xx naming the
file; roles hold."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests import questionnaire_books as books
from tests.api.chain import app_, assess, vendor
from tests.api.expect import error

CAIQ = {
    "UEM-13.1": ("Yes", "Phones are wiped remotely", "CSC-owned"),
    "CEK-03.1": ("Yes", "AES-256 at rest"),
    "LOG-08.1": ("Not sure", ""),
}


@pytest.fixture
def aid(client, admin) -> int:  # type: ignore[no-untyped-def]
    return assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]


def upload(client, headers, aid, data: bytes, name: str = "acme-caiq.xlsx", query: str = "") -> Any:  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/assessments/{aid}/questionnaires{query}",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
    )


def score(client, headers, aid) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    d = client.get(f"/api/v1/assessments/{aid}", headers=headers).json
    return d["score"], d["verdict"]


def test_upload_list_accept_some_and_dismiss_the_rest(client, admin, aid) -> None:  # type: ignore[no-untyped-def]
    before = score(client, admin, aid)
    r = upload(client, admin, aid, books.caiq(CAIQ))
    assert r.status_code == 201, r.json
    body = r.json
    assert (body["questionnaire"], body["version"], body["dry_run"]) == ("caiq", "4.0.3", False)
    keys = {s["capability_key"] for s in body["suggestions"]}
    assert keys == {"remote_wipe", "encryption_at_rest", "tls_in_transit"}
    assert all(s["id"] and s["source"] == "attested" for s in body["suggestions"])
    assert "audit_logging" in body["unmapped"]
    assert body["refused"][0]["question_id"] == "LOG-08.1"
    assert score(client, admin, aid) == before  # suggestions count for nothing

    listed = client.get(f"/api/v1/assessments/{aid}/suggestions", headers=admin).json["items"]
    ids = {s["capability_key"]: s["id"] for s in listed}
    wipe = next(s for s in listed if s["capability_key"] == "remote_wipe")
    assert wipe["origin_ref"] == "UEM-13.1" and wipe["origin_file"] == "acme-caiq.xlsx"
    assert wipe["current_value"] is None and wipe["overrides"] is False

    r = client.post(
        f"/api/v1/assessments/{aid}/suggestions/accept",
        json={"ids": [ids["encryption_at_rest"]]},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    assert {s["capability_key"] for s in r.json["items"]} == {"remote_wipe", "tls_in_transit"}
    d = client.get(f"/api/v1/assessments/{aid}", headers=admin).json
    line = next(c for c in d["capabilities"] if c["key"] == "encryption_at_rest")
    assert line["source"] == "attested"
    assert d["score"] > before[0]

    r = client.post(
        f"/api/v1/assessments/{aid}/suggestions/dismiss", json={"all": True}, headers=admin
    )
    assert r.status_code == 200 and r.json["items"] == []


def test_a_dry_run_records_nothing(client, admin, aid) -> None:  # type: ignore[no-untyped-def]
    r = upload(client, admin, aid, books.caiq(CAIQ), query="?dry_run=true")
    assert r.status_code == 201 and r.json["dry_run"] is True
    assert all(s["id"] is None for s in r.json["suggestions"])
    assert client.get(f"/api/v1/assessments/{aid}/suggestions", headers=admin).json["items"] == []


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"\xd0\xcf\x11\xe0" + bytes(600), "old.xls", "save it as .xlsx without protection"),
        (b"name,platform\nSnap,web\n", "apps.csv", "expected an .xlsx workbook"),
        (books.caiq(CAIQ, version="v3.1"), "old-caiq.xlsx", "CAIQ version v3.1 is not supported"),
        (
            books.hecvat4({"Organization": {"HIPA-04": ("Yes", "")}}, version="Version 2.11"),
            "h.xlsx",
            "HECVAT version 2.11 is not supported (supported: 3.x, 4.x)",
        ),
        (b"PK\x03\x04 broken", "broken.xlsx", "damaged"),
    ],
)
def test_a_bad_file_is_a_json_422_naming_the_file(client, admin, aid, data, name, words) -> None:  # type: ignore[no-untyped-def]
    r = upload(client, admin, aid, data, name)
    assert r.status_code == 422, r.json
    message = " ".join(e["message"] for e in error(r, 422, "file"))
    assert name in message and words in message


def test_no_file_part_and_a_wrong_choice_are_4xx(client, admin, aid) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"/api/v1/assessments/{aid}/questionnaires", data={}, headers=admin)
    assert r.status_code in (400, 422) and "errors" in r.json
    r = client.post(f"/api/v1/assessments/{aid}/suggestions/accept", json={}, headers=admin)
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/assessments/{aid}/suggestions/accept", json={"ids": [12345]}, headers=admin
    )
    assert r.status_code == 422 and "not a pending suggestion" in r.json["errors"][0]["message"]
    r = client.get("/api/v1/assessments/99999/suggestions", headers=admin)
    assert r.status_code == 404


def test_roles_read_and_write(client, admin, make_token, aid) -> None:  # type: ignore[no-untyped-def]
    viewer = make_token("viewer")
    assert client.get(f"/api/v1/assessments/{aid}/suggestions", headers=viewer).status_code == 200
    assert upload(client, viewer, aid, books.caiq(CAIQ)).status_code == 403
    r = client.post(
        f"/api/v1/assessments/{aid}/suggestions/accept", json={"all": True}, headers=viewer
    )
    assert r.status_code == 403
    assert upload(client, make_token("procurement"), aid, books.caiq(CAIQ)).status_code == 201
    assert upload(client, {}, aid, books.caiq(CAIQ)).status_code == 401


def test_a_persons_answer_is_reported_as_overridden(client, admin, aid) -> None:  # type: ignore[no-untyped-def]
    r = client.put(
        f"/api/v1/assessments/{aid}/answers/remote_wipe",
        json={"value": False, "source": "attested"},
        headers=admin,
    )
    assert r.status_code == 200
    before = score(client, admin, aid)
    upload(client, admin, aid, books.caiq(CAIQ))
    listed = client.get(f"/api/v1/assessments/{aid}/suggestions", headers=admin).json["items"]
    wipe = next(s for s in listed if s["capability_key"] == "remote_wipe")
    assert (wipe["current_value"], wipe["current_source"], wipe["overrides"]) == (
        False,
        "attested",
        True,
    )
    assert score(client, admin, aid) == before
