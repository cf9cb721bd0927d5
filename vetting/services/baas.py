"""Business Associate Agreements: terms, dates, their state on a date, and the register's
lifecycle (draft → pending signature → active → superseded by a renewal, or terminated).

A renewal is a new BAA that supersedes the old one from the day it takes effect; the old one
stays in force until then, so a renewal signed early never cuts it short. The chain is kept
through `supersedes_id` (new → old).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_, select, union
from sqlmodel import Session, col

from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.baa import (
    DEFAULT_RETURN_DESTROY_DAYS,
    IN_FORCE,
    STATUS_TRANSITIONS,
    STATUS_WORDS,
    UNSIGNED,
    BaaLifecycle,
    BaaState,
    BaaStatus,
    BaaTerms,
    ReturnDestroy,
    in_force_until,
    last_day_in_force,
    return_destroy,
    state_on,
)
from vetting.core.baa_provisions import ProvisionStatus
from vetting.core.breach import COLUMNS as BREACH_COLUMNS
from vetting.core.breach import ClauseError, clause_from, columns_of, parse_clause
from vetting.core.deadlines import Trigger, Unit
from vetting.db import transaction
from vetting.errors import Conflict, FieldError, Invalid
from vetting.models import (
    BAA,
    BaaDocument,
    BaaProvision,
    BaaReturnCertificate,
    BaaStateRow,
    Vendor,
)
from vetting.queries import register_order
from vetting.schemas import BaaCreate, BaaRenew, BaaUpdate
from vetting.services import baa_provisions, baa_states, parent_agreements
from vetting.services.baa_provisions import Standing
from vetting.services.common import PageResult, apply, get_or_404, like, runs_page

# Terms a renewal inherits from the agreement it renews unless it states its own.
INHERITED = (
    "title",
    "auto_renews",
    "renewal_term_months",
    "notice_days",
    "notice_months",
    "parent_agreement",
    "parent_id",  # linked, but a renewal states its own dates (follows_parent false)
    *BREACH_COLUMNS,
    "subcontractor_flowdown",
    "return_or_destroy",
    "owner_email",
)


def terms_of(baa: BAA) -> BaaTerms:
    return BaaTerms(
        effective_date=baa.effective_date,
        expiration_date=baa.expiration_date,
        auto_renews=baa.auto_renews,
        renewal_term_months=baa.renewal_term_months,
        notice_days=baa.notice_days,
        terminated_on=baa.terminated_on,
        status=baa.status,
        superseded_on=baa.superseded_on,
        notice_months=baa.notice_months,
    )


# The columns BaaTerms is made of, in its field order: pages and jobs that read thousands of
# agreements select these and build BaaTerms(*row) positionally.
TERMS = (
    col(BAA.effective_date),
    col(BAA.expiration_date),
    col(BAA.auto_renews),
    col(BAA.renewal_term_months),
    col(BAA.notice_days),
    col(BAA.terminated_on),
    col(BAA.status),
    col(BAA.superseded_on),
    col(BAA.notice_months),
)


def vendor_names(s: Session, ids: set[int]) -> dict[int, str]:
    """Vendor id → name, for just the vendors a page shows."""
    if not ids:
        return {}
    rows = s.execute(
        select(col(Vendor.id), col(Vendor.name)).where(col(Vendor.id).in_(sorted(ids)))
    )
    return dict(rows.all())


@dataclass(frozen=True)
class BaaView:
    baa: BAA
    status: BaaStatus
    as_of: date
    superseded_by_id: int | None = None
    document: BaaDocument | None = None
    standing: Standing | None = None  # provisions, exceptions, scope (views() loads it)
    return_destroy_days: int = DEFAULT_RETURN_DESTROY_DAYS
    certificate: BaaReturnCertificate | None = None  # the latest return/destroy certificate

    @property
    def in_force_until(self) -> date | None:
        """The first day it is no longer in force (the day its vendor's apps leave the list):
        the day after the term's last day, the termination or the successor's start."""
        return in_force_until(terms_of(self.baa))

    @property
    def last_day_in_force(self) -> date | None:
        """The last day it is in force (the day before `in_force_until`)."""
        return last_day_in_force(terms_of(self.baa))

    @property
    def last_day_before_termination(self) -> date | None:
        """A termination's last day in force (`terminated_on` is its first day out)."""
        t = self.baa.terminated_on
        return None if t is None else t - timedelta(days=1)

    @property
    def return_destroy(self) -> ReturnDestroy | None:
        """A terminated agreement's return/destroy follow-up (None otherwise)."""
        b = self.baa
        return return_destroy(
            terms_of(b),
            self.as_of,
            self.return_destroy_days,
            b.return_destroy_certified_on,
            b.return_destroy_reference,
        )


def view(baa: BAA, as_of: date, warning_days: int) -> BaaView:
    """State on a date from the row alone (no successor or document looked up)."""
    return BaaView(baa, state_on(terms_of(baa), as_of, warning_days), as_of)


def views(
    s: Session,
    baas: Sequence[BAA],
    as_of: date,
    warning_days: int,
    return_destroy_days: int = DEFAULT_RETURN_DESTROY_DAYS,
) -> list[BaaView]:
    """State on a date plus the successor, the latest document, the latest return/destroy
    certificate and the provisions, exceptions and scope, in six queries in all."""
    ids = [b.id for b in baas]
    # Keyed by b.id as the model types it (int | None; every stored row has one).
    successors: dict[int | None, int] = {}
    documents: dict[int | None, BaaDocument] = {}
    certificates: dict[int | None, BaaReturnCertificate] = {}
    if ids:
        # Sorted here, not by the database: ORDER BY id would have SQLite walk the whole table
        # in id order rather than look the few renewals up in their index.
        renewals = s.execute(
            select(col(BAA.id), col(BAA.supersedes_id)).where(col(BAA.supersedes_id).in_(ids))
        ).all()
        for succ_id, old_id in sorted(renewals):
            successors.setdefault(old_id, succ_id)  # the first renewal
        for doc in s.scalars(
            select(BaaDocument)
            .where(col(BaaDocument.baa_id).in_(ids))
            .order_by(col(BaaDocument.id))
        ):
            documents[doc.baa_id] = doc  # the newest upload wins
        terminated = [b.id for b in baas if b.terminated_on is not None]
        if terminated:
            for cert in s.scalars(
                select(BaaReturnCertificate)
                .where(col(BaaReturnCertificate.baa_id).in_(terminated))
                .order_by(col(BaaReturnCertificate.id))
            ):
                certificates[cert.baa_id] = cert  # the newest wins
    found = baa_provisions.standings(s, baas)
    return [
        BaaView(
            b,
            state_on(terms_of(b), as_of, warning_days),
            as_of,
            successors.get(b.id),
            documents.get(b.id),
            found.get(b.id or 0),
            return_destroy_days,
            certificates.get(b.id),
        )
        for b in baas
    ]


def _validate(baa: BAA) -> None:
    problems = terms_of(baa).validate()
    if baa.terminated_on is None and baa.termination_reason:
        problems.append(("termination_reason", "only with terminated_on"))
    if problems:
        raise Invalid("", errors=[FieldError(f, m) for f, m in problems])


def _sync_termination(baa: BAA) -> None:
    """A signed BAA with a termination date is `terminated`; clearing the date restores it."""
    if baa.status in UNSIGNED:
        return
    if baa.terminated_on is not None:
        baa.status = BaaLifecycle.TERMINATED
    elif baa.status == BaaLifecycle.TERMINATED:
        baa.status = (
            BaaLifecycle.SUPERSEDED if baa.superseded_on is not None else BaaLifecycle.ACTIVE
        )


SIGNED_COPY = (
    "an active BAA needs its signed copy: record it pending signature, attach the signed "
    "document (POST /api/v1/baas/{id}/document), then activate it; or say here where the "
    "signed copy is held"
)


def _check_signed(s: Session, baa: BAA) -> None:
    """Signed means signed: becoming active needs a signed document or a signed-copy note."""
    if (baa.signed_copy_note or "").strip():
        return
    if baa.id is not None and s.scalar(
        select(col(BaaDocument.id)).where(col(BaaDocument.baa_id) == baa.id).limit(1)
    ):
        return
    raise Invalid(
        SIGNED_COPY.replace("{id}", str(baa.id) if baa.id else "{id}"), "signed_copy_note"
    )


BREACH_INPUT = ("breach_clause", "breach_notification_days")


def breach_columns(given: Mapping[str, Any]) -> dict[str, Any] | None:
    """The register's breach columns from what a client sent (`breach_clause`, or the older
    `breach_notification_days`: calendar days), or None when it sent neither. 422 on
    `breach_clause` for a clause that cannot be recorded."""
    if not any(k in given for k in BREACH_INPUT):
        return None
    raw, days = given.get("breach_clause"), given.get("breach_notification_days")
    if raw is not None and days is not None:
        raise Invalid(
            "give breach_clause or the older breach_notification_days, not both",
            "breach_clause",
        )
    if raw is None and days is None:
        return columns_of(None)  # cleared: no clause recorded
    if raw is None:
        raw = {"value": days, "unit": Unit.CALENDAR_DAYS, "trigger": Trigger.UNSPECIFIED}
    try:
        return columns_of(parse_clause(raw))
    except ClauseError as exc:
        raise Invalid(str(exc), "breach_clause") from None


def create(s: Session, actor: Principal, data: BaaCreate) -> BAA:
    actor.require("baas:write")
    given = data.model_dump(exclude_unset=True)
    fields = data.model_dump(exclude={"all_products", "app_ids", *BREACH_INPUT})
    fields |= breach_columns(given) or {}
    fields["follows_parent"] = bool(fields.get("follows_parent"))
    stated = data.all_products is not None or data.app_ids is not None
    all_products = data.all_products if data.all_products is not None else not data.app_ids
    with transaction(s):
        if s.get(Vendor, data.vendor_id) is None:
            raise Invalid(f"no vendor with id {data.vendor_id}", "vendor_id")
        baa = BAA(**fields)
        parent_agreements.follow(s, baa, given)
        if baa.effective_date is None:
            raise Invalid(
                "is required (unless the BAA follows a parent agreement)", "effective_date"
            )
        _sync_termination(baa)
        _validate(baa)
        if baa.status == BaaLifecycle.ACTIVE:
            _check_signed(s, baa)
        if stated:
            baa_provisions.check_scope(s, data.vendor_id, all_products, data.app_ids or ())
        s.add(baa)
        s.flush()
        if stated:
            baa_provisions.write_scope(s, baa, all_products, data.app_ids or ())
        else:
            baa.all_products, baa.scope_reviewed = True, False  # nobody said: review it
        s.flush()
        after = {**(audit.snapshot(baa) or {}), "app_ids": sorted(set(data.app_ids or ()))}
        audit.record(s, actor.name, "baa.create", "baa", baa.id, None, after)
        baa_provisions.note_breach_days_change(s, actor, baa, None)
    return baa


def get(s: Session, baa_id: int) -> BAA:
    return get_or_404(s, BAA, baa_id, "BAA")


def _locked(s: Session, baa_id: int) -> BAA:
    """The BAA, row-locked on PostgreSQL so two renewals of it cannot both pass the checks."""
    baa = get(s, baa_id)
    s.refresh(baa, with_for_update=True)
    return baa


def nonconforming_clause() -> Any:
    """SQL: the agreement lacks a required provision (marked absent) or allows more days to
    report a breach than the catalogue's maximum — the same gaps `baa_provisions.gaps`
    names, whatever exceptions say."""
    cat = baa_provisions.catalogue()
    return or_(
        col(BAA.id).in_(
            select(col(BaaProvision.baa_id)).where(
                col(BaaProvision.status) == ProvisionStatus.ABSENT,
                col(BaaProvision.key).in_(cat.keys),
            )
        ),
        col(BAA.breach_notification_days) > cat.breach_max_days,
    )


# Up to this many non-conforming agreements, the register's filter reads them by id and sorts
# them; beyond it, walking the register's order finds a page of them sooner.
FEW_NONCONFORMING = 2_000


def _nonconforming_ids() -> Any:
    """SQL: the ids of the agreements `nonconforming_clause` selects, found through their
    provisions and the index on breach days rather than by reading every agreement."""
    cat = baa_provisions.catalogue()
    return union(
        select(col(BaaProvision.baa_id)).where(
            col(BaaProvision.status) == ProvisionStatus.ABSENT,
            col(BaaProvision.key).in_(cat.keys),
        ),
        select(col(BAA.id)).where(col(BAA.breach_notification_days) > cat.breach_max_days),
    )


def nonconforming_filter(s: Session) -> Any:
    """`nonconforming_clause` in the form the database reads faster: when few agreements are
    non-conforming (the usual case), `id IN (those ids)` — the register then sorts just
    them instead of reading 100,000 agreements to find none; when many are, the clause as
    it is, so a page is found by walking the register's order. Same rows either way."""
    few = select(literal(1)).select_from(_nonconforming_ids().subquery())
    n = s.scalar(select(func.count()).select_from(few.limit(FEW_NONCONFORMING + 1).subquery()))
    if (n or 0) <= FEW_NONCONFORMING:
        return col(BAA.id).in_(select(_nonconforming_ids().subquery()))
    return nonconforming_clause()


def needs_fixing_clause(as_of: date, s: Session | None = None) -> Any:
    """SQL: a signed agreement not ended on `as_of` (not terminated, superseded or past the
    end of a term that does not renew by itself) that is non-conforming with no exception
    counting that day — the dashboard's queue and the register's "needs legal" filter. With
    `s`, the non-conforming ones are found as `nonconforming_filter` finds them (by id, when
    few are), not by reading every agreement."""
    return and_(
        col(BAA.status).in_(
            (BaaLifecycle.ACTIVE, BaaLifecycle.SUPERSEDED, BaaLifecycle.TERMINATED)
        ),
        or_(col(BAA.terminated_on).is_(None), col(BAA.terminated_on) > as_of),
        or_(col(BAA.superseded_on).is_(None), col(BAA.superseded_on) > as_of),
        or_(
            col(BAA.auto_renews).is_(True),
            col(BAA.expiration_date).is_(None),
            col(BAA.expiration_date) >= as_of,
        ),
        nonconforming_clause() if s is None else nonconforming_filter(s),
        ~col(BAA.id).in_(baa_provisions.excepted_ids(as_of)),
    )


# The register's sort keys (its column headers); those in STATE_SORTS are dates of the state
# on the as-of day (the BaaStatus / BaaStateRow attribute named).
SORTS = ("vendor", "effective", "term_end", "notice", "breach")
STATE_SORTS = {"term_end": "term_end", "notice": "notice_deadline"}
DEFAULT_SORT = "vendor"


@dataclass(frozen=True)
class Selection:
    """Which agreements the register lists, on which day, in which order: its filters, search
    and sort — what a page, its download and the command line's list share.

    `states` may hold `in_force` (active or expiring). `within_days` keeps agreements whose
    term end or notice deadline falls within [as_of, as_of + N]. For today, these filters run
    in the database over the kept states (services/baa_states.py); for another day the core
    computes each candidate's state and the filtered rows are paged in Python.

    `sort` is one of SORTS (anything else: the default); agreements without the value (no
    term end, no notice deadline, no breach deadline) come last either way. Sorting by a
    date of the state (term end, notice deadline) reads the kept states for today; for
    another day the core computes them, as for a state filter.
    """

    vendor_id: int | None = None
    as_of: date | None = None  # None: today
    warning_days: int = 90
    states: Sequence[str] | None = None
    within_days: int | None = None
    auto_renews: bool | None = None
    q: str | None = None
    non_conforming: bool | None = None
    needs_fixing: bool = False
    scope_reviewed: bool | None = None
    sort: str = DEFAULT_SORT
    descending: bool = False

    def day(self) -> date:
        """The day the states are worked out for."""
        return self.as_of or clock.today()


EVERY = Selection()  # every agreement, today, in the register's default order


def list_(
    s: Session,
    chosen: Selection = EVERY,
    page: int = 1,
    per_page: int = 50,
    *,
    return_destroy_days: int = DEFAULT_RETURN_DESTROY_DAYS,
) -> PageResult:
    """A page of the agreements `chosen` selects, with their state on its day; items are
    `BaaView`s."""
    day = chosen.day()  # once: the page and its states are of the same day
    found = _selected(s, replace(chosen, as_of=day), page, per_page)
    return PageResult(
        views(s, found.items, day, chosen.warning_days, return_destroy_days),
        found.page,
        found.per_page,
        found.total,
    )


def ordered_ids(s: Session, chosen: Selection, limit: int) -> list[int]:
    """The ids of the agreements `list_` pages through for `chosen`, in its order, at most
    `limit` of them (one more than a download holds tells it there are too many): what a
    whole-list download reads by id, without paging through the list."""
    return list(_selected(s, chosen, 1, limit, ids_only=True).items)


def _selected(
    s: Session, chosen: Selection, page: int, per_page: int, ids_only: bool = False
) -> PageResult:
    """The page of agreements `list_` shows (BAA rows, or their ids when `ids_only`)."""
    vendor_id, as_of, warning_days = chosen.vendor_id, chosen.day(), chosen.warning_days
    states, within_days, auto_renews = chosen.states, chosen.within_days, chosen.auto_renews
    q, non_conforming, needs_fixing = chosen.q, chosen.non_conforming, chosen.needs_fixing
    scope_reviewed, descending = chosen.scope_reviewed, chosen.descending
    sort = chosen.sort if chosen.sort in SORTS else DEFAULT_SORT
    by_state = sort in STATE_SORTS
    # filtered below; counted as it is, paged through _sorted
    stmt = select(col(BAA.id)) if ids_only else select(BAA)
    # Whether anything but the state narrows the agreements (else the kept states count them).
    filtered = (
        any(f is not None for f in (vendor_id, auto_renews, scope_reviewed, non_conforming))
        or needs_fixing
    )
    # (Not for a whole list of ids: every vendor of it would be bound one by one into its
    # statements; the path below finds the same agreements in the same order.)
    in_vendor_order = sort == "vendor" and not (filtered or states or within_days is not None)
    if q and in_vendor_order and not ids_only:
        ids, total = _searched_in_vendor_order(s, q, descending, page, per_page)
        found = {b.id: b for b in s.scalars(select(BAA).where(col(BAA.id).in_(ids)))}
        return PageResult([found[i] for i in ids if i in found], page, per_page, total)
    narrowed = filtered or bool(q)
    if vendor_id is not None:
        stmt = stmt.where(col(BAA.vendor_id) == vendor_id)
    if auto_renews is not None:
        stmt = stmt.where(col(BAA.auto_renews) == auto_renews)
    if scope_reviewed is not None:
        stmt = stmt.where(col(BAA.scope_reviewed) == scope_reviewed)
    if non_conforming is not None:
        if non_conforming:
            stmt = stmt.where(nonconforming_filter(s))
        else:
            stmt = stmt.where(~nonconforming_clause())
    if needs_fixing:
        stmt = stmt.where(needs_fixing_clause(as_of, s))
    if q:
        names = select(col(Vendor.id)).where(func.lower(Vendor.name).like(like(q), escape="\\"))
        # Ids first — titles from their folded index, agreements of the vendors named — then
        # only those rows, rather than every agreement read to test both.
        titled = select(col(BAA.id)).where(col(BAA.title_folded).like(like(q), escape="\\"))
        of_vendors = select(col(BAA.id)).where(col(BAA.vendor_id).in_(names))
        stmt = stmt.where(col(BAA.id).in_(union(titled, of_vendors)))
    if not states and within_days is None and not by_state:
        ordered = _sorted(stmt, sort, descending)
        return (
            _searched(s, ordered, page, per_page)
            if q
            else _paginate(s, stmt, ordered, page, per_page)
        )
    wanted = set(states or ())
    if "in_force" in wanted:
        wanted |= IN_FORCE
    horizon = as_of + timedelta(days=within_days) if within_days is not None else None
    if as_of == clock.today() and baa_states.ensure(
        s.get_bind().engine, as_of, warning_days, wait=False
    ):
        # Today's states are kept in baa_state: filter and page in the database.
        kept_state = select(col(BaaStateRow.baa_id))
        if wanted:
            kept_state = kept_state.where(col(BaaStateRow.state).in_(sorted(wanted)))
        if horizon is not None:
            kept_state = kept_state.where(
                or_(
                    col(BaaStateRow.term_end).between(as_of, horizon),
                    col(BaaStateRow.notice_deadline).between(as_of, horizon),
                )
            )
        # A page: the register's order walked (its index), each agreement's kept state looked
        # up by id, rather than every agreement in the state sorted (deep pages, large states).
        if wanted or horizon is not None:
            stmt = stmt.where(
                exists(
                    kept_state.where(col(BaaStateRow.baa_id) == col(BAA.id))
                    .with_only_columns(literal(1))
                    .correlate(BAA)  # not baa_state: a sort by its dates joins it outside
                )
            )
        ordered = _sorted(stmt, sort, descending)
        if by_state:  # the kept state's date, joined (one row per agreement)
            with_state = stmt.outerjoin(BaaStateRow, col(BaaStateRow.baa_id) == BAA.id)
            value = col(getattr(BaaStateRow, STATE_SORTS[sort]))
            ordered = _sorted(with_state, sort, descending, value)
        if narrowed:
            return _paginate(s, stmt, ordered, page, per_page)
        # the count needs no agreement row: one kept state per agreement
        total = s.scalar(select(func.count()).select_from(kept_state.subquery())) or 0
        items = s.scalars(ordered.limit(per_page).offset((page - 1) * per_page)).all()
        return PageResult(list(items), page, per_page, total)
    # Read only the dates (not whole rows) for every candidate; load full rows for one page.
    columns = select(col(BAA.id), *TERMS).where(
        col(BAA.id).in_(stmt.with_only_columns(col(BAA.id)).order_by(None))
    )
    statuses = _statuses_for(wanted)
    if statuses is not None:
        columns = columns.where(col(BAA.status).in_(sorted(statuses)))
    kept: dict[int, BaaStatus] = {}
    for r in s.execute(columns):
        st = state_on(BaaTerms(*r[1:]), as_of, warning_days)
        if wanted and st.state not in wanted:
            continue
        if horizon is not None and not any(
            d is not None and as_of <= d <= horizon for d in (st.term_end, st.notice_deadline)
        ):
            continue
        kept[r.id] = st
    in_order = _sorted(stmt, sort, descending).with_only_columns(col(BAA.id))
    ordered = [i for i in s.scalars(in_order) if i in kept]
    if by_state:
        # The SQL order ties broken the same way; then the state's date, missing ones last.
        name = STATE_SORTS[sort]
        dated = [i for i in ordered if getattr(kept[i], name) is not None]
        dated.sort(key=lambda i: getattr(kept[i], name), reverse=descending)
        ordered = dated + [i for i in ordered if getattr(kept[i], name) is None]
    page_ids = ordered[(page - 1) * per_page : page * per_page]
    if ids_only:
        return PageResult(page_ids, page, per_page, len(ordered))
    rows = {b.id: b for b in s.scalars(select(BAA).where(col(BAA.id).in_(page_ids)))}
    return PageResult([rows[i] for i in page_ids], page, per_page, len(ordered))


def _searched_in_vendor_order(
    s: Session, q: str, descending: bool, page: int, per_page: int
) -> tuple[list[int], int]:
    """A search in the register's vendor order, with no other filter: the page's agreement
    ids in order, and the total. An agreement matches when its vendor's name or its title
    holds the term (ignoring case). The vendors named match with all their agreements
    (counted from the kept vendor order, queries/register_order.py), the agreements titled
    one by one; the kept order is walked to the vendors that fill the page and only their
    agreements are read and sorted. Sorting every match by vendor name (a term in every
    vendor's name: all 100,000) cost 0.6 s a page; this costs the two matches (the vendor
    names and the folded titles, each read once) and one vendor's agreements or a few."""
    pattern = like(q)
    named = set(
        s.scalars(select(col(Vendor.id)).where(func.lower(Vendor.name).like(pattern, escape="\\")))
    )
    titled: dict[int, list[int]] = {}  # vendor → agreements found by title (vendor not named)
    # the titles read from their folded index (SQLite: a covering index, 3x a table scan)
    by_title = select(col(BAA.id)).where(col(BAA.title_folded).like(pattern, escape="\\"))
    for baa_id, vendor_id in s.execute(
        select(col(BAA.id), col(BAA.vendor_id)).where(col(BAA.id).in_(by_title))
    ):
        if vendor_id not in named:
            titled.setdefault(vendor_id, []).append(baa_id)
    runs = (
        (v, agreements if v in named else len(titled.get(v, ())))
        for v, agreements in register_order.agreements_by_vendor(s, descending)
    )
    found = runs_page(runs, (page - 1) * per_page, per_page)
    if not found.keys:
        return [], found.total
    # the same test as above, for the page's vendors only (not their titled ids: one
    # vendor may have tens of thousands, more than a statement may bind)
    match = or_(
        col(BAA.vendor_id).in_([v for v in found.keys if v in named]),
        col(BAA.title_folded).like(pattern, escape="\\"),
    )
    ordered = _sorted(
        select(col(BAA.id)).where(col(BAA.vendor_id).in_(found.keys), match), "vendor", descending
    )
    return list(s.scalars(ordered.limit(per_page).offset(found.skip))), found.total


def _searched(s: Session, stmt: Any, page: int, per_page: int) -> PageResult:
    """A page of a search and its total in one statement (a window count): a search reads
    every title and vendor name, so it is read once, not once to count and once to show.
    A later page past the end (no row to carry the count) is counted apart."""
    rows = s.execute(
        stmt.add_columns(func.count().over().label("_total"))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    if rows:
        return PageResult([r[0] for r in rows], page, per_page, rows[0][1])
    if page == 1:  # nothing found at all
        return PageResult([], page, per_page, 0)
    return _paginate(s, stmt, stmt, page, per_page)


def _sorted(stmt: Any, sort: str, descending: bool, value: Any = None) -> Any:
    """`stmt` (BAAs, filtered) in a register sort's order: the key (missing values last), then
    the vendor's name ignoring case, vendor, effective date and id, so that pages never overlap.
    `value` is the kept state's column for the sorts by a date of the state (None: those are
    sorted in Python, the ties alone here). The vendor's name is joined, not looked up per
    row: with the index on lower(vendor.name) (migration 0022) and the register's own
    (vendor, effective date, id), a page in vendor order is read in index order, not sorted."""
    name = func.lower(Vendor.name)
    ties = (col(Vendor.id), col(BAA.effective_date), col(BAA.id))
    keys: dict[str, Any] = {
        "vendor": name,
        "effective": col(BAA.effective_date),
        "breach": col(BAA.breach_notification_days),
    }
    key = value if value is not None else keys.get(sort)
    joined = stmt.join(Vendor, col(Vendor.id) == BAA.vendor_id)
    if key is None:
        return joined.order_by(name, *ties)
    first = (key.desc() if descending else key.asc()).nulls_last()
    if key is name:
        return joined.order_by(first, *ties)
    return joined.order_by(first, name, *ties)


def _paginate(s: Session, counted: Any, ordered: Any, page: int, per_page: int) -> PageResult:
    """One page of `ordered`, and the total counted on `counted` (the same rows, without the
    join that orders them: a count needs no vendor name)."""
    total = s.scalar(select(func.count()).select_from(counted.order_by(None).subquery())) or 0
    items = list(s.scalars(ordered.limit(per_page).offset((page - 1) * per_page)).all())
    return PageResult(items, page, per_page, total)


# Which lifecycle statuses can produce each state (a prefilter; the core decides).
_SIGNED = frozenset({BaaLifecycle.ACTIVE, BaaLifecycle.SUPERSEDED, BaaLifecycle.TERMINATED})
_STATE_STATUSES: dict[str, frozenset[str]] = {
    BaaState.DRAFT: frozenset({BaaLifecycle.DRAFT}),
    BaaState.PENDING_SIGNATURE: frozenset({BaaLifecycle.PENDING_SIGNATURE}),
    BaaState.SUPERSEDED: frozenset({BaaLifecycle.SUPERSEDED, BaaLifecycle.TERMINATED}),
}


def _statuses_for(states: set[str]) -> set[str] | None:
    if not states:
        return None
    out: set[str] = set()
    for state in states:
        out |= _STATE_STATUSES.get(state, _SIGNED)
    return out


def _check_status_change(baa: BAA, new: str) -> None:
    if new == baa.status:
        return
    if new in STATUS_TRANSITIONS.get(baa.status, frozenset()):
        return
    if new == BaaLifecycle.SUPERSEDED:
        how = f"renew it with POST /api/v1/baas/{baa.id}/renew"
    elif new == BaaLifecycle.TERMINATED:
        how = f"terminate it with POST /api/v1/baas/{baa.id}/terminate"
    else:
        allowed = sorted(STATUS_TRANSITIONS.get(baa.status, frozenset()))
        how = (
            f"from {baa.status} it may only become {' or '.join(allowed)}"
            if allowed
            else f"a BAA that is {STATUS_WORDS[baa.status]} keeps that status"
        )
    raise Invalid(f"cannot change from {baa.status} to {new}: {how}", "status")


def update(s: Session, actor: Principal, baa_id: int, data: BaaUpdate) -> BAA:
    """Change terms, or move a draft along (draft → pending_signature → active). Activating a
    renewal supersedes the agreement it renews from the renewal's effective date."""
    actor.require("baas:write")
    changes = data.model_dump(exclude_unset=True)
    breach = breach_columns(changes)
    changes = {k: v for k, v in changes.items() if k not in BREACH_INPUT} | (breach or {})
    for required in ("effective_date", "auto_renews", "status", "follows_parent"):
        if required in changes and changes[required] is None:
            raise Invalid("cannot be null", required)
    if "terminated_on" in changes and changes["terminated_on"] is None:
        changes.setdefault("termination_reason", None)  # un-terminating drops the reason too
    with transaction(s):
        baa = _locked(s, baa_id)
        before = audit.snapshot(baa)
        before_clause = clause_from(baa)
        if "status" in changes:
            _check_status_change(baa, changes["status"])
        if changes.get("terminated_on") is not None and baa.status == BaaLifecycle.SUPERSEDED:
            raise Conflict(
                f"BAA {baa.id} was superseded on {baa.superseded_on}; terminate its successor",
                "terminated_on",
            )
        apply(baa, changes)
        parent_agreements.follow(s, baa, changes)
        _sync_termination(baa)
        _validate(baa)
        assert before is not None  # a row's snapshot is a dict
        if baa.status == BaaLifecycle.ACTIVE and (
            before["status"] != BaaLifecycle.ACTIVE or "signed_copy_note" in changes
        ):
            _check_signed(s, baa)
        predecessor = _predecessor(s, baa)
        if predecessor is not None:
            _check_follows(baa, predecessor)
        baa.updated_at = clock.now()
        s.flush()
        assert before is not None  # a row's snapshot is a dict
        action = "baa.status" if baa.status != before["status"] else "baa.update"
        audit.record(s, actor.name, action, "baa", baa.id, before, audit.snapshot(baa))
        baa_provisions.note_breach_days_change(s, actor, baa, before_clause)
        if predecessor is not None and baa.status == BaaLifecycle.ACTIVE:
            _supersede(s, actor, predecessor, baa)
    return baa


def check_terms(s: Session, baa: BAA) -> None:
    """The rules a BAA's terms must keep when its parent agreement moves them."""
    _validate(baa)
    predecessor = _predecessor(s, baa)
    if predecessor is not None:
        _check_follows(baa, predecessor)


def after_dates_moved(s: Session, actor: Principal, baa: BAA) -> None:
    """A renewal whose start moved with its parent moves its predecessor's end with it."""
    predecessor = _predecessor(s, baa)
    if predecessor is not None and baa.status == BaaLifecycle.ACTIVE:
        _supersede(s, actor, predecessor, baa)


def _predecessor(s: Session, baa: BAA) -> BAA | None:
    if baa.supersedes_id is None:
        return None
    return s.get(BAA, baa.supersedes_id, with_for_update=True)


def _check_follows(new: BAA, old: BAA) -> None:
    if new.effective_date <= old.effective_date:
        raise Invalid(
            f"must be after the effective date of BAA {old.id} it renews "
            f"({old.effective_date.isoformat()})",
            "effective_date",
        )


def _supersede(s: Session, actor: Principal, old: BAA, new: BAA) -> None:
    """Mark `old` superseded from the day `new` takes effect (kept in step if that moves)."""
    if old.status not in (BaaLifecycle.ACTIVE, BaaLifecycle.SUPERSEDED):
        return  # terminated meanwhile: its own end stands
    if old.status == BaaLifecycle.SUPERSEDED and old.superseded_on == new.effective_date:
        return
    before = audit.snapshot(old)
    old.status = BaaLifecycle.SUPERSEDED
    old.superseded_on = new.effective_date
    old.updated_at = clock.now()
    _validate(old)
    s.flush()
    audit.record(s, actor.name, "baa.supersede", "baa", old.id, before, audit.snapshot(old))


def _renewal_in_progress(s: Session, baa: BAA) -> BAA | None:
    return s.scalar(
        select(BAA).where(col(BAA.supersedes_id) == baa.id).order_by(col(BAA.id)).limit(1)
    )


def renew(s: Session, actor: Principal, baa_id: int, data: BaaRenew) -> BAA:
    """A new BAA that supersedes `baa_id` from its effective date (at once when active, or
    when it later becomes active if it starts as a draft or pending signature)."""
    actor.require("baas:write")
    with transaction(s):
        old = _locked(s, baa_id)
        if old.status == BaaLifecycle.TERMINATED or old.terminated_on is not None:
            why = f": {old.termination_reason}" if old.termination_reason else ""
            raise Conflict(
                f"BAA {old.id} was terminated on {old.terminated_on}{why}; a terminated BAA "
                "cannot be renewed — record a new BAA with POST /api/v1/baas",
                "baa_id",
            )
        successor = _renewal_in_progress(s, old)
        if old.status == BaaLifecycle.SUPERSEDED or successor is not None:
            succ = successor.id if successor is not None else "?"
            state = (
                STATUS_WORDS[successor.status]
                if successor is not None
                else STATUS_WORDS[BaaLifecycle.SUPERSEDED]
            )
            raise Conflict(
                f"BAA {old.id} already has a renewal (BAA {succ}, {state}); renew or edit "
                "that one instead",
                "baa_id",
            )
        if old.status in UNSIGNED:
            raise Conflict(
                f"BAA {old.id} is {STATUS_WORDS[old.status]}; only a signed agreement can be "
                "renewed — edit the draft instead",
                "baa_id",
            )
        given = data.model_dump(exclude_unset=True)
        if "auto_renews" in given and given["auto_renews"] is None:
            raise Invalid("cannot be null", "auto_renews")
        breach = breach_columns(given)
        given = {k: v for k, v in given.items() if k not in BREACH_INPUT}
        fields: dict[str, Any] = {k: getattr(old, k) for k in INHERITED}
        fields |= {
            k: v
            for k, v in data.model_dump(exclude=set(BREACH_INPUT)).items()
            if k in given or k not in fields
        }
        fields |= breach or {}
        new = BAA(
            vendor_id=old.vendor_id,
            supersedes_id=old.id,
            all_products=old.all_products,
            scope_reviewed=old.scope_reviewed,
            **fields,
        )
        _validate(new)
        _check_follows(new, old)
        if new.status == BaaLifecycle.ACTIVE:
            _check_signed(s, new)
        s.add(new)
        s.flush()
        scope = baa_provisions.scope_of(s, old.id)
        if not old.all_products:  # a renewal covers what the old agreement covered
            baa_provisions.write_scope(s, new, False, scope)
            new.scope_reviewed = old.scope_reviewed
            s.flush()
        after = {**(audit.snapshot(new) or {}), "app_ids": scope}
        audit.record(s, actor.name, "baa.renew", "baa", new.id, None, after)
        if new.status == BaaLifecycle.ACTIVE:
            _supersede(s, actor, old, new)
    return new


def terminate(s: Session, actor: Principal, baa_id: int, on: date, reason: str) -> BAA:
    """End a signed agreement from `on` (the day the termination takes effect: its first day
    out of force, so its last day in force is the day before), with the reason."""
    actor.require("baas:write")
    reason = reason.strip()
    if not reason:
        raise Invalid("is required", "reason")
    with transaction(s):
        baa = _locked(s, baa_id)
        if baa.status == BaaLifecycle.TERMINATED:
            raise Conflict(
                f"BAA {baa.id} is already terminated (from {baa.terminated_on}); change the date "
                "with PATCH if it was wrong",
                "baa_id",
            )
        if baa.status == BaaLifecycle.SUPERSEDED:
            succ = _renewal_in_progress(s, baa)
            raise Conflict(
                f"BAA {baa.id} was superseded on {baa.superseded_on} by BAA "
                f"{succ.id if succ else '?'}; terminate that one instead",
                "baa_id",
            )
        if baa.status in UNSIGNED:
            raise Conflict(
                f"BAA {baa.id} is {STATUS_WORDS[baa.status]} and was never in force; there is "
                "nothing to terminate",
                "baa_id",
            )
        if on < baa.effective_date:
            raise Invalid(
                f"cannot be before the BAA's effective date ({baa.effective_date.isoformat()})",
                "on",
            )
        if not baa.auto_renews and baa.expiration_date and on > baa.expiration_date:
            raise Invalid(
                f"is after the BAA's own last day in force ({baa.expiration_date.isoformat()}); "
                "it needs no termination",
                "on",
            )
        before = audit.snapshot(baa)
        baa.terminated_on = on
        baa.termination_reason = reason
        baa.status = BaaLifecycle.TERMINATED
        baa.updated_at = clock.now()
        _validate(baa)
        s.flush()
        audit.record(s, actor.name, "baa.terminate", "baa", baa.id, before, audit.snapshot(baa))
    return baa


def check_return_destroy(baa: BAA, certified_on: date) -> None:
    """Whether a return/destroy certificate dated `certified_on` can be recorded for `baa`:
    only after a termination that has taken effect (409 otherwise), dated no earlier than the
    termination and not in the future (422 on `certified_on`)."""
    if baa.status != BaaLifecycle.TERMINATED or baa.terminated_on is None:
        raise Conflict(
            f"BAA {baa.id} is not terminated; a return/destroy certificate follows a termination",
            "baa_id",
        )
    if baa.terminated_on > clock.today():
        raise Conflict(
            f"BAA {baa.id}'s termination takes effect on {baa.terminated_on.isoformat()}; "
            "its return/destroy certificate can be recorded from that day",
            "baa_id",
        )
    if certified_on > clock.today():
        raise Invalid("cannot be in the future", "certified_on")
    if certified_on < baa.terminated_on:
        raise Invalid(
            f"cannot be before the termination took effect ({baa.terminated_on.isoformat()})",
            "certified_on",
        )


def locked(s: Session, baa_id: int) -> BAA:
    """The BAA, locked for update until the transaction ends (404 when there is none)."""
    return _locked(s, baa_id)


def mark_return_destroy(
    s: Session, actor: Principal, baa: BAA, certified_on: date, reference: str | None
) -> None:
    """Record the certificate's date and reference on a locked, checked BAA (audited as
    `baa.return_destroy`); inside the caller's transaction."""
    before = audit.snapshot(baa)
    baa.return_destroy_certified_on = certified_on
    baa.return_destroy_reference = reference
    baa.return_destroy_recorded_by = actor.name
    baa.updated_at = clock.now()
    s.flush()
    audit.record(s, actor.name, "baa.return_destroy", "baa", baa.id, before, audit.snapshot(baa))


def record_return_destroy(
    s: Session, actor: Principal, baa_id: int, certified_on: date, reference: str
) -> BAA:
    """Mark a terminated agreement's return/destroy certificate received (its date and a
    reference: a document number, a ticket, where the signed certificate is filed). Recording
    it again corrects it; both are audited. The certificate as a file:
    services/baa_certificates.py."""
    actor.require("baas:write")
    reference = reference.strip()
    if not reference:
        raise Invalid("is required", "reference")
    with transaction(s):
        baa = _locked(s, baa_id)
        check_return_destroy(baa, certified_on)
        mark_return_destroy(s, actor, baa, certified_on, reference)
    return baa


def chain(s: Session, baa_id: int) -> list[BAA]:
    """The agreement's renewal chain, oldest first (what it renewed, and what renewed it)."""
    baa = get(s, baa_id)
    older: list[BAA] = []
    cur = baa
    while cur.supersedes_id is not None and len(older) < 1000:
        prev = s.get(BAA, cur.supersedes_id)
        if prev is None:
            break
        older.append(prev)
        cur = prev
    newer: list[BAA] = []
    cur = baa
    while (nxt := _renewal_in_progress(s, cur)) is not None and len(newer) < 1000:
        newer.append(nxt)
        cur = nxt
    return [*reversed(older), baa, *newer]
