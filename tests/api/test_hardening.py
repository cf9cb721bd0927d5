"""Findings of the attack review (issue 12, item 1), each a regression test that failed on
the code before the fix: control characters in stored text, numbers read as dates, exports
broken by a name stored before control characters were refused, CSV cells split in
`;`-separator locales."""

from __future__ import annotations

import csv
import io
import plistlib
from datetime import date

import pytest
from sqlalchemy import update

from tests.api.chain import app_, approved_app, baa, vendor
from vetting import db
from vetting.models import App


@pytest.mark.parametrize(
    ("name", "code"),
    [("Camera\u0007", "U+0007"), ("Cam\x1bera", "U+001B"), ("Cam\x7f", "U+007F"),
     ("Cam\u0085era", "U+0085"), ("Two\nlines", "U+000A"), ("Tab\there", "U+0009")],
)  # fmt: skip
def test_control_characters_are_refused_in_names(client, admin, name, code):
    vid = vendor(client, admin)
    r = client.post(
        "/api/v1/apps", json={"vendor_id": vid, "name": name, "platform": "web"}, headers=admin
    )
    assert r.status_code == 422
    (error,) = r.json["errors"]
    assert error["field"] == "name" and code in error["message"]
    assert client.get("/api/v1/apps", headers=admin).json["total"] == 0


def test_line_breaks_stay_allowed_in_notes_but_not_bells(client, admin):
    ok = client.post(
        "/api/v1/vendors", json={"name": "Acme", "notes": "line one\nline two\ttab"}, headers=admin
    )
    assert ok.status_code == 201, ok.json
    bad = client.post(
        "/api/v1/vendors", json={"name": "Beta", "notes": "ring\u0007"}, headers=admin
    )
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "notes"


@pytest.mark.parametrize("as_of", [0, 1700000000, "0", "1700000000", True, "2026-11-25T00:00:00"])
def test_a_number_is_not_a_date(client, admin, as_of):
    r = client.post("/api/v1/allowlist/releases", json={"as_of": as_of}, headers=admin)
    assert r.status_code == 422, r.json
    assert r.json["errors"][0]["field"] == "as_of"
    assert "YYYY-MM-DD" in r.json["errors"][0]["message"]
    assert client.get("/api/v1/allowlist/releases", headers=admin).json["total"] == 0


def test_a_number_in_a_query_string_is_not_a_date(client, admin):
    r = client.get("/api/v1/allowlist?as_of=0", headers=admin)
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "as_of"


def test_a_name_stored_with_a_control_character_does_not_break_any_export(app, client, admin):
    vid = vendor(client, admin)
    baa(client, admin, vid)
    aid = approved_app(client, admin, vid, name="Acme Camera", store_id="com.acme.camera")
    with app.app_context():  # as stored before they were refused
        s = db.session()
        s.execute(update(App).where(App.id == aid).values(name="Acme \u0007Camera"))
        s.commit()
    r = client.post("/api/v1/allowlist/releases", json={}, headers=admin)
    assert r.status_code == 201, r.json
    for path in (
        "/api/v1/allowlist/latest.mobileconfig",
        "/api/v1/allowlist/latest.csv",
        "/api/v1/allowlist/latest.json",
        "/api/v1/allowlist?format=csv",
    ):
        r = client.get(path, headers=admin)
        assert r.status_code == 200, (path, r.data[:200])
    profile = plistlib.loads(
        client.get("/api/v1/allowlist/latest.mobileconfig", headers=admin).data
    )
    assert profile["PayloadContent"][0]["allowListedAppBundleIDs"]
    text = client.get("/api/v1/allowlist/latest.csv", headers=admin).data.decode("utf-8")
    assert "Acme \ufffdCamera" in text and "\u0007" not in text


def test_csv_cells_are_quoted_so_a_semicolon_locale_cannot_split_a_formula(app, client, admin):
    vid = vendor(client, admin)
    baa(client, admin, vid)
    app_(client, admin, vid, name="Notes;=cmd|' /C calc'!A0", store_id="com.acme.notes")
    raw = client.get("/api/v1/allowlist?format=csv", headers=admin).data.decode("utf-8")
    assert "Notes;'=cmd|' /C calc'!A0" in raw
    # Split the way a `;`-separator spreadsheet would: no cell starts a formula.
    for separator in (";", ",", "\t"):
        for row in csv.reader(io.StringIO(raw), delimiter=separator):
            assert not any(cell.lstrip(' "').startswith(("=", "+", "-", "@")) for cell in row), row


def test_json_answers_are_not_cached_and_the_server_keeps_its_version(client, admin):
    r = client.get("/api/v1/vendors", headers=admin)
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Server"] == "vetting"
    assert client.get("/api/v1/openapi.json").headers["Server"] == "vetting"


# --- releases: the one MDMs pull, and lists that shrink ---------------------------------------


