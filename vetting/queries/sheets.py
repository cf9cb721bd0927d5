"""Lists people take away as spreadsheets: the BAA register, the apps with their list status,
a comparison of candidate apps and the audit log, as XLSX (frozen header, filters, column
widths, real date cells, formula-looking text stored as text: integrations/spreadsheets/
writing.py) or CSV (every text cell defused: vetting/core/cells.safe_cell).

Each builder turns what the page shows into a `Table`. The page's own query, with its filters
and sort, lists the ids of every row once, in its order, when the download is asked for (so
a download holds what its page lists: all pages of it, bounded by `MAX_ROWS`, what one .xlsx
sheet holds); the rows are then read by id `CHUNK` at a time as plain columns
(queries/sheet_rows.py) while the file is written. CSV goes out as it is written; an .xlsx
file, a zip, is written to a spooled temporary file first. Memory grows with the list's ids
alone (a few MB at the bound), not its rows, and each chunk costs the same time (no OFFSET
walked through the earlier pages).

The ids are listed when the download is asked for and the rows read as it is written: a row
changed in between is written as it is then (an agreement fixed since it was listed under
"non-conforming" comes out conforming), a row deleted in between is left out; none is
written twice or skipped, as paging a changing list with OFFSET could."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import IO, Any

from sqlalchemy import func, select
from sqlmodel import Session

from integrations.spreadsheets import writing
from vetting import clock
from vetting.core.breach import words as breach_words
from vetting.core.cells import safe_cell
from vetting.errors import Invalid, NotFound
from vetting.models import AuditEvent
from vetting.queries import allowlist, sheet_rows
from vetting.queries.audit_log import AuditFilter, filtered, ordering
from vetting.queries.compare import Comparison
from vetting.services import baa_states

# What one .xlsx sheet holds under its header (1,048,576 rows in all); more is a job for the
# API's pages.
MAX_ROWS = 1_048_575
MAX_TEXT = 32_000  # Excel keeps at most 32,767 characters in a cell
FORMATS = ("xlsx", "csv")
XLSX = writing.MEDIA_TYPE
CHUNK = 5000  # rows a download reads by id at a time


@dataclass(frozen=True)
class Table:
    """One sheet: its file name stem, sheet title, (header, width) pairs and rows."""

    name: str
    title: str
    headers: Sequence[tuple[str, int]]
    rows: Iterable[Sequence[Any]]

    def write_xlsx(self, file: IO[bytes]) -> None:
        """The sheet as an .xlsx file into `file`, row by row (constant memory)."""
        writing.write_one_sheet(file, self.title, self.headers, self.rows)

    def csv_chunks(self, rows_per_chunk: int = 500) -> Iterator[str]:
        """The sheet as CSV text (CRLF lines, every text cell defused), a few hundred rows
        at a time: what a streamed download sends."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow([h for h, _ in self.headers])
        for n, row in enumerate(self.rows, start=1):
            w.writerow([_csv_cell(v) for v in row])
            if n % rows_per_chunk == 0:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()


def check_format(fmt: str) -> str:
    """`fmt` if it is a download format ("xlsx" or "csv"); another is a 404."""
    if fmt not in FORMATS:
        raise NotFound(f"no download as {fmt!r}; one of: {', '.join(FORMATS)}", "format")
    return fmt


def listed(ids: Sequence[int], what: str) -> Sequence[int]:
    """`ids`, a list's ids under its filters in its order (at most `MAX_ROWS` + 1), if one
    sheet holds them; more than `MAX_ROWS` (or a bad filter, found while listing them) is
    refused now, before anything is sent, asking for narrower filters, rather than cut."""
    if len(ids) > MAX_ROWS:
        raise Invalid(
            f"more than {MAX_ROWS:,} {what} match; a download holds at most {MAX_ROWS:,}: "
            "narrow the filters",
            "filters",
        )
    return ids


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """`ids` `CHUNK` at a time: what one read of a download fetches."""
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if value.tzinfo else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    return safe_cell(value)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


# --- the BAA register ------------------------------------------------------------------------


