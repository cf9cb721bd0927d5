"""Read models for the web UI: sortable, paginated tables and detail pages.

Each table is one page query plus a fixed number of look-ups for the rows on that page
(never one query per row), so a page costs the same with 50 apps or 50,000.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, label, select
from sqlmodel import Session, col

from vetting import clock
from vetting.core import allowlist as allowlist_core
from vetting.core.baa import BaaState, BaaStatus, BaaTerms, state_on
from vetting.core.decisions import IN_EFFECT, Pins, pin_changes
from vetting.models import BAA, App, Assessment, AuditEvent, BaaStateRow, Decision, Vendor
from vetting.queries import allowlist, cache
from vetting.queries.audit_log import history
from vetting.services import baa_states
from vetting.services.apps import app_matches, app_text_matches
from vetting.services.baas import TERMS, terms_of
from vetting.services.common import PageResult, get_or_404, like, prefix, runs_page

# --- shared pieces --------------------------------------------------------------------------


@dataclass(frozen=True)
class BaaRow:
    baa: BAA
    status: BaaStatus
    vendor_name: str = ""


@dataclass(frozen=True)
class DecisionBrief:
    id: int
    decision: str
    verdict: str
    decided_at: datetime
    decided_by: str
    valid_until: date
    assessment_id: int


@dataclass(frozen=True)
class AssessmentBrief:
    id: int
    checklist_id: str
    checklist_version: str
    status: str
    score: float
    verdict: str
    created_at: datetime


# Which BAA represents a vendor when it has several: the one in force beats the rest.
_STATE_RANK: dict[str, int] = {
    BaaState.ACTIVE: 0,
    BaaState.EXPIRING: 1,
    BaaState.NOT_YET_EFFECTIVE: 2,
    BaaState.EXPIRED: 3,
    BaaState.TERMINATED: 4,
    BaaState.SUPERSEDED: 5,
    BaaState.PENDING_SIGNATURE: 6,
    BaaState.DRAFT: 7,
}


def baa_rows(baas: Iterable[BAA], as_of: date, warning_days: int) -> list[BaaRow]:
    return [BaaRow(b, state_on(terms_of(b), as_of, warning_days)) for b in baas]


def _rank(state: str, effective: date, baa_id: int) -> tuple[int, int, int]:
    """An agreement as a candidate to represent its vendor (the lowest represents it): in
    force first (`_STATE_RANK`), then the latest effective date, then the first recorded."""
    return (_STATE_RANK.get(state, 9), -effective.toordinal(), baa_id)


def _latest_decisions(s: Session, app_ids: Sequence[int | None]) -> dict[int | None, DecisionBrief]:
    """The latest decision of each app in `app_ids` (one query)."""
    latest: dict[int | None, DecisionBrief] = {}
    if not app_ids:
        return latest
    for d in s.scalars(
        select(Decision)
        .where(col(Decision.app_id).in_(app_ids))
        .order_by(col(Decision.decided_at), col(Decision.id))
    ):
        latest[d.app_id] = _brief_decision(d)
    return latest


def decision_rebinds(s: Session, app_id: int, views: Sequence[Any]) -> dict[int, list[str]]:
    """{decision id: what changed about the app since} for the app's latest decision when it
    approves, is in effect and the app's platform, store ID or vendor changed since (what
    the scorecard offers to re-confirm). `views` are the assessment's decision views."""
    newest = s.scalars(
        select(Decision)
        .where(col(Decision.app_id) == app_id)
        .order_by(col(Decision.decided_at).desc(), col(Decision.id).desc())
        .limit(1)
    ).first()
    app = s.get(App, app_id)
    if newest is None or app is None or newest.decision not in allowlist_core.APPROVING:
        return {}
    if not any(v.decision.id == newest.id and v.confirmation in IN_EFFECT for v in views):
        return {}
    pins = Pins(
        newest.pinned_platform,
        newest.pinned_store_id,
        newest.pinned_vendor_id,
        newest.pinned_vendor_name,
    )
    changed = pin_changes(
        pins, app.platform, app.store_id, app.vendor_id, clock.local_day(newest.decided_at)
    )
    return {newest.id: changed} if changed and newest.id is not None else {}


