"""Lists people take away as spreadsheets: the BAA register, the apps with their list status,
a comparison of candidate apps and the audit log, as XLSX (frozen header, filters, column
widths, real date cells, formula-looking text stored as text: integrations/spreadsheets/
writing.py) or CSV (every text cell defused: vetting/core/cells.safe_cell).

Each builder turns what the page shows into a `Table`; the pages' own queries select the rows,
so a download holds what its page lists under the same filters (all pages of it, bounded by
`MAX_ROWS`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

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

MAX_ROWS = 50_000  # a download is for people: more than this is a job for the API's pages
MAX_TEXT = 32_000  # Excel keeps at most 32,767 characters in a cell
FORMATS = ("xlsx", "csv")
XLSX = writing.MEDIA_TYPE
CHUNK = 1000  # rows read per query for a download (keeps IN (…) lists short)


@dataclass(frozen=True)
class Table:
    """One sheet: its file name stem, sheet title, (header, width) pairs and rows."""

    name: str
    title: str
    headers: Sequence[tuple[str, int]]
    rows: Iterable[Sequence[Any]]

    def as_xlsx(self) -> bytes:
        return writing.one_sheet(self.title, self.headers, self.rows)

    def file(self, fmt: str) -> tuple[bytes | str, str, str]:
        """(body, media type, file name) as `fmt` ("xlsx" or "csv"); another is a 404."""
        if fmt == "xlsx":
            return self.as_xlsx(), writing.MEDIA_TYPE, f"{self.name}.xlsx"
        if fmt == "csv":
            return self.as_csv(), "text/csv", f"{self.name}.csv"
        raise NotFound(f"no download as {fmt!r}; one of: {', '.join(FORMATS)}", "format")

    def as_csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow([h for h, _ in self.headers])
        for row in self.rows:
            w.writerow([_csv_cell(v) for v in row])
        return out.getvalue()


def every_page(fetch: Callable[[int, int], PageResult], what: str) -> list[Any]:
    """All the items a paged query (`fetch(page, per_page)`) selects, read `CHUNK` at a time;
    more than `MAX_ROWS` is refused, asking for narrower filters, rather than cut."""
    first = fetch(1, CHUNK)
    if first.total > MAX_ROWS:
        raise Invalid(
            f"{first.total:,} {what} match; a download holds at most {MAX_ROWS:,}: narrow the "
            "filters",
            "filters",
        )
    items = list(first.items)
    page = 1
    while len(items) < first.total:
        page += 1
        more = fetch(page, CHUNK).items
        if not more:
            break
        items.extend(more)
    return items


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


def baa_register(views: Iterable[Any], names: dict[int, str], as_of: date) -> Table:
    """The register's rows (services.baas.BaaView) as the page shows them on `as_of`."""
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
        for v in views:
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


def apps(s: Session, items: Sequence[AppRow], as_of: date) -> Table:
    """The apps as the list page shows them, with whether each is on the approved list on
    `as_of` and why (the list's own rule)."""
    ids = [r.app.id for r in items if r.app.id is not None]
    # the whole list when many apps are asked for: one pass, and no huge IN (…) list
    listed = allowlist.compute(s, as_of, ids if len(ids) <= 1000 else None)
    status: dict[int, tuple[str, str]] = {
        e.app_id: ("on the list", e.reason) for e in listed.entries
    }
    for x in listed.excluded:
        status[x.app_id] = ("rejected" if x.rejected else "off the list", x.reason)
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
        for r in items:
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


def vendors(items: Sequence[VendorRow], as_of: date) -> Table:
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


def assessments(items: Sequence[AssessmentRow], as_of: date) -> Table:
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


def audit(s: Session, f: AuditFilter, sort: str | None = None, descending: bool = True) -> Table:
    """The audit events matching the page's filters, in the page's order (newest first by
    default); more than `MAX_ROWS` is refused, asking for narrower filters."""
    matching = filtered(select(AuditEvent), f)
    total = s.scalar(select(func.count()).select_from(matching.subquery())) or 0
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
        for e in s.scalars(stmt.execution_options(yield_per=1000)):
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
