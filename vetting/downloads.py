"""The one way a stored file (a signed BAA, an evidence file) leaves the service, for the
API and the pages alike: an attachment no browser renders, sniffs or keeps."""

from __future__ import annotations

from flask import Response, send_file


def stored_file(path: str, content_type: str, filename: str, sha256: str) -> Response:
    """The file at `path` as a download named `filename`, its SHA-256 as ETag and header."""
    resp = send_file(
        path,
        mimetype=content_type,
        as_attachment=True,
        download_name=filename,
        etag=sha256,
        max_age=0,
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["X-Document-SHA256"] = sha256
    return resp
