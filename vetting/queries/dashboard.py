"""What needs someone's attention today: the dashboard's lists, each a bounded query."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, label, or_, select
from sqlmodel import Session, col

from vetting import clock
from vetting.core.allowlist import APPROVING, ApprovedList, Departure, Exclusion, ListDiff
from vetting.core.baa import BaaLifecycle, BaaState, BaaStatus, state_on
from vetting.core.baa_provisions import ProvisionStatus
from vetting.core.releases import content_sha256, release_content
from vetting.core.scoring import Verdict
from vetting.core.statuses import AssessmentStatus
from vetting.models import (
    BAA,
    AllowlistRelease,
    App,
    Assessment,
    AuditEvent,
    BaaProvision,
    BaaStateRow,
    Decision,
    SyncTarget,
    Vendor,
)
from vetting.queries import allowlist, baa_changes, cache, decisions, live_list, releases
from vetting.queries.browse import AssessmentRow, assessment_rows
from vetting.queries.cache import MISSING, Reads
from vetting.queries.terms import RAW_TERMS, terms_from_raw
from vetting.services import baa_provisions, baa_states, baas
from vetting.services.decisions import latest_clause

LIST_LIMIT = 10

# What each kept result is read from (the cache recomputes it when one of these changes).
# The dashboard's BAA section and the register's timeline: agreements and vendors' names.
BAAS = Reads(("baa", "vendor", "demo"), (BAA, Vendor))
# Assessments waiting for a decision and reassessments coming due: apps, assessments,
# decisions (audited as assessment events) and vendors' names.
WORK = Reads(("app", "assessment", "vendor", "demo"), (App, Assessment, Decision, Vendor))
# Apps approved by their latest decision: apps (revocations) and decisions (audited as
# assessment events); "decision" and "demo" events cannot be traced to apps.
DECIDED = Reads(("app", "assessment", "decision", "demo"), (App, Decision))
# Today's list and its diff: what the list reads (live_list.LIST_ENTITIES) and the releases.
LIST = Reads(
    (*sorted(live_list.LIST_ENTITIES), "allowlist_release", "demo"),
    (Vendor, App, Decision, BAA, AllowlistRelease),
)


def detached(obj: Any, exclude: set[str] | None = None) -> Any:
    """A plain copy of a row, safe to keep after its session closes (a session's rollback
    would otherwise expire the cached instance); `exclude` leaves big columns out."""
    return type(obj)(**obj.model_dump(exclude=exclude))


@dataclass(frozen=True)
class DueDecision:
    app_id: int
    app_name: str
    platform: str
    vendor_name: str
    decision: str
    valid_until: date
    assessment_id: int
    days_left: int


@dataclass(frozen=True)
class ListChanges:
    """Today's approved list against the latest published release."""

    current: ApprovedList
    release: AllowlistRelease | None
    diff: ListDiff

    @property
    def unpublished(self) -> bool:
        return self.release is None or not self.diff.empty


def list_changes(s: Session, as_of: date) -> ListChanges:
    """What publishing today would change (everything, when nothing was published yet)."""

    def compute() -> ListChanges:
        release = releases.latest(s, with_content=False)  # loaded only if not parsed yet
        live = live_list.compute(s, as_of, release)
        kept = detached(release, exclude={"content", "diff"}) if release else None
        return ListChanges(live.current, kept, live.diff)

    # The list follows the required-provisions catalogue too: an edited catalogue moves it.
    return cache.remembered("list changes", (as_of, allowlist.rules()), compute, s=s, reads=LIST)