def _brief_decision(d: Decision) -> DecisionBrief:
    return DecisionBrief(
        d.id,  # type: ignore[arg-type]  # a stored row's id (SQLModel: int | None)
        d.decision,
        d.verdict,
        d.decided_at,
        d.decided_by,
        d.valid_until,
        d.assessment_id,
    )


def _latest_assessments(
    s: Session, app_ids: Sequence[int | None]
) -> dict[int | None, AssessmentBrief]:
    latest: dict[int | None, AssessmentBrief] = {}
    if not app_ids:
        return latest
    for a in s.scalars(
        select(Assessment).where(col(Assessment.app_id).in_(app_ids)).order_by(col(Assessment.id))
    ):
        latest[a.app_id] = _brief_assessment(a)
    return latest


def _brief_assessment(a: Assessment) -> AssessmentBrief:
    return AssessmentBrief(
        a.id,  # type: ignore[arg-type]  # a stored row's id (SQLModel: int | None)
        a.checklist_id,
        a.checklist_version,
        a.status,
        a.score,
        a.verdict,
        a.created_at,
    )


def _page(
    s: Session, stmt: Select, page: int, per_page: int, one_scan: bool = False
) -> tuple[list[Any], int]:
    """One page and the total. A search (`one_scan`) counts with a window function in the
    same statement, so 50,000 names are read once, not once to count and once to show;
    without one, an index serves the ordered page and a separate count is cheaper."""
    if one_scan:
        rows = list(
            s.execute(
                stmt.add_columns(func.count().over().label("_total"))
                .limit(per_page)
                .offset((page - 1) * per_page)
            ).all()
        )
        if rows:
            return [r[:-1] for r in rows], rows[0][-1]
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(s.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all())
    return rows, total


def _order(column: Any, descending: bool) -> Any:
    return column.desc() if descending else column.asc()


# --- vendors --------------------------------------------------------------------------------

VENDOR_SORTS = ("name", "apps", "created")


@dataclass(frozen=True)
class VendorRow:
    vendor: Vendor
    app_count: int
    baa: BaaRow | None
    baa_count: int


def vendor_table(
    s: Session,
    *,
    q: str | None = None,
    sort: str = "name",
    descending: bool = False,
    page: int = 1,
    per_page: int = 50,
    as_of: date,
    warning_days: int,
) -> PageResult:
    sort = sort if sort in VENDOR_SORTS else "name"
    stmt, matching = _vendor_query(q, sort, descending)
    if q:
        rows, total = _page(s, stmt, page, per_page, one_scan=True)
    elif sort == "apps":  # the order of all vendors by apps, kept until apps or vendors change
        ranked = _vendors_by_apps(s, descending)
        total = len(ranked)
        wanted = ranked[(page - 1) * per_page : page * per_page]
        by_id = {v.id: v for v in s.scalars(select(Vendor).where(col(Vendor.id).in_(wanted)))}
        per_vendor = _app_counts(s)
        rows = [(by_id[i], per_vendor.get(i, 0)) for i in wanted if i in by_id]
    else:  # the total needs no app count: one row per vendor
        total = s.scalar(select(func.count()).select_from(matching.subquery())) or 0
        rows = list(s.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all())
    represented = vendor_representatives(s, [r[0].id for r in rows], as_of, warning_days)
    # Only the page's representatives (≤ one per vendor) are then read whole.
    picked = [rep.baa_id for rep in represented.values()]
    whole = (
        {b.id: b for b in s.scalars(select(BAA).where(col(BAA.id).in_(picked)))} if picked else {}
    )
    items = []
    for r in rows:
        rep = represented.get(r[0].id)
        baa = whole.get(rep.baa_id) if rep else None
        shown = BaaRow(baa, state_on(terms_of(baa), as_of, warning_days)) if baa else None
        items.append(VendorRow(r[0], r[1], shown, rep.baas if rep else 0))
    return PageResult(items, page, per_page, total)


