"""Every error is JSON {"errors": [{"field", "message"}]} with the right 4xx — never a 500 for
bad input, however hostile."""

from __future__ import annotations

import pytest

from tests.api.expect import error
from vetting import auth, db
from vetting.app import create_app

VENDORS = "/api/v1/vendors"
JSON = "application/json"
HUGE = 10**30


class TestMalformedRequests:
    """Refused before anything is written: one shared app serves them all."""

    @pytest.mark.parametrize(
        ("data", "content_type", "status", "message"),
        [
            ('{"name": "Acme"', JSON, 400, "malformed JSON"),
            ("{'name': 'Acme'}", JSON, 400, "malformed JSON"),
            ('{"name": "Acme",}', JSON, 400, "malformed JSON"),
            (b'{"name": "\xff\xfe"}', JSON, 400, "malformed JSON"),
            ("", JSON, 400, "JSON object is required"),
            ("   ", JSON, 400, "JSON object is required"),
            ('{"name": "Acme"}', "text/plain", 400, "Content-Type must be application/json"),
            ('{"name": "Acme"}', "application/x-www-form-urlencoded", 400, "Content-Type"),
            ('{"name": "Acme"}', "multipart/form-data; boundary=x", 400, "Content-Type"),
            ("[]", JSON, 422, "expected a JSON object"),
            ('["name", "Acme"]', JSON, 422, "expected a JSON object"),
            ('"Acme"', JSON, 422, "expected a JSON object"),
            ("null", JSON, 422, "expected a JSON object"),
            ("42", JSON, 422, "expected a JSON object"),
        ],
    )
    def test_unusable_body_is_rejected(self, api, data, content_type, status, message):
        r = api.client.post(VENDORS, data=data, content_type=content_type, headers=api.admin)
        error(r, status, "body", message)

    def test_missing_content_type_is_400(self, api):
        r = api.client.post(VENDORS, data='{"name": "Acme"}', headers=api.admin)
        error(r, 400, "body", "Content-Type")

    @pytest.mark.parametrize(
        ("body", "field", "message"),
        [
            ({"name": 123}, "name", "valid string"),
            ({"name": ["Acme"]}, "name", "valid string"),
            ({"name": {"first": "Acme"}}, "name", "valid string"),
            ({"name": True}, "name", "valid string"),
            ({"name": "Acme", "notes": 5}, "notes", "valid string"),
            ({"name": "Acme", "colour": "blue"}, "colour", "unknown field"),
            ({"name": "Acme", "id": 7}, "id", "unknown field"),
            ({"name": "Acme", "created_at": "2020-01-01T00:00:00Z"}, "created_at", "unknown field"),
            ({}, "name", "required"),
            ({"website": "https://acme.example"}, "name", "required"),
            ({"name": None}, "name", "valid string"),
        ],
    )
    def test_invalid_vendor_body_is_422_naming_the_field(self, api, body, field, message):
        error(api.client.post(VENDORS, json=body, headers=api.admin), 422, field, message)

    def test_every_problem_is_reported_at_once(self, api):
        body = {"name": 1, "website": "nope", "x": 1}
        items = error(api.client.post(VENDORS, json=body, headers=api.admin), 422)
        assert sorted(i["field"] for i in items) == ["name", "website", "x"]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"vendor_id": "one", "name": "A", "platform": "ios"}, "vendor_id"),
            ({"vendor_id": 1.5, "name": "A", "platform": "ios"}, "vendor_id"),
            ({"vendor_id": 1, "name": "A", "platform": 3}, "platform"),
            ({"vendor_id": 1, "name": "A"}, "platform"),
        ],
    )
    def test_invalid_app_body_is_422_naming_the_field(self, api, body, field):
        error(api.client.post("/api/v1/apps", json=body, headers=api.admin), 422, field)

    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/nope",
            "/api/v1/",
            "/api/v1",
            "/api/v2/vendors",
            "/api/v1/vendors/abc",
            "/api/v1/vendors/-1",
            "/api/v1/vendors/1.5",
            "/api/v1/vendors/1/apps",
            "/api/v1/assessments/abc/answers/x",
        ],
    )
    def test_unknown_route_under_api_is_404_json(self, api, path):
        error(api.client.get(path, headers=api.admin), 404)
        error(api.client.get(path), 404)  # not a 401: there is nothing to protect

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("PUT", VENDORS),
            ("DELETE", VENDORS),
            ("POST", "/api/v1/vendors/1"),
            ("PUT", "/api/v1/vendors/1"),
            ("DELETE", "/api/v1/baas/1"),
            ("PATCH", "/api/v1/assessments/1"),
            ("POST", "/api/v1/checklists"),
            ("POST", "/api/v1/openapi.json"),
        ],
    )
    def test_wrong_method_is_405_json_with_allow(self, api, method, path):
        r = api.client.open(path, method=method, json={}, headers=api.admin)
        error(r, 405)
        assert method not in r.headers["Allow"]


