"""Bulk imports: POST a CSV or .xlsx file of apps, vendors or BAAs; the per-row report back."""

from __future__ import annotations

from flask import Response, g
from werkzeug.datastructures import FileStorage

from vetting import db
from vetting.api import bp
from vetting.api.spec import route
from vetting.core.imports import DateOrder, ImportKind
from vetting.schemas import ErrorItem, ImportQuery, ImportRefusedOut, ImportReportOut
from vetting.services import imports as svc
from vetting.services.imports import SCOPES

DESCRIPTION = (
    "multipart/form-data with a `file` part: a CSV (UTF-8 or Windows-1252) or an .xlsx "
    "workbook (a legacy .xls or a protected workbook is refused: save it as .xlsx without "
    "protection). Every row is reported: created, updated, unchanged, skipped or refused. The "
    "file applies whole or not at all: when any row is refused nothing is written and the "
    "answer is 422 with every problem (`errors`, each naming file, sheet, row and column) and "
    "the `report`. `dry_run=true` reports the same and writes nothing. One audit event per "
    "import, with the file's SHA-256 and the counts. Layouts and columns: README, "
    '"Bulk imports".'
)


def _import(kind: ImportKind, files: dict[str, FileStorage], query: ImportQuery) -> Response:
    part = files["file"]
    report = svc.run(
        db.session(),
        g.principal,
        kind,
        part.read(),
        part.filename or "upload",
        dry_run=query.dry_run,
        sheet=query.sheet,
        date_order=DateOrder(query.date_order) if query.date_order else None,
        default_vendor=query.vendor,
    )
    body = ImportReportOut.model_validate(report.as_dict())
    if not report.refused:
        return Response(body.model_dump_json(), status=200, mimetype="application/json")
    refused = ImportRefusedOut(
        errors=[ErrorItem(field="file", message=line) for line in report.error_lines()],
        report=body,
    )
    return Response(refused.model_dump_json(), status=422, mimetype="application/json")


def _register(kind: ImportKind, summary: str) -> None:
    def view(files: dict[str, FileStorage], query: ImportQuery) -> Response:
        return _import(kind, files, query)

    view.__name__ = f"import_{kind.value}"
    route(
        bp,
        f"/imports/{kind.value}",
        "POST",
        summary=summary,
        tag="imports",
        scope=SCOPES[kind][0],
        files=("file",),
        query=ImportQuery,
        response=ImportReportOut,
        description=DESCRIPTION,
    )(view)


_register(ImportKind.APPS, "Import apps from an MDM inventory export or the generic apps sheet")
_register(ImportKind.VENDORS, "Import vendors (matched by name, case and spacing aside)")
_register(ImportKind.BAAS, "Import legal's BAA sheet (vendors must exist)")