def _vendor_query(q: str | None, sort: str, descending: bool) -> tuple[Select, Select]:
    """The vendors list's rows (vendor, app count) under its search, in its order, and the
    ids it counts. Apps per vendor are counted for the vendors read only (a correlated count,
    through the index on app.vendor_id); sorted by it without a search, the kept order of all
    vendors (`_vendors_by_apps`). Grouping all 50,000 apps for every page (and again for its
    total) was most of the list's time."""
    app_count = (
        select(func.count())
        .where(col(App.vendor_id) == col(Vendor.id))
        .correlate(Vendor)
        .scalar_subquery()
    )
    stmt = select(Vendor, app_count.label("app_count"))
    matching = select(col(Vendor.id))
    if q:
        found = func.lower(Vendor.name).like(like(q), escape="\\")
        stmt = stmt.where(found)
        matching = matching.where(found)
    key = {"name": func.lower(Vendor.name), "apps": app_count, "created": Vendor.created_at}[sort]
    return stmt.order_by(_order(key, descending), col(Vendor.id)), matching


def vendor_ids(
    s: Session, limit: int, *, q: str | None = None, sort: str = "name", descending: bool = False
) -> list[int]:
    """The ids of the vendors `vendor_table` pages through under the same search and sort, in
    its order, at most `limit` of them: what a whole-list download reads by id."""
    sort = sort if sort in VENDOR_SORTS else "name"
    if sort == "apps" and not q:
        return list(_vendors_by_apps(s, descending)[:limit])
    stmt, _ = _vendor_query(q, sort, descending)
    found = stmt.with_only_columns(col(Vendor.id)).limit(limit)
    return [i for i in s.scalars(found) if i is not None]


@dataclass(frozen=True)
class Represented:
    """A vendor's number of agreements and the one that represents it (`_rank`), with its
    state and term end on a day."""

    baa_id: int
    baas: int
    state: str
    term_end: date | None


def vendor_representatives(
    s: Session, ids: Sequence[int], as_of: date, warning_days: int
) -> dict[int, Represented]:
    """`Represented` for each of these vendors that has an agreement, in one statement — the
    vendors page (50 vendors) and its download (all of them) alike. For today each
    agreement's state is read from the kept ones (services/baa_states.py) while they are this
    day's, window's and code's; otherwise (another day, kept states stale or being rebuilt,
    an agreement inserted around the services with no kept row yet) it is worked out from its
    terms."""
    found: dict[int, Represented] = {}
    if not ids:
        return found
    kept = as_of == clock.today()
    stmt = select(col(BAA.id), col(BAA.vendor_id), *TERMS).where(col(BAA.vendor_id).in_(ids))
    if kept:
        valid = baa_states.kept_for(as_of, warning_days)  # the day's, else no kept row
        stmt = stmt.add_columns(col(BaaStateRow.state), col(BaaStateRow.term_end)).outerjoin(
            BaaStateRow, and_(col(BaaStateRow.baa_id) == BAA.id, valid)
        )
    terms_end = 2 + len(TERMS)
    best: dict[int, tuple[tuple[int, int, int], str, date | None]] = {}
    counts: dict[int, int] = defaultdict(int)
    for r in s.execute(stmt):
        baa_id, vendor_id, effective = r[0], r[1], r[2]
        if kept and r[terms_end] is not None:
            state, term_end = r[terms_end], r[terms_end + 1]
        else:
            st = state_on(BaaTerms(*r[2:terms_end]), as_of, warning_days)
            state, term_end = str(st.state), st.term_end
        counts[vendor_id] += 1
        rank = _rank(state, effective, baa_id)
        held = best.get(vendor_id)
        if held is None or rank < held[0]:
            best[vendor_id] = (rank, state, term_end)
    for vendor_id, (rank, state, term_end) in best.items():
        found[vendor_id] = Represented(rank[2], counts[vendor_id], state, term_end)
    return found


# The apps-per-vendor order depends on apps and vendors only (app events cover imports,
# moves and deletions; the newest ids cover rows inserted around the services).
VENDOR_APPS = cache.Reads(("app", "vendor", "demo"), (App, Vendor))


