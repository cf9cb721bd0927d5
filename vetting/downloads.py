"""The one way a stored file (a signed BAA, an evidence file) leaves the service, for the
API and the pages alike: an attachment no browser renders, sniffs or keeps."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO

from flask import Response, request, send_file, stream_with_context
from sqlmodel import Session

from integrations.spreadsheets import writing
from vetting import clock
from vetting.queries import baa_calendar
from vetting.queries.sheets import Table, check_format
from vetting.schemas import BaaCalendarQuery
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


SPOOL_BYTES = 8 * 1024 * 1024  # an .xlsx file larger than this is spooled to disk
READ_BYTES = 256 * 1024  # what one chunk of a spooled file sends


def table_file(table: Table, fmt: str) -> Response:
    """A list for people (`vetting.queries.sheets.Table`) as an .xlsx or .csv attachment
    (`fmt`; another is a 404), never cached, streamed: CSV goes out as its rows are read (the
    request's database session stays open until the last row); an .xlsx file is a zip, so it
    is written whole first — row by row into a spooled temporary file — then sent in chunks
    with its length."""
    check_format(fmt)
    if fmt == "csv":
        chunks = (chunk.encode("utf-8") for chunk in table.csv_chunks())
        resp = Response(stream_with_context(chunks), mimetype="text/csv")
    else:
        # closed by _read once sent (or on the way out here): it outlives this function
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        try:
            table.write_xlsx(spool)
            size = spool.tell()
            spool.seek(0)
        except BaseException:
            spool.close()
            raise
        resp = Response(_read(spool), mimetype=writing.MEDIA_TYPE)
        resp.content_length = size
    resp.headers["Content-Disposition"] = f'attachment; filename="{table.name}.{fmt}"'
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _read(file: IO[bytes]) -> Iterator[bytes]:
    """`file`'s bytes in chunks, closing (and so deleting) it at the end or when the client
    goes away."""
    try:
        while chunk := file.read(READ_BYTES):
            yield chunk
    finally:
        file.close()


def calendar_file(s: Session, query: BaaCalendarQuery, *, inline: bool) -> Response:
    """The BAA deadlines calendar (ICS) for the query's window and filters, for the API's feed
    (`inline`, for calendar clients subscribing to it) and the register's download alike:
    conditional (a weak ETag naming the window, the filters and the state of the register:
    If-None-Match gets 304 until something changes) and sent in chunks."""
    feed = baa_calendar.Feed.of(
        query.as_of or clock.today(),
        query.start,
        query.end,
        query.vendor_id,
        query.owner,
        query.kind,
    )
    tag = baa_calendar.version(s, feed)
    how = "inline" if inline else "attachment"
    headers = {
        "Content-Disposition": f'{how}; filename="baa-deadlines.ics"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",  # keep it, ask again with the ETag
    }
    if request.if_none_match.contains_weak(tag):
        resp = Response(status=304, headers=headers)
    else:
        chunks = baa_calendar.calendar(s, feed, clock.now())
        resp = Response(iter(chunks), mimetype="text/calendar", headers=headers)
    resp.set_etag(tag, weak=True)
    return resp