def publish_plan(s: Session, as_of: date) -> str:
    """The content hash of the list `list_changes` shows, as publishing would store it: what
    the review page hands back so that exactly the reviewed list is published. Worked out from
    the kept live list (the list computed afresh is the same list: the live list's tests
    compare them after every kind of write) once per state of the list, instead of computing
    all 50,000 apps again for each view of the review. Publishing still computes the list
    afresh and refuses it when its hash differs (a row changed around the services, which no
    kept result sees): the page then asks again with `releases.draft`'s exact hash."""

    def work_out() -> str:
        current = list_changes(s, as_of).current
        with cache.gc_paused():
            return content_sha256(release_content(current.entries, current.excluded))

    key = (as_of, allowlist.rules())
    return cache.remembered("publish plan", key, work_out, s=s, reads=LIST)


@dataclass(frozen=True)
class Overview:
    as_of: date
    baas_expiring: list[BaaNeed]
    baas_past_notice: list[BaaNeed]
    baas_lapsed: list[BaaNeed]
    ready: list[AssessmentRow]
    ready_count: int
    in_progress_count: int
    due: list[DueDecision]
    due_count: int
    overdue_count: int
    horizon_days: int
    changes: ListChanges
    leaving: list[Departure]  # apps leaving the list within horizon_days, and why
    # Decisions more permissive than their verdict, waiting for a second person's confirmation.
    awaiting_second: list[AssessmentRow] = field(default_factory=list)
    # Apps approved (a valid approving decision in effect) but off today's list, and why:
    # mostly waiting for a BAA in force (the first LIST_LIMIT, and how many in all).
    approved_off: list[Exclusion] = field(default_factory=list)
    approved_off_count: int = 0
    # Signed agreements, not ended, that lack a required provision or allow more than 60 days
    # to report a breach, with no exception counting today (the first LIST_LIMIT; how many).
    nonconforming: list[NonConforming] = field(default_factory=list)
    nonconforming_count: int = 0


def overview(s: Session, as_of: date, warning_days: int, horizon_days: int = 90) -> Overview:
    """BAAs to act on, assessments waiting for a decision, reassessments coming due, and how
    today's approved list differs from the last release."""
    return cache.remembered(
        "overview",
        (as_of, warning_days, horizon_days),
        lambda: _overview(s, as_of, warning_days, horizon_days),
        s=s,
        reads=cache.EVERYTHING,
    )


@dataclass(frozen=True)
class BaaBrief:
    """What the dashboard shows of an agreement (not the whole row: thousands are read)."""

    id: int
    vendor_id: int
    title: str | None


@dataclass(frozen=True)
class BaaNeed:
    """An agreement legal should act on, its state today and its vendor's name."""

    baa: BaaBrief
    status: BaaStatus
    vendor_name: str = ""


# The vendor's name rides along (a correlated look-up): no separate statement for the names.
_VENDOR_NAME = (
    select(col(Vendor.name)).where(col(Vendor.id) == BAA.vendor_id).scalar_subquery()
).label("vendor_name")
_BAA_COLUMNS = (col(BAA.id), col(BAA.vendor_id), col(BAA.title), _VENDOR_NAME, *RAW_TERMS)


def _needs(s: Session, where: Any, as_of: date, warning_days: int) -> list[tuple[Any, BaaStatus]]:
    """(row, state today) of each agreement `where` selects: plain rows and the core's state
    rules, remembered per set of terms (thousands of auto-renewing agreements are read on
    every dashboard, and few change between two views)."""
    memo = cache.table("baa states", as_of, warning_days)  # an agreement's terms → its state
    found = []
    for r in s.connection().execute(select(*_BAA_COLUMNS).where(where)).all():
        terms = tuple(r[4:])
        status = memo.get(terms, MISSING)
        if status is MISSING:
            status = memo[terms] = state_on(terms_from_raw(terms), as_of, warning_days)
        found.append((r, status))
    return found