def _app_counts(s: Session) -> dict[int, int]:
    """{vendor id: number of apps} of every vendor with an app (kept: one GROUP BY over all
    apps per change, not per page)."""

    def count() -> dict[int, int]:
        found = select(col(App.vendor_id), func.count()).group_by(col(App.vendor_id))
        return {r[0]: r[1] for r in s.execute(found)}

    return cache.remembered("vendor app counts", (), count, s=s, reads=VENDOR_APPS)


def _vendors_by_apps(s: Session, descending: bool) -> list[int]:
    """Every vendor's id in the list's "apps" order: by number of apps (descending or not),
    then id — what ORDER BY app_count, vendor.id gives."""

    def rank() -> list[int]:
        counts = _app_counts(s)
        ids = [i for i in s.scalars(select(col(Vendor.id))) if i is not None]
        sign = -1 if descending else 1
        return sorted(ids, key=lambda i: (sign * counts.get(i, 0), i))

    return cache.remembered("vendors by apps", descending, rank, s=s, reads=VENDOR_APPS)


@dataclass(frozen=True)
class AppRow:
    app: App
    vendor_name: str
    decision: DecisionBrief | None
    assessment: AssessmentBrief | None


@dataclass(frozen=True)
class AssessmentRow:
    assessment: Assessment
    app_name: str
    app_platform: str
    vendor_id: int
    vendor_name: str
    decision: DecisionBrief | None


@dataclass(frozen=True)
class VendorDetail:
    vendor: Vendor
    apps: list[AppRow]
    baas: list[BaaRow]
    assessments: list[AssessmentRow]
    history: list[AuditEvent]


def vendor_detail(s: Session, vendor_id: int, as_of: date, warning_days: int) -> VendorDetail:
    vendor = get_or_404(s, Vendor, vendor_id, "vendor")
    apps = list(
        s.scalars(select(App).where(col(App.vendor_id) == vendor_id).order_by(col(App.name)))
    )
    app_ids = [a.id for a in apps]
    decisions = _latest_decisions(s, app_ids)
    latest = _latest_assessments(s, app_ids)
    baas = baa_rows(
        s.scalars(
            select(BAA).where(col(BAA.vendor_id) == vendor_id).order_by(col(BAA.effective_date))
        ),
        as_of,
        warning_days,
    )
    assessments = _assessment_rows(
        s,
        select(Assessment)
        .where(col(Assessment.app_id).in_(app_ids))
        .order_by(col(Assessment.id).desc()),
    )
    refs: list[tuple[str, int | None]] = [("vendor", vendor_id)]
    refs += [("app", i) for i in app_ids]
    refs += [("baa", r.baa.id) for r in baas]
    refs += [("assessment", a.assessment.id) for a in assessments]
    return VendorDetail(
        vendor,
        [AppRow(a, vendor.name, decisions.get(a.id), latest.get(a.id)) for a in apps],
        baas,
        assessments,
        history(s, refs),  # type: ignore[arg-type]  # stored rows' ids (SQLModel: int | None)
    )


# --- apps -----------------------------------------------------------------------------------

APP_SORTS = ("name", "vendor", "platform", "updated")


