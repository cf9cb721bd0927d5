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

from tests.web.conftest import ACTOR, Register
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
