"""Lists people take away as spreadsheets: the BAA register, the apps with their list status,
a comparison of candidate apps and the audit log, as XLSX (frozen header, filters, column
widths, real date cells, formula-looking text stored as text: integrations/spreadsheets/
writing.py) or CSV (every text cell defused: vetting/core/cells.safe_cell).

Each builder turns what the page shows into a `Table`; the pages' own queries select the rows,
so a download holds what its page lists under the same filters (all pages of it, bounded by
`MAX_ROWS`, what one .xlsx sheet holds). A download streams: the rows are read `CHUNK` at a
time while the file is written (CSV goes out as it is written; an .xlsx file, a zip, is
written to a spooled temporary file first), so a list of any length costs the same memory."""

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
from vetting.core.breach import clause_from
from vetting.core.breach import words as breach_words
from vetting.core.cells import safe_cell
from vetting.errors import Invalid, NotFound
from vetting.models import AuditEvent
from vetting.queries import allowlist
from vetting.queries.audit_log import AuditFilter, filtered, ordering
from vetting.queries.browse import AppRow, AssessmentRow, VendorRow
from vetting.queries.compare import Comparison
from vetting.services.common import PageResult

# What one .xlsx sheet holds under its header (1,048,576 rows in all); more is a job for the
# API's pages.
MAX_ROWS = 1_048_575
MAX_TEXT = 32_000  # Excel keeps at most 32,767 characters in a cell
FORMATS = ("xlsx", "csv")
XLSX = writing.MEDIA_TYPE
CHUNK = 5000  # rows read per query for a download (one page of the list's own query)


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


@dataclass(frozen=True)
class Pages:
    """Every page of what a paged query selects, read `CHUNK` items at a time as they are
    iterated. Nothing read is kept from the request: a streamed CSV is written after the
    request's unit of work has ended (Flask runs the response's iterator in a new app
    context, with a new database session), so `fetch` must find its session when it is
    called (`db.session()`), never hold the request's."""

    fetch: Callable[[int, int], PageResult]
    total: int  # when the download was asked for

    def __iter__(self) -> Iterator[Sequence[Any]]:
        page = 0
        while True:
            page += 1
            items = self.fetch(page, CHUNK).items
            if items:
                yield items
            if len(items) < CHUNK:
                return

    def items(self) -> Iterator[Any]:
        for page in self:
            yield from page


def pages(fetch: Callable[[int, int], PageResult], what: str) -> Pages:
    """The pages of a paged query (`fetch(page, per_page)`), read lazily `CHUNK` at a time;
    one item is read now (its page's total counts them), so that more than `MAX_ROWS` (or a bad
    filter) is refused before anything is sent, asking for narrower filters, rather than cut."""
    total = fetch(1, 1).total
    if total > MAX_ROWS:
        raise Invalid(
            f"{total:,} {what} match; a download holds at most {MAX_ROWS:,}: narrow the filters",
            "filters",
        )
    return Pages(fetch, total)


def every_page(fetch: Callable[[int, int], PageResult], what: str) -> Iterator[Any]:
    """All the items a paged query selects, one by one, read lazily a page at a time (see
    `pages`: too many are refused now, before anything is read past the first page)."""
    return pages(fetch, what).items()


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
    views: Iterable[Sequence[Any]], names: Callable[[set[int]], dict[int, str]], as_of: date
) -> Table:
    """The register's rows (services.baas.BaaView, a page at a time, `names` giving the vendor
    names of each page's vendor ids) as the page shows them on `as_of`."""
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
        for page in views:
            yield from page_rows(page, names({v.baa.vendor_id for v in page}))

    def page_rows(page: Sequence[Any], names: dict[int, str]) -> Iterable[list[Any]]:
        for v in page:
            b = v.baa
            standing = v.standing
            conforming = "" if standing is None else _yes_no(standing.conforming)
            yield [
                b.id,
                names.get(b.vendor_id, ""),
                b.title or "",
                str(v.status.state),
                b.effective_date,
                v.status.term_end,
                v.status.notice_deadline,
                v.status.days_left,
                _yes_no(b.auto_renews),
                breach_words(clause_from(b)),
                _yes_no(b.subcontractor_flowdown),
                _yes_no(b.return_or_destroy),
                v.document.filename if v.document else "",
                {"yes": "conforming", "no": "non-conforming"}.get(conforming, ""),
            ]

    return Table(f"baa-register-{as_of.isoformat()}", "BAA register", headers, rows())


# --- apps and their list status --------------------------------------------------------------


def apps(session: Callable[[], Session], items: Pages, as_of: date) -> Table:
    """The apps as the list page shows them, with whether each is on the approved list on
    `as_of` and why (the list's own rule). `session()` is the unit of work's session when a
    page is written (see `Pages`)."""

    def statuses(ids: list[int] | None) -> dict[int, tuple[str, str]]:
        listed = allowlist.compute(session(), as_of, ids)
        status = {e.app_id: ("on the list", e.reason) for e in listed.entries}
        for x in listed.excluded:
            status[x.app_id] = ("rejected" if x.rejected else "off the list", x.reason)
        return status

    # the whole list (kept for the day) when many apps are asked for: one pass, no huge IN (…)
    whole = statuses(None) if items.total > CHUNK else None
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
        for page in items:
            ids = [r.app.id for r in page if r.app.id is not None]
            yield from page_rows(page, whole if whole is not None else statuses(ids))

    def page_rows(
        page: Sequence[AppRow], status: dict[int, tuple[str, str]]
    ) -> Iterable[list[Any]]:
        for r in page:
            on, why = status.get(r.app.id or 0, ("", ""))
            a, d = r.assessment, r.decision
            yield [
                r.app.name,
                r.vendor_name,
                r.app.platform,
                r.app.store_id or "",
                on,
                why,
                a.score if a else None,
                a.verdict if a else "",
                d.decision if d else "",
                d.valid_until if d else None,
                r.app.revoked_on,
                r.app.updated_at,
            ]

    return Table(f"apps-{as_of.isoformat()}", "Apps", headers, rows())


# --- vendors and assessments -----------------------------------------------------------------


def vendors(items: Iterable[VendorRow], as_of: date) -> Table:
    """The vendors as the list page shows them: apps, BAAs and the representative BAA's state
    on `as_of`."""
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
        for r in items:
            st = r.baa.status if r.baa else None
            yield [
                r.vendor.name,
                r.vendor.website or "",
                r.vendor.contact_email or "",
                r.app_count,
                r.baa_count,
                str(st.state) if st else "no BAA",
                st.term_end if st else None,
                r.vendor.created_at,
            ]

    return Table(f"vendors-{as_of.isoformat()}", "Vendors", headers, rows())


def assessments(items: Iterable[AssessmentRow], as_of: date) -> Table:
    """The assessments as the list page shows them, with their app's latest decision."""
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
        for r in items:
            a, d = r.assessment, r.decision
            yield [
                a.id,
                r.app_name,
                r.app_platform,
                r.vendor_name,
                a.checklist_id,
                a.checklist_version,
                a.score,
                a.verdict,
                a.status,
                d.decision if d else "",
                d.valid_until if d else None,
                a.created_at,
                a.updated_at,
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
    the unit of work's session, asked for again when the rows are written (see `Pages`)."""
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