def test_an_empty_or_much_smaller_list_needs_allow_shrink(client, admin, app):
    r = client.post("/api/v1/allowlist/releases", json={}, headers=admin)
    assert r.status_code == 409 and r.json["errors"][0]["field"] == "allow_shrink"
    assert "the list is empty" in r.json["errors"][0]["message"]
    vid = vendor(client, admin)
    baa(client, admin, vid)
    ids = [
        approved_app(client, admin, vid, name=f"App {i}", store_id=f"com.acme.app{i}")
        for i in range(5)
    ]
    assert client.post("/api/v1/allowlist/releases", json={}, headers=admin).status_code == 201
    with app.app_context():  # two of five revoked: a 40% drop
        s = db.session()
        s.execute(update(App).where(App.id.in_(ids[:2])).values(revoked_on=date(2026, 11, 1)))
        s.commit()
    r = client.post("/api/v1/allowlist/releases", json={}, headers=admin)
    assert r.status_code == 409
    assert (
        "drops from 5 to 3 approved apps, more than 20% at once" in r.json["errors"][0]["message"]
    )
    r = client.post("/api/v1/allowlist/releases", json={"allow_shrink": True}, headers=admin)
    assert r.status_code == 201, r.json


def test_the_release_mdms_pull_is_the_newest_date_not_after_today(client, admin):
    vid = vendor(client, admin)
    baa(client, admin, vid, expiration_date="2026-12-15")  # the list of 2026-12-20 differs
    approved_app(client, admin, vid)
    today = client.post("/api/v1/allowlist/releases", json={}, headers=admin).json["release"]
    later = client.post(
        "/api/v1/allowlist/releases",
        json={"as_of": "2026-12-20", "allow_shrink": True},
        headers=admin,
    ).json["release"]
    past = client.post(
        "/api/v1/allowlist/releases",
        json={"as_of": "2026-11-01", "allow_shrink": True},
        headers=admin,
    ).json["release"]
    assert past["past_dated"] is True and today["past_dated"] is False
    # Newest id is the past-dated one, the newest date is in the future: neither is pulled.
    pulled = client.get("/api/v1/allowlist/releases/latest", headers=admin).json
    assert pulled["id"] == today["id"] and later["id"] > today["id"]
    assert client.get("/api/v1/allowlist/latest.json", headers=admin).status_code == 200


# --- what fuzzing the OpenAPI document found (item 7) ---------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field", "words"),
    [
        ("/api/v1/allowlist/releases", {"allow_shrink": 0}, "allow_shrink", "true or false"),
        ("/api/v1/allowlist/releases", {"allow_shrink": "yes"}, "allow_shrink", "true or false"),
        (
            "/api/v1/baas",
            {"vendor_id": 1, "effective_date": "2026-01-01", "auto_renews": 1},
            "auto_renews",
            "true or false",
        ),
    ],
)
def test_a_json_boolean_is_true_or_false_not_a_number_or_word(
    client, admin, path, body, field, words
):
    r = client.post(path, json=body, headers=admin)
    assert r.status_code == 422, r.json
    assert any(e["field"] == field and words in e["message"] for e in r.json["errors"])


def test_a_json_whole_number_is_a_number_not_text(client, admin):
    vid = vendor(client, admin)
    for wrong in (str(vid), float(vid), True):
        r = client.post(
            "/api/v1/apps", json={"vendor_id": wrong, "name": "x", "platform": "web"}, headers=admin
        )
        assert r.status_code == 422, (wrong, r.json)
        assert r.json["errors"][0]["field"] == "vendor_id"
    ok = client.post(
        "/api/v1/apps", json={"vendor_id": vid, "name": "x", "platform": "web"}, headers=admin
    )
    assert ok.status_code == 201


def test_an_id_beyond_any_column_is_a_404_not_a_server_error(client, admin):
    huge = 281870774772967753646080
    for path in (f"/api/v1/assessments/1/evidence/{huge}", f"/api/v1/vendors/{huge}"):
        r = client.get(path, headers=admin)
        assert r.status_code == 404, (path, r.json)
        assert "with id" in r.json["errors"][0]["message"]


def test_an_over_long_url_token_is_refused_as_documented(client):
    r = client.get("/api/v1/baas.ics?token=" + "x" * 201)
    assert r.status_code == 401


def test_the_document_describes_what_me_and_the_pulls_answer(client, admin):
    doc = client.get("/api/v1/openapi.json").json
    me = doc["paths"]["/api/v1/me"]["get"]["responses"]["200"]["content"]["application/json"]
    assert me["schema"] == {"$ref": "#/components/schemas/MeOut"}
    pull = doc["paths"]["/api/v1/allowlist/latest.json"]["get"]["responses"]
    assert (
        "304" in pull and pull["200"]["content"]["application/json"]["schema"]["type"] == "object"
    )
    publish = doc["paths"]["/api/v1/allowlist/releases"]["post"]["responses"]
    assert {"200", "201"} <= set(publish)
    assert client.get("/api/v1/me", headers=admin).json["role"] == "admin"
