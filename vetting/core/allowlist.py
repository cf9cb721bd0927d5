"""Decisions + BAA states → the approved-app list on a date, with a reason for every app.

An app is on the list when its latest decision (made on or before the date) is approved or
conditional and still valid, its vendor has a BAA in force that day, and it is not revoked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from vetting.core.baa import STATUS_WORDS, BaaLifecycle, BaaState, BaaStatus, BaaTerms, state_on
from vetting.core.baa_provisions import ExceptionWindow, excepted
from vetting.core.decisions import (
    ConditionFacts,
    Confirmation,
    Pins,
    confirmation_state,
    overdue,
    pin_changes,
)
from vetting.core.scoring import Outcome

APPROVING = frozenset({Outcome.APPROVED, Outcome.CONDITIONAL})


# Facts and entries are built by the tens of thousands per list: plain dataclasses, because a
# frozen dataclass's __init__ is several times slower. Treat them as values all the same.
@dataclass
class AppFacts:
    app_id: int
    name: str
    platform: str
    store_id: str | None
    vendor_id: int
    vendor_name: str
    revoked_on: date | None = None
    revoked_reason: str | None = None
    store_url: str | None = None


@dataclass
class DecisionFacts:
    decision: str
    decided_on: date
    decided_by: str
    valid_until: date
    assessment_id: int
    conditions: str | None = None
    # Its second person: needed (more permissive than the verdict), and when given or refused.
    needs_confirmation: bool = False
    confirmation_reason: str | None = None
    confirmed_on: date | None = None
    confirmed_by: str | None = None
    refused_on: date | None = None
    refused_by: str | None = None
    # What it was made about; conditions with due dates.
    pins: Pins | None = None
    condition_items: tuple[ConditionFacts, ...] = ()


@dataclass(frozen=True)
class BaaFacts:
    baa_id: int
    terms: BaaTerms
    # Product scope: every app of the vendor, or only `app_ids`.
    all_products: bool = True
    app_ids: frozenset[int] = frozenset()
    # Why it is non-conforming ("lacks subcontractor flow-down — 45 CFR …"); empty: conforms.
    gaps: tuple[str, ...] = ()
    # Exceptions legal recorded for it (counting once confirmed, through their end).
    exceptions: tuple[ExceptionWindow, ...] = ()

    def covers(self, app_id: int) -> bool:
        return self.all_products or app_id in self.app_ids


@dataclass
class ListEntry:
    app_id: int
    name: str
    platform: str
    store_id: str | None
    vendor_id: int
    vendor_name: str
    decision: str
    decided_on: date
    decided_by: str
    valid_until: date
    assessment_id: int
    baa_id: int
    baa_term_end: date | None
    conditions: str | None
    reason: str
    store_url: str | None = None


@dataclass
class Exclusion:
    app_id: int
    name: str
    platform: str
    store_id: str | None
    vendor_id: int
    vendor_name: str
    reasons: tuple[str, ...]
    # The latest decision is a rejection: what block-mode MDM exports block.
    rejected: bool = False
    store_url: str | None = None

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class ApprovedList:
    as_of: date
    entries: tuple[ListEntry, ...]
    excluded: tuple[Exclusion, ...] = field(default=())


def _in_force(vendor: str, baas: Sequence[BaaFacts], on: date) -> tuple[list[BaaFacts], str]:
    """The vendor's BAAs in force on `on`, newest first, or the reason in words why there is
    none.

    Drafts and agreements pending signature never count; they are only mentioned, after the
    reason the signed agreements give, so legal sees both "what lapsed" and "what is coming".
    """
    if not baas:
        return [], f"no BAA with {vendor}"
    signed = [(b, state_on(b.terms, on)) for b in baas if b.terms.signed]
    in_force = [(b, st) for b, st in signed if st.in_force]
    if in_force:
        # Several can overlap (a renewal that starts before the old term ends): the newest wins.
        in_force.sort(key=lambda s: (s[0].terms.effective_date, s[0].baa_id), reverse=True)
        return [b for b, _ in in_force], ""
    reasons: list[str] = []
    if signed:
        reasons.append(_lapse_reason(vendor, signed))
    unsigned = [b for b in baas if not b.terms.signed]
    if unsigned:
        newest = max(
            unsigned, key=lambda b: (b.terms.status == BaaLifecycle.PENDING_SIGNATURE, b.baa_id)
        )
        words = STATUS_WORDS[newest.terms.status]
        reasons.append(f"BAA with {vendor} is {words}" if not signed else f"a new BAA is {words}")
    return [], "; ".join(reasons)


def _covering(
    app: AppFacts, in_force: Sequence[BaaFacts], lapsed: str, on: date
) -> tuple[BaaFacts | None, list[str]]:
    """The BAA that keeps `app` on the list on `on` (the newest in force that covers it and
    conforms, or is excepted), or the reasons in words why none does."""
    if not in_force:
        return None, [lapsed]
    covering = [b for b in in_force if b.covers(app.app_id)]
    if not covering:
        return None, [f"no BAA with {app.vendor_name} covers {app.name}"]
    for baa in covering:
        if not baa.gaps or excepted(baa.exceptions, on):
            return baa, []
    return None, [f"BAA with {app.vendor_name} {gap}" for gap in covering[0].gaps]


def _lapse_reason(vendor: str, signed: Sequence[tuple[BaaFacts, BaaStatus]]) -> str:
    """Why no signed agreement is in force: explained by the one that started last, and by the
    one before it when the newest has not started yet (the gap a late renewal leaves)."""
    ordered = sorted(signed, key=lambda s: (s[0].terms.effective_date, s[0].baa_id))
    baa, status = ordered[-1]
    if status.state == BaaState.NOT_YET_EFFECTIVE:
        starts = baa.terms.effective_date.isoformat()
        if len(ordered) > 1:
            return f"{_ended(vendor, *ordered[-2])}; the next takes effect {starts}"
        return f"BAA with {vendor} not yet effective (starts {starts})"
    return _ended(vendor, baa, status)


def _ended(vendor: str, baa: BaaFacts, status: BaaStatus) -> str:
    # status.term_end is the last day the agreement was in force.
    through = status.term_end.isoformat() if status.term_end else "?"
    if status.state == BaaState.TERMINATED:
        return f"BAA with {vendor} terminated: in force through {through}"
    if status.state == BaaState.EXPIRED:
        return f"BAA with {vendor} expired: in force through {through}"
    if status.state == BaaState.SUPERSEDED:
        return f"BAA with {vendor} superseded: in force through {through}"
    return f"BAA with {vendor} not yet effective (starts {baa.terms.effective_date.isoformat()})"


def _decision_reasons(app: AppFacts, d: DecisionFacts, as_of: date) -> list[str]:
    """Why the app's latest decision keeps it off the list on `as_of`, in words (none: it
    allows the app)."""
    made = f"{d.decision} {d.decided_on.isoformat()} by {d.decided_by}"
    if d.decision not in APPROVING:
        return [made]
    state = confirmation_state(d.needs_confirmation, d.confirmed_on, d.refused_on, as_of)
    if state == Confirmation.PENDING:
        why = f" ({d.confirmation_reason})" if d.confirmation_reason else ""
        return [f"{made} awaits a second person's confirmation{why}"]
    if state == Confirmation.REFUSED:
        on = d.refused_on.isoformat() if d.refused_on else ""
        return [f"{made} was refused by {d.refused_by} {on}".rstrip()]
    out: list[str] = []
    if d.valid_until < as_of:
        out.append(f"{d.decision} decision expired {d.valid_until.isoformat()}: reassessment due")
    out.extend(overdue(d.condition_items, as_of))
    if d.pins is not None:
        out.extend(pin_changes(d.pins, app.platform, app.store_id, app.vendor_id, d.decided_on))
    return out


def _confirmed(d: DecisionFacts) -> str:
    if d.needs_confirmation and d.confirmed_by:
        return f", confirmed by {d.confirmed_by}"
    return ""


def approved_list(
    as_of: date,
    apps: Iterable[AppFacts],
    latest_decisions: Mapping[int, DecisionFacts],
    baas_by_vendor: Mapping[int, Sequence[BaaFacts]],
) -> ApprovedList:
    """Compute the list for one date. `latest_decisions` maps app id → its latest decision
    made on or before `as_of` (the caller selects it; this function checks validity)."""
    entries: list[ListEntry] = []
    excluded: list[Exclusion] = []
    baa_cache: dict[int, tuple[list[BaaFacts], str]] = {}  # in force, per vendor
    term_end_cache: dict[int, date | None] = {}  # one state_on per BAA, not per app
    for app in apps:
        reasons: list[str] = []
        if app.revoked_on is not None and app.revoked_on <= as_of:
            why = f": {app.revoked_reason}" if app.revoked_reason else ""
            reasons.append(f"revoked {app.revoked_on.isoformat()}{why}")
        decision = latest_decisions.get(app.app_id)
        if decision is None:
            reasons.append("no decision recorded")
        else:
            reasons.extend(_decision_reasons(app, decision, as_of))
        if app.vendor_id not in baa_cache:
            baa_cache[app.vendor_id] = _in_force(
                app.vendor_name, baas_by_vendor.get(app.vendor_id, ()), as_of
            )
        in_force, lapsed = baa_cache[app.vendor_id]
        first = in_force[0] if in_force else None
        if first is not None and first.all_products and not first.gaps:
            baa: BaaFacts | None = first  # the common case: nothing per app to check
        else:
            baa, baa_reasons = _covering(app, in_force, lapsed, as_of)
            reasons.extend(baa_reasons)
        if reasons or decision is None or baa is None:
            excluded.append(
                Exclusion(
                    app.app_id,
                    app.name,
                    app.platform,
                    app.store_id,
                    app.vendor_id,
                    app.vendor_name,
                    tuple(reasons),
                    rejected=decision is not None and decision.decision == Outcome.REJECTED,
                    store_url=app.store_url,
                )
            )
            continue
        if baa.baa_id not in term_end_cache:
            term_end_cache[baa.baa_id] = state_on(baa.terms, as_of).term_end
        entries.append(
            ListEntry(
                app_id=app.app_id,
                name=app.name,
                platform=app.platform,
                store_id=app.store_id,
                vendor_id=app.vendor_id,
                vendor_name=app.vendor_name,
                decision=decision.decision,
                decided_on=decision.decided_on,
                decided_by=decision.decided_by,
                valid_until=decision.valid_until,
                assessment_id=decision.assessment_id,
                baa_id=baa.baa_id,
                baa_term_end=term_end_cache[baa.baa_id],
                conditions=decision.conditions,
                reason=(
                    f"{decision.decision} {decision.decided_on.isoformat()} by "
                    f"{decision.decided_by}{_confirmed(decision)}; "
                    f"BAA with {app.vendor_name} in force"
                    f"{' (non-conforming, under a confirmed exception)' if baa.gaps else ''}"
                ),
                store_url=app.store_url,
            )
        )
    return ApprovedList(as_of=as_of, entries=tuple(entries), excluded=tuple(excluded))


# --- the difference between two lists, in words -------------------------------------------

# What a person reads when an entry stays on the list but its facts change.
_CHANGE_LABELS: tuple[tuple[str, str], ...] = (
    ("name", "name"),
    ("store_id", "store ID"),
    ("vendor_name", "vendor"),
    ("decision", "decision"),
    ("decided_on", "decided on"),
    ("decided_by", "decided by"),
    ("valid_until", "valid until"),
    ("conditions", "conditions"),
    ("baa_id", "BAA"),
    ("baa_term_end", "BAA term end"),
)


@dataclass(frozen=True)
class ListChange:
    """One app that changed between two lists, and why, in words."""

    app_id: int
    name: str
    platform: str
    store_id: str | None
    vendor_name: str
    reason: str


@dataclass(frozen=True)
class ListDiff:
    """What changed from one list to the next. `added`/`removed` are the approved entries;
    `changed` are entries still on the list with different facts; `blocked`/`unblocked` are
    apps whose latest decision became (or stopped being) a rejection (what block mode uses)."""

    added: tuple[ListChange, ...] = ()
    removed: tuple[ListChange, ...] = ()
    changed: tuple[ListChange, ...] = ()
    blocked: tuple[ListChange, ...] = ()
    unblocked: tuple[ListChange, ...] = ()

    KINDS = ("added", "removed", "changed", "blocked", "unblocked")

    @property
    def empty(self) -> bool:
        return not any(getattr(self, k) for k in self.KINDS)

    @property
    def summary(self) -> str:
        """e.g. "2 added, 1 removed" or "no app added or removed"."""
        parts = [f"{len(getattr(self, k))} {k}" for k in self.KINDS if getattr(self, k)]
        return ", ".join(parts) if parts else "no app added or removed"

    def as_dict(self) -> dict[str, list[dict[str, object]]]:
        return {k: [change.__dict__.copy() for change in getattr(self, k)] for k in self.KINDS}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ListDiff:
        def changes(kind: str) -> tuple[ListChange, ...]:
            items = cast(Iterable[Mapping[str, Any]], data.get(kind) or ())
            return tuple(ListChange(**item) for item in items)

        return cls(*(changes(k) for k in cls.KINDS))


def _change(app: ListEntry | Exclusion, reason: str) -> ListChange:
    return ListChange(app.app_id, app.name, app.platform, app.store_id, app.vendor_name, reason)


def _plain(value: object) -> str:
    if value is None or value == "":
        return "none"
    return value.isoformat() if isinstance(value, date) else str(value)


def diff_lists(previous: ApprovedList | None, current: ApprovedList) -> ListDiff:
    """Compare two lists app by app. A removed app carries the reason it is off the current
    list ("removed: BAA with Acme Health expired 2026-11-01"); an added one the reason it is on
    ("added: approved 2026-10-02 by …"), with why it was off before when it comes back."""
    before = {e.app_id: e for e in previous.entries} if previous else {}
    before_out = {x.app_id: x for x in previous.excluded} if previous else {}
    now_out = {x.app_id: x for x in current.excluded}
    now = {e.app_id: e for e in current.entries}
    added: list[ListChange] = []
    changed: list[ListChange] = []
    for entry in current.entries:
        old = before.get(entry.app_id)
        if old is None:
            was = before_out.get(entry.app_id)
            back = f" (was off the list: {was.reason})" if was is not None and was.reasons else ""
            added.append(_change(entry, f"added: {entry.reason}{back}"))
            continue
        moved = [
            f"{label} {_plain(getattr(old, key))} → {_plain(getattr(entry, key))}"
            for key, label in _CHANGE_LABELS
            if getattr(old, key) != getattr(entry, key)
        ]
        if moved:
            changed.append(_change(entry, "changed: " + "; ".join(moved)))
    removed: list[ListChange] = []
    for old in previous.entries if previous else ():
        if old.app_id in now:
            continue
        out = now_out.get(old.app_id)
        why = out.reason if out is not None and out.reasons else "no longer in the inventory"
        removed.append(_change(out or old, f"removed: {why}"))
    was_blocked = {x.app_id for x in previous.excluded if x.rejected} if previous else set()
    blocked = [
        _change(x, f"blocked: {x.reason}")
        for x in current.excluded
        if x.rejected and x.app_id not in was_blocked
    ]
    unblocked: list[ListChange] = []
    for app_id in sorted(was_blocked - {x.app_id for x in current.excluded if x.rejected}):
        if app_id in now:
            unblocked.append(_change(now[app_id], f"unblocked: {now[app_id].reason}"))
        elif app_id in now_out:
            unblocked.append(_change(now_out[app_id], f"unblocked: {now_out[app_id].reason}"))
        else:
            unblocked.append(_change(before_out[app_id], "unblocked: no longer in the inventory"))
    return ListDiff(tuple(added), tuple(removed), tuple(changed), tuple(blocked), tuple(unblocked))


# --- the forecast: apps that will leave the list, and why ---------------------------------


@dataclass(frozen=True)
class Departure:
    """An app on today's list that is off it on `leaves_on` (the first such day), and why."""

    app_id: int
    name: str
    platform: str
    store_id: str | None
    vendor_id: int
    vendor_name: str
    leaves_on: date
    reason: str