def app_table(
    s: Session,
    *,
    q: str | None = None,
    platform: str | None = None,
    vendor_id: int | None = None,
    sort: str = "name",
    descending: bool = False,
    page: int = 1,
    per_page: int = 50,
) -> PageResult:
    stmt = select(App, col(Vendor.name)).join(Vendor, col(Vendor.id) == App.vendor_id)
    sort = sort if sort in APP_SORTS else "name"
    filters, order = _app_filters(platform, vendor_id), _app_order(sort, descending)
    # Counted apart, over the apps alone (every app has its vendor: the join changes no
    # count), then the page's ids found among the apps alone (the vendor joined only to sort
    # by it) and only those rows read whole. A search counts the folded text alone (~18 ms at
    # 50,000 apps); a window count kept every match whole to sort it, and a plain LIMIT let
    # PostgreSQL walk the names index through 40,000 apps. Without a search, reading whole
    # joined rows to skip to a deep page sorted all 50,000 of them (page 900: 0.1 s).
    found = [app_text_matches(q), *filters] if q else filters
    total = s.scalar(select(func.count()).select_from(App).where(*found)) or 0
    start = (page - 1) * per_page
    rows: list[Any] = []
    if total > start and sort == "vendor" and not found:
        rows = _apps_in_vendor_order(s, stmt, order, descending, start, per_page)
    elif total > start:
        paged = select(col(App.id))
        if sort == "vendor":
            paged = paged.join(Vendor, col(Vendor.id) == App.vendor_id)
        paged = paged.where(*found).order_by(*order).limit(per_page).offset(start)
        rows = list(s.execute(stmt.where(col(App.id).in_(paged)).order_by(*order)).all())
    ids = [r[0].id for r in rows]
    decisions = _latest_decisions(s, ids)
    latest = _latest_assessments(s, ids)
    items = [AppRow(r[0], r[1], decisions.get(r[0].id), latest.get(r[0].id)) for r in rows]
    return PageResult(items, page, per_page, total)


def _app_filters(platform: str | None, vendor_id: int | None) -> list[Any]:
    filters: list[Any] = []
    if platform:
        filters.append(col(App.platform) == platform)
    if vendor_id:
        filters.append(col(App.vendor_id) == vendor_id)
    return filters


def _app_order(sort: str, descending: bool) -> tuple[Any, Any]:
    key = {
        "name": App.name,
        "vendor": Vendor.name,
        "platform": App.platform,
        "updated": App.updated_at,
    }[sort]
    return _order(key, descending), col(App.id)


def app_ids(
    s: Session,
    limit: int,
    *,
    q: str | None = None,
    platform: str | None = None,
    vendor_id: int | None = None,
    sort: str = "name",
    descending: bool = False,
) -> list[int]:
    """The ids of the apps `app_table` pages through under the same filters and sort, in its
    order, at most `limit` of them (one statement): what a whole-list download reads by id."""
    sort = sort if sort in APP_SORTS else "name"
    filters = _app_filters(platform, vendor_id)
    found = [app_text_matches(q), *filters] if q else filters
    ids = select(col(App.id))
    if sort == "vendor":
        ids = ids.join(Vendor, col(Vendor.id) == App.vendor_id)
    ordered = ids.where(*found).order_by(*_app_order(sort, descending)).limit(limit)
    return [i for i in s.scalars(ordered) if i is not None]


def _apps_in_vendor_order(
    s: Session, stmt: Select, order: tuple[Any, ...], descending: bool, start: int, size: int
) -> list[Any]:
    """Every app sorted by vendor, one page: the kept apps-per-vendor counts walked in vendor
    order to the vendors that fill the page, and only their apps read and sorted (skipping to
    a deep page sorted all 50,000 apps by vendor name: ~0.1 s on PostgreSQL). Vendor names are
    unique, so each vendor's apps are one run in (vendor name, app id) order."""
    counts = _app_counts(s)
    runs = ((v, counts.get(v, 0)) for v in _vendors_by_name(s, descending))
    found = runs_page(runs, start, size)
    if not found.keys:
        return []
    page = stmt.where(col(App.vendor_id).in_(found.keys)).order_by(*order)
    return list(s.execute(page.limit(size).offset(found.skip)).all())


def _vendors_by_name(s: Session, descending: bool) -> list[int]:
    """Every vendor's id by name (the apps list's vendor order), kept until a vendor or app
    changes."""

    def ordered() -> list[int]:
        name = col(Vendor.name)
        found = select(col(Vendor.id)).order_by(name.desc() if descending else name.asc())
        return [i for i in s.scalars(found) if i is not None]

    return cache.remembered("vendors by name", descending, ordered, s=s, reads=VENDOR_APPS)


@dataclass(frozen=True)
class ListingStatus:
    """Whether the app is on the approved list on a date, and why (not)."""

    on_list: bool
    reason: str


