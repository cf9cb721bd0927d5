"""The safe gate every uploaded spreadsheet passes, and the writer for people's workbooks."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from integrations.spreadsheets import reading, writing
from integrations.spreadsheets.reading import SpreadsheetError


def xlsx(rows: list[list[object]], title: str = "Apps") -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for r in rows:
        ws.append(r)
    return writing.to_bytes(wb)


def test_a_workbook_is_known_by_its_bytes_not_its_name() -> None:
    up = reading.check(xlsx([["a"]]), "inventory.csv")
    assert up.kind == "xlsx" and not up.has_macros


def test_a_legacy_xls_or_protected_workbook_is_refused_with_what_to_do() -> None:
    ole2 = reading.OLE2_MAGIC + b"\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(SpreadsheetError) as e:
        reading.check(ole2, "baas.xlsx")
    assert "save it as .xlsx without protection" in str(e.value)
    assert str(e.value).startswith("baas.xlsx: ")


def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused() -> None:
    with pytest.raises(SpreadsheetError, match="not an Excel workbook"):
        reading.check(b"name,platform\n", "apps.xlsx")


def test_binary_that_is_not_a_workbook_is_not_read_as_csv() -> None:
    with pytest.raises(SpreadsheetError, match="neither a CSV"):
        reading.check(b"\x7fELF\x00\x00\x01", "apps.csv")


def test_over_the_upload_cap_is_refused_before_reading() -> None:
    with pytest.raises(SpreadsheetError, match="the limit is 10 bytes"):
        reading.check(b"a,b\n" * 10, "apps.csv", max_upload=10)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(SpreadsheetError, match="empty"):
        reading.check(b"", "apps.csv")


def test_a_zip_bomb_is_refused_while_inflating_whatever_sizes_it_declares() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\x00" * (5 * 1024 * 1024))
    with pytest.raises(SpreadsheetError, match="inflates more than 100 times"):
        reading.check(buf.getvalue(), "bomb.xlsx")


def test_a_damaged_workbook_is_refused_plainly() -> None:
    data = xlsx([["a"]])
    with pytest.raises(SpreadsheetError, match="damaged"):
        reading.check(data[:200], "cut.xlsx")


def test_macros_are_noted_and_values_still_read() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx([["x", 1]]))) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("xl/vbaProject.bin", b"not run")
    up = reading.check(buf.getvalue(), "macro.xlsm")
    assert up.has_macros
    ws = reading.open_workbook(up).worksheets[0]
    assert list(reading.rows(up, ws)) == [(1, ("x", 1))]


def test_rows_skip_blank_lines_keep_excel_numbers_and_stop_at_the_bound() -> None:
    up = reading.check(xlsx([["h"], [None], ["a"], ["  "], ["b"]]), "t.xlsx")
    ws = reading.open_workbook(up).worksheets[0]
    assert list(reading.rows(up, ws)) == [(1, ("h",)), (3, ("a",)), (5, ("b",))]
    ws = reading.open_workbook(up).worksheets[0]
    with pytest.raises(SpreadsheetError) as e:
        list(reading.rows(up, ws, max_rows=2))
    assert e.value.sheet == "Apps" and "more than 2 rows" in e.value.reason


def test_a_sheet_declaring_a_million_rows_costs_only_its_real_rows() -> None:
    data = xlsx([["h"], ["a"]])
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b'ref="A1:A2"', b'ref="A1:XFD1048576"')
            dst.writestr(info, body)
    up = reading.check(buf.getvalue(), "big.xlsx")
    ws = reading.open_workbook(up).worksheets[0]
    assert [n for n, _ in reading.rows(up, ws)] == [1, 2]


def test_csv_text_is_utf8_with_or_without_bom_else_windows_1252() -> None:
    assert reading.text(reading.check("\ufeffname\nCafé\n".encode(), "a.csv")) == "name\nCafé\n"
    assert reading.text(reading.check("name\nCafé\n".encode("cp1252"), "a.csv")) == "name\nCafé\n"


def test_the_error_names_file_sheet_row_and_column() -> None:
    e = SpreadsheetError("q.xlsx", "'Maybe' is not one of Yes, No, N/A", "Questions", 14, "D")
    assert str(e) == "q.xlsx: Questions!D14: 'Maybe' is not one of Yes, No, N/A"
    assert e.as_dict()["column"] == "D"


def test_people_workbooks_keep_formulas_as_text_and_dates_as_dates() -> None:
    buf = io.BytesIO()
    writing.write_one_sheet(
        buf,
        "BAAs",
        [("Vendor", 20), ("Ends", 12), ("At", 20)],
        [['=HYPERLINK("x")', date(2027, 1, 31), datetime(2026, 1, 1, 12, tzinfo=UTC)]],
    )
    ws = load_workbook(io.BytesIO(buf.getvalue())).active
    assert ws is not None
    assert ws["A2"].data_type == "s" and ws["A2"].quotePrefix
    assert ws["B2"].is_date and ws["B2"].value.date() == date(2027, 1, 31)
    assert ws["C2"].value == datetime(2026, 1, 1, 12)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C2"


def test_a_scan_can_stop_quietly_at_a_row_and_read_only_the_first_columns() -> None:
    up = reading.check(xlsx([["h", "x", "y"], ["a", "b", "c"], ["d"], ["e"]]), "t.xlsx")
    ws = reading.open_workbook(up).worksheets[0]
    assert list(reading.rows(up, ws, last=3, columns=2)) == [
        (1, ("h", "x")),
        (2, ("a", "b")),
        (3, ("d", None)),
    ]


def test_a_csv_error_names_row_and_column_without_a_sheet() -> None:
    err = SpreadsheetError("apps.csv", "bad", row=4, column="C")
    assert str(err) == "apps.csv: row 4, column C: bad"
    assert str(SpreadsheetError("apps.csv", "bad", row=4)) == "apps.csv: row 4: bad"


def test_a_csv_table_keeps_text_as_written_and_row_numbers() -> None:
    data = b"\n \nName,Store ID\n\nNA,0012.app\n,\nx,y\n"
    table = reading.table(reading.check(data, "apps.csv"))
    assert table.sheet is None
    assert table.rows == [(3, ("Name", "Store ID")), (5, ("NA", "0012.app")), (7, ("x", "y"))]


def test_a_csv_with_more_rows_than_the_bound_is_refused() -> None:
    data = ("a\n" * 11).encode()
    with pytest.raises(SpreadsheetError, match="more than 10 rows"):
        reading.table(reading.check(data, "apps.csv"), max_rows=10)
    blanks = ("a\n" + "\n" * 40 + "b\n").encode()
    with pytest.raises(SpreadsheetError, match="blank"):
        reading.table(reading.check(blanks, "apps.csv"), max_rows=10)


def test_a_broken_csv_is_refused_plainly() -> None:
    with pytest.raises(SpreadsheetError, match="more cells than the header") as e:
        reading.table(reading.check(b'a,b\n1,2\n1,2,3,4\n"x,y\n', "apps.csv"))
    assert "Error" not in str(e.value)


def test_a_workbook_table_keeps_cell_types_and_names_its_sheet() -> None:
    data = xlsx([["Name", "Store ID", "Date"], ["a", "0012.app", datetime(2026, 1, 2)]])
    table = reading.table(reading.check(data, "apps.xlsx"))
    assert table.sheet == "Apps"
    assert table.rows[1] == (2, ("a", "0012.app", datetime(2026, 1, 2)))
    with pytest.raises(SpreadsheetError, match="no sheet named 'Other'; its sheets: Apps"):
        reading.table(reading.check(data, "apps.xlsx"), "Other")


def test_a_workbook_with_a_row_far_below_the_bound_is_refused_not_cut() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Name"])
    ws.append(["a"])
    ws.cell(row=1_000_000, column=1).value = "far"
    upload = reading.check(writing.to_bytes(wb), "apps.xlsx")
    with pytest.raises(SpreadsheetError, match="more than 2 rows"):
        reading.table(upload, max_rows=2)
    assert reading.table(upload).rows[-1] == (1_000_000, ("far",))


def test_an_encrypted_member_is_refused_with_what_to_do() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx([["a"]]))) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
    raw = bytearray(buf.getvalue())
    # flag every central-directory entry as encrypted (bit 0 of the flags: what zipfile reads)
    at = 0
    while (at := raw.find(b"PK\x01\x02", at)) != -1:
        raw[at + 8] |= 0x01
        at += 4
    with pytest.raises(SpreadsheetError, match="password-protected"):
        reading.check(bytes(raw), "locked.xlsx")