def change_dates(
    apps: Iterable[AppFacts],
    latest_decisions: Mapping[int, DecisionFacts],
    baas_by_vendor: Mapping[int, Sequence[BaaFacts]],
    after: date,
    through: date,
) -> list[date]:
    """The days in (after, through] on which some app's standing can change, read from the
    facts: agreements starting and ending (term end, termination, successor, renewal series),
    decisions running out or being confirmed or refused, conditions falling due or being met,
    revocations. Between two such days every app's standing is the same as on the first."""
    return sorted(_changes(apps, latest_decisions, baas_by_vendor, after, through))


def _changes(
    apps: Iterable[AppFacts],
    latest_decisions: Mapping[int, DecisionFacts],
    baas_by_vendor: Mapping[int, Sequence[BaaFacts]],
    after: date,
    through: date,
) -> dict[date, set[int]]:
    """`change_dates`, each with the apps whose standing can change that day: an app's own
    revocation, decision and conditions, and every agreement of its vendor. (An app's
    standing depends on nothing else: `approved_list` judges each app on its own facts and its
    vendor's agreements.)"""
    days: dict[date, set[int]] = {}

    def add(day: date | None, ids: Iterable[int]) -> None:
        if day is not None and after < day <= through:
            days.setdefault(day, set()).update(ids)

    by_vendor: dict[int, list[int]] = {}
    for app in apps:
        by_vendor.setdefault(app.vendor_id, []).append(app.app_id)
        own = (app.app_id,)
        add(app.revoked_on, own)
        d = latest_decisions.get(app.app_id)
        if d is None:
            continue
        add(d.valid_until + timedelta(days=1), own)  # valid through valid_until
        add(d.confirmed_on, own)
        add(d.refused_on, own)
        for c in d.condition_items:
            add(c.due + timedelta(days=1), own)  # due through its due date
            add(c.met_on, own)
    for vendor_id, ids in by_vendor.items():
        for b in baas_by_vendor.get(vendor_id, ()):
            t = b.terms
            # t.boundary: the day after a fixed term's last day in force
            for x in (t.effective_date, t.boundary, t.terminated_on, t.superseded_on):
                add(x, ids)
    return days