def baa_register(
    session: Callable[[], Session], ids: Sequence[int], as_of: date, warning_days: int
) -> Table:
    """The register's agreements `ids` (`listed`, in the page's order) as the page shows them
    on `as_of`, read `CHUNK` at a time when the file is written. `session()` is the unit of
    work's session when a chunk is read: a streamed CSV is written after the request's unit
    of work has ended (Flask runs the response's iterator in a new app context, with a new
    database session), so nothing read may hold the request's."""
    headers = (
        ("BAA", 8),
        ("Vendor", 28),
        ("Title", 30),
        ("State", 12),
        ("Effective", 12),
        ("In force through", 16),
        ("Notice deadline", 16),
        ("Days left", 10),
        ("Auto-renews", 12),
        ("Breach notice", 36),
        ("Flow-down", 11),
        ("Return / destroy", 15),
        ("Signed document", 28),
        ("Provisions", 16),
    )

    def rows() -> Iterable[list[Any]]:
        for chunk in _chunks(ids):
            for r in sheet_rows.register(session(), chunk, as_of, warning_days):
                yield [
                    r.id,
                    r.vendor_name,
                    r.title or "",
                    str(r.status.state),
                    r.effective_date,
                    r.status.term_end,
                    r.status.notice_deadline,
                    r.status.days_left,
                    _yes_no(r.auto_renews),
                    breach_words(r.clause),
                    _yes_no(r.subcontractor_flowdown),
                    _yes_no(r.return_or_destroy),
                    r.document or "",
                    "conforming" if r.conforming else "non-conforming",
                ]

    return Table(f"baa-register-{as_of.isoformat()}", "BAA register", headers, rows())


# --- apps and their list status --------------------------------------------------------------


def apps(session: Callable[[], Session], ids: Sequence[int], as_of: date) -> Table:
    """The apps `ids` (`listed`, in the list page's order) as the page shows them, with
    whether each is on the approved list on `as_of` and why (the list's own rule), read
    `CHUNK` at a time when the file is written (`session()`: see `baa_register`)."""

    def statuses(ids: Sequence[int] | None) -> dict[int, tuple[str, str]]:
        listed = allowlist.compute(session(), as_of, None if ids is None else list(ids))
        status = {e.app_id: ("on the list", e.reason) for e in listed.entries}
        for x in listed.excluded:
            status[x.app_id] = ("rejected" if x.rejected else "off the list", x.reason)
        return status

    # the whole list (kept for the day) when many apps are asked for: one pass, no huge IN (…)
    whole = statuses(None) if len(ids) > CHUNK else None
    headers = (
        ("App", 28),
        ("Vendor", 24),
        ("Platform", 10),
        ("Store ID", 30),
        ("List status", 14),
        ("Why", 60),
        ("Score", 8),
        ("Verdict", 12),
        ("Decision", 12),
        ("Decision valid until", 18),
        ("Revoked on", 12),
        ("Updated (UTC)", 20),
    )

    def rows() -> Iterable[list[Any]]:
        for chunk in _chunks(ids):
            status = whole if whole is not None else statuses(chunk)
            for r in sheet_rows.apps(session(), chunk):
                on, why = status.get(r.id, ("", ""))
                yield [
                    r.name,
                    r.vendor_name,
                    r.platform,
                    r.store_id or "",
                    on,
                    why,
                    r.score,
                    r.verdict or "",
                    r.decision or "",
                    r.valid_until,
                    r.revoked_on,
                    r.updated_at,
                ]

    return Table(f"apps-{as_of.isoformat()}", "Apps", headers, rows())


# --- vendors and assessments -----------------------------------------------------------------


def vendors(
    session: Callable[[], Session], ids: Sequence[int], as_of: date, warning_days: int
) -> Table:
    """The vendors `ids` (`listed`, in the list page's order) as the page shows them: apps,
    BAAs and the representative BAA's state on `as_of` (`session()`: see `baa_register`)."""
    headers = (
        ("Vendor", 30),
        ("Website", 30),
        ("Contact", 28),
        ("Apps", 8),
        ("BAAs", 8),
        ("BAA state", 14),
        ("BAA in force through", 18),
        ("Added (UTC)", 20),
    )

    def rows() -> Iterable[list[Any]]:
        if as_of == clock.today():  # today's states kept first: once, not once per chunk
            baa_states.ensure(session().get_bind().engine, as_of, warning_days, wait=False)
        for chunk in _chunks(ids):
            for r in sheet_rows.vendors(session(), chunk, as_of, warning_days):
                yield [
                    r.name,
                    r.website or "",
                    r.contact_email or "",
                    r.apps,
                    r.baas,
                    r.state or "no BAA",
                    r.term_end,
                    r.created_at,
                ]

    return Table(f"vendors-{as_of.isoformat()}", "Vendors", headers, rows())


