"""The list as a formatted workbook for people: approved apps, apps removed in this release
with the reason, every app left off with its reasons, and the release's metadata.

Safe from formula injection: text that a spreadsheet would run as a formula is stored as a
string cell with Excel's quote prefix (shown as typed, never evaluated, even after editing).
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from integrations.exporters.base import Exporter, ExportOptions
from integrations.registry import register
from integrations.spreadsheets.writing import put, sheet, to_bytes
from vetting.core.releases import Release


def workbook(release: Release) -> Workbook:
    wb = Workbook()
    sheet(
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
    sheet(
        wb,
        "Removed",
        [*change_headers, ("Reason", 80)],
        ([c.name, c.platform, c.store_id, c.vendor_name, c.reason] for c in release.diff.removed),
    )
    sheet(
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
        put(meta, row, 2, value)
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
        return to_bytes(workbook(release))
