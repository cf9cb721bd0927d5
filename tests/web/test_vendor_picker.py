"""Vendor fields: a select for a small register; for a large one a name field with type-ahead
from /vendors/options, which works without JavaScript (the name typed is resolved on submit)."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from tests.web.conftest import Register
from vetting import db
from vetting.models import App
from vetting.queries import browse


@pytest.fixture
def large(monkeypatch):
    """The register counts as large from three vendors on (the real bound is 200)."""
    monkeypatch.setattr(browse, "PICKER_MAX", 1)


def test_a_small_register_gets_a_select_of_every_vendor(browser, register: Register):
    page = browser("procurement").get("/apps/new")
    assert '<select id="f-vendor_id" name="vendor_id"' in page.text
    assert "Borealis Imaging" in page.text and "data-options" not in page.text


def test_a_large_register_gets_a_name_field_with_type_ahead(browser, register: Register, large):
    page = browser("procurement").get("/apps/new")
    assert '<select id="f-vendor_id"' not in page.text
    assert 'name="vendor_id"' in page.text and 'data-options="/vendors/options"' in page.text
    assert "Borealis Imaging" not in page.text  # no list of every vendor in the page


def test_a_typed_name_is_resolved_ignoring_case_and_spaces(app, browser, register, large):
    b = browser("procurement")
    resp = b.post(
        "/apps/new",
        {"vendor_id": "  borealis imaging ", "name": "Borealis Viewer", "platform": "web"},
    )
    assert resp.status_code == 302, unescape(resp.text)
    with app.app_context():
        made = (
            db.session()
            .execute(select(App.id, App.vendor_id).where(App.name == "Borealis Viewer"))
            .one()
        )
    assert made.vendor_id != register.vendor_id
    # the edit page shows the vendor's name, not its id
    page = b.get(f"/apps/{made.id}/edit")
    assert 'value="Borealis Imaging"' in page.text


def test_an_unknown_name_is_a_message_on_the_field_and_nothing_is_written(
    app, browser, register, large
):
    b = browser("procurement")
    resp = b.post("/apps/new", {"vendor_id": "Borealis", "name": "Viewer", "platform": "web"})
    assert resp.status_code == 422
    text = unescape(resp.text)
    assert "no vendor is named 'Borealis'" in text
    assert 'value="Borealis"' in text  # what was typed comes back
    with app.app_context():
        assert db.session().scalar(select(App).where(App.name == "Viewer")) is None


def test_a_baa_is_recorded_for_a_vendor_typed_by_name(browser, register, large):
    b = browser("legal")
    resp = b.post(
        "/baas/new",
        {
            "vendor_id": "Borealis Imaging",
            "status": "active",
            "effective_date": "2026-01-01",
            "signed_copy_note": "signed original in the contracts share",
        },
    )
    assert resp.status_code == 302, unescape(resp.text)
    assert "Borealis Imaging" in b.get(resp.headers["Location"]).text


def test_options_list_matching_names_starting_ones_first(browser, register: Register):
    b = browser("procurement")
    data = b.get("/vendors/options?q=ima").get_json()
    assert [v["name"] for v in data["vendors"]] == ["Borealis Imaging"]
    both = b.get("/vendors/options?q=a").get_json()["vendors"]
    assert both[0]["name"].lower().startswith("a")  # a name starting with the term first
    assert b.get("/vendors/options?q=%25").get_json() == {"vendors": []}  # % is literal
    assert b.get("/vendors/options").get_json() == {"vendors": []}


def test_options_need_a_signed_in_user(client, register: Register):
    resp = client.get("/vendors/options?q=a")
    assert resp.status_code in (302, 401)
    assert "Borealis" not in resp.text


def test_a_select_posts_ids_even_when_a_vendor_is_named_with_digits(app, browser, register):
    """A small register's select posts an id: a vendor *named* "2" must not capture it."""
    from vetting import auth
    from vetting.schemas import VendorCreate
    from vetting.services import vendors

    with app.app_context():
        named = vendors.create(db.session(), auth.CLI_PRINCIPAL, VendorCreate(name="2")).id
    b = browser("procurement")
    resp = b.post("/apps/new", {"vendor_id": "2", "name": "By id", "platform": "web"})
    assert resp.status_code == 302, unescape(resp.text)
    with app.app_context():
        vendor_id = db.session().scalar(select(App.vendor_id).where(App.name == "By id"))
    assert vendor_id == 2 and vendor_id != named