def _overview(s: Session, as_of: date, warning_days: int, horizon_days: int) -> Overview:
    """Each section is kept until the records it is computed from change: editing an app
    does not recompute the BAA section, recording a BAA does not recount assessments."""
    expiring, past_notice, lapsed, (nonconforming, nonconforming_count) = cache.remembered(
        "dashboard baas",
        # the non-conforming queue follows the required-provisions catalogue too
        (as_of, warning_days, allowlist.rules()),
        lambda: (*_baa_section(s, as_of, warning_days), _nonconforming(s, as_of)),
        s=s,
        reads=BAAS,
    )
    ready, ready_count, open_count, due, due_count, overdue_count, awaiting = cache.remembered(
        "dashboard work",
        (as_of, horizon_days),
        lambda: _work_section(s, as_of, horizon_days),
        s=s,
        reads=WORK,
    )
    changes = list_changes(s, as_of)
    approved_off, approved_off_count = _approved_off_list(s, as_of, changes.current)
    return Overview(
        as_of=as_of,
        baas_expiring=expiring,
        baas_past_notice=past_notice,
        baas_lapsed=lapsed,
        ready=ready,
        ready_count=ready_count,
        in_progress_count=open_count - ready_count,
        due=due,
        due_count=due_count,
        overdue_count=overdue_count,
        horizon_days=horizon_days,
        changes=changes,
        awaiting_second=awaiting,
        leaving=live_list.forecast(s, as_of, horizon_days),
        approved_off=approved_off,
        approved_off_count=approved_off_count,
        nonconforming=nonconforming,
        nonconforming_count=nonconforming_count,
    )


@dataclass(frozen=True)
class NonConforming:
    """An agreement in the non-conforming queue and what is wrong with it, in brief."""

    baa_id: int
    vendor_id: int
    vendor_name: str
    title: str | None
    absent: int  # required provisions marked absent
    breach_days: int | None  # worst-case calendar days to report a breach, when over the limit


def _nonconforming(s: Session, as_of: date) -> tuple[list[NonConforming], int]:
    """The agreements legal must fix or except (baas.needs_fixing_clause: the register's
    "needs legal" filter), vendor by vendor, and how many in all: one statement."""
    cat = baa_provisions.catalogue()
    absent = (
        select(func.count())
        .where(
            col(BaaProvision.baa_id) == BAA.id,
            col(BaaProvision.status) == ProvisionStatus.ABSENT,
            col(BaaProvision.key).in_(cat.keys),
        )
        .scalar_subquery()
    )
    rows = s.execute(
        select(
            col(BAA.id),
            col(BAA.vendor_id),
            col(Vendor.name),
            col(BAA.title),
            absent,
            col(BAA.breach_notification_days),
            func.count().over(),
        )
        .join(Vendor, col(Vendor.id) == BAA.vendor_id)
        .where(baas.needs_fixing_clause(as_of, s))
        .order_by(func.lower(Vendor.name), col(BAA.effective_date), col(BAA.id))
        .limit(LIST_LIMIT)
    ).all()
    found = [
        NonConforming(
            r[0],
            r[1],
            r[2],
            r[3],
            int(r[4] or 0),
            r[5] if r[5] is not None and r[5] > cat.breach_max_days else None,
        )
        for r in rows
    ]
    return found, int(rows[0][6]) if rows else 0


def _approved_off_list(
    s: Session, as_of: date, current: ApprovedList
) -> tuple[list[Exclusion], int]:
    """Apps whose latest decision (by the list's own reading: the last decided before the
    day ends) approves them — approved or conditional, still valid, in effect (not waiting
    for a second person) — yet are off the list today, with the list's own reasons:
    procurement decided, and the app waits on legal (no BAA in force) or on a new decision
    (the app changed since). A revoked app is not waiting for anyone: left out. The first
    LIST_LIMIT by vendor and name, and how many in all."""
    waiting = [x for x in current.excluded if x.reasons and not x.rejected]
    if not waiting:
        return [], 0
    approved = _approved(s, as_of)
    found = [x for x in waiting if x.app_id in approved]
    first = heapq.nsmallest(
        LIST_LIMIT, found, key=lambda x: (x.vendor_name.lower(), x.name.lower(), x.app_id)
    )
    return first, len(found)


