"""/api/v1/vendors: create, read, change, delete, search and paginate."""

from __future__ import annotations

import pytest

from tests.api.expect import error

URL = "/api/v1/vendors"


@pytest.fixture
def new_vendor(client, admin):
    def make(name: str = "Acme Health", **fields) -> dict:
        r = client.post(URL, json={"name": name, **fields}, headers=admin)
        assert r.status_code == 201, r.json
        return r.json

    return make


def test_create_returns_the_vendor_and_get_reads_it_back(client, admin):
    r = client.post(
        URL,
        json={
            "name": "  Acme Health  ",
            "website": "https://acme.example",
            "contact_email": "Security@Acme.Example",
            "notes": "signs BAAs",
        },
        headers=admin,
    )
    assert r.status_code == 201
    v = r.json
    assert v["name"] == "Acme Health"  # surrounding whitespace stripped
    assert v["website"] == "https://acme.example"
    assert v["contact_email"] == "security@acme.example"
    assert v["created_at"] == v["updated_at"] == "2026-11-25T12:00:00Z"
    assert client.get(f"{URL}/{v['id']}", headers=admin).json == v


@pytest.mark.parametrize("clash", ["Acme Health", "ACME HEALTH", "acme health", " acme Health "])
def test_duplicate_vendor_name_is_a_conflict_whatever_the_case(client, admin, new_vendor, clash):
    new_vendor("Acme Health")
    error(client.post(URL, json={"name": clash}, headers=admin), 409, "name")
    assert client.get(URL, headers=admin).json["total"] == 1


def test_duplicate_name_ignores_case_beyond_ascii(client, admin, new_vendor):
    new_vendor("Ärzte Digital")
    error(client.post(URL, json={"name": "ÄRZTE DIGITAL"}, headers=admin), 409, "name")


def test_patch_changes_only_the_given_fields(client, admin, new_vendor):
    v = new_vendor("Acme Health", website="https://acme.example")
    r = client.patch(f"{URL}/{v['id']}", json={"notes": "renegotiating"}, headers=admin)
    assert r.status_code == 200, r.json
    assert r.json["notes"] == "renegotiating"
    assert r.json["name"] == "Acme Health"
    assert r.json["website"] == "https://acme.example"


def test_patch_can_clear_an_optional_field(client, admin, new_vendor):
    v = new_vendor("Acme Health", website="https://acme.example")
    r = client.patch(f"{URL}/{v['id']}", json={"website": None}, headers=admin)
    assert r.status_code == 200
    assert r.json["website"] is None


def test_patch_with_empty_body_changes_nothing(client, admin, new_vendor):
    v = new_vendor()
    r = client.patch(f"{URL}/{v['id']}", json={}, headers=admin)
    assert r.status_code == 200
    assert r.json["name"] == v["name"]


def test_patch_may_recase_its_own_name(client, admin, new_vendor):
    v = new_vendor("Acme Health")
    r = client.patch(f"{URL}/{v['id']}", json={"name": "ACME Health"}, headers=admin)
    assert r.status_code == 200
    assert r.json["name"] == "ACME Health"


def test_patch_to_another_vendors_name_is_a_conflict(client, admin, new_vendor):
    new_vendor("Acme Health")
    v = new_vendor("Globex")
    error(
        client.patch(f"{URL}/{v['id']}", json={"name": "acme HEALTH"}, headers=admin), 409, "name"
    )
    assert client.get(f"{URL}/{v['id']}", headers=admin).json["name"] == "Globex"


@pytest.mark.parametrize(("body", "field"), [({"name": None}, "name"), ({"name": ""}, "name")])
def test_patch_cannot_empty_the_name(client, admin, new_vendor, body, field):
    v = new_vendor()
    error(client.patch(f"{URL}/{v['id']}", json=body, headers=admin), 422, field)


def test_delete_removes_the_vendor(client, admin, new_vendor):
    v = new_vendor()
    r = client.delete(f"{URL}/{v['id']}", headers=admin)
    assert r.status_code == 204
    assert r.get_data() == b""
    error(client.get(f"{URL}/{v['id']}", headers=admin), 404)
    error(client.delete(f"{URL}/{v['id']}", headers=admin), 404)


