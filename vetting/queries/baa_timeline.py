"""The BAA register's 12-month timeline: which agreements get a lane, and the dates marked on
each (term ends, notice deadlines, terminations, starts). Drawing is the web's job
(vetting/web/timeline.py); this is what is drawn, kept until an agreement or vendor changes.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, select
from sqlmodel import Session, col

from vetting.core.baa import (
    BaaLifecycle,
    BaaState,
    BaaTerms,
    ends_on,
    in_force_until,
    notice_deadline,
    state_on,
    term_ends,
)
from vetting.models import BAA
from vetting.queries import baa_changes, cache, dashboard
from vetting.queries.cache import MISSING
from vetting.queries.terms import RAW_TERMS, terms_from_raw
from vetting.services import baas

MAX_ROWS = 40  # lanes drawn; the rest are counted


@dataclass(frozen=True)
class Marker:
    day: date
    kind: str  # term_end | notice_deadline | terminated | effective
    text: str


@dataclass(frozen=True)
class Lane:
    label: str
    baa_id: int
    state: str
    start: date
    end: date | None  # None: in force beyond the window
    markers: tuple[Marker, ...] = ()


# An agreement's lane without its vendor: (first marker day, state, start, bar end, markers).
_LaneFacts = tuple[date, str, date, date | None, tuple[Marker, ...]]


def lanes(s: Session, as_of: date, warning_days: int) -> tuple[list[Lane], int]:
    """The first MAX_ROWS lanes on `as_of` (soonest marked date first) and how many there
    are in all; kept until an agreement or a vendor changes."""
    return cache.remembered(
        "timeline",
        (as_of, warning_days),
        lambda: _compute(s, as_of, warning_days),
        s=s,
        reads=dashboard.BAAS,
    )


def _compute(s: Session, as_of: date, warning_days: int) -> tuple[list[Lane], int]:
    return _drawn(s, _facts(s, as_of, warning_days))


# A lane's place in the order: (first marker day, vendor id, agreement id).
_Order = tuple[date, int, int]


@dataclass(frozen=True)
class _Kept:
    """Every lane's facts on a day (not only the drawn ones), in drawing order, and what they
    were computed from: patched after a write rather than computed again."""

    as_of: date
    seen: baa_changes.Seen
    facts: dict[int, tuple[_Order, _LaneFacts]]  # agreement id → its place and lane facts
    order: list[_Order]  # sorted


def _facts(s: Session, as_of: date, warning_days: int) -> _Kept:
    """Every agreement's lane, computed in full once per day and then patched: after a write
    only the agreements it changed are worked out again (a lane depends on nothing but its
    agreement's terms). Untraceable changes compute it all."""
    key = (as_of, warning_days)
    now = baa_changes.seen(s)

    def full() -> _Kept:
        return _kept(as_of, now, dict(_rows(s, as_of, warning_days, None)))

    kept = cache.remembered("timeline facts", key, full, s=s)
    if kept.seen == now:
        return kept
    diff = baa_changes.changed(s, kept.seen, now)
    if diff is None:
        kept = full()
    elif not diff.baas:
        kept = _Kept(as_of, now, kept.facts, kept.order)  # names only: looked up when drawn
    else:
        facts = dict(kept.facts)
        order = list(kept.order)
        for baa_id in diff.baas:
            old = facts.pop(baa_id, None)
            if old is not None:
                del order[bisect_left(order, old[0])]
        for baa_id, fact in _rows(s, as_of, warning_days, diff.baas):
            facts[baa_id] = fact
            insort(order, fact[0])
        kept = _Kept(as_of, now, facts, order)
    cache.replace("timeline facts", key, kept, s=s)
    return kept


def _kept(as_of: date, now: baa_changes.Seen, facts: dict[int, tuple[_Order, _LaneFacts]]) -> _Kept:
    return _Kept(as_of, now, facts, sorted(f[0] for f in facts.values()))


def _rows(
    s: Session, as_of: date, warning_days: int, only: frozenset[int] | None
) -> list[tuple[int, tuple[_Order, _LaneFacts]]]:
    """(agreement id, (its place, its lane facts)) of signed agreements in force or starting
    within 12 months (`only`: of those agreements). Plain rows and the core's date rules,
    remembered per set of terms; no garbage-collector passes while 100,000 agreements' dates
    are read."""
    memo = cache.table("baa lanes", as_of, warning_days)  # terms → lane facts, or None
    where: ColumnElement[bool] = col(BAA.status).in_(
        (BaaLifecycle.ACTIVE, BaaLifecycle.SUPERSEDED, BaaLifecycle.TERMINATED)
    )
    if only is not None:
        where = and_(where, col(BAA.id).in_(sorted(only)))
    found: list[tuple[int, tuple[_Order, _LaneFacts]]] = []
    with cache.gc_paused():
        rows = (
            s.connection()
            .execute(select(col(BAA.id), col(BAA.vendor_id), *RAW_TERMS).where(where))
            .all()
        )
        for r in rows:
            terms = tuple(r[2:])
            lane = memo.get(terms, MISSING)
            if lane is MISSING:
                lane = memo[terms] = _lane(terms_from_raw(terms), as_of, warning_days)
            if lane is not None:
                found.append((r[0], ((lane[0], r[1], r[0]), lane)))
    return found


def _drawn(s: Session, kept: _Kept) -> tuple[list[Lane], int]:
    """The first MAX_ROWS lanes with their vendors' names, and how many there are."""
    shown = [kept.facts[order[2]] for order in kept.order[:MAX_ROWS]]
    names = baas.vendor_names(s, {order[1] for order, _ in shown})
    drawn = [
        Lane(
            label=names.get(vendor_id, "?"),
            baa_id=baa_id,
            state=state,
            start=max(effective, kept.as_of),
            end=bar_end,
            markers=tuple(sorted(marks, key=lambda m: m.day)),
        )
        for (_, vendor_id, baa_id), (_, state, effective, bar_end, marks) in shown
    ]
    return drawn, len(kept.facts)


def _lane(terms: BaaTerms, as_of: date, warn: int) -> _LaneFacts | None:
    """One agreement's lane facts, or None when it is neither in force nor starting within
    the 12 months drawn."""
    stop = as_of + timedelta(days=366)
    st = state_on(terms, as_of, warn)
    if not (
        st.in_force or (st.state == BaaState.NOT_YET_EFFECTIVE and terms.effective_date < stop)
    ):
        return None
    ends = ends_on(terms)
    marks: list[Marker] = []
    # A term ending just beyond the window can have its notice deadline inside it.
    reach = stop + timedelta(days=max(terms.notice_days or 0, 31 * (terms.notice_months or 0)))
    for end in term_ends(terms, as_of, reach):  # last days in force
        if ends is not None and end + timedelta(days=1) >= ends:
            break
        deadline = notice_deadline(terms, end)
        if deadline is not None and as_of <= deadline < stop:
            marks.append(Marker(deadline, "notice_deadline", "notice deadline"))
        if end < stop:
            marks.append(Marker(end, "term_end", "last day in force"))
    if ends is not None and ends < stop:
        word = "terminated" if terms.terminated_on == ends else "superseded by its renewal"
        marks.append(Marker(ends, "terminated", word))
    if terms.effective_date > as_of:
        marks.append(Marker(terms.effective_date, "effective", "takes effect"))
    bar_end = in_force_until(terms)
    first = min((m.day for m in marks if m.day >= as_of), default=stop)
    return first, st.state, terms.effective_date, bar_end, tuple(marks)
