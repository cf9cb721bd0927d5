"""The list as CSV: one row per app (approved, rejected or excluded), safe to open in Excel."""

from __future__ import annotations

import csv
import io

from integrations.exporters.base import Exporter, ExportOptions
from integrations.registry import register
from vetting.core.cells import safe_cell
from vetting.core.releases import Release

COLUMNS = (
    "status",
    "app_id",
    "name",
    "platform",
    "store_id",
    "vendor_id",
    "vendor_name",
    "decision",
    "decided_on",
    "decided_by",
    "valid_until",
    "baa_id",
    "baa_term_end",
    "conditions",
    "reason",
)


def rows(release: Release) -> list[list[str]]:
    """Approved entries first, then the apps left off (status `rejected` or `excluded`)."""
    out = []
    for e in release.entries:
        out.append(
            [
                "approved",
                e.app_id,
                e.name,
                e.platform,
                e.store_id,
                e.vendor_id,
                e.vendor_name,
                e.decision,
                e.decided_on.isoformat(),
                e.decided_by,
                e.valid_until.isoformat(),
                e.baa_id,
                e.baa_term_end.isoformat() if e.baa_term_end else "",
                e.conditions,
                e.reason,
            ]
        )
    for x in release.excluded:
        status = "rejected" if x.rejected else "excluded"
        out.append([
            status, x.app_id, x.name, x.platform, x.store_id, x.vendor_id, x.vendor_name,
            "", "", "", "", "", "", "", x.reason,
        ])  # fmt: skip
    return [[safe_cell(v) for v in row] for row in out]


@register
class CsvExporter(Exporter):
    slug = "csv"
    media_type = "text/csv; charset=utf-8"
    extension = "csv"
    title = "CSV (one row per app)"

    def export(self, release: Release, options: ExportOptions) -> bytes:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows(release))
        return buf.getvalue().encode("utf-8")