def forecast(
    today: date,
    days: int,
    apps: Iterable[AppFacts],
    latest_decisions: Mapping[int, DecisionFacts],
    baas_by_vendor: Mapping[int, Sequence[BaaFacts]],
) -> list[Departure]:
    """Apps on the list today that are off it on some day of the next `days`, each with the
    first such day and the reasons in words: the list today minus the list on that day, by
    the same rules (`approved_list`), computed only on the days something changes and only
    for the apps still on it. `latest_decisions` are the latest made on or before today: no
    later one is known."""
    apps = list(apps)
    until = today + timedelta(days=days)
    on_list = {
        e.app_id for e in approved_list(today, apps, latest_decisions, baas_by_vendor).entries
    }
    staying = {a.app_id: a for a in apps if a.app_id in on_list}
    out: list[Departure] = []
    changes = _changes(staying.values(), latest_decisions, baas_by_vendor, today, until)
    for day in sorted(changes):
        if not staying:
            break
        # Only the apps whose own facts or vendor's agreements change that day are judged
        # again: every other app stands as it did on the previous day.
        judged = [staying[i] for i in sorted(changes[day]) if i in staying]
        if not judged:
            continue
        result = approved_list(day, judged, latest_decisions, baas_by_vendor)
        for x in result.excluded:
            out.append(
                Departure(
                    x.app_id,
                    x.name,
                    x.platform,
                    x.store_id,
                    x.vendor_id,
                    x.vendor_name,
                    day,
                    x.reason,
                )
            )
        for x in result.excluded:
            del staying[x.app_id]
    return sorted(out, key=lambda d: (d.leaves_on, d.vendor_name, d.name, d.platform, d.app_id))