class TestHostileInput:
    """A 4xx in the one shape, never a 500; nothing here gets written."""

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": "x" * 100_000}, "name"),
            ({"name": "Acme", "notes": "x" * 10_001}, "notes"),
            ({"name": "Acme\x00Health"}, "name"),
            ({"name": "Acme", "notes": "\x00"}, "notes"),
            ({"name": "Acme", "website": "https://acme.example/" + "a" * 600}, "website"),
            ({"name": "Acme", "website": "javascript:alert(1)"}, "website"),
            ({"name": "Acme", "contact_email": "a@b.c\x00"}, "contact_email"),
        ],
    )
    def test_hostile_vendor_values_are_422(self, api, body, field):
        error(api.client.post(VENDORS, json=body, headers=api.admin), 422, field)

    @pytest.mark.parametrize(
        "raw",
        [
            '{"name": "\\ud800"}',  # a lone surrogate cannot be stored as text
            '{"name": "\\u0000"}',
            '{"name": NaN}',
            '{"name": Infinity}',
            '{"name": 1e999}',
        ],
    )
    def test_hostile_json_values_are_422(self, api, raw):
        r = api.client.post(VENDORS, data=raw, content_type=JSON, headers=api.admin)
        error(r, 422, "name")

    @pytest.mark.parametrize("raw", ["[" * 100_000, '{"a":' * 100_000])
    def test_deeply_nested_json_is_400(self, api, raw):
        r = api.client.post(VENDORS, data=raw, content_type=JSON, headers=api.admin)
        error(r, 400, "body")

    @pytest.mark.parametrize(
        ("path", "body", "field"),
        [
            ("/api/v1/apps", {"name": "A", "platform": "web"}, "vendor_id"),
            ("/api/v1/assessments", {"checklist_id": "clinical-photo"}, "app_id"),
            ("/api/v1/baas", {"effective_date": "2026-01-01"}, "vendor_id"),
        ],
    )
    def test_hostile_ids_in_a_body_are_422(self, api, path, body, field):
        for value in [HUGE, -HUGE, 2**31, 2**63, -1, 0, 1.5, "1; DROP TABLE x", [1], {"id": 1}]:
            r = api.client.post(path, json={field: value, **body}, headers=api.admin)
            error(r, 422, field)

    @pytest.mark.parametrize("resource", ["vendors", "apps", "baas", "assessments"])
    def test_hostile_ids_in_a_path_are_404(self, api, resource):
        for ident in [str(HUGE), str(2**31), str(2**63), "0", "00", "9" * 400, "abc", "-1", "1e3"]:
            error(api.client.get(f"/api/v1/{resource}/{ident}", headers=api.admin), 404)

    @pytest.mark.parametrize("ident", [str(HUGE), str(2**31)])
    def test_hostile_ids_in_a_path_are_404_for_writes_too(self, api, ident):
        c, h = api.client, api.admin
        error(c.patch(f"{VENDORS}/{ident}", json={"notes": "x"}, headers=h), 404)
        error(c.delete(f"/api/v1/apps/{ident}", headers=h), 404)
        answer = {"value": True, "source": "verified"}
        error(c.put(f"/api/v1/assessments/{ident}/answers/baa_signed", json=answer, headers=h), 404)
        decision = {"decision": "approved"}
        error(c.post(f"/api/v1/assessments/{ident}/decision", json=decision, headers=h), 404)

    @pytest.mark.parametrize(
        ("path", "field"),
        [
            (f"{VENDORS}?page={HUGE}", "page"),
            (f"{VENDORS}?page={2**62}", "page"),
            (f"{VENDORS}?per_page={HUGE}", "per_page"),
            (f"{VENDORS}?per_page=-5", "per_page"),
            (f"{VENDORS}?q=a%00b", "q"),
            (f"/api/v1/apps?vendor_id={2**31}", "vendor_id"),
            (f"/api/v1/assessments?app_id={HUGE}", "app_id"),
            (f"/api/v1/baas?vendor_id={HUGE}", "vendor_id"),
            ("/api/v1/baas?as_of=9999-12-31", "as_of"),
            ("/api/v1/baas?as_of=0001-01-01", "as_of"),
            ("/api/v1/baas?as_of=2026-02-30", "as_of"),
            ("/api/v1/allowlist?as_of=9999-12-31", "as_of"),
            ("/api/v1/allowlist?as_of=0001-01-01", "as_of"),
            ("/api/v1/allowlist?as_of=yesterday", "as_of"),
            ("/api/v1/allowlist?format=xlsx", "format"),
            ("/api/v1/allowlist?as_of=2026-01-01&as_of=2026-02-01", "as_of"),
        ],
    )
    def test_hostile_query_values_are_422(self, api, path, field):
        error(api.client.get(path, headers=api.admin), 422, field)

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"effective_date": "9999-12-31"}, "effective_date"),
            ({"effective_date": "0001-01-01"}, "effective_date"),
            ({"effective_date": "2026-01-01", "expiration_date": "9999-12-31"}, "expiration_date"),
            ({"effective_date": "2026-13-01"}, "effective_date"),
            ({"effective_date": 20260101}, "effective_date"),
            ({"effective_date": "2026-01-01", "notice_days": HUGE}, "notice_days"),
            (
                {"effective_date": "2026-01-01", "breach_notification_days": -1},
                "breach_notification_days",
            ),
        ],
    )
    def test_hostile_baa_values_are_422(self, api, body, field):
        r = api.client.post("/api/v1/baas", json={"vendor_id": 1, **body}, headers=api.admin)
        error(r, 422, field)

    @pytest.mark.parametrize(
        "checklist_id", ["..%2F..%2Fetc%2Fpasswd", "%00", "x" * 2000, "clinical-photo%00", "🚑"]
    )
    def test_hostile_checklist_ids_are_404(self, api, checklist_id):
        error(api.client.get(f"/api/v1/checklists/{checklist_id}", headers=api.admin), 404)


