"""`vetting import apps|vendors|baas FILE`: the report, --dry-run, and refusals (exit 1)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from tests.cli.helpers import clean_error, invoke, ok
from vetting import db
from vetting.models import App, Vendor


def app_count(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(App))


def write(tmp_path, name: str, *lines: str):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_import_apps_prints_each_row_and_the_counts(runner, app, tmp_path):
    f = write(tmp_path, "apps.csv", "Name,Platform,Store ID,Vendor",
              "Ward Notes,ios,com.wardnotes.app,Wardly Ltd",
              "Excel,Windows,,Big Soft")  # fmt: skip
    dry = ok(invoke(runner, "import", "apps", str(f), "--dry-run"))
    assert "row 2\tcreated\tWard Notes" in dry and "row 3\tskipped\tExcel" in dry
    assert "Dry run: 1 created, 1 skipped; nothing was written" in dry
    assert app_count(app) == 0
    out = ok(invoke(runner, "import", "apps", str(f)))
    assert "Imported: 1 created, 1 skipped" in out and "new vendors: Wardly Ltd" in out
    assert app_count(app) == 1
    again = json.loads(ok(invoke(runner, "import", "apps", str(f), "--json")))
    assert again["counts"]["unchanged"] == 1 and again["applied"]


def test_a_refused_row_exits_1_names_the_cell_and_writes_nothing(runner, app, tmp_path):
    f = write(tmp_path, "apps.csv", "Name,Platform,Store ID,Vendor",
              "Ward Notes,ios,com.wardnotes.app,Wardly Ltd",
              "Broken,ios,not an id,Wardly Ltd")  # fmt: skip
    r = invoke(runner, "import", "apps", str(f))
    assert r.exit_code == 1
    assert "Error: apps.csv: row 3, column C: Store ID: 'not an id'" in r.output
    assert "nothing was imported" in r.output
    assert app_count(app) == 0


def test_a_legacy_xls_is_refused_with_what_to_do(runner, tmp_path):
    f = tmp_path / "old.xls"
    f.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500)
    clean_error(invoke(runner, "import", "vendors", str(f)), "old.xls", "save it as .xlsx")


def test_import_vendors_then_baas_with_a_date_order(runner, app, tmp_path):
    v = write(tmp_path, "vendors.csv", "Vendor,Website", "Wardly Ltd,https://wardly.example")
    ok(invoke(runner, "import", "vendors", str(v)))
    b = write(tmp_path, "baas.csv", "Vendor,Effective Date,Expiration Date,Signed Copy",
              "wardly ltd,03/04/2025,02/04/2027,drawer 2")  # fmt: skip
    clean_error(invoke(runner, "import", "baas", str(b)), "could be day/month")
    out = ok(invoke(runner, "import", "baas", str(b), "--date-order", "dmy"))
    assert "row 2\tcreated\tWardly Ltd, in force from 2025-04-03" in out
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Vendor)) == 1


def test_a_sheet_by_name(runner, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Vendors")
    sheet.append(["Vendor"])
    sheet.append(["Wardly Ltd"])
    f = tmp_path / "v.xlsx"
    book.save(f)
    clean_error(invoke(runner, "import", "vendors", str(f)), "v.xlsx: Notes", "no header row")
    out = ok(invoke(runner, "import", "vendors", str(f), "--sheet", "Vendors"))
    assert "Imported: 1 created" in out
    clean_error(invoke(runner, "import", "vendors", str(f), "--sheet", "Nope"), "its sheets")
