"""The one way a stored file (a signed BAA, an evidence file) leaves the service, for the
API and the pages alike: an attachment no browser renders, sniffs or keeps."""

from __future__ import annotations

from flask import Response, send_file

from vetting.queries.sheets import Table
from vetting.services.documents import Checked


def stored_file(found: Checked, content_type: str, filename: str, sha256: str) -> Response:
    """The checked bytes `found` as a download named `filename`, its SHA-256 as ETag and
    header. Served from the checked copy (never a redirect to the store), whatever the store:
    the headers below go with every download."""
    resp = send_file(
        found.file,
        mimetype=content_type,
        as_attachment=True,
        download_name=filename,
        etag=sha256,
        max_age=0,
    )
    if resp.status_code == 200:
        resp.content_length = found.size
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["X-Document-SHA256"] = sha256
    return resp


def table_file(table: Table, fmt: str) -> Response:
    """A list for people (`vetting.queries.sheets.Table`) as an .xlsx or .csv attachment
    (`fmt`; another is a 404), never cached."""
    body, mimetype, filename = table.file(fmt)
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