@dataclass(frozen=True)
class _KeptApproved:
    seen: tuple[int, int, int]  # the newest audit event, app id and decision id
    apps: frozenset[int]


def _approved(s: Session, as_of: date) -> frozenset[int]:
    """`_approved_apps`, computed in full once a day and then patched: after a write only the
    apps it touched (their own events, their assessments' and decisions', rows inserted
    around the services) are worked out again. Untraceable changes compute it all."""
    row = s.execute(
        select(
            select(func.max(AuditEvent.seq)).scalar_subquery(),
            select(func.max(App.id)).scalar_subquery(),
            select(func.max(Decision.id)).scalar_subquery(),
        )
    ).one()
    now = (row[0] or 0, row[1] or 0, row[2] or 0)

    def full() -> _KeptApproved:
        return _KeptApproved(now, _approved_apps(s, as_of))

    kept = cache.remembered("approved apps", as_of, full, s=s)
    if kept.seen == now:
        return kept.apps
    apps = _touched_apps(s, kept.seen, now)
    if apps is None:
        kept = full()
    else:
        fresh = _approved_apps(s, as_of, apps) if apps else frozenset()
        kept = _KeptApproved(now, (kept.apps - apps) | fresh)
    cache.replace("approved apps", as_of, kept, s=s)
    return kept.apps


def _touched_apps(
    s: Session, kept: tuple[int, int, int], now: tuple[int, int, int]
) -> frozenset[int] | None:
    """Apps whose decisions or revocation a write after `kept` can have changed; None when
    they cannot be traced (an older copy restored, a demo reset, too many)."""
    if any(n < k for n, k in zip(now, kept, strict=True)):
        return None
    events = s.execute(
        select(col(AuditEvent.entity_type), col(AuditEvent.entity_id))
        .where(col(AuditEvent.seq) > kept[0])
        .where(col(AuditEvent.entity_type).in_(DECIDED.entity_types or ()))
        .limit(baa_changes.MAX_EVENTS + 1)
    ).all()
    if len(events) > baa_changes.MAX_EVENTS:
        return None
    apps: set[int] = set()
    assessments: set[int] = set()
    for kind, entity_id in events:
        if kind not in ("app", "assessment") or entity_id is None or not entity_id.isdigit():
            return None
        (apps if kind == "app" else assessments).add(int(entity_id))
    if assessments:
        found = s.execute(
            select(col(Assessment.id), col(Assessment.app_id)).where(
                col(Assessment.id).in_(sorted(assessments))
            )
        ).all()
        if len(found) != len(assessments):
            return None  # an assessment gone without its app's event: cannot trace it
        apps |= {app_id for _, app_id in found}
    apps |= set(s.scalars(select(col(App.id)).where(col(App.id) > kept[1])))
    apps |= set(s.scalars(select(col(Decision.app_id)).where(col(Decision.id) > kept[2])))
    return None if len(apps) > baa_changes.MAX_AGREEMENTS else frozenset(apps)


def _approved_apps(s: Session, as_of: date, only: frozenset[int] | None = None) -> frozenset[int]:
    """Apps whose latest decision approves them on `as_of` and that are not revoked (`only`:
    among those apps)."""
    revoked_q = select(col(App.id)).where(
        col(App.revoked_on).is_not(None), col(App.revoked_on) <= as_of
    )
    cutoff = clock.day_start(as_of + timedelta(days=1))
    decided_q = (
        select(
            col(Decision.app_id),
            col(Decision.decision),
            col(Decision.valid_until),
            col(Decision.needs_confirmation),
            col(Decision.confirmed_at),
        )
        .where(col(Decision.decided_at) < cutoff)
        .order_by(col(Decision.decided_at), col(Decision.id))
    )
    if only is not None:
        revoked_q = revoked_q.where(col(App.id).in_(sorted(only)))
        decided_q = decided_q.where(col(Decision.app_id).in_(sorted(only)))
    revoked = set(s.scalars(revoked_q))
    latest: dict[int, Any] = {}
    for r in s.execute(decided_q):
        latest[r.app_id] = r  # ordered by time: the last one kept is the latest
    return frozenset(
        app_id
        for app_id, r in latest.items()
        if app_id not in revoked
        and r.decision in APPROVING
        and r.valid_until >= as_of
        and (not r.needs_confirmation or (r.confirmed_at is not None and r.confirmed_at < cutoff))
    )