def list_statuses(s: Session, app_ids: Sequence[int], as_of: date) -> dict[int, ListingStatus]:
    """Whether each of these apps (a page of the apps list) is on the list on `as_of`, and
    why (not): the list's own rule, computed for these apps only."""
    if not app_ids:
        return {}
    listed = allowlist.compute(s, as_of, list(app_ids))
    found = {e.app_id: ListingStatus(True, e.reason) for e in listed.entries}
    for x in listed.excluded:
        found[x.app_id] = ListingStatus(False, x.reason)
    return found


@dataclass(frozen=True)
class AppDetail:
    app: App
    vendor: Vendor
    assessments: list[AssessmentRow]
    decisions: list[DecisionBrief]
    baas: list[BaaRow]
    listing: ListingStatus
    history: list[AuditEvent] = field(default_factory=list)


def app_detail(s: Session, app_id: int, as_of: date, warning_days: int) -> AppDetail:
    app = get_or_404(s, App, app_id, "app")
    vendor = s.get(Vendor, app.vendor_id)
    assert vendor is not None
    assessments = _assessment_rows(
        s,
        select(Assessment)
        .where(col(Assessment.app_id) == app_id)
        .order_by(col(Assessment.id).desc()),
    )
    decisions = [
        _brief_decision(d)
        for d in s.scalars(
            select(Decision)
            .where(col(Decision.app_id) == app_id)
            .order_by(col(Decision.decided_at).desc(), col(Decision.id).desc())
        )
    ]
    baa_list = list(
        s.scalars(
            select(BAA).where(col(BAA.vendor_id) == vendor.id).order_by(col(BAA.effective_date))
        )
    )
    result = allowlist.compute(s, as_of, [app_id])  # the list's own rule, for this app
    listing = (
        ListingStatus(True, result.entries[0].reason)
        if result.entries
        else ListingStatus(False, result.excluded[0].reason)
    )
    refs = [("app", app_id), ("store_listing", app_id)] + [
        ("assessment", a.assessment.id) for a in assessments
    ]
    return AppDetail(
        app,
        vendor,
        assessments,
        decisions,
        baa_rows(baa_list, as_of, warning_days),
        listing,
        history(s, refs),  # type: ignore[arg-type]  # stored rows' ids (SQLModel: int | None)
    )


def vendor_choices(s: Session) -> list[tuple[int, str]]:
    """(id, name) of every vendor, for a select box."""
    return [
        (r[0], r[1])
        for r in s.execute(select(col(Vendor.id), col(Vendor.name)).order_by(col(Vendor.name)))
    ]


# Up to this many vendors a form offers a plain select; beyond it, a name field that pages
# enhance with type-ahead (vendor_options) — a select of 10,000 names is a 460 KiB page.
PICKER_MAX = 200


@dataclass(frozen=True)
class VendorPicker:
    """What a form's vendor field shows: every choice (a small set) or, for a large one, the
    current vendor's name in a field that type-ahead fills."""

    choices: list[tuple[int, str]] | None
    current_name: str | None = None


def vendor_picker_is_text(s: Session) -> bool:
    """Whether vendor fields are name fields (a large register) rather than selects of ids."""
    return (s.scalar(select(func.count()).select_from(Vendor)) or 0) > PICKER_MAX


def vendor_picker(s: Session, current: object = None) -> VendorPicker:
    """The vendor field of a form; `current` is the value typed or stored (an id or a name)."""
    if not vendor_picker_is_text(s):
        return VendorPicker(vendor_choices(s))
    text = str(current or "").strip()
    if text.isdigit():
        name = s.scalar(select(col(Vendor.name)).where(col(Vendor.id) == int(text)))
        return VendorPicker(None, name or text)
    return VendorPicker(None, text or None)


def vendor_options(s: Session, q: str, limit: int = 20) -> list[tuple[int, str]]:
    """(id, name) of up to `limit` vendors whose name contains `q` (case-insensitive), names
    starting with it first: the type-ahead of a vendor field."""
    term = q.strip().lower()
    if not term:
        return []
    name = func.lower(Vendor.name)
    rows = s.execute(
        select(col(Vendor.id), col(Vendor.name))
        .where(name.like(like(term), escape="\\"))
        .order_by(case((name.like(prefix(term), escape="\\"), 0), else_=1), name)
        .limit(limit)
    )
    return [(r[0], r[1]) for r in rows]


