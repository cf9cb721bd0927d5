"""What needs someone's attention today: the dashboard's lists, each a bounded query."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from vetting.core.allowlist import APPROVING, ApprovedList, ListDiff
from vetting.models import (
    BAA,
    AllowlistRelease,
    App,
    Assessment,
    AuditEvent,
    Decision,
    SyncTarget,
    Vendor,
)
from vetting.services import live_list, releases
from vetting.services.browse import AssessmentRow, BaaRow, assessment_rows, baa_rows

LIST_LIMIT = 10
T = TypeVar("T")

# Results derived from the whole register, kept per database state. Every change made through
# the services appends an audit event in the same transaction, so the head of the hash chain
# names the state of the data: a new event means recompute, none means the same answer.
_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_CACHE_SIZE = 16
_LOCK = threading.Lock()


def data_version(s: Session) -> tuple[Any, ...]:
    """Names the state of the register: the database, the head of the audit chain (every
    change through a service moves it) and the newest row ids (rows inserted around the
    services, e.g. by a bulk import or a benchmark, move those). Primary-key maxima and the
    chain head are index look-ups, so this costs one cheap statement."""
    head = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    row = s.execute(
        select(
            head.with_only_columns(AuditEvent.seq).scalar_subquery(),
            head.with_only_columns(AuditEvent.hash).scalar_subquery(),
            *(
                select(func.max(model.id)).scalar_subquery()  # type: ignore[attr-defined]
                for model in (Vendor, App, Decision, BAA, AllowlistRelease)
            ),
        )
    ).one()
    url = s.get_bind().engine.url.render_as_string(hide_password=True)
    return (url, *row)


def detached(obj: Any, exclude: set[str] | None = None) -> Any:
    """A plain copy of a row, safe to keep after its session closes (a session's rollback
    would otherwise expire the cached instance); `exclude` leaves big columns out."""
    return type(obj)(**obj.model_dump(exclude=exclude))


def cached(s: Session, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """`compute()` once per (key, data version); a few recent results are kept per process."""
    full = (*key, *data_version(s))
    with _LOCK:
        if full in _CACHE:
            _CACHE.move_to_end(full)
            return _CACHE[full]  # type: ignore[no-any-return]
    value = compute()
    with _LOCK:
        _CACHE[full] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value


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

    return cached(s, ("list_changes", as_of), compute)


@dataclass(frozen=True)
class Overview:
    as_of: date
    baas_expiring: list[BaaRow]
    baas_past_notice: list[BaaRow]
    baas_lapsed: list[BaaRow]
    ready: list[AssessmentRow]
    ready_count: int
    in_progress_count: int
    due: list[DueDecision]
    due_count: int
    overdue_count: int
    horizon_days: int
    changes: ListChanges


def overview(s: Session, as_of: date, warning_days: int, horizon_days: int = 90) -> Overview:
    """BAAs to act on, assessments waiting for a decision, reassessments coming due, and how
    today's approved list differs from the last release."""
    key = ("overview", as_of, warning_days, horizon_days)
    return cached(s, key, lambda: _overview(s, as_of, warning_days, horizon_days))