def _baa_section(
    s: Session, as_of: date, warning_days: int
) -> tuple[list[BaaNeed], list[BaaNeed], list[BaaNeed]]:
    """BAAs expiring, past their notice deadline, and lapsed with nothing else in force."""
    kept = _kept_baas(s, as_of, warning_days)
    expiring, past_notice, lapsed = ([need for _, need in found] for found in kept.lists)
    return expiring, past_notice, lapsed


# An agreement's place in one of the section's lists, and the agreement.
_Placed = tuple[tuple[int, int], BaaNeed]


@dataclass(frozen=True)
class _KeptBaas:
    """The section's three lists in order (expiring, past notice, lapsed) and what they were
    computed from: patched after a write rather than computed again (an agreement's place
    depends on its own terms and on whether its vendor has another agreement in force)."""

    seen: baa_changes.Seen
    lists: tuple[list[_Placed], list[_Placed], list[_Placed]]


def _near(s: Session, as_of: date, warning_days: int, kept_states: bool = True) -> Any:
    """Which agreements can be expiring, past notice or recently lapsed (SQL narrows them;
    the core decides): auto-renewing ones, and those whose end falls near today; with
    `kept_states`, those today's kept states say are (fewer to read, when all are read)."""
    recent = as_of - timedelta(days=90)
    soon = as_of + timedelta(days=warning_days)
    near = and_(
        col(BAA.status).in_(
            (BaaLifecycle.ACTIVE, BaaLifecycle.SUPERSEDED, BaaLifecycle.TERMINATED)
        ),
        or_(
            col(BAA.auto_renews).is_(True),
            # a last day in force: lapsed from the day after
            col(BAA.expiration_date).between(recent - timedelta(days=1), soon),
            col(BAA.terminated_on).between(recent, as_of),
        ),
    )
    if (
        kept_states
        and as_of == clock.today()
        and baa_states.ensure(s.get_bind().engine, as_of, warning_days, wait=False)
    ):
        # Today's states are kept (services/baa_states.py): read only the agreements that are
        # expiring, past their notice deadline or lapsed recently, not every auto-renewing one.
        kept = select(col(BaaStateRow.baa_id)).where(
            or_(
                col(BaaStateRow.state) == BaaState.EXPIRING,
                and_(
                    col(BaaStateRow.state) == BaaState.ACTIVE,
                    col(BaaStateRow.notice_deadline) < as_of,
                ),
                and_(
                    col(BaaStateRow.state).in_((BaaState.EXPIRED, BaaState.TERMINATED)),
                    col(BaaStateRow.term_end) >= recent - timedelta(days=1),
                ),
            )
        )
        near = col(BAA.id).in_(kept)
    return near