def vendor_by_name(s: Session, typed: str) -> int | None:
    """The id of the vendor named `typed`: the exact name, else the one name equal to it
    ignoring case and surrounding spaces; an id typed as digits when no vendor has that name."""
    text = typed.strip()
    if not text:
        return None
    exact = s.scalar(select(col(Vendor.id)).where(col(Vendor.name) == text))
    if exact is not None:
        return exact
    folded = list(
        s.scalars(select(col(Vendor.id)).where(func.lower(Vendor.name) == text.lower()).limit(2))
    )
    if len(folded) == 1:
        return folded[0]
    if text.isdigit() and 1 <= int(text) <= 2**31 - 1:
        return s.scalar(select(col(Vendor.id)).where(col(Vendor.id) == int(text)))
    return None


def vendor_apps(s: Session, vendor_id: int) -> list[tuple[int, str, str]]:
    """(id, name, platform) of a vendor's apps, for a BAA's product scope."""
    rows = s.execute(
        select(col(App.id), col(App.name), col(App.platform))
        .where(col(App.vendor_id) == vendor_id)
        .order_by(col(App.name), col(App.platform), col(App.id))
    )
    return [(r[0], r[1], r[2]) for r in rows]


# --- assessments ----------------------------------------------------------------------------


def _assessment_rows(s: Session, stmt: Select) -> list[AssessmentRow]:
    rows = list(s.scalars(stmt))
    return assessment_rows(s, rows)


def assessment_rows(s: Session, rows: list[Assessment]) -> list[AssessmentRow]:
    if not rows:
        return []
    app_ids = sorted({a.app_id for a in rows})
    apps = {
        r.id: r
        for r in s.execute(
            select(
                col(App.id),
                col(App.name),
                col(App.platform),
                col(App.vendor_id),
                label("vendor", col(Vendor.name)),
            )
            .join(Vendor, col(Vendor.id) == App.vendor_id)
            .where(col(App.id).in_(app_ids))
        )
    }
    decided: dict[int | None, DecisionBrief] = {}
    for d in s.scalars(
        select(Decision)
        .where(col(Decision.assessment_id).in_([a.id for a in rows]))
        .order_by(col(Decision.decided_at), col(Decision.id))
    ):
        decided[d.assessment_id] = _brief_decision(d)
    return [
        AssessmentRow(
            a,
            apps[a.app_id].name,
            apps[a.app_id].platform,
            apps[a.app_id].vendor_id,
            apps[a.app_id].vendor,
            decided.get(a.id),
        )
        for a in rows
    ]


ASSESSMENT_SORTS = ("started", "app", "score", "updated")