# --- tests that write: a fresh app each ---------------------------------------------------------


def test_json_with_charset_is_fine(client, admin):
    r = client.post(
        VENDORS,
        data='{"name": "Acme"}',
        content_type="application/json; charset=utf-8",
        headers=admin,
    )
    assert r.status_code == 201


def test_conflict_has_the_same_shape(client, admin):
    assert client.post(VENDORS, json={"name": "Acme"}, headers=admin).status_code == 201
    error(client.post(VENDORS, json={"name": "Acme"}, headers=admin), 409, "name")


@pytest.fixture
def small_app(app, database_url, tmp_path):
    """A second app on the same database that accepts request bodies of at most 1 KiB."""
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "INSTANCE_PATH": tmp_path / "small",
            "TESTING": True,
            "MAX_CONTENT_LENGTH": 1024,
        }
    )
    yield application
    application.extensions["vetting.engine"].dispose()


def test_request_too_large_is_413_json(small_app):
    with small_app.app_context():
        _, secret = auth.create_token(db.session(), auth.CLI_PRINCIPAL, "t", "admin")
    client = small_app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    r = client.post(VENDORS, json={"name": "Acme", "notes": "x" * 2000}, headers=headers)
    error(r, 413)
    r = client.post(VENDORS, json={"name": "Acme", "notes": "x" * 500}, headers=headers)
    assert r.status_code == 201


@pytest.fixture
def vendor_id(client, admin) -> int:
    r = client.post(VENDORS, json={"name": "Acme Health"}, headers=admin)
    assert r.status_code == 201
    return r.json["id"]


def test_unicode_names_round_trip(client, admin):
    for name in ["Ärzte Digital GmbH", "医療アプリ株式会社", "Acme 🚑 Health", "Ｆｕｌｌ", "‮RTL"]:
        r = client.post(VENDORS, json={"name": name}, headers=admin)
        assert r.status_code == 201, r.json
        assert client.get(f"{VENDORS}/{r.json['id']}", headers=admin).json["name"] == name
        found = client.get(VENDORS, query_string={"q": name}, headers=admin).json["items"]
        assert [v["name"] for v in found] == [name]


def test_hostile_search_terms_are_just_text(client, admin, vendor_id):
    for q in ["'; DROP TABLE vendor; --", "%' OR '1'='1", "\\", "\\%", "*", "x" * 200, "🚑", "  "]:
        r = client.get(VENDORS, query_string={"q": q}, headers=admin)
        assert r.status_code == 200, (q, r.json)
    assert client.get(f"{VENDORS}/{vendor_id}", headers=admin).status_code == 200


def test_hostile_capability_keys_and_values_are_4xx(client, admin, vendor_id):
    a = client.post(
        "/api/v1/apps",
        json={"vendor_id": vendor_id, "name": "A", "platform": "web"},
        headers=admin,
    )
    r = client.post(
        "/api/v1/assessments",
        json={"app_id": a.json["id"], "checklist_id": "clinical-photo"},
        headers=admin,
    )
    assert r.status_code == 201, r.json
    base = f"/api/v1/assessments/{r.json['id']}/answers"
    for key in ["x" * 5000, "%00", "..%2F..", "baa_signed%20"]:
        resp = client.put(
            f"{base}/{key}", json={"value": True, "source": "verified"}, headers=admin
        )
        assert 400 <= resp.status_code < 500, (key, resp.status_code)
        error(resp, resp.status_code)
    for value in [HUGE, -HUGE, "x" * 100_000, {"a": [1, 2]}, [True], None, "\x00", 1e308]:
        resp = client.put(
            f"{base}/breach_notification_days",
            json={"value": value, "source": "verified"},
            headers=admin,
        )
        assert resp.status_code in (200, 422), (value, resp.status_code, resp.json)
        if resp.status_code == 422:
            error(resp, 422)
