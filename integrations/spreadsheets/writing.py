"""Workbooks for people: a styled header row that stays in view, a filter on every column,
set column widths, real date cells, and text that a spreadsheet would run as a formula stored
as text (Excel's quote prefix: shown as typed, never evaluated, even after editing)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from vetting.core.cells import is_formula_like

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def put(ws: Worksheet, row: int, col: int, value: Any) -> None:
    """Write one cell: text made safe (no control characters, never a formula), dates as
    date cells; a timezone-aware time is written as UTC without the zone (Excel has none)."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        if is_formula_like(value):
            cell.data_type = "s"  # text, not a formula
            cell.quotePrefix = True
        return
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        cell.value = value
        cell.number_format = DATETIME_FORMAT
        return
    cell.value = value
    if isinstance(value, date):
        cell.number_format = DATE_FORMAT


def sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[tuple[str, int]],
    rows: Iterable[Sequence[Any]],
    first: bool = False,
) -> Worksheet:
    """A sheet of `rows` under `headers` ((name, width) pairs); `first` reuses the workbook's
    initial sheet."""
    ws = wb.active if first else wb.create_sheet()
    assert ws is not None
    ws.title = title
    for col, (name, width) in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col, value=name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(col)].width = width
    n = 1
    for n, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            put(ws, n, col, value)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(n, 1)}"
    return ws


def write_one_sheet(
    file: IO[bytes], title: str, headers: Sequence[tuple[str, int]], rows: Iterable[Sequence[Any]]
) -> int:
    """Write a workbook of one sheet like `sheet`'s (styled, frozen header, a filter on every
    column, widths, date cells, formula-looking text as text) to `file`, row by row: openpyxl's
    write-only mode keeps no cell in memory, so a list of any length costs the same memory.
    Returns how many rows were written under the header."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    for col, (_, width) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    head = []
    for name, _ in headers:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        head.append(cell)
    ws.append(head)
    n = 0
    for n, row in enumerate(rows, start=1):  # noqa: B007 (n counts the rows, read below)
        ws.append([_write_only(ws, value) for value in row])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{n + 1}"
    wb.save(file)
    return n


def _write_only(ws: Any, value: Any) -> Any:
    """One value for a write-only row, as `put` writes it: plain text and numbers as they are
    (no cell object: most of a list), the rest as a styled cell."""
    if isinstance(value, str):
        if ILLEGAL_CHARACTERS_RE.search(value):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not is_formula_like(value):
            return value
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # text, not a formula
        cell.quotePrefix = True
        return cell
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]
        cell.number_format = DATE_FORMAT
        return cell
    return value


def to_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