def assessment_table(
    s: Session,
    *,
    q: str | None = None,
    status: str | None = None,
    verdict: str | None = None,
    checklist_id: str | None = None,
    sort: str = "started",
    descending: bool = True,
    page: int = 1,
    per_page: int = 50,
) -> PageResult:
    stmt = _assessment_query(q, status, verdict, checklist_id, sort, descending)
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(s.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return PageResult(assessment_rows(s, rows), page, per_page, total)


def _assessment_query(
    q: str | None,
    status: str | None,
    verdict: str | None,
    checklist_id: str | None,
    sort: str,
    descending: bool,
) -> Select:
    """The assessments list's rows under its filters and search, in its order."""
    stmt = select(Assessment).join(App, col(App.id) == Assessment.app_id)
    if q:
        stmt = stmt.where(col(App.name_folded).like(like(q), escape="\\"))
    if status:
        stmt = stmt.where(col(Assessment.status) == status)
    if verdict:
        stmt = stmt.where(col(Assessment.verdict) == verdict)
    if checklist_id:
        stmt = stmt.where(col(Assessment.checklist_id) == checklist_id)
    key = {
        "started": col(Assessment.id),
        "app": func.lower(App.name),
        "score": col(Assessment.score),
        "updated": col(Assessment.updated_at),
    }[sort if sort in ASSESSMENT_SORTS else "started"]
    return stmt.order_by(_order(key, descending), col(Assessment.id).desc())


def assessment_ids(
    s: Session,
    limit: int,
    *,
    q: str | None = None,
    status: str | None = None,
    verdict: str | None = None,
    checklist_id: str | None = None,
    sort: str = "started",
    descending: bool = True,
) -> list[int]:
    """The ids of the assessments `assessment_table` pages through under the same filters and
    sort, in its order, at most `limit` of them (one statement): what a whole-list download
    reads by id."""
    stmt = _assessment_query(q, status, verdict, checklist_id, sort, descending)
    found = stmt.with_only_columns(col(Assessment.id)).limit(limit)
    return [i for i in s.scalars(found) if i is not None]


def app_search(s: Session, q: str, limit: int = 20) -> list[tuple[int, str, str, str]]:
    """(id, name, platform, vendor name) of apps matching a search, for pickers."""
    return [
        (r[0], r[1], r[2], r[3])
        for r in s.execute(
            select(col(App.id), col(App.name), col(App.platform), col(Vendor.name))
            .join(Vendor, col(Vendor.id) == App.vendor_id)
            .where(app_matches(q))
            .order_by(col(App.name), col(App.id))
            .limit(limit)
        )
    ]


def app_label(s: Session, app_id: int) -> tuple[App, str]:
    """An app and its vendor's name (404 when unknown)."""
    app = get_or_404(s, App, app_id, "app")
    vendor = s.get(Vendor, app.vendor_id)
    return app, vendor.name if vendor else ""


@dataclass(frozen=True)
class Standing:
    """What the vendor's BAAs mean for one app's place on the list today: shown where
    procurement decides, so an approval never silently waits on legal."""

    vendor_name: str
    in_force: BaaRow | None  # the agreement in force today (the one ending last)
    newest: BaaRow | None  # else the newest on file, to say what became of it
    on_list: bool
    reasons: tuple[str, ...]  # why the app is off the list today (empty when it is on)

    @property
    def baa_words(self) -> str:
        if self.in_force is not None:
            st = self.in_force.status
            until = (
                f"through {st.term_end.isoformat()}" if st.term_end else "with no end date"
            ) + (" (renews by itself)" if st.renewed_by_default else "")
            return f"A BAA with {self.vendor_name} is in force, {until}"
        if self.newest is None:
            return f"No BAA with {self.vendor_name} is on file"
        state = str(self.newest.status.state).replace("_", " ")
        return f"No BAA with {self.vendor_name} is in force (the newest on file is {state})"

    @property
    def meaning(self) -> str:
        if self.in_force is not None:
            return "approving puts the app on the list (if nothing else keeps it off)"
        return (
            "approving puts the app on the list only when a BAA is in force: legal records or "
            "renews it in the BAA register"
        )


def list_standing(
    s: Session, app_id: int, vendor_id: int, vendor_name: str, as_of: date, warning_days: int
) -> Standing:
    """The vendor's BAA state and the app's place on today's list (computed for this one
    app: a few statements, whatever the size of the register)."""
    rows = baa_rows(
        s.scalars(select(BAA).where(col(BAA.vendor_id) == vendor_id)), as_of, warning_days
    )
    live = [r for r in rows if r.status.in_force]
    in_force = max(live, key=lambda r: (r.status.term_end or date.max, r.baa.id), default=None)
    newest = max(rows, key=lambda r: (r.baa.effective_date, r.baa.id), default=None)
    found = allowlist.compute(s, as_of, app_ids=[app_id])
    reasons = next((x.reasons for x in found.excluded if x.app_id == app_id), ())
    on_list = any(e.app_id == app_id for e in found.entries)
    return Standing(vendor_name, in_force, None if in_force else newest, on_list, reasons)


def assessment_context(s: Session, assessment: Assessment) -> AssessmentRow:
    return assessment_rows(s, [assessment])[0]
