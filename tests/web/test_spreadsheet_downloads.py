"""Spreadsheets out for people (issue 13, item 5): the BAA register, the apps with their list
status, a comparison of candidates and the audit log download as XLSX (frozen header, filter,
column widths, real date cells, formula-looking text stored as text) and CSV (defused), under
the page's own filters and authorisation."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from tests.web.conftest import ACTOR, Register, signed_baa
from tests.web.html_check import problems
from vetting import db
from vetting.schemas import AppCreate
from vetting.services import apps

FORMULA = '=HYPERLINK("http://attacker.example","x")'


def xlsx(resp):
    assert resp.status_code == 200, resp.text[:300]
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in resp.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(resp.data)).active
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    assert ws.column_dimensions["A"].width > 0
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c for c in r), strict=False)) for r in ws.iter_rows(min_row=2)]
    return ws, rows


def as_csv(resp) -> list[dict[str, str]]:
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))


@pytest.fixture
def formula_app(app, register: Register) -> int:
    with app.app_context():
        made = apps.create(
            db.session(),
            ACTOR,
            AppCreate(vendor_id=register.vendor_id, name=FORMULA, platform="web", store_id=None),
        )
        return made.id


def test_apps_download_with_list_status_dates_and_formula_text(browser, register, formula_app):
    b = browser("viewer")
    _, rows = xlsx(b.get("/apps/export.xlsx"))
    by_name = {r["App"].value: r for r in rows}
    camera = by_name["Acme Camera"]
    assert camera["List status"].value == "on the list"
    assert isinstance(camera["Decision valid until"].value, datetime)  # a date cell
    assert camera["Decision valid until"].number_format == "yyyy-mm-dd"
    assert by_name["Borealis Snap"]["List status"].value == "off the list"
    assert by_name["Borealis Snap"]["Why"].value
    evil = by_name[FORMULA]["App"]
    assert evil.data_type == "s" and evil.quotePrefix  # shown as typed, never run
    # the page's filters apply
    _, only = xlsx(b.get("/apps/export.xlsx?q=borealis"))
    assert [r["App"].value for r in only] == ["Borealis Snap"]
    lines = as_csv(b.get("/apps/export.csv"))
    assert {r["App"] for r in lines} >= {"Acme Camera", "'" + FORMULA}


def test_baa_register_download(browser, register):
    b = browser("legal")
    _, rows = xlsx(b.get("/baas/export.xlsx"))
    (row,) = rows
    assert row["Vendor"].value == "Acme Health" and row["Title"].value == "Acme BAA"
    assert isinstance(row["Effective"].value, datetime)
    assert row["Effective"].value.date().isoformat() == "2026-01-01"
    assert row["State"].value in {"active", "expiring"}
    (line,) = as_csv(b.get("/baas/export.csv?filter=in-force"))
    assert line["Effective"] == "2026-01-01"
    assert as_csv(b.get("/baas/export.csv?filter=expired")) == []


def test_comparison_download(browser, register):
    b = browser("viewer")
    apps_ = f"app={register.app_id}&app={register.open_app_id}"
    url = f"/compare/export.xlsx?checklist=clinical-photo&{apps_}"
    ws, rows = xlsx(b.get(url))
    header = [c.value for c in ws[1]]
    assert header[1] == "Capability" and header[4].startswith("Acme Camera")
    assert rows[0]["Capability"].value == "Score"
    titles = [r["Capability"].value for r in rows]
    assert "Business Associate Agreement signed" in titles
    assert b.get("/compare/export.xlsx?checklist=clinical-photo&app=1").status_code == 422


def test_audit_log_download_follows_the_filters_and_the_role(browser, register):
    b = browser("legal")
    _, rows = xlsx(b.get("/audit/export.xlsx"))
    assert rows and isinstance(rows[0]["At (UTC)"].value, datetime)
    seqs = [r["Seq"].value for r in rows]
    assert seqs == sorted(seqs, reverse=True)
    _, creates = xlsx(b.get("/audit/export.xlsx?action=vendor.create"))
    assert {r["Action"].value for r in creates} == {"vendor.create"}
    assert {r["Action"] for r in as_csv(b.get("/audit/export.csv?action=baa.create"))} == {
        "baa.create"
    }
    assert browser("viewer").get("/audit/export.xlsx").status_code == 403
    assert b.get("/audit/export.pdf").status_code == 404


def test_pages_link_their_downloads_with_their_filters(browser, register):
    b = browser("legal")
    assert '/apps/export.xlsx?q=acme"' in b.get("/apps?q=acme").text
    assert "/baas/export.csv" in b.get("/baas").text
    assert "/audit/export.xlsx" in b.get("/audit").text
    for url in ("/apps?q=acme", "/baas", "/audit"):
        assert problems(b.get(url).text) == [], url


def test_downloads_read_in_chunks_and_refuse_rather_than_cut(
    browser, register, formula_app, monkeypatch
):
    from vetting.queries import sheets

    b = browser("legal")
    monkeypatch.setattr(sheets, "CHUNK", 1)  # every app read on its own page
    _, rows = xlsx(b.get("/apps/export.xlsx"))
    assert len(rows) == 3
    monkeypatch.setattr(sheets, "MAX_ROWS", 2)
    for url in ("/apps/export.xlsx", "/audit/export.csv"):
        r = b.get(url)
        assert r.status_code == 422 and "narrow the filters" in r.text, url
    assert b.get("/baas/export.xlsx").status_code == 200  # one BAA: within the bound


def test_downloads_stream_every_chunk_with_its_own_vendor_names(
    app, browser, register, monkeypatch, admin, client
):
    """A CSV goes out as it is written, read a page at a time after the request's unit of work
    has ended (Flask runs the body in a new one): every page's rows carry their own vendors'
    names (a careless version names only the first page's), in the page's order; an .xlsx file
    is whole, with its length."""

    from vetting.queries import sheets
    from vetting.schemas import VendorCreate
    from vetting.services import vendors

    with app.app_context():
        s = db.session()
        for name in ("Borealis Care", "Cobalt Clinic", "Delta Dental Apps"):
            signed_baa(s, vendors.create(s, ACTOR, VendorCreate(name=name)).id, f"{name} BAA")
    monkeypatch.setattr(sheets, "CHUNK", 1)  # one BAA a page: four pages
    b = browser("legal")
    resp = b.get("/baas/export.csv?sort=vendor")
    assert resp.is_streamed and resp.content_length is None
    lines = as_csv(resp)
    assert [(r["Vendor"], r["Title"]) for r in lines] == [
        ("Acme Health", "Acme BAA"),
        ("Borealis Care", "Borealis Care BAA"),
        ("Cobalt Clinic", "Cobalt Clinic BAA"),
        ("Delta Dental Apps", "Delta Dental Apps BAA"),
    ]
    whole = b.get("/baas/export.xlsx?sort=vendor")
    assert whole.content_length == len(whole.data)
    _, rows = xlsx(whole)
    assert [r["Vendor"].value for r in rows] == [r["Vendor"] for r in lines]
    # the API's register and apps downloads page the same way
    api = client.get("/api/v1/baas/register.csv", headers=admin)
    assert sorted(r["Vendor"] for r in as_csv(api)) == [r["Vendor"] for r in lines]
    web_apps = as_csv(b.get("/apps/export.csv"))
    api_apps = as_csv(client.get("/api/v1/apps/export.csv", headers=admin))
    assert len(web_apps) > 1 and all(r["Vendor"] and r["List status"] for r in web_apps)
    assert sorted(map(str, api_apps)) == sorted(map(str, web_apps))


def test_a_download_in_an_unknown_format_is_a_404(browser, register):
    b = browser("legal")
    urls = ("/baas/export.pdf", "/apps/export.json", "/vendors/export.txt", "/audit/export.ods")
    for url in urls:
        r = b.get(url)
        assert r.status_code == 404, (url, r.status_code)