def _groups(
    s: Session, as_of: date, warning_days: int, vendors: frozenset[int] | None
) -> tuple[list[_Placed], list[_Placed], list[_Placed]]:
    """The section's three lists, unsorted (`vendors`: of those vendors' agreements only)."""
    if vendors is None:
        near = _near(s, as_of, warning_days)
    else:  # a few vendors' agreements: found by vendor, whatever today's kept states say
        near = and_(
            _near(s, as_of, warning_days, kept_states=False),
            col(BAA.vendor_id).in_(sorted(vendors)),
        )
    rows = _needs(s, near, as_of, warning_days)
    in_force = {r.vendor_id for r, st in rows if st.in_force}
    lapsing = {r.vendor_id for r, st in rows if st.state in (BaaState.EXPIRED, BaaState.TERMINATED)}
    if lapsing - in_force:
        others = _needs(s, col(BAA.vendor_id).in_(sorted(lapsing - in_force)), as_of, warning_days)
        in_force |= {r.vendor_id for r, st in others if st.in_force}
    recent = as_of - timedelta(days=90)
    expiring: list[_Placed] = []
    past_notice: list[_Placed] = []
    lapsed: list[_Placed] = []
    for r, st in rows:
        need = BaaNeed(BaaBrief(r.id, r.vendor_id, r.title), st, r.vendor_name or "")
        # Equal dates: the older agreement first.
        if st.state == BaaState.EXPIRING:
            day = st.notice_deadline or st.term_end or as_of
            expiring.append(((day.toordinal(), r.id), need))
        if st.renewed_by_default:
            past_notice.append((((st.term_end or as_of).toordinal(), r.id), need))
        # Lapsed in the last 90 days with nothing else in force: that vendor's apps are off
        # the list (out of force from the day after its last day). The latest first.
        if (
            st.state in (BaaState.EXPIRED, BaaState.TERMINATED)
            and st.term_end is not None
            and st.term_end >= recent - timedelta(days=1)
            and r.vendor_id not in in_force
        ):
            lapsed.append(((-st.term_end.toordinal(), r.id), need))
    return expiring, past_notice, lapsed


def _kept_baas(s: Session, as_of: date, warning_days: int) -> _KeptBaas:
    """The section, computed in full once a day and then patched: after a write only the
    vendors whose agreements (or name) it changed are read again. Untraceable changes
    compute it all."""
    key = (as_of, warning_days)
    now = baa_changes.seen(s)

    def full() -> _KeptBaas:
        with cache.gc_paused():
            expiring, past_notice, lapsed = _groups(s, as_of, warning_days, None)
            for found in (expiring, past_notice, lapsed):
                found.sort(key=_place)
        return _KeptBaas(now, (expiring, past_notice, lapsed))

    kept = cache.remembered("dashboard baa section", key, full, s=s)
    if kept.seen == now:
        return kept
    diff = baa_changes.changed(s, kept.seen, now)
    if diff is None:
        kept = full()
    elif not diff.vendors:
        kept = _KeptBaas(now, kept.lists)
    else:
        fresh = _groups(s, as_of, warning_days, diff.vendors)
        with cache.gc_paused():
            expiring, past_notice, lapsed = (
                sorted([p for p in old if p[1].baa.vendor_id not in diff.vendors] + new, key=_place)
                for old, new in zip(kept.lists, fresh, strict=True)
            )
        kept = _KeptBaas(now, (expiring, past_notice, lapsed))
    cache.replace("dashboard baa section", key, kept, s=s)
    return kept


def _place(placed: _Placed) -> tuple[int, int]:
    return placed[0]


def _work_section(s: Session, as_of: date, horizon_days: int) -> tuple[Any, ...]:
    """Assessments waiting for a decision (the oldest first) and reassessments coming due."""
    ready_q = select(Assessment).where(
        col(Assessment.status) == AssessmentStatus.OPEN,
        col(Assessment.verdict) != Verdict.INCOMPLETE,
    )
    ready_ = func.sum(case((col(Assessment.verdict) != Verdict.INCOMPLETE, 1), else_=0))
    open_count, ready_count = s.execute(
        select(func.count(), ready_).where(col(Assessment.status) == AssessmentStatus.OPEN)
    ).one()
    ready = [
        AssessmentRow(detached(r.assessment), *astuple_tail(r))
        for r in assessment_rows(
            s, list(s.scalars(ready_q.order_by(col(Assessment.updated_at)).limit(LIST_LIMIT)))
        )
    ]
    due, due_count, overdue_count = _due(s, as_of, horizon_days)
    awaiting = _awaiting_second(s)
    return ready, ready_count or 0, open_count or 0, due, due_count, overdue_count, awaiting


