"""The reminder sweep: for one date, put every reminder that has come due into the outbox —
exactly once, however often, however late and in however many instances it runs.

Set-based: three reads (agreements in or near their reminder window, the latest decision of
every app, the outbox keys already present for those subjects), the pure rules of
`vetting.core.reminders` in between, and one bulk INSERT … ON CONFLICT DO NOTHING. The unique
key `uq_notification_once` is what makes a rerun, a restart or a second instance harmless; the
lock (PostgreSQL advisory lock, SQLite BEGIN IMMEDIATE) only keeps two sweeps from doing the
same work at once.

Recipients per reminder: in-app always (recorded as delivered at once: the dashboard and
`vetting notifications list` read the outbox); email — when SMTP is configured — to the BAA's
owner, the legal distribution addresses (VETTING_LEGAL_EMAIL and email channels) and, for
reassessments, the person who decided; every active webhook channel. Vendor contacts are the
other party to the agreement: they are told only when VETTING_REMIND_VENDOR_CONTACTS is on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlmodel import Session, SQLModel, col

from vetting import audit, clock
from vetting.core import allowlist as core_allowlist
from vetting.core.baa import UNSIGNED, BaaLifecycle, BaaTerms, coverage_gaps
from vetting.core.reminders import Channel as ChannelKind
from vetting.core.reminders import (
    Due,
    NotificationStatus,
    ReminderKind,
    SubjectKind,
    baa_due,
    baa_reminder_stands,
    condition_due,
    describe,
    gap_due,
    reassessment_due,
    return_destroy_due,
    window,
)
from vetting.core.statuses import AssessmentStatus, JobStatus
from vetting.db import transaction
from vetting.models import (
    BAA,
    App,
    Assessment,
    AuditEvent,
    Decision,
    DecisionCondition,
    JobRun,
    Notification,
    Vendor,
)
from vetting.models import NotificationChannel as Channel
from vetting.models.notifications import ONCE_KEY
from vetting.services import baa_provisions, decisions, locks
from vetting.services.baas import TERMS
from vetting.settings import NotifySettings

JOB = "reminders"
IN_APP = ChannelKind.IN_APP
IN_APP_RECIPIENT = "dashboard"
APPROVING = tuple(sorted(core_allowlist.APPROVING))  # a fixed order: one cached SQL statement
CHUNK = 5000
KEY_COLUMNS = ONCE_KEY  # the outbox's unique key: each reminder is sent once
# An outbox row as the sweep writes it: the key first (row[:KEY] is its once-key).
COLUMNS = (
    *KEY_COLUMNS,
    "title",
    "body",
    "payload",
    "status",
    "attempts",
    "last_error",
    "next_attempt_at",
    "created_at",
    "sent_at",
)
KEY = len(KEY_COLUMNS)


@dataclass
class SweepSummary:
    """What one sweep did (or, with dry_run, would do)."""

    as_of: date
    dry_run: bool = False
    skipped: bool = False  # another sweep held the lock, or (once_a_day) the day was swept
    subjects: int = 0  # agreements and decisions looked at
    due: int = 0  # reminders due (subject × threshold), before fan-out to recipients
    created: int = 0  # outbox rows inserted now
    existing: int = 0  # due rows that were already in the outbox
    cancelled: int = 0  # pending rows of agreements/decisions that no longer need them
    by_channel: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[Any, ...]] = field(default_factory=list, repr=False)  # new, in COLUMNS
    job_run_id: int | None = None

    @property
    def planned(self) -> list[dict[str, Any]]:
        """The new outbox rows (inserted, or with dry_run those that would be), as dicts."""
        return [dict(zip(COLUMNS, r, strict=True)) for r in self.rows]

    def as_dict(self, with_rows: bool = False) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "rows"}
        out["as_of"] = self.as_of.isoformat()
        if with_rows:
            out["planned"] = [_plain(r) for r in self.planned]
        return out


def run_reminders(
    s: Session,
    as_of: date,
    dry_run: bool = False,
    *,
    settings: NotifySettings,
    actor: str = "system:reminders",
    once_a_day: bool = False,
) -> SweepSummary:
    """Sweep for `as_of`: insert the reminders due, cancel those no longer wanted, record a
    JobRun. With `dry_run`, compute the same and write nothing. With `once_a_day` (the
    scheduler's daily job, which every instance may run), a day already swept successfully
    is skipped: the job runs once per day across instances, not once per instance."""
    summary = SweepSummary(as_of=as_of, dry_run=dry_run)
    started = clock.now()
    if dry_run:
        try:
            _sweep(s, as_of, settings, summary, write=False)
        finally:
            s.rollback()
        return summary
    try:
        with transaction(s):
            if not locks.try_job_lock(s, JOB) or (once_a_day and _swept(s, as_of)):
                summary.skipped = True
                run = _job_run(s, as_of, started, JobStatus.SKIPPED, summary)
            else:
                _sweep(s, as_of, settings, summary, write=True)
                run = _job_run(s, as_of, started, JobStatus.OK, summary)
                if summary.created or summary.cancelled:
                    audit.record(
                        s, actor, "reminders.sweep", "job_run", run.id, None, summary.as_dict()
                    )
            summary.job_run_id = run.id
    except Exception as exc:
        with transaction(s):
            failed = _job_run(s, as_of, started, JobStatus.FAILED, summary)
            failed.detail = {"error": f"{type(exc).__name__}: {exc}"[:2000]}
        raise
    return summary


def _swept(s: Session, as_of: date) -> bool:
    """Whether `as_of` was already swept successfully (read under the job lock)."""
    found = s.scalar(
        select(col(JobRun.id))
        .where(
            col(JobRun.job) == JOB,
            col(JobRun.as_of) == as_of,
            col(JobRun.status) == JobStatus.OK,
        )
        .limit(1)
    )
    return found is not None


def _job_run(
    s: Session, as_of: date, started: datetime, status: str, summary: SweepSummary
) -> JobRun:
    run = JobRun(
        job=JOB,
        as_of=as_of,
        started_at=started,
        finished_at=clock.now(),
        status=status,
        detail=summary.as_dict(),
    )
    s.add(run)
    s.flush()
    return run


# --- the sweep --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Reminder:
    """One reminder due (before fan-out to channels), with what its words are made from."""

    subject_kind: str
    subject_id: int
    due: Due
    label: str
    subject: dict[str, Any]  # for the payload
    emails: tuple[str, ...]
    renewal_months: int | None = None


def _sweep(
    s: Session, as_of: date, settings: NotifySettings, summary: SweepSummary, write: bool
) -> None:
    channels = list(s.scalars(select(Channel).where(col(Channel.active)).order_by(col(Channel.id))))
    email_channels = [c.target.lower() for c in channels if c.kind == ChannelKind.EMAIL]
    webhooks = [(c.name, c.id) for c in channels if c.kind == ChannelKind.WEBHOOK]
    conn = s.connection()  # plain rows: the ORM adds nothing to a column read
    due: list[_Reminder] = []

    lo, hi = window(as_of, settings.thresholds, settings.catch_up_days)
    max_notice = max(
        s.scalar(select(func.max(BAA.notice_days)).where(col(BAA.auto_renews))) or 0,
        # a month is at most 31 days: a bound, the rules find the deadline
        31 * (s.scalar(select(func.max(BAA.notice_months)).where(col(BAA.auto_renews))) or 0),
    )
    for r in conn.execute(_baa_query(as_of, lo, hi, max_notice)).all():
        summary.subjects += 1
        terms = BaaTerms(
            r.effective_date,
            r.expiration_date,
            r.auto_renews,
            r.renewal_term_months,
            r.notice_days,
            r.terminated_on,
            r.status,
            r.superseded_on,
            r.notice_months,
        )
        dues = baa_due(
            terms, as_of, settings.thresholds, settings.catch_up_days, settings.review_months
        )
        if r.status == BaaLifecycle.TERMINATED:
            dues = [d for d in dues if d.kind == ReminderKind.TERMINATION]
        if not dues:
            continue
        emails = [r.owner_email, *settings.legal_emails, *email_channels]
        if settings.remind_vendor_contacts:
            emails.append(r.vendor_contact)
        label = f"BAA with {r.vendor_name}" + (f" ({r.title})" if r.title else "")
        subject = {"vendor": r.vendor_name, "baa_title": r.title, "owner_email": r.owner_email}
        for d in dues:
            due.append(
                _Reminder(
                    SubjectKind.BAA,
                    r.id,
                    d,
                    label,
                    subject,
                    _unique_emails(tuple(emails)),
                    r.renewal_term_months,
                )
            )

    due.extend(_gaps_due(s, as_of, lo, hi, settings, email_channels, summary))
    due.extend(_return_destroy_due(s, as_of, lo, hi, settings, email_channels, summary))
    due.extend(_nonconforming_due(s, as_of, settings, email_channels, summary))

    for r in conn.execute(_decision_query(as_of, lo, hi)).all():
        summary.subjects += 1
        found = reassessment_due(r.valid_until, as_of, settings.thresholds, settings.catch_up_days)
        if found is None:
            continue
        subject = {
            "app_id": r.app_id,
            "app": r.app_name,
            "vendor": r.vendor_name,
            "decision": r.decision,
            "decided_by": r.decided_by,
        }
        label = _app_label(r)
        emails = [r.decided_by, *email_channels]
        due.append(
            _Reminder(
                SubjectKind.ASSESSMENT,
                r.assessment_id,
                found,
                label,
                subject,
                _unique_emails(tuple(emails)),
            )
        )
    for r in conn.execute(_condition_query(as_of, lo, hi)).all():
        summary.subjects += 1
        found = condition_due(r.due_date, as_of, settings.thresholds, settings.catch_up_days)
        if found is None:
            continue
        subject = {
            "app_id": r.app_id,
            "app": r.app_name,
            "vendor": r.vendor_name,
            "assessment_id": r.assessment_id,
            "condition": r.text,
            "owner": r.owner,
        }
        label = _app_label(r)
        due.append(
            _Reminder(
                SubjectKind.CONDITION,
                r.id,
                found,
                label,
                subject,
                _unique_emails((r.owner, r.decided_by, *email_channels)),
            )
        )
    summary.due = len(due)

    # Reminders no longer wanted go first: what is planned below is due by construction, and
    # a stale row deleted now may be planned afresh (see drop_stale).
    if write:
        summary.cancelled = len(cancel_unwanted(s, as_of))
    else:
        summary.cancelled = len(set(unwanted(s, as_of)) | set(stale(s)))

    # Fan out to (channel, recipient) keys, drop those already in the outbox, and only then
    # spend time on words and payloads (once per reminder, shared by its recipients' rows).
    present = _present_keys(s, due)
    now = clock.now()
    sent, pending = NotificationStatus.SENT, NotificationStatus.PENDING
    email = settings.email_enabled
    new: list[tuple[Any, ...]] = []
    wanted = 0
    for rem in due:
        d = rem.due
        head = (rem.subject_kind, rem.subject_id, d.kind, d.term_end, d.threshold_days)
        targets: list[tuple[str, str, int | None]] = [(IN_APP, IN_APP_RECIPIENT, None)]
        if email:
            targets.extend((ChannelKind.EMAIL, address, None) for address in rem.emails)
        targets.extend((ChannelKind.WEBHOOK, name, cid) for name, cid in webhooks)
        wanted += len(targets)
        words: tuple[str, str, dict[str, Any]] | None = None
        for channel, recipient, channel_id in targets:
            key = (*head, channel, recipient)
            if key in present:
                continue
            present.add(key)
            if words is None:
                title, body = describe(
                    d,
                    rem.label,
                    renewal_months=rem.renewal_months,
                    condition=rem.subject.get("condition"),
                    reasons=rem.subject.get("reasons", ()),
                )
                payload = _payload(rem.subject_kind, rem.subject_id, d, as_of, **rem.subject)
                words = (title[:500], body, payload)
            title, body, payload = words
            if channel == IN_APP:
                # in-app is delivered the moment it exists: the dashboard reads the outbox
                new.append((*key, title, body, payload, sent, 0, None, None, now, now))
            else:
                if channel_id is not None:
                    payload = {**payload, "channel_id": channel_id}
                new.append((*key, title, body, payload, pending, 0, None, None, now, None))
    summary.existing = wanted - len(new)
    if write:
        created = _insert(s, new)
        summary.created = len(created)
        summary.by_channel = dict(Counter(r[5] for r in created))
        summary.rows = created
    else:
        summary.created = len(new)
        summary.by_channel = dict(Counter(r[5] for r in new))
        summary.rows = new


SIGNED = tuple(sorted(set(BaaLifecycle) - UNSIGNED))


def _vendor_agreements(s: Session, vendor_ids: Any) -> dict[int, list[Any]]:
    """Every signed agreement of these vendors (a subquery or a list of ids), by vendor."""
    rows = s.connection().execute(
        select(
            col(BAA.id),
            col(BAA.vendor_id),
            col(BAA.title),
            col(BAA.owner_email),
            *TERMS,
        )
        .where(col(BAA.status).in_(SIGNED), col(BAA.vendor_id).in_(vendor_ids))
        .order_by(col(BAA.id))
    )
    out: dict[int, list[Any]] = {}
    for r in rows:
        out.setdefault(r.vendor_id, []).append(r)
    return out


def _gaps(agreements: Sequence[Any]) -> list[Any]:
    return coverage_gaps((r.id, BaaTerms(*r[4:])) for r in agreements)


def _gaps_due(
    s: Session,
    as_of: date,
    lo: date,
    hi: date,
    settings: NotifySettings,
    email_channels: Sequence[str],
    summary: SweepSummary,
) -> list[_Reminder]:
    """Coverage-gap reminders: vendors with a signed agreement whose end (termination,
    successor's start, fixed term end) falls inside the window and one starting after today,
    their gaps computed from all their signed agreements; the reminder is about the agreement
    whose end opens the gap."""
    expires = col(BAA.expiration_date)
    ending = (
        select(col(BAA.vendor_id))
        .where(
            col(BAA.status).in_(SIGNED),
            or_(
                col(BAA.terminated_on).between(lo, hi),
                col(BAA.superseded_on).between(lo, hi),
                # a last day in force: the gap opens the day after
                and_(
                    ~col(BAA.auto_renews),
                    expires.between(lo - timedelta(days=1), hi - timedelta(days=1)),
                ),
            ),
        )
        .distinct()
    )
    # A gap ends when a later agreement starts; one that is over needs no reminder, so only
    # vendors with an agreement starting after today can have one (usually few).
    starting = set(
        s.scalars(
            select(col(BAA.vendor_id))
            .where(col(BAA.status).in_(SIGNED), col(BAA.effective_date) > as_of)
            .distinct()
        )
    )
    if not starting:
        return []
    vendors: set[int] = set()
    for chunk in _chunks(sorted(starting)):
        vendors.update(s.scalars(ending.where(col(BAA.vendor_id).in_(chunk))))
    by_vendor = _vendor_agreements(s, sorted(vendors)) if vendors else {}
    if not by_vendor:
        return []
    names = {
        r.id: (r.name, r.contact_email)
        for r in s.connection().execute(
            select(col(Vendor.id), col(Vendor.name), col(Vendor.contact_email)).where(
                col(Vendor.id).in_(sorted(by_vendor))
            )
        )
    }
    out: list[_Reminder] = []
    for vendor_id, agreements in by_vendor.items():
        rows = {r.id: r for r in agreements}
        for gap in _gaps(agreements):
            found = gap_due(gap, as_of, settings.thresholds, settings.catch_up_days)
            if found is None:
                continue
            r = rows[gap.ending_id]
            vendor_name, contact = names[vendor_id]
            emails = [r.owner_email, *settings.legal_emails, *email_channels]
            if settings.remind_vendor_contacts:
                emails.append(contact)
            label = f"BAA with {vendor_name}" + (f" ({r.title})" if r.title else "")
            subject = {
                "vendor": vendor_name,
                "baa_title": r.title,
                "owner_email": r.owner_email,
                "gap_until": gap.end.isoformat(),
                "next_baa_id": gap.next_id,
            }
            out.append(
                _Reminder(
                    SubjectKind.BAA,
                    r.id,
                    found,
                    label,
                    subject,
                    _unique_emails(tuple(emails)),
                )
            )
    return out


def _return_destroy_due(
    s: Session,
    as_of: date,
    lo: date,
    hi: date,
    settings: NotifySettings,
    email_channels: Sequence[str],
    summary: SweepSummary,
) -> list[_Reminder]:
    """Return/destroy reminders: terminated agreements (the termination has taken effect)
    whose certificate is not recorded and whose due date (termination + the configured days)
    falls inside the window."""
    days = timedelta(days=settings.return_destroy_days)
    terminated_on = col(BAA.terminated_on)
    rows: Any = s.connection().execute(
        select(
            col(BAA.id),
            col(BAA.title),
            terminated_on,
            col(BAA.owner_email),
            col(Vendor.name).label("vendor_name"),
            col(Vendor.contact_email).label("vendor_contact"),
        )
        .join(Vendor, col(Vendor.id) == col(BAA.vendor_id))
        .where(
            col(BAA.status) == BaaLifecycle.TERMINATED,
            terminated_on <= as_of,
            terminated_on.between(lo - days, hi - days),
            col(BAA.return_destroy_certified_on).is_(None),
        )
        .order_by(col(BAA.id))
    )
    out: list[_Reminder] = []
    for r in rows:
        summary.subjects += 1
        found = return_destroy_due(
            r.terminated_on,
            as_of,
            settings.return_destroy_days,
            settings.thresholds,
            settings.catch_up_days,
        )
        if found is None:
            continue
        emails = [r.owner_email, *settings.legal_emails, *email_channels]
        if settings.remind_vendor_contacts:
            emails.append(r.vendor_contact)
        label = f"BAA with {r.vendor_name}" + (f" ({r.title})" if r.title else "")
        subject = {"vendor": r.vendor_name, "baa_title": r.title, "owner_email": r.owner_email}
        out.append(
            _Reminder(SubjectKind.BAA, r.id, found, label, subject, _unique_emails(tuple(emails)))
        )
    return out


NONCONFORMING_EVENT = "baa.nonconforming"  # audited when a BAA becomes non-conforming


def _nonconforming(s: Session, as_of: date) -> dict[int, tuple[date, tuple[str, ...]]]:
    """Signed BAAs in force on `as_of` that are non-conforming with no exception counting then:
    id → (the day it last became non-conforming, its reasons in words). Candidates are the
    few BAAs whose audit trail says they became non-conforming."""
    marked = s.execute(
        select(col(AuditEvent.entity_id), func.max(col(AuditEvent.at)))
        .where(
            col(AuditEvent.entity_type) == "baa",
            col(AuditEvent.action) == NONCONFORMING_EVENT,
        )
        .group_by(col(AuditEvent.entity_id))
    ).all()
    since = {int(e): clock.local_day(at) for e, at in marked if e is not None and e.isdigit()}
    if not since:
        return {}
    found: dict[int, tuple[date, tuple[str, ...]]] = {}
    for chunk in _chunks(sorted(since)):
        baas = s.scalars(
            select(BAA).where(
                col(BAA.id).in_(chunk),
                # signed and in force that day: a termination or a renewal recorded ahead
                # of its day leaves the agreement in force until then
                col(BAA.status).in_(
                    (BaaLifecycle.ACTIVE, BaaLifecycle.SUPERSEDED, BaaLifecycle.TERMINATED)
                ),
                or_(col(BAA.terminated_on).is_(None), col(BAA.terminated_on) > as_of),
                or_(col(BAA.superseded_on).is_(None), col(BAA.superseded_on) > as_of),
            )
        ).all()
        for baa_id, st in baa_provisions.standings(s, baas).items():
            if st.gaps and not st.excepted_on(as_of):
                found[baa_id] = (since[baa_id], tuple(st.gaps))
    return found


def _nonconforming_due(
    s: Session,
    as_of: date,
    settings: NotifySettings,
    email_channels: Sequence[str],
    summary: SweepSummary,
) -> list[_Reminder]:
    """Legal is told once each time a BAA in force becomes non-conforming (the day it did
    keys the reminder): in-app, the legal addresses, the owner, e-mail channels, webhooks."""
    found = _nonconforming(s, as_of)
    if not found:
        return []
    rows: Any = s.connection().execute(
        select(
            col(BAA.id),
            col(BAA.title),
            col(BAA.owner_email),
            col(Vendor.name).label("vendor_name"),
        )
        .join(Vendor, col(Vendor.id) == col(BAA.vendor_id))
        .where(col(BAA.id).in_(sorted(found)))
        .order_by(col(BAA.id))
    )
    out: list[_Reminder] = []
    for r in rows:
        summary.subjects += 1
        day, reasons = found[r.id]
        due = Due(ReminderKind.NONCONFORMING, day, day, 0, (as_of - day).days * -1)
        label = f"BAA with {r.vendor_name}" + (f" ({r.title})" if r.title else "")
        subject = {
            "vendor": r.vendor_name,
            "baa_title": r.title,
            "owner_email": r.owner_email,
            "reasons": list(reasons),
        }
        emails = _unique_emails((*settings.legal_emails, r.owner_email, *email_channels))
        out.append(_Reminder(SubjectKind.BAA, r.id, due, label, subject, emails))
    return out


def _app_label(r: Any) -> str:
    """How a reminder about an app names it: "Acme Camera (ios, Acme Health)"."""
    return f"{r.app_name} ({r.platform}, {r.vendor_name})"


def _unique_emails(candidates: tuple[str | None, ...]) -> tuple[str, ...]:
    """Addresses in order, once each; skips what is not one (decided_by may name a token)."""
    return tuple(dict.fromkeys(c.strip().lower() for c in candidates if c and "@" in c))


def _payload(kind: str, ident: int, due: Due, as_of: date, **subject: Any) -> dict[str, Any]:
    return {
        "event": "vetting.reminder",
        "subject": {"kind": kind, "id": ident, **subject},
        "reminder": {
            "kind": due.kind,
            "term_end": due.term_end.isoformat(),
            "deadline": due.deadline.isoformat(),
            "threshold_days": due.threshold_days,
            "days_left": due.days_left,
            "as_of": as_of.isoformat(),
            **({"until": due.until.isoformat()} if due.until else {}),
        },
    }


def _baa_query(as_of: date, lo: date, hi: date, max_notice: int) -> Any:
    """Active, unterminated agreements with a deadline that could have a reminder due: fixed
    terms ending inside the window [lo, hi]; auto-renewing ones whose first term is still
    running and whose notice deadline (the day after the term end − the notice period, at
    most `max_notice` days earlier) can fall inside it; auto-renewing ones that rolled already
    (the rules roll them); evergreen ones (their periodic review). And agreements terminated
    for a later day, the termination inside the window: only the termination is reminded of."""
    expires, renews = col(BAA.expiration_date), col(BAA.auto_renews)
    terminated_on, status = col(BAA.terminated_on), col(BAA.status)
    # `expiration_date` is a last day in force: a fixed term's reminders count to the day
    # after it, an auto-renewing one's notice deadline back from the day after it.
    day = timedelta(days=1)
    renewing_window = expires.between(lo - day, hi + timedelta(days=max_notice))
    term_window = and_(
        expires.is_not(None),
        or_(
            and_(~renews, expires.between(lo - day, hi - day)),
            and_(renews, or_(expires <= as_of, renewing_window)),
        ),
    )
    return (
        select(
            col(BAA.id),
            col(BAA.title),
            col(BAA.effective_date),
            expires,
            renews,
            col(BAA.renewal_term_months),
            col(BAA.notice_days),
            terminated_on,
            status,
            col(BAA.superseded_on),
            col(BAA.notice_months),
            col(BAA.owner_email),
            col(Vendor.name).label("vendor_name"),
            col(Vendor.contact_email).label("vendor_contact"),
        )
        .join(Vendor, col(Vendor.id) == col(BAA.vendor_id))
        .where(
            or_(
                and_(
                    status == BaaLifecycle.ACTIVE,
                    or_(terminated_on.is_(None), terminated_on > as_of),
                    # evergreen: its periodic review (the rules find the date)
                    or_(term_window, expires.is_(None)),
                ),
                # terminated for a later day: the termination (its term ends and notice
                # deadlines are moot: it ends, and does not renew)
                and_(
                    status == BaaLifecycle.TERMINATED,
                    terminated_on > as_of,
                    terminated_on <= hi,
                ),
            ),
        )
        .order_by(col(BAA.id))
    )


# plain columns: the queries below read no ORM objects
DECISION = SQLModel.metadata.tables[Decision.__tablename__]


def _is_latest(as_of: date) -> Any:
    """A decision is its app's latest made on or before `as_of` (the organisation's day, as
    the approved list counts a decision)."""
    return decisions.latest_clause(clock.day_start(as_of + timedelta(days=1)))


def _decision_query(as_of: date, lo: date, hi: date, assessment_ids: Sequence[int] = ()) -> Any:
    """Approving decisions that are their app's latest, of apps not revoked, on decided
    assessments — the ones a reassessment reminder can be about."""
    latest = DECISION
    stmt = (
        select(
            latest.c.assessment_id,
            latest.c.app_id,
            latest.c.decision,
            latest.c.decided_by,
            latest.c.valid_until,
            col(App.name).label("app_name"),
            col(App.platform),
            col(Vendor.name).label("vendor_name"),
        )
        .join(App, col(App.id) == latest.c.app_id)
        .join(Vendor, col(Vendor.id) == col(App.vendor_id))
        .join(Assessment, col(Assessment.id) == latest.c.assessment_id)
        .where(
            _is_latest(as_of),
            latest.c.decision.in_(APPROVING),
            _in_effect(latest, as_of),
            col(Assessment.status) == AssessmentStatus.DECIDED,
            or_(col(App.revoked_on).is_(None), col(App.revoked_on) > as_of),
        )
        .order_by(latest.c.assessment_id)
    )
    if assessment_ids:
        return stmt.where(_one_of(latest.c.assessment_id, assessment_ids))
    return stmt.where(latest.c.valid_until.between(lo, hi))


def _in_effect(latest: Any, as_of: date) -> Any:
    """The latest decision is in effect on `as_of`: it needs no second person, or had one's
    confirmation by then (a pending or refused one is not: no reminder is about it)."""
    cutoff = clock.day_start(as_of + timedelta(days=1))
    return or_(
        latest.c.needs_confirmation.is_(False),
        and_(latest.c.confirmed_at.is_not(None), latest.c.confirmed_at < cutoff),
    )


def _condition_query(as_of: date, lo: date, hi: date, condition_ids: Sequence[int] = ()) -> Any:
    """Unmet conditions of approving decisions that are their app's latest and in effect (not
    waiting for, or refused by, a second person), of apps not revoked — the conditions a
    reminder can be about."""
    latest = DECISION
    cutoff = clock.day_start(as_of + timedelta(days=1))
    stmt = (
        select(
            col(DecisionCondition.id),
            col(DecisionCondition.text),
            col(DecisionCondition.due_date),
            col(DecisionCondition.owner),
            latest.c.assessment_id,
            latest.c.app_id,
            latest.c.decided_by,
            col(App.name).label("app_name"),
            col(App.platform),
            col(Vendor.name).label("vendor_name"),
        )
        .join(latest, latest.c.id == col(DecisionCondition.decision_id))
        .join(App, col(App.id) == latest.c.app_id)
        .join(Vendor, col(Vendor.id) == col(App.vendor_id))
        .where(
            _is_latest(as_of),
            latest.c.decision.in_(APPROVING),
            _in_effect(latest, as_of),
            or_(
                col(DecisionCondition.met_at).is_(None),
                col(DecisionCondition.met_at) >= cutoff,
            ),
            or_(col(App.revoked_on).is_(None), col(App.revoked_on) > as_of),
        )
        .order_by(col(DecisionCondition.id))
    )
    if condition_ids:
        return stmt.where(_one_of(col(DecisionCondition.id), condition_ids))
    return stmt.where(col(DecisionCondition.due_date).between(lo, hi))


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _one_of(column: Any, ids: Sequence[int]) -> Any:
    """`column` is one of `ids` (at most CHUNK integers), the ids written into the statement
    as numbers when it runs rather than sent as thousands of parameters: PostgreSQL's driver
    splits and binds a statement's parameters in Python, which cost more than the look-up
    (0.3 s for a sweep's keys that found nothing), and a statement text is never reused for
    other ids, so nothing is lost by not preparing it. Only integers: nothing to escape."""
    return column.in_(bindparam(None, [int(i) for i in ids], expanding=True, literal_execute=True))


def _present_keys(s: Session, due: Sequence[_Reminder]) -> set[tuple[Any, ...]]:
    """The outbox keys already stored for these subjects (read through the unique index)."""
    present: set[tuple[Any, ...]] = set()
    table = SQLModel.metadata.tables[Notification.__tablename__]
    cols = [table.c[c] for c in KEY_COLUMNS]
    by_kind: dict[str, set[int]] = {}
    for rem in due:
        by_kind.setdefault(rem.subject_kind, set()).add(rem.subject_id)
    conn = s.connection()
    for kind, ids in by_kind.items():
        for chunk in _chunks(sorted(ids)):
            stmt = select(*cols).where(
                table.c.subject_kind == kind, _one_of(table.c.subject_id, chunk)
            )
            present.update(map(tuple, conn.execute(stmt).all()))
    return present


def _insert(s: Session, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """INSERT … ON CONFLICT DO NOTHING of `rows` (in COLUMNS): a row another sweep inserted
    meanwhile is skipped, not an error. Returns the rows actually inserted."""
    if not rows:
        return []
    table = SQLModel.metadata.tables[Notification.__tablename__]
    keys = [table.c[c] for c in KEY_COLUMNS]
    conn = s.connection()
    created: set[tuple[Any, ...]] = set()
    if conn.dialect.name == "postgresql":
        return _copy_in(conn, rows)
    # SQLite: the sweep holds the database's write lock (BEGIN IMMEDIATE, see locks.py), and
    # `rows` leaves out every key already stored, so each row is new. One driver-level
    # executemany of plain tuples, each value through its column type's own bind processor
    # as SQLAlchemy would store it — once per distinct value: a reminder's recipients share
    # its payload, and a sweep's rows share their timestamps (SQLAlchemy's per-row
    # executemany machinery, and encoding the same payload for every recipient, cost more
    # than the inserts). ON CONFLICT DO NOTHING still guards; if the count says a row was
    # skipped, the rows of this sweep (its `created_at`) are read back to say which.
    plain = sqlite.insert(table).on_conflict_do_nothing()
    compiled = plain.compile(dialect=conn.dialect, column_keys=list(COLUMNS))
    order = [COLUMNS.index(n) for n in (compiled.positiontup or COLUMNS)]
    if order != list(range(len(COLUMNS))):
        rows_in_order = [tuple(r[i] for i in order) for r in rows]
    else:
        rows_in_order = rows
    # Column by column, each distinct value through its column type's bind processor once:
    # a reminder's rows share its payload (_payload_texts), a sweep's rows their days and
    # timestamps (told apart by value).
    columns = list(zip(*rows_in_order, strict=True))
    for at, i in enumerate(order):
        values = columns[at]
        if COLUMNS[i] == "payload":
            columns[at] = _payload_texts(values)
            continue
        process = table.c[COLUMNS[i]].type._cached_bind_processor(conn.dialect)
        if process is not None:
            encoded = {v: None if v is None else process(v) for v in set(values)}
            columns[at] = tuple(map(encoded.__getitem__, values))
    params = list(zip(*columns, strict=True))
    inserted = 0
    for chunk in _chunks(params, 10_000):
        inserted += conn.exec_driver_sql(str(compiled), list(chunk)).rowcount
    if inserted == len(rows):
        return rows
    stamp = rows[0][COLUMNS.index("created_at")]
    created.update(map(tuple, conn.execute(select(*keys).where(table.c.created_at == stamp))))
    return [r for r in rows if r[:KEY] in created]


def _payload_texts(payloads: Sequence[dict[str, Any] | None]) -> tuple[str | None, ...]:
    """The payloads as the outbox stores them: compact JSON text, by orjson (a sweep's 22,000
    payloads in 0.02 s; the standard library's encoder took 0.18 s of the 2 s the sweep may
    take), read back by the column's own JSON type like every other row. Each payload once: a
    reminder's rows share it, told apart by identity (dicts are unhashable; each lives in the
    caller's rows meanwhile, so no id is reused)."""
    ids = list(map(id, payloads))
    distinct = dict(zip(ids, payloads, strict=True))
    text = {k: None if v is None else orjson.dumps(v).decode() for k, v in distinct.items()}
    return tuple(map(text.__getitem__, ids))


UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE for a duplicate key
ONCE_CONSTRAINT = "uq_notification_once"  # the outbox's unique key (KEY_COLUMNS)


def _copy_in(conn: Any, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """PostgreSQL: `rows` by COPY, its own bulk path (no statement parsed per row), each
    payload encoded once (a reminder's recipients share it). The sweep holds the job lock
    and left out every key already stored, so the rows go straight into the outbox, inside a
    savepoint. Should a key be there after all, that COPY is rolled back to the savepoint and
    the rows go through a temporary table and one INSERT … SELECT … ON CONFLICT DO NOTHING
    RETURNING the keys written (twice the work, and only then)."""
    names = ", ".join(COLUMNS)
    at = COLUMNS.index("payload")
    texts = _payload_texts([r[at] for r in rows])
    stored = [(*r[:at], t, *r[at + 1 :]) for r, t in zip(rows, texts, strict=True)]

    def copy_into(cursor: Any, table: str) -> None:
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in stored:
                copy.write_row(row)

    with conn.connection.driver_connection.cursor() as cursor:
        cursor.execute("SAVEPOINT notification_copy")
        try:
            copy_into(cursor, "notification")
        except Exception as exc:
            # only the outbox's own key (a reminder already there), not any duplicate key
            constraint = getattr(getattr(exc, "diag", None), "constraint_name", None)
            if getattr(exc, "sqlstate", None) != UNIQUE_VIOLATION or constraint != ONCE_CONSTRAINT:
                raise
            cursor.execute("ROLLBACK TO SAVEPOINT notification_copy")
        else:
            cursor.execute("RELEASE SAVEPOINT notification_copy")
            return rows
        cursor.execute(
            f"CREATE TEMPORARY TABLE notification_in ON COMMIT DROP AS "
            f"SELECT {names} FROM notification WITH NO DATA"
        )
        copy_into(cursor, "notification_in")
        cursor.execute(
            f"INSERT INTO notification ({names}) SELECT {names} FROM notification_in "
            f"ON CONFLICT ON CONSTRAINT {ONCE_CONSTRAINT} DO NOTHING "
            f"RETURNING {', '.join(KEY_COLUMNS)}"
        )
        created = set(map(tuple, cursor.fetchall()))
        cursor.execute("DROP TABLE notification_in")
    return [r for r in rows if r[:KEY] in created]


# --- cancelling reminders nobody needs any more -----------------------------------------------


# Reminders about an agreement's own term: moot once it is no longer active.
TERM_KINDS = (
    ReminderKind.TERM_END,
    ReminderKind.EXPIRED,
    ReminderKind.NOTICE_DEADLINE,
    ReminderKind.REVIEW,
)


def _baa_gone(as_of: date) -> Any:
    """Notification rows about a BAA's term when it is no longer active (superseded,
    terminated, back to draft) or its termination date has come; termination reminders when
    the termination was withdrawn, moved or has taken effect; return/destroy reminders once
    the certificate is recorded (or the termination withdrawn)."""
    term = and_(
        col(Notification.kind).in_(TERM_KINDS),
        ~exists().where(
            col(BAA.id) == col(Notification.subject_id),
            col(BAA.status) == BaaLifecycle.ACTIVE,
            or_(col(BAA.terminated_on).is_(None), col(BAA.terminated_on) > as_of),
        ),
    )
    termination = and_(
        col(Notification.kind) == ReminderKind.TERMINATION,
        ~exists().where(
            col(BAA.id) == col(Notification.subject_id),
            col(BAA.status) == BaaLifecycle.TERMINATED,
            col(BAA.terminated_on) == col(Notification.term_end),
            col(BAA.terminated_on) > as_of,
        ),
    )
    follow_up = and_(
        col(Notification.kind) == ReminderKind.RETURN_DESTROY,
        ~exists().where(
            col(BAA.id) == col(Notification.subject_id),
            col(BAA.status) == BaaLifecycle.TERMINATED,
            col(BAA.return_destroy_certified_on).is_(None),
        ),
    )
    return or_(term, termination, follow_up)


def _gaps_gone(s: Session, as_of: date, pending: Sequence[Any]) -> list[int]:
    """Pending coverage-gap rows whose gap no longer opens that day (the renewal was moved to
    close it, the dates changed) or is over."""
    rows = s.execute(
        select(
            col(Notification.id),
            col(Notification.subject_id),
            col(Notification.term_end),
            col(BAA.vendor_id),
        )
        .join(BAA, col(BAA.id) == col(Notification.subject_id))
        .where(*pending, col(Notification.kind) == ReminderKind.COVERAGE_GAP)
    ).all()
    if not rows:
        return []
    by_vendor = _vendor_agreements(s, sorted({r.vendor_id for r in rows}))
    open_gaps = {
        (g.ending_id, g.start)
        for agreements in by_vendor.values()
        for g in _gaps(agreements)
        if as_of < g.end
    }
    return [r.id for r in rows if (r.subject_id, r.term_end) not in open_gaps]


def unwanted(s: Session, as_of: date, among: Sequence[int] | None = None) -> list[int]:
    """Ids of pending rows (optionally only `among` these) whose subject no longer needs them:
    the BAA was renewed (superseded), terminated or withdrawn; the decision was replaced by a
    newer one, or its app revoked."""
    pending = [col(Notification.status) == NotificationStatus.PENDING]
    if among is not None:
        if not among:
            return []
        pending.append(col(Notification.id).in_(among))
    gone = s.scalars(
        select(col(Notification.id)).where(
            *pending, col(Notification.subject_kind) == SubjectKind.BAA, _baa_gone(as_of)
        )
    )
    ids = [i for i in gone if i is not None]  # all of them: primary keys
    ids += _gaps_gone(s, as_of, [*pending, col(Notification.subject_kind) == SubjectKind.BAA])
    rows = s.execute(
        select(col(Notification.id), col(Notification.subject_id)).where(
            *pending, col(Notification.kind) == ReminderKind.NONCONFORMING
        )
    ).all()
    if rows:  # amended, excepted, ended since: legal need not be told any more
        still = _nonconforming(s, as_of)
        ids += [r.id for r in rows if r.subject_id not in still]
    # (a gap row whose BAA was deleted is not found by the join: the term rule covers it)
    rows = s.execute(
        select(col(Notification.id), col(Notification.subject_id)).where(
            *pending, col(Notification.subject_kind) == SubjectKind.ASSESSMENT
        )
    ).all()
    if rows:
        subjects = sorted({r.subject_id for r in rows})
        current: set[int] = set()
        for chunk in _chunks(subjects):
            current.update(
                r.assessment_id
                for r in s.execute(_decision_query(as_of, as_of, as_of, list(chunk)))
            )
        ids += [r.id for r in rows if r.subject_id not in current]
    rows = s.execute(
        select(col(Notification.id), col(Notification.subject_id)).where(
            *pending, col(Notification.subject_kind) == SubjectKind.CONDITION
        )
    ).all()
    if rows:
        subjects = sorted({r.subject_id for r in rows})
        standing: set[int] = set()
        for chunk in _chunks(subjects):
            standing.update(
                r.id for r in s.execute(_condition_query(as_of, as_of, as_of, list(chunk)))
            )
        ids += [r.id for r in rows if r.subject_id not in standing]
    return sorted(ids)


def stale(s: Session, among: Sequence[int] | None = None) -> list[int]:
    """Ids of pending rows (optionally only `among` these) about an active agreement whose
    dates were edited since they were planned: the term end they count to is no longer one
    of its term ends, or a termination now makes it moot (`baa_reminder_stands`). Only the
    reminders about its own dates: gaps and return/destroy follow-ups are judged by
    `unwanted`."""
    pending = [
        col(Notification.status) == NotificationStatus.PENDING,
        col(Notification.subject_kind) == SubjectKind.BAA,
        col(Notification.kind).in_((*TERM_KINDS, ReminderKind.TERMINATION)),
    ]
    if among is not None:
        if not among:
            return []
        pending.append(col(Notification.id).in_(among))
    # Two plain reads rather than a join: the planner's guess for a join between a freshly
    # filled outbox and the register can be a nested loop over both.
    rows = s.execute(
        select(
            col(Notification.id),
            col(Notification.kind),
            col(Notification.term_end),
            col(Notification.subject_id),
        ).where(*pending)
    ).all()
    if not rows:
        return []
    terms: dict[int, BaaTerms] = {}
    for chunk in _chunks(sorted({r.subject_id for r in rows})):
        for t in s.execute(
            select(col(BAA.id), *TERMS).where(
                _one_of(col(BAA.id), chunk), col(BAA.status) == BaaLifecycle.ACTIVE
            )
        ):
            terms[t[0]] = BaaTerms(*t[1:])
    return [
        r.id
        for r in rows
        if r.subject_id in terms
        and not baa_reminder_stands(terms[r.subject_id], r.kind, r.term_end)
    ]


def drop_stale(s: Session, ids: Sequence[int]) -> int:
    """Delete pending rows about dates that no longer apply, inside the caller's transaction.
    They were never sent, and deleting (not cancelling) them lets the sweep plan the same
    reminder again if the edit is undone: the unique key would refuse it otherwise."""
    for chunk in _chunks(ids):
        s.execute(
            delete(Notification).where(
                col(Notification.id).in_(chunk),
                col(Notification.status) == NotificationStatus.PENDING,
            )
        )
    return len(ids)


def cancel_unwanted(s: Session, as_of: date, among: Sequence[int] | None = None) -> set[int]:
    """Cancel the `unwanted` pending rows, and drop the `stale` ones, inside the caller's
    transaction (the sweep, and the outbox before it sends a batch); returns their ids."""
    ids = unwanted(s, as_of, among)
    gone = set(ids)
    dropped = [i for i in stale(s, among) if i not in gone]
    drop_stale(s, dropped)
    for chunk in _chunks(ids):
        s.execute(
            update(Notification)
            .where(
                col(Notification.id).in_(chunk),
                col(Notification.status) == NotificationStatus.PENDING,
            )
            .values(
                status=NotificationStatus.CANCELLED,
                next_attempt_at=None,
                last_error="cancelled: the agreement or decision no longer needs this reminder",
            )
        )
    return gone | set(dropped)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in row.items():
        out[k] = v.isoformat() if isinstance(v, date | datetime) else v
    return out