def assessments(session: Callable[[], Session], ids: Sequence[int], as_of: date) -> Table:
    """The assessments `ids` (`listed`, in the list page's order) as the page shows them, with
    their latest decision (`session()`: see `baa_register`)."""
    headers = (
        ("#", 8),
        ("App", 28),
        ("Platform", 10),
        ("Vendor", 24),
        ("Checklist", 18),
        ("Version", 10),
        ("Score", 8),
        ("Verdict", 12),
        ("Status", 10),
        ("Decision", 12),
        ("Decision valid until", 18),
        ("Started (UTC)", 20),
        ("Updated (UTC)", 20),
    )

    def rows() -> Iterable[list[Any]]:
        for chunk in _chunks(ids):
            for r in sheet_rows.assessments(session(), chunk):
                yield [
                    r.id,
                    r.app_name,
                    r.app_platform,
                    r.vendor_name,
                    r.checklist_id,
                    r.checklist_version,
                    r.score,
                    r.verdict,
                    r.status,
                    r.decision or "",
                    r.valid_until,
                    r.created_at,
                    r.updated_at,
                ]

    return Table(f"assessments-{as_of.isoformat()}", "Assessments", headers, rows())


# --- a comparison ----------------------------------------------------------------------------


def comparison(c: Comparison) -> Table:
    """Candidate apps side by side: score, verdict, then one row per capability with each
    app's answer, points and source."""
    headers = [("Theme", 20), ("Capability", 40), ("Tier", 10), ("Differs", 9)]
    headers += [(f"{col.app_name} ({col.vendor_name}, {col.platform})", 34) for col in c.columns]

    def rows() -> Iterable[list[Any]]:
        yield ["", "Score", "", "", *(col.view.score.score for col in c.columns)]
        yield ["", "Verdict", "", "", *(str(col.view.score.verdict) for col in c.columns)]
        for row in c.rows:
            cells = []
            for cell in row.cells:
                if cell is None:
                    cells.append("")
                    continue
                answer = cell.answer_text or ("" if cell.value is None else str(cell.value))
                source = f", {cell.source}" if cell.source else ""
                cells.append(f"{answer or cell.status} ({cell.points:g}/{cell.possible:g}{source})")
            yield [row.theme, row.title, str(row.tier), _yes_no(row.differs), *cells]

    return Table(f"comparison-{c.checklist_id}", "Comparison", headers, rows())


# --- the audit log ---------------------------------------------------------------------------


def audit(
    session: Callable[[], Session],
    f: AuditFilter,
    sort: str | None = None,
    descending: bool = True,
) -> Table:
    """The audit events matching the page's filters, in the page's order (newest first by
    default); more than `MAX_ROWS` is refused, asking for narrower filters. `session()` is
    the unit of work's session, asked for again when the rows are written (see
    `baa_register`)."""
    matching = filtered(select(AuditEvent), f)
    total = session().scalar(select(func.count()).select_from(matching.subquery())) or 0
    if total > MAX_ROWS:
        raise Invalid(
            f"{total:,} audit events match; a download holds at most {MAX_ROWS:,}: narrow the "
            "filters (a date range, an action)",
            "filters",
        )
    stmt = matching.order_by(*ordering(sort, descending))
    headers = (
        ("Seq", 8),
        ("At (UTC)", 20),
        ("Actor", 28),
        ("Action", 28),
        ("Record", 14),
        ("Record ID", 10),
        ("Before", 50),
        ("After", 50),
    )

    def rows() -> Iterable[list[Any]]:
        for e in session().scalars(stmt.execution_options(yield_per=1000)):
            yield [
                e.seq,
                e.at,
                e.actor,
                e.action,
                e.entity_type,
                e.entity_id or "",
                _clip(json.dumps(e.before, sort_keys=True)) if e.before is not None else "",
                _clip(json.dumps(e.after, sort_keys=True)) if e.after is not None else "",
            ]

    return Table("audit-log", "Audit log", headers, rows())