def test_delete_vendor_with_apps_is_a_conflict(client, admin, new_vendor):
    v = new_vendor()
    a = client.post(
        "/api/v1/apps",
        json={"vendor_id": v["id"], "name": "Acme Camera", "platform": "web"},
        headers=admin,
    )
    assert a.status_code == 201
    error(client.delete(f"{URL}/{v['id']}", headers=admin), 409, message="1 app(s)")
    assert client.get(f"{URL}/{v['id']}", headers=admin).status_code == 200
    # once its app is gone, the vendor may go too
    assert client.delete(f"/api/v1/apps/{a.json['id']}", headers=admin).status_code == 204
    assert client.delete(f"{URL}/{v['id']}", headers=admin).status_code == 204


def test_delete_vendor_with_a_baa_is_a_conflict(client, admin, new_vendor):
    v = new_vendor()
    b = client.post(
        "/api/v1/baas",
        json={"vendor_id": v["id"], "effective_date": "2026-01-01", "status": "draft"},
        headers=admin,
    )
    assert b.status_code == 201, b.json
    error(client.delete(f"{URL}/{v['id']}", headers=admin), 409, message="1 BAA(s)")


def test_list_paginates_in_name_order(client, admin, new_vendor):
    names = [f"Vendor {c}" for c in "GFEDCBA"]
    for n in names:
        new_vendor(n)
    seen = []
    for page in (1, 2, 3):
        r = client.get(f"{URL}?page={page}&per_page=3", headers=admin)
        assert r.status_code == 200
        assert (r.json["page"], r.json["per_page"], r.json["total"]) == (page, 3, 7)
        seen += [v["name"] for v in r.json["items"]]
    assert seen == sorted(names)
    beyond = client.get(f"{URL}?page=4&per_page=3", headers=admin).json
    assert beyond["items"] == [] and beyond["total"] == 7


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("acme", ["ACME Health", "Acme_Labs", "acmeXlabs"]),
        ("HEALTH", ["ACME Health"]),
        ("_", ["Acme_Labs"]),  # a literal underscore, not "any one character"
        ("e_l", ["Acme_Labs"]),
        ("%", ["100% Secure"]),  # a literal percent sign, not "anything"
        ("0%", ["100% Secure"]),
        ("\\", []),
        ("ärzte", ["Ärzte Digital"]),
        ("zzz", []),
    ],
)
def test_search_is_case_insensitive_and_literal(client, admin, new_vendor, q, expected):
    for n in ["ACME Health", "Acme_Labs", "acmeXlabs", "100% Secure", "Ärzte Digital"]:
        new_vendor(n)
    r = client.get(URL, query_string={"q": q}, headers=admin)
    assert r.status_code == 200
    assert sorted(v["name"] for v in r.json["items"]) == sorted(expected)
    assert r.json["total"] == len(expected)


class TestRefusedOrReadOnly:
    """Nothing here is written: one shared app serves them all."""

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "name"),
            ({"name": ""}, "name"),
            ({"name": "   "}, "name"),
            ({"name": "x" * 201}, "name"),
            ({"name": "Acme", "website": "ftp://acme.example"}, "website"),
            ({"name": "Acme", "website": "acme.example"}, "website"),
            ({"name": "Acme", "contact_email": "not-an-email"}, "contact_email"),
        ],
    )
    def test_create_rejects_invalid_fields_naming_them(self, api, body, field):
        error(api.client.post(URL, json=body, headers=api.admin), 422, field)

    def test_get_unknown_vendor_is_404(self, api):
        error(api.client.get(f"{URL}/999", headers=api.admin), 404, message="no vendor with id 999")

    def test_patch_unknown_vendor_is_404(self, api):
        error(api.client.patch(f"{URL}/999", json={"notes": "x"}, headers=api.admin), 404)

    def test_list_defaults_to_page_one_of_fifty(self, api):
        assert api.client.get(URL, headers=api.admin).json == {
            "items": [],
            "page": 1,
            "per_page": 50,
            "total": 0,
        }

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("per_page=501", "per_page"),
            ("per_page=0", "per_page"),
            ("page=0", "page"),
            ("page=-1", "page"),
            ("page=abc", "page"),
            ("page=1.5", "page"),
            ("q=" + "x" * 201, "q"),
            ("colour=blue", "colour"),
        ],
    )
    def test_list_rejects_bad_paging_and_unknown_parameters(self, api, query, field):
        error(api.client.get(f"{URL}?{query}", headers=api.admin), 422, field)

    def test_per_page_500_is_allowed(self, api):
        assert api.client.get(f"{URL}?per_page=500", headers=api.admin).json["per_page"] == 500
