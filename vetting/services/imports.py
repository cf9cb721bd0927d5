"""Bulk imports: apps (MDM inventories and the generic sheet), vendors and legal's BAA sheet.

One use case for each kind, in two steps: `plan` reads the file (integrations.spreadsheets:
the safe gate, then pandas), judges every row (vetting.core.imports) against what the
database holds and reports created / updated / unchanged / skipped / refused per row with
every problem named by file, sheet, row, column and reason; `apply` writes the plan whole, in
ONE transaction with bulk statements and one audit event (the file's SHA-256 and the counts),
or writes nothing when any row is refused. A dry run is the plan alone. docs/rules.md, "Bulk
imports", states the rules.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam, insert, select, update
from sqlmodel import Session, col

from integrations.inventories.base import recognise as recognise_inventory
from integrations.spreadsheets import reading
from integrations.spreadsheets.reading import SpreadsheetError, Table
from vetting import audit, clock
from vetting.auth import Principal
from vetting.core import imports as rules
from vetting.core.baa import BaaLifecycle
from vetting.core.imports import (
    CellError,
    DateOrder,
    ImportKind,
    OtherPlatform,
    Outcome,
    RowProblem,
    RowReport,
)
from vetting.core.store_ids import Platform
from vetting.db import transaction
from vetting.errors import Conflict, Forbidden, Invalid, NotFound
from vetting.models import BAA, App, PendingImport, Vendor
from vetting.models.columns import with_folded
from vetting.schemas import BaaCreate, VendorCreate, control_problem
from vetting.services import baa_states
from vetting.services.baas import terms_of

HEADER_SEARCH = 10  # the header row is one of the first rows that hold a value

# Vendors and BAAs: field → the headers accepted for it (case, spaces, _ - . aside).
VENDOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("Vendor", "Name", "Vendor Name", "Company"),
    "website": ("Website", "Web site", "URL", "Homepage"),
    "contact_email": ("Contact Email", "Email", "E-mail", "Contact"),
    "notes": ("Notes", "Comments"),
}
BAA_COLUMNS: dict[str, tuple[str, ...]] = {
    "vendor": ("Vendor", "Vendor Name", "Company", "Counterparty", "Business Associate"),
    "title": ("Title", "Agreement", "Agreement Title", "Name"),
    "effective_date": ("Effective Date", "Effective", "Start Date", "Start", "Signed Date"),
    "expiration_date": ("Expiration Date", "Expiry Date", "Expires", "End Date", "Term End",
                        "Last Day", "Expiration"),
    "auto_renews": ("Auto Renews", "Auto-Renew", "Auto Renewal", "Renewal", "Renews"),
    "renewal_term_months": ("Renewal Term Months", "Renewal Term", "Renewal Months"),
    "notice_days": ("Notice Days", "Notice Period Days", "Notice (days)"),
    "notice_months": ("Notice Months", "Notice Period Months", "Notice (months)"),
    "status": ("Status",),
    "signed_copy_note": ("Signed Copy", "Signed Copy Location", "Signed Copy Note", "Location"),
    "owner_email": ("Owner Email", "Owner", "Contract Owner"),
    "notes": ("Notes", "Comments"),
}  # fmt: skip
REQUIRED = {
    ImportKind.VENDORS: ("name",),
    ImportKind.BAAS: ("vendor", "effective_date"),
}
SCOPES = {
    ImportKind.APPS: ("apps:write",),
    ImportKind.VENDORS: ("vendors:write",),
    ImportKind.BAAS: ("baas:write",),
}
STATUS_WORDS = {
    "active": BaaLifecycle.ACTIVE,
    "signed": BaaLifecycle.ACTIVE,
    "in force": BaaLifecycle.ACTIVE,
    "executed": BaaLifecycle.ACTIVE,
    "pending": BaaLifecycle.PENDING_SIGNATURE,
    "pending signature": BaaLifecycle.PENDING_SIGNATURE,
    "sent for signature": BaaLifecycle.PENDING_SIGNATURE,
    "draft": BaaLifecycle.DRAFT,
}


class ImportRefused(Invalid):
    """A file refused as a whole (not readable, not a known layout): 422 with where."""

    def __init__(self, error: SpreadsheetError) -> None:
        super().__init__(str(error), "file")
        self.error = error


@dataclass
class ImportReport:
    """What an import does (or did) with each row of one file."""

    kind: ImportKind
    file: str
    sheet: str | None
    sha256: str
    layout: str
    dry_run: bool
    rows: list[RowReport] = field(default_factory=list)
    applied: bool = False
    vendors_created: list[str] = field(default_factory=list)
    # Rows ready to write, by outcome (internal: what `apply` writes).
    writes: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def refused(self) -> bool:
        return rules.refused(self.rows)

    @property
    def counts(self) -> dict[str, int]:
        return rules.counts(self.rows)

    def errors(self) -> list[dict[str, Any]]:
        """Every problem: file, sheet, row, column and reason."""
        return [
            SpreadsheetError(self.file, p.reason, self.sheet, p.row, p.column).as_dict()
            for row in self.rows
            for p in row.problems
        ]

    def error_lines(self) -> list[str]:
        return [
            str(SpreadsheetError(self.file, p.reason, self.sheet, p.row, p.column))
            for row in self.rows
            for p in row.problems
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "file": self.file,
            "sheet": self.sheet,
            "sha256": self.sha256,
            "layout": self.layout,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "refused": self.refused,
            "counts": self.counts,
            "vendors_created": self.vendors_created,
            "rows": [
                {
                    "row": r.row,
                    "label": r.label,
                    "outcome": r.outcome.value,
                    "changes": r.changes,
                    "note": r.note,
                }
                for r in self.rows
            ],
            "errors": self.errors(),
        }


@dataclass
class _Cells:
    """One data row's cells by field, and where each came from (for the error's column)."""

    number: int
    values: dict[str, Any]
    letters: dict[str, str]
    headers: dict[str, str]
    problems: list[RowProblem] = field(default_factory=list)

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def refuse(self, name: str | None, reason: str) -> None:
        letter = self.letters.get(name) if name else None
        header = self.headers.get(name) if name else None
        if header:
            reason = f"{header}: {reason}"
        self.problems.append(RowProblem(self.number, letter, reason))

    def read(self, name: str, parse: Callable[[Any], Any]) -> Any:
        """`parse(cell)`, or None with the problem noted."""
        try:
            return parse(self.get(name))
        except CellError as exc:
            self.refuse(name, str(exc))
            return None

    def text(self, name: str, max_length: int, one_line: bool = True) -> str | None:
        value = rules.text_of(self.get(name))
        if value is None:
            return None
        if len(value) > max_length:
            self.refuse(name, f"longer than {max_length} characters")
            return None
        # str.isprintable() is False for every control character: the slow check only then.
        problem = None if value.isprintable() else control_problem(value, one_line)
        if problem:
            self.refuse(name, problem)
            return None
        return value


def _layout_rows(
    table: Table, file: str, find: Callable[[list[Any]], tuple[Any, dict[str, int]] | None]
) -> tuple[Any, dict[str, int], list[Any], list[tuple[int, tuple[Any, ...]]]]:
    """The layout `find` recognises (an inventory plugin, or a sheet's title) and its columns,
    the header row and the data rows after it."""
    for position, (_, values) in enumerate(table.rows[:HEADER_SEARCH]):
        found = find(list(values))
        if found is not None:
            return found[0], found[1], list(values), table.rows[position + 1 :]
    raise SpreadsheetError(file, "no header row this import knows (see README)", table.sheet)


class _Columns:
    """Where each field's cells are: index, letter and header (the same for every row)."""

    def __init__(self, columns: dict[str, int], headers: list[Any]) -> None:
        self.items = list(columns.items())
        self.letters = {name: reading.column_letter(i) for name, i in self.items}
        self.headers = {name: str(headers[i]).strip() for name, i in self.items}

    def cells(self, number: int, values: tuple[Any, ...]) -> _Cells:
        width = len(values)
        return _Cells(
            number,
            {name: values[i] if i < width else None for name, i in self.items},
            self.letters,
            self.headers,
        )


def read(kind: ImportKind, data: bytes, name: str, sheet: str | None = None) -> tuple[Table, str]:
    """The checked file's table and its SHA-256 (ImportRefused when it cannot be read)."""
    try:
        upload = reading.check(data, name)
        return reading.table(upload, sheet), hashlib.sha256(data).hexdigest()
    except SpreadsheetError as exc:
        raise ImportRefused(exc) from None


def plan(
    s: Session,
    actor: Principal,
    kind: ImportKind,
    data: bytes,
    name: str,
    *,
    sheet: str | None = None,
    date_order: DateOrder | None = None,
    default_vendor: str | None = None,
) -> ImportReport:
    """Read and judge every row; write nothing (the dry run, and the preview)."""
    for scope in SCOPES[kind]:
        actor.require(scope)
    table, sha256 = read(kind, data, name, sheet)
    try:
        if kind == ImportKind.APPS:
            return _plan_apps(s, table, name, sha256, default_vendor)
        if kind == ImportKind.VENDORS:
            return _plan_vendors(s, table, name, sha256)
        return _plan_baas(s, table, name, sha256, date_order)
    except SpreadsheetError as exc:
        raise ImportRefused(exc) from None


def run(
    s: Session,
    actor: Principal,
    kind: ImportKind,
    data: bytes,
    name: str,
    *,
    dry_run: bool = False,
    sheet: str | None = None,
    date_order: DateOrder | None = None,
    default_vendor: str | None = None,
) -> ImportReport:
    """Plan the import; unless a dry run or a row is refused, apply it whole."""
    report = plan(
        s, actor, kind, data, name, sheet=sheet, date_order=date_order,
        default_vendor=default_vendor,
    )  # fmt: skip
    report.dry_run = dry_run
    if not dry_run and not report.refused:
        apply(s, actor, report)
    return report


def _empty_file(file: str, sheet: str | None) -> SpreadsheetError:
    return SpreadsheetError(file, "no rows to import below the header row", sheet)


# --- apps ------------------------------------------------------------------------------------


def _plan_apps(
    s: Session, table: Table, file: str, sha256: str, default_vendor: str | None
) -> ImportReport:
    plugin, columns, headers, rows = _layout_rows(table, file, recognise_inventory)
    title = plugin.title
    if not rows:
        raise _empty_file(file, table.sheet)
    report = ImportReport(ImportKind.APPS, file, table.sheet, sha256, title, dry_run=True)
    vendors = {
        rules.name_key(n): (i, n) for i, n in s.execute(select(col(Vendor.id), col(Vendor.name)))
    }
    # Stored apps by key: platform + store ID (case aside), or platform + name for those
    # without a store ID (web apps). One read of the table.
    existing: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    web_apps: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for app in s.execute(
        select(
            col(App.id), col(App.platform), col(App.store_id), col(App.name),
            col(App.vendor_id), col(App.category), col(App.store_url),
        )
    ):  # fmt: skip
        if app[2] is None:
            web_apps.setdefault((app[1], "name:" + rules.name_key(app[3])), []).append(tuple(app))
        else:
            existing.setdefault(rules.app_key(app[1], app[2]), []).append(tuple(app))
    seen: dict[tuple[str, str], tuple[int, tuple[Any, ...]]] = {}
    new_vendors: dict[str, str] = {}
    fallback = (default_vendor or "").strip() or None
    where = _Columns(columns, headers)
    for number, values in rows:
        cells = where.cells(number, values)
        label = rules.text_of(cells.get("name")) or f"row {number}"
        try:
            platform = (
                Platform(plugin.platform)
                if plugin.platform and "platform" not in columns
                else rules.platform_of(cells.get("platform"))
            )
        except OtherPlatform as exc:
            report.rows.append(RowReport(number, label, Outcome.SKIPPED, note=str(exc)))
            continue
        except CellError as exc:
            cells.refuse("platform", str(exc))
            platform = None
        name = cells.text("name", 200)
        if name is None and not cells.problems:
            cells.refuse("name", "the app's name is missing")
        store_id = None
        if platform is not None:
            store_id = cells.read("store_id", partial(rules.store_id_of, platform=platform))
            if store_id is None and platform != Platform.WEB and not cells.problems:
                cells.refuse("store_id", "the store ID is missing: it is how apps are matched")
        vendor = cells.text("vendor", 200) or fallback
        category = cells.text("category", 100)
        store_url = cells.text("store_url", 500)
        if store_url and not store_url.lower().startswith(("http://", "https://")):
            cells.refuse("store_url", "must be an http:// or https:// URL")
        if cells.problems or platform is None or name is None:
            report.rows.append(RowReport(number, label, Outcome.REFUSED, problems=cells.problems))
            continue
        key = (
            rules.app_key(platform, store_id)
            if store_id
            else (platform.value, "name:" + rules.name_key(name))
        )
        fields = (name, vendor and rules.name_key(vendor), category, store_url)
        if key in seen:
            first, first_fields = seen[key]
            if first_fields == fields:
                report.rows.append(
                    RowReport(number, label, Outcome.UNCHANGED, note=f"the same app as row {first}")
                )
            else:
                cells.refuse(
                    "store_id" if store_id else "name",
                    f"row {first} already names this app ({platform.value} "
                    f"{store_id or name}) with other values",
                )
                report.rows.append(
                    RowReport(number, label, Outcome.REFUSED, problems=cells.problems)
                )
            continue
        seen[key] = (number, fields)
        matches = existing.get(key, []) if store_id else web_apps.get(key, [])
        if len(matches) > 1:
            cells.refuse(
                "store_id",
                f"apps {', '.join(str(m[0]) for m in matches)} already have this store ID "
                "(differing only in case); merge them first",
            )
            report.rows.append(RowReport(number, label, Outcome.REFUSED, problems=cells.problems))
            continue
        vendor_id: int | str | None = None
        if vendor:
            vendor_key = rules.name_key(vendor)
            if vendor_key in vendors:
                vendor_id = vendors[vendor_key][0]
            else:
                vendor_id = new_vendors.setdefault(vendor_key, vendor)
        if not matches:
            if vendor_id is None:
                cells.refuse("vendor", "a new app needs its vendor (add a vendor column)")
                report.rows.append(
                    RowReport(number, label, Outcome.REFUSED, problems=cells.problems)
                )
                continue
            report.rows.append(RowReport(number, label, Outcome.CREATED))
            report.writes.append(
                {
                    "op": "create", "name": name, "platform": platform.value,
                    "store_id": store_id, "vendor": vendor_id, "category": category,
                    "store_url": store_url,
                }
            )  # fmt: skip
            continue
        app_id, _, _, old_name, old_vendor, old_category, old_url = matches[0]
        changes: dict[str, Any] = {}
        if name != old_name:
            changes["name"] = name
        if vendor_id is not None and vendor_id != old_vendor:
            changes["vendor_id"] = vendor_id
        if category is not None and category != old_category:
            changes["category"] = category
        if store_url is not None and store_url != old_url:
            changes["store_url"] = store_url
        if not changes:
            report.rows.append(RowReport(number, label, Outcome.UNCHANGED))
            continue
        report.rows.append(RowReport(number, label, Outcome.UPDATED, changes=sorted(changes)))
        report.writes.append({"op": "update", "id": app_id, **changes})
    report.vendors_created = sorted(
        {v for w in report.writes for v in (w.get("vendor"), w.get("vendor_id"))
         if isinstance(v, str)}
    )  # fmt: skip
    return report


def _vendor_ids(s: Session, names: list[str], now: Any) -> dict[str, int]:
    """Insert the vendors named (one statement) and return name → id."""
    if not names:
        return {}
    _insert(s, Vendor, [{"name": n, "created_at": now, "updated_at": now} for n in names])
    return {
        n: i
        for i, n in s.execute(
            select(col(Vendor.id), col(Vendor.name)).where(col(Vendor.name).in_(names))
        )
    }


def _apply_apps(s: Session, report: ImportReport, now: Any) -> None:
    ids = _vendor_ids(s, report.vendors_created, now)
    creates, updates = [], []
    for w in report.writes:
        if w["op"] == "create":
            vendor = w["vendor"]
            creates.append(
                {
                    "name": w["name"], "platform": w["platform"], "store_id": w["store_id"],
                    "vendor_id": ids[vendor] if isinstance(vendor, str) else vendor,
                    "category": w["category"], "store_url": w["store_url"],
                    "created_at": now, "updated_at": now,
                }
            )  # fmt: skip
        else:
            row = {k: v for k, v in w.items() if k != "op"}
            if isinstance(row.get("vendor_id"), str):
                row["vendor_id"] = ids[row["vendor_id"]]
            updates.append({**row, "updated_at": now})
    _insert(s, App, creates)
    _update(s, App, updates)


def _insert(s: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """One multi-row INSERT per set of columns (Core executemany: no ORM work per row)."""
    table = model.__table__
    for batch in _same_keys(rows):
        s.connection().execute(insert(table), batch)


def _update(s: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """UPDATE … WHERE id = :id_, one executemany per set of columns changed (with the folded
    search column of a name or title changed: models/columns.py)."""
    table = model.__table__
    rows = [with_folded(table.name, r) for r in rows]
    for batch in _same_keys(rows):
        names = [k for k in batch[0] if k != "id"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("id_"))
            .values({k: bindparam(f"v_{k}") for k in names})
        )
        s.connection().execute(
            stmt, [{**{f"v_{k}": r[k] for k in names}, "id_": r["id"]} for r in batch]
        )


def _same_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Rows grouped by their set of keys (one executemany per group)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())


# --- vendors ---------------------------------------------------------------------------------


def _finder(layout: dict[str, tuple[str, ...]], required: tuple[str, ...], title: str) -> Any:
    def find(headers: list[Any]) -> tuple[str, dict[str, int]] | None:
        found = rules.find_columns(headers, layout)
        return (title, found) if all(r in found for r in required) else None

    return find


def _pydantic_problems(cells: _Cells, exc: ValidationError) -> None:
    for err in exc.errors():
        where = str(err["loc"][0]) if err["loc"] else None
        message = err["msg"].removeprefix("Value error, ")
        cells.refuse(where if where in cells.letters else None, message)


def _plan_vendors(s: Session, table: Table, file: str, sha256: str) -> ImportReport:
    title, columns, headers, rows = _layout_rows(
        table, file, _finder(VENDOR_COLUMNS, REQUIRED[ImportKind.VENDORS], "Vendors sheet")
    )
    if not rows:
        raise _empty_file(file, table.sheet)
    report = ImportReport(ImportKind.VENDORS, file, table.sheet, sha256, title, dry_run=True)
    existing = {rules.name_key(v.name): v for v in s.scalars(select(Vendor))}
    seen: dict[str, tuple[int, dict[str, Any]]] = {}
    where = _Columns(columns, headers)
    for number, values in rows:
        cells = where.cells(number, values)
        given = {
            name: rules.text_of(cells.get(name))
            for name in ("name", "website", "contact_email", "notes")
            if name in columns
        }
        label = given.get("name") or f"row {number}"
        try:
            data = VendorCreate(**{k: v for k, v in given.items() if v is not None})
        except ValidationError as exc:
            _pydantic_problems(cells, exc)
            report.rows.append(RowReport(number, label, Outcome.REFUSED, problems=cells.problems))
            continue
        fields = data.model_dump(exclude_none=True)
        key = rules.name_key(data.name)
        if key in seen:
            first, first_fields = seen[key]
            if first_fields == fields:
                report.rows.append(
                    RowReport(number, label, Outcome.UNCHANGED, note=f"the same as row {first}")
                )
            else:
                cells.refuse("name", f"row {first} already names this vendor with other values")
                report.rows.append(
                    RowReport(number, label, Outcome.REFUSED, problems=cells.problems)
                )
            continue
        seen[key] = (number, fields)
        vendor = existing.get(key)
        if vendor is None:
            report.rows.append(RowReport(number, label, Outcome.CREATED))
            report.writes.append({"op": "create", **fields})
            continue
        # Blanks never overwrite; the name's case and spacing are kept as they are.
        changes = {k: v for k, v in fields.items() if k != "name" and v != getattr(vendor, k)}
        if not changes:
            report.rows.append(RowReport(number, label, Outcome.UNCHANGED))
            continue
        report.rows.append(RowReport(number, label, Outcome.UPDATED, changes=sorted(changes)))
        report.writes.append({"op": "update", "id": vendor.id, **changes})
    return report


def _apply_vendors(s: Session, report: ImportReport, now: Any) -> None:
    creates = [
        {**{k: v for k, v in w.items() if k != "op"}, "created_at": now, "updated_at": now}
        for w in report.writes
        if w["op"] == "create"
    ]
    updates = [
        {**{k: v for k, v in w.items() if k != "op"}, "updated_at": now}
        for w in report.writes
        if w["op"] == "update"
    ]
    _insert(s, Vendor, creates)
    _update(s, Vendor, updates)


# --- BAAs ------------------------------------------------------------------------------------

BAA_UPDATABLE = (
    "expiration_date", "auto_renews", "renewal_term_months", "notice_days", "notice_months",
    "owner_email", "notes", "signed_copy_note",
)  # fmt: skip


def _status_of(value: Any) -> str | None:
    if rules.blank(value):
        return None
    word = " ".join(str(value).lower().replace("_", " ").split())
    if word not in STATUS_WORDS:
        raise CellError(
            f"{rules.text_of(value)!r} is not a status: use active, pending signature or draft"
        )
    return STATUS_WORDS[word]


def _plan_baas(
    s: Session, table: Table, file: str, sha256: str, order: DateOrder | None
) -> ImportReport:
    title, columns, headers, rows = _layout_rows(
        table, file, _finder(BAA_COLUMNS, REQUIRED[ImportKind.BAAS], "BAA sheet")
    )
    if not rows:
        raise _empty_file(file, table.sheet)
    report = ImportReport(ImportKind.BAAS, file, table.sheet, sha256, title, dry_run=True)
    vendors = {rules.name_key(v.name): v for v in s.scalars(select(Vendor))}
    existing: dict[tuple[int, date, str], list[BAA]] = {}
    for baa in s.scalars(select(BAA)):
        existing.setdefault(
            (baa.vendor_id, baa.effective_date, rules.name_key(baa.title or "")), []
        ).append(baa)
    seen: dict[tuple[int, date, str], tuple[int, dict[str, Any]]] = {}
    where = _Columns(columns, headers)
    for number, values in rows:
        cells = where.cells(number, values)
        vendor_name = cells.text("vendor", 200)
        label = vendor_name or f"row {number}"
        vendor = vendors.get(rules.name_key(vendor_name)) if vendor_name else None
        if vendor_name is None:
            cells.refuse("vendor", "the vendor is missing")
        elif vendor is None:
            cells.refuse(
                "vendor", f"no vendor named {vendor_name!r}: import or create the vendor first"
            )
        effective = cells.read("effective_date", lambda v: rules.parse_date(v, order))
        if effective is None and not any(p.column == cells.letters.get("effective_date")
                                         for p in cells.problems):  # fmt: skip
            cells.refuse("effective_date", "the first day in force is missing")
        expiration = cells.read("expiration_date", lambda v: rules.parse_date(v, order))
        renews = cells.read("auto_renews", rules.auto_renews_of)
        evergreen = rules.is_evergreen_word(cells.get("auto_renews")) and expiration is None
        status = cells.read("status", _status_of)
        numbers = {
            "renewal_term_months": cells.read(
                "renewal_term_months", lambda v: rules.whole_number(v, 1, 120)
            ),
            "notice_days": cells.read("notice_days", lambda v: rules.whole_number(v, 0, 3650)),
            "notice_months": cells.read("notice_months", lambda v: rules.whole_number(v, 0, 120)),
        }
        texts = {
            "title": cells.text("title", 200),
            "owner_email": cells.text("owner_email", 320),
            "notes": cells.text("notes", 10000, one_line=False),
            "signed_copy_note": cells.text("signed_copy_note", 2000, one_line=False),
        }
        if cells.problems or vendor is None or vendor.id is None or effective is None:
            report.rows.append(RowReport(number, label, Outcome.REFUSED, problems=cells.problems))
            continue
        if status is None:
            status = (
                BaaLifecycle.ACTIVE
                if texts["signed_copy_note"]
                else (BaaLifecycle.PENDING_SIGNATURE)
            )
        given = {
            "vendor_id": vendor.id, "effective_date": effective, "expiration_date": expiration,
            "auto_renews": bool(renews) and not evergreen, "status": status,
            **{k: v for k, v in numbers.items() if v is not None},
            **{k: v for k, v in texts.items() if v is not None},
        }  # fmt: skip
        try:
            data = BaaCreate(**given)
        except ValidationError as exc:
            _pydantic_problems(cells, exc)
            report.rows.append(RowReport(number, label, Outcome.REFUSED, problems=cells.problems))
            continue
        fields = data.model_dump(
            exclude={"all_products", "app_ids", "breach_clause", "breach_notification_days",
                     "parent_id", "follows_parent", "parent_agreement", "terminated_on",
                     "termination_reason", "subcontractor_flowdown", "return_or_destroy"}
        )  # fmt: skip
        key = (vendor.id, effective, rules.name_key(texts["title"] or ""))
        label = f"{vendor.name}, in force from {effective.isoformat()}"
        if key in seen:
            first, first_fields = seen[key]
            if first_fields == fields:
                report.rows.append(
                    RowReport(number, label, Outcome.UNCHANGED, note=f"the same as row {first}")
                )
            else:
                cells.refuse(
                    "effective_date",
                    f"row {first} already names this agreement (vendor, effective date, title) "
                    "with other values",
                )
                report.rows.append(
                    RowReport(number, label, Outcome.REFUSED, problems=cells.problems)
                )
            continue
        seen[key] = (number, fields)
        matches = existing.get(key, [])
        if len(matches) > 1:
            cells.refuse(
                "effective_date",
                f"BAAs {', '.join(str(b.id) for b in matches)} match this row; edit them instead",
            )
            report.rows.append(RowReport(number, label, Outcome.REFUSED, problems=cells.problems))
            continue
        if not matches:
            _check_new_baa(cells, fields)
            if cells.problems:
                report.rows.append(
                    RowReport(number, label, Outcome.REFUSED, problems=cells.problems)
                )
                continue
            report.rows.append(RowReport(number, label, Outcome.CREATED))
            report.writes.append({"op": "create", **fields})
            continue
        baa = matches[0]
        # Blanks never overwrite; "evergreen" without a term end clears the term end.
        changes = {
            k: fields[k]
            for k in BAA_UPDATABLE
            if fields.get(k) is not None and fields[k] != getattr(baa, k)
        }
        if "auto_renews" in changes and renews is None:
            del changes["auto_renews"]  # not stated in the sheet: kept
        if evergreen:
            changes |= {
                k: v
                for k, v in {"expiration_date": None, "auto_renews": False}.items()
                if getattr(baa, k) != v
            }
        if not changes:
            report.rows.append(RowReport(number, label, Outcome.UNCHANGED))
            continue
        _check_baa_update(cells, baa, changes)
        if cells.problems:
            report.rows.append(RowReport(number, label, Outcome.REFUSED, problems=cells.problems))
            continue
        report.rows.append(RowReport(number, label, Outcome.UPDATED, changes=sorted(changes)))
        report.writes.append({"op": "update", "id": baa.id, **changes})
    return report


def _term_problems(cells: _Cells, baa: BAA) -> None:
    for name, reason in terms_of(baa).validate():
        cells.refuse(name if name in cells.letters else None, f"{name}: {reason}")


def _check_new_baa(cells: _Cells, fields: dict[str, Any]) -> None:
    baa = BAA(**fields)
    _term_problems(cells, baa)
    if baa.status == BaaLifecycle.ACTIVE and not (baa.signed_copy_note or "").strip():
        cells.refuse(
            "signed_copy_note" if "signed_copy_note" in cells.letters else "status",
            "an active BAA needs its signed copy: say where it is held (a Signed Copy column) "
            "or import it as pending signature",
        )


def _check_baa_update(cells: _Cells, baa: BAA, changes: dict[str, Any]) -> None:
    if baa.status in (BaaLifecycle.TERMINATED, BaaLifecycle.SUPERSEDED):
        cells.refuse(None, f"BAA {baa.id} is {baa.status}: its terms are history; not changed")
        return
    if baa.follows_parent and set(changes) & {
        "expiration_date", "auto_renews", "renewal_term_months", "notice_days", "notice_months"
    }:  # fmt: skip
        cells.refuse(
            "expiration_date",
            f"BAA {baa.id} follows parent agreement {baa.parent_id}: change the parent's terms",
        )
        return
    if baa.supersedes_id is not None and "expiration_date" in changes:
        cells.refuse("expiration_date", f"BAA {baa.id} is a renewal: change its dates on its page")
        return
    probe = BAA(**{**baa.model_dump(), **changes})
    _term_problems(cells, probe)


def _apply_baas(s: Session, report: ImportReport, now: Any) -> list[int]:
    creates = [
        {**{k: v for k, v in w.items() if k != "op"}, "created_at": now, "updated_at": now,
         "all_products": True, "scope_reviewed": False}
        for w in report.writes
        if w["op"] == "create"
    ]  # fmt: skip
    updates = [
        {**{k: v for k, v in w.items() if k != "op"}, "updated_at": now}
        for w in report.writes
        if w["op"] == "update"
    ]
    _insert(s, BAA, creates)
    _update(s, BAA, updates)
    if updates or creates:  # written around the ORM: the kept states are rebuilt on next read
        baa_states.forget(s)
    return []


# --- applying --------------------------------------------------------------------------------

APPLY = {
    ImportKind.APPS: _apply_apps,
    ImportKind.VENDORS: _apply_vendors,
    ImportKind.BAAS: _apply_baas,
}
# The audit event's entity type: the kind of record an import changes, so every cached read
# of those records (vetting/queries/cache.py) and today's list see it.
ENTITY = {ImportKind.APPS: "app", ImportKind.VENDORS: "vendor", ImportKind.BAAS: "baa"}


def apply(
    s: Session, actor: Principal, report: ImportReport, pending: PendingImport | None = None
) -> None:
    """Write a planned import whole, in one transaction with one audit event; nothing when a
    row is refused (a 422 listing every problem). `pending`, the previewed file it applies,
    is deleted in the same transaction."""
    if report.refused:
        raise Invalid(
            f"{report.counts[Outcome.REFUSED]} row(s) refused; nothing was imported", "file"
        )
    for scope in SCOPES[report.kind]:
        actor.require(scope)
    if report.vendors_created:
        actor.require("vendors:write")
    now = clock.now()
    with transaction(s):
        if pending is not None:
            s.delete(pending)
            s.flush()
        APPLY[report.kind](s, report, now)
        audit.record(
            s,
            actor.name,
            f"{ENTITY[report.kind]}.import",
            ENTITY[report.kind],
            None,
            None,
            {
                "file": report.file,
                "sheet": report.sheet,
                "sha256": report.sha256,
                "layout": report.layout,
                "counts": report.counts,
                "vendors_created": report.vendors_created,
            },
        )
    report.applied = True


# --- preview and confirm (the web page) ------------------------------------------------------

PENDING_MINUTES = 30
PENDING_PER_PERSON = 5  # a person's older previews beyond this are dropped (each up to 20 MiB)


def preview(
    s: Session,
    actor: Principal,
    kind: ImportKind,
    data: bytes,
    name: str,
    *,
    sheet: str | None = None,
    date_order: DateOrder | None = None,
    default_vendor: str | None = None,
) -> tuple[ImportReport, PendingImport | None]:
    """The dry-run report, and when no row is refused the file kept for `confirm` (for
    PENDING_MINUTES, for this person only; their PENDING_PER_PERSON newest previews are kept).
    Expired previews are deleted here."""
    report = plan(
        s, actor, kind, data, name, sheet=sheet, date_order=date_order,
        default_vendor=default_vendor,
    )  # fmt: skip
    if report.refused:
        return report, None
    now = clock.now()
    with transaction(s):
        s.execute(
            PendingImport.__table__.delete().where(  # type: ignore[attr-defined]
                col(PendingImport.expires_at) < now
            )
        )
        pending = PendingImport(
            kind=kind.value,
            filename=name[:255],
            sheet=sheet,
            date_order=date_order.value if date_order else None,
            default_vendor=default_vendor,
            sha256=report.sha256,
            data=base64.b64encode(data).decode("ascii"),
            counts=json.dumps(report.counts, sort_keys=True),
            created_by=actor.person or actor.name,
            created_at=now,
            expires_at=now + timedelta(minutes=PENDING_MINUTES),
        )
        s.add(pending)
        s.flush()
        keep = select(col(PendingImport.id)).where(
            col(PendingImport.created_by) == pending.created_by
        )
        keep = keep.order_by(col(PendingImport.id).desc()).limit(PENDING_PER_PERSON)
        s.execute(
            PendingImport.__table__.delete().where(  # type: ignore[attr-defined]
                col(PendingImport.created_by) == pending.created_by,
                col(PendingImport.id).not_in(keep.scalar_subquery()),
            )
        )
    return report, pending


def confirm(
    s: Session, actor: Principal, kind: ImportKind, pending_id: int, sha256: str
) -> ImportReport:
    """Apply exactly the previewed file: the same person, before it expires, the same bytes
    (`sha256` is what the preview page showed), and the same counts as the preview (the data
    may have changed since: then preview again)."""
    for scope in SCOPES[kind]:
        actor.require(scope)
    pending = s.get(PendingImport, pending_id)
    if pending is None or pending.kind != kind.value:
        raise NotFound("this preview no longer exists: upload the file again", "pending_id")
    if pending.created_by != (actor.person or actor.name):
        raise Forbidden("only the person who previewed this file may apply it")
    if pending.expires_at < clock.now():
        raise Conflict(
            f"the preview expired ({PENDING_MINUTES} minutes): upload the file again",
            "pending_id",
        )
    data = base64.b64decode(pending.data)
    if sha256 != pending.sha256 or hashlib.sha256(data).hexdigest() != pending.sha256:
        raise Conflict("the file is not the one previewed: upload it again", "sha256")
    report = plan(
        s, actor, kind, data, pending.filename, sheet=pending.sheet,
        date_order=DateOrder(pending.date_order) if pending.date_order else None,
        default_vendor=pending.default_vendor,
    )  # fmt: skip
    if json.dumps(report.counts, sort_keys=True) != pending.counts:
        raise Conflict(
            "the data changed since the preview, so the import would now do something else: "
            "upload the file again to see the new report",
            "pending_id",
        )
    report.dry_run = False
    apply(s, actor, report, pending)
    return report
