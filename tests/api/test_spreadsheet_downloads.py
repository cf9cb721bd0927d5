"""The register and the apps as spreadsheets from the API (issue 13, item 5): the same filters
as the JSON lists, XLSX with a frozen header, filter and date cells, CSV defused, JSON 4xx."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from openpyxl import load_workbook

from tests.api.chain import app_, vendor
from tests.api.expect import error


def baa(client, headers, vendor_id: int, title: str) -> None:
    body = {
        "vendor_id": vendor_id,
        "effective_date": "2026-01-01",
        "expiration_date": "2027-12-31",
        "title": title,
        "signed_copy_note": "signed PDF in the contracts share",
    }
    r = client.post("/api/v1/baas", json=body, headers=headers)
    assert r.status_code == 201, r.json


def test_the_register_as_xlsx_and_csv(client, admin, make_token):
    v = vendor(client, admin)
    baa(client, admin, v, "@SUM(1+1)")
    legal = make_token("legal")
    r = client.get("/api/v1/baas/register.xlsx?state=in_force", headers=legal)
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(r.data)).active
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:N2"
    assert isinstance(ws["E2"].value, datetime) and ws["E2"].number_format == "yyyy-mm-dd"
    assert ws["C2"].value == "@SUM(1+1)" and ws["C2"].data_type == "s" and ws["C2"].quotePrefix
    r = client.get("/api/v1/baas/register.csv", headers=legal)
    (row,) = csv.DictReader(io.StringIO(r.get_data(as_text=True)))
    assert row["Title"] == "'@SUM(1+1)" and row["Effective"] == "2026-01-01"
    r = client.get("/api/v1/baas/register.csv?state=expired", headers=legal)
    assert list(csv.DictReader(io.StringIO(r.get_data(as_text=True)))) == []


def test_the_apps_with_their_list_status(client, admin):
    v = vendor(client, admin)
    app_(client, admin, v, "Acme Camera", "com.acme.camera")
    app_(client, admin, v, "Acme Notes", "com.acme.notes")
    r = client.get("/api/v1/apps/export.xlsx?q=notes", headers=admin)
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [x[0] for x in rows] == ["Acme Notes"]
    assert rows[0][4] == "off the list" and rows[0][5]


def test_download_errors_are_json(client, admin, make_token):
    error(client.get("/api/v1/baas/register.pdf", headers=admin), 404, field="format")
    error(client.get("/api/v1/baas/register.xlsx?state=bogus", headers=admin), 422)
    error(client.get("/api/v1/apps/export.csv"), 401)
    error(client.get("/api/v1/baas/register.xlsx", headers=make_token("it", ["apps:read"])), 403)