def _awaiting_second(s: Session) -> list[AssessmentRow]:
    """Assessments whose decision (their app's latest) waits for a second person."""
    ids = [d.assessment_id for d in decisions.awaiting_second(s, LIST_LIMIT)]
    if not ids:
        return []
    rows = list(s.scalars(select(Assessment).where(col(Assessment.id).in_(ids))))
    return [
        AssessmentRow(detached(r.assessment), *astuple_tail(r)) for r in assessment_rows(s, rows)
    ]


def astuple_tail(row: AssessmentRow) -> tuple[Any, ...]:
    return (row.app_name, row.app_platform, row.vendor_id, row.vendor_name, row.decision)


def _due(s: Session, as_of: date, horizon_days: int) -> tuple[list[DueDecision], int, int]:
    """Approving decisions (each app's latest) that expire within the horizon or already did:
    the first LIST_LIMIT (the soonest first), how many in all and how many already expired."""
    found = _kept_due(s, as_of, horizon_days).rows.values()
    first = heapq.nsmallest(LIST_LIMIT, found, key=lambda d: (d.valid_until, d.app_name, d.app_id))
    overdue = sum(1 for d in found if d.days_left < 0)
    return first, len(found), overdue


@dataclass(frozen=True)
class _KeptDue:
    seen: live_list.Seen
    rows: dict[int, DueDecision]  # by app


def _kept_due(s: Session, as_of: date, horizon_days: int) -> _KeptDue:
    """`_due_rows`, read in full once a day and then patched: after a write only the apps it
    can have touched (live_list.touched_since: the live list's own tracing, a vendor's
    rename included) are read again. Untraceable changes read it all; a row updated around
    the services (no audit event) shows from the next day, as in the other patched sections.
    The first ten are then taken in Python's string order (the live list's too), whatever
    the database's collation."""
    now = live_list.newest_seen(s)
    key = (as_of, horizon_days)

    def full() -> _KeptDue:
        return _KeptDue(now, {d.app_id: d for d in _due_rows(s, as_of, horizon_days)})

    kept = cache.remembered("due decisions", key, full, s=s)
    if kept.seen == now:
        return kept
    apps = live_list.touched_since(s, kept.seen, now, {}, as_of)
    if apps is None:
        kept = full()
    else:
        rows = {a: d for a, d in kept.rows.items() if a not in apps}
        if apps:
            rows.update((d.app_id, d) for d in _due_rows(s, as_of, horizon_days, apps))
        kept = _KeptDue(now, rows)
    cache.replace("due decisions", key, kept, s=s)
    return kept


def _due_rows(
    s: Session, as_of: date, horizon_days: int, only: set[int] | None = None
) -> list[DueDecision]:
    """Every app's latest decision that approves it and expires within the horizon or already
    did, the app not revoked (`only`: of those apps)."""
    stmt = (
        select(
            col(Decision.app_id),
            col(App.name),
            col(App.platform),
            label("vendor", col(Vendor.name)),
            col(Decision.decision),
            col(Decision.valid_until),
            col(Decision.assessment_id),
        )
        .join(App, col(App.id) == Decision.app_id)
        .join(Vendor, col(Vendor.id) == App.vendor_id)
        .where(
            col(Decision.decision).in_(APPROVING),
            col(Decision.valid_until) <= as_of + timedelta(days=horizon_days),
            or_(col(App.revoked_on).is_(None), col(App.revoked_on) > as_of),
            latest_clause(),
        )
    )
    if only is not None:
        stmt = stmt.where(col(Decision.app_id).in_(sorted(only)))
    return [
        DueDecision(r[0], r[1], r[2], r[3], r[4], r[5], r[6], (r[5] - as_of).days)
        for r in s.execute(stmt)
    ]


def sync_targets(s: Session) -> list[SyncTarget]:
    """The MDMs the list is pushed to, with the last result each recorded."""
    return list(s.scalars(select(SyncTarget).order_by(col(SyncTarget.name))))