def _overview(s: Session, as_of: date, warning_days: int, horizon_days: int) -> Overview:
    recent = as_of - timedelta(days=90)
    soon = as_of + timedelta(days=warning_days)
    # Only agreements that can be expiring, past notice or recently lapsed (SQL narrows them;
    # the core decides): auto-renewing ones, and those whose end falls near today.
    near = select(BAA).where(
        BAA.status.in_(("active", "superseded", "terminated")),
        or_(
            BAA.auto_renews.is_(True),
            BAA.expiration_date.between(recent, soon),
            BAA.terminated_on.between(recent, as_of),
        ),
    )
    rows = baa_rows(s.scalars(near), as_of, warning_days)
    lapsing = {r.baa.vendor_id for r in rows if r.status.state in ("expired", "terminated")}
    in_force_vendors = {r.baa.vendor_id for r in rows if r.status.in_force}
    if lapsing - in_force_vendors:
        others = s.scalars(select(BAA).where(BAA.vendor_id.in_(lapsing - in_force_vendors)))
        in_force_vendors |= {
            r.baa.vendor_id for r in baa_rows(others, as_of, warning_days) if r.status.in_force
        }
    names: dict[int, str] = {}
    vendor_ids = {r.baa.vendor_id for r in rows}
    if vendor_ids:
        names = dict(
            s.execute(select(Vendor.id, Vendor.name).where(Vendor.id.in_(vendor_ids))).all()  # type: ignore[arg-type]
        )
    rows = [BaaRow(detached(r.baa), r.status, names.get(r.baa.vendor_id, "")) for r in rows]
    expiring = sorted(
        (r for r in rows if r.status.state == "expiring"),
        key=lambda r: r.status.notice_deadline or r.status.term_end or as_of,
    )
    past_notice = sorted(
        (r for r in rows if r.status.renewed_by_default),
        key=lambda r: r.status.term_end or as_of,
    )
    # Lapsed in the last 90 days with nothing else in force: that vendor's apps are off the list.
    lapsed = sorted(
        (
            r
            for r in rows
            if r.status.state in ("expired", "terminated")
            and r.status.term_end is not None
            and r.status.term_end >= recent
            and r.baa.vendor_id not in in_force_vendors
        ),
        key=lambda r: r.status.term_end or as_of,
        reverse=True,
    )

    open_ = select(Assessment).where(Assessment.status == "open")
    ready_q = open_.where(Assessment.verdict != "incomplete")
    ready_count = s.scalar(select(func.count()).select_from(ready_q.subquery())) or 0
    open_count = s.scalar(select(func.count()).select_from(open_.subquery())) or 0
    ready = [
        AssessmentRow(detached(r.assessment), *astuple_tail(r))
        for r in assessment_rows(
            s, list(s.scalars(ready_q.order_by(Assessment.updated_at).limit(LIST_LIMIT)))
        )
    ]

    due, due_count, overdue_count = _due(s, as_of, horizon_days)
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
        changes=list_changes(s, as_of),
    )


def astuple_tail(row: AssessmentRow) -> tuple[Any, ...]:
    return (row.app_name, row.app_platform, row.vendor_id, row.vendor_name, row.decision)


def _due(s: Session, as_of: date, horizon_days: int) -> tuple[list[DueDecision], int, int]:
    """Approving decisions (each app's latest) that expire within the horizon or already did."""
    newer = aliased(Decision)
    latest = (
        ~select(newer.id)
        .where(
            newer.app_id == Decision.app_id,
            or_(
                newer.decided_at > Decision.decided_at,
                and_(newer.decided_at == Decision.decided_at, newer.id > Decision.id),
            ),
        )
        .exists()
    )
    base = (
        select(
            Decision.app_id,
            App.name,
            App.platform,
            Vendor.name.label("vendor"),
            Decision.decision,
            Decision.valid_until,
            Decision.assessment_id,
        )
        .join(App, App.id == Decision.app_id)
        .join(Vendor, Vendor.id == App.vendor_id)
        .where(
            Decision.decision.in_(APPROVING),
            Decision.valid_until <= as_of + timedelta(days=horizon_days),
            or_(App.revoked_on.is_(None), App.revoked_on > as_of),
            latest,
        )
    )
    sub = base.subquery()
    count = s.scalar(select(func.count()).select_from(sub)) or 0
    overdue = s.scalar(select(func.count()).select_from(sub).where(sub.c.valid_until < as_of)) or 0
    rows = s.execute(base.order_by(Decision.valid_until, App.name).limit(LIST_LIMIT)).all()
    due = [DueDecision(r[0], r[1], r[2], r[3], r[4], r[5], r[6], (r[5] - as_of).days) for r in rows]
    return due, count, overdue


def sync_targets(s: Session) -> list[SyncTarget]:
    """The MDMs the list is pushed to, with the last result each recorded."""
    return list(s.scalars(select(SyncTarget).order_by(SyncTarget.name)))
