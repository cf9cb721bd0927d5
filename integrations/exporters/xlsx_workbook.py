"""The list as a formatted workbook for people: approved apps, apps removed in this release
with the reason, every app left off with its reasons, and the release's metadata.

Safe from formula injection: text that a spreadsheet would run as a formula is stored as a
string cell with Excel's quote prefix (shown as typed, never evaluated, even after editing).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from integrations.exporters.base import Exporter, ExportOptions
from integrations.registry import register
from vetting.core.cells import is_formula_like
from vetting.core.releases import Release

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")
DATE_FORMAT = "yyyy-mm-dd"


def _put(ws: Worksheet, row: int, col: int, value: Any) -> None:
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        if is_formula_like(value):
            cell.data_type = "s"  # text, not a formula
            cell.quotePrefix = True
    else:
        cell.value = value
        if isinstance(value, date):
            cell.number_format = DATE_FORMAT


def _sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[tuple[str, int]],
    rows: Iterable[Sequence[Any]],
    first: bool = False,
) -> Worksheet:
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
            _put(ws, n, col, value)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(n, 1)}"
    return ws


def workbook(release: Release) -> Workbook:
    wb = Workbook()
    _sheet(
        wb,
        "Approved",
        [
            ("App", 32), ("Platform", 10), ("Store ID", 30), ("Vendor", 26), ("Decision", 12),
            ("Decided on", 12), ("Decided by", 26), ("Valid until", 12), ("BAA", 8),
            ("BAA term end", 13), ("Conditions", 36), ("Reason", 60),
        ],
        (
            [
                e.name, e.platform, e.store_id, e.vendor_name, e.decision, e.decided_on,
                e.decided_by, e.valid_until, e.baa_id, e.baa_term_end, e.conditions, e.reason,
            ]
            for e in release.entries
        ),
        first=True,
    )  # fmt: skip
    change_headers = [("App", 32), ("Platform", 10), ("Store ID", 30), ("Vendor", 26)]
    _sheet(
        wb,
        "Removed",
        [*change_headers, ("Reason", 80)],
        ([c.name, c.platform, c.store_id, c.vendor_name, c.reason] for c in release.diff.removed),
    )
    _sheet(
        wb,
        "Not on list",
        [*change_headers, ("Rejected", 10), ("Reasons", 90)],
        (
            [x.name, x.platform, x.store_id, x.vendor_name, "yes" if x.rejected else "", x.reason]
            for x in release.excluded
        ),
    )
    diff = release.diff
    meta = wb.create_sheet("Release")
    facts: list[tuple[str, Any]] = [
        ("Release", release.id),
        ("SHA-256", release.sha256),
        ("List as of", release.as_of),
        ("Published at (UTC)", release.created_at.replace(tzinfo=None)),
        ("Published by", release.created_by),
        ("Previous release", release.previous_id),
        ("Note", release.note),
        ("Approved apps", len(release.entries)),
        ("Apps not on the list", len(release.excluded)),
        ("Added", len(diff.added)),
        ("Removed", len(diff.removed)),
        ("Changed", len(diff.changed)),
        ("Changes", diff.summary),
    ]
    for row, (label, value) in enumerate(facts, start=1):
        meta.cell(row=row, column=1, value=label).font = Font(bold=True)
        _put(meta, row, 2, value)
        if label.startswith("Published at"):
            meta.cell(row=row, column=2).number_format = "yyyy-mm-dd hh:mm:ss"
    meta.column_dimensions["A"].width = 22
    meta.column_dimensions["B"].width = 70
    for cell in meta["B"]:
        cell.alignment = Alignment(horizontal="left")
    return wb


@register
class XlsxExporter(Exporter):
    slug = "xlsx"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension = "xlsx"
    title = "Excel workbook (list, removed with reasons, release)"

    def export(self, release: Release, options: ExportOptions) -> bytes:
        buf = io.BytesIO()
        workbook(release).save(buf)
        return buf.getvalue()
