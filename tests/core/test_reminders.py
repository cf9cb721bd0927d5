"""Which reminder is due on a date (vetting.core.reminders): the rules, then properties that
hold for any deadline and any pattern of sweep days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vetting.core.baa import BaaTerms
from vetting.core.reminders import (
    DEFAULT_THRESHOLDS,
    baa_due,
    baa_reminder_stands,
    describe,
    due_threshold,
    parse_thresholds,
    reassessment_due,
)

END = date(2027, 6, 1)  # the day a fixed term lapses
LAST = END - timedelta(days=1)  # its last day in force


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (END - timedelta(days=120), None),
        (END - timedelta(days=91), None),
        (END - timedelta(days=90), 90),
        (END - timedelta(days=75), 90),
        (END - timedelta(days=60), 60),
        (END - timedelta(days=8), 14),
        (END - timedelta(days=7), 7),
        (END - timedelta(days=1), 1),
        (END, 0),
        (END + timedelta(days=30), 0),
        (END + timedelta(days=31), None),
    ],
)
def test_due_threshold_is_the_latest_one_crossed(on, expected):
    assert due_threshold(END, on) == expected


def test_negative_thresholds_remind_after_the_deadline():
    t = parse_thresholds("30,0,-7")
    assert t == (30, 0, -7)
    assert due_threshold(END, END + timedelta(days=3), t) == 0
    assert due_threshold(END, END + timedelta(days=7), t) == -7
    assert due_threshold(END, END + timedelta(days=37), t, catch_up_days=30) == -7
    assert due_threshold(END, END + timedelta(days=38), t, catch_up_days=30) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "needs at least one threshold"),
        (" , ", "needs at least one threshold"),
        ("90,sixty", "'sixty' is not a whole number of days"),
        ("90,4000", "4000 is out of range"),
    ],
)
def test_bad_thresholds_are_refused_with_the_reason(text, message):
    with pytest.raises(ValueError, match=message):
        parse_thresholds(text)


def test_thresholds_are_unique_and_largest_first():
    assert parse_thresholds(" 7, 90,7 ,0, 30") == (90, 30, 7, 0)


def test_fixed_term_baa_counts_to_the_day_it_lapses_then_expired():
    terms = BaaTerms(date(2025, 1, 1), LAST)  # in force through LAST, lapses on END
    (due,) = baa_due(terms, END - timedelta(days=30))
    assert (due.kind, due.term_end, due.deadline, due.threshold_days, due.days_left) == (
        "term_end",
        LAST,
        END,
        30,
        30,
    )
    (due,) = baa_due(terms, END + timedelta(days=2))
    assert (due.kind, due.threshold_days, due.days_left) == ("expired", 0, -2)


def test_auto_renewing_baa_counts_to_the_notice_deadline_of_each_term():
    terms = BaaTerms(date(2024, 1, 1), date(2024, 12, 31), True, 12, 60)
    # In force through 2026-12-31 (rolled twice); the next term starts 2027-01-01, notice
    # deadline 60 days before it: 2026-11-02.
    (due,) = baa_due(terms, date(2026, 10, 3))
    assert (due.kind, due.term_end, due.deadline, due.threshold_days) == (
        "notice_deadline",
        date(2026, 12, 31),
        date(2026, 11, 2),
        30,
    )
    # Just after a term rolled, the previous notice deadline is still catchable (a sweep
    # that was down over the deadline); the new term's is not near yet.
    short = BaaTerms(date(2024, 1, 1), date(2024, 12, 31), True, 12, 10)
    dues = baa_due(short, date(2027, 1, 5))
    assert [(d.term_end, d.deadline, d.threshold_days) for d in dues] == [
        (date(2026, 12, 31), date(2026, 12, 22), 0)
    ]


def test_evergreen_and_terminated_baas_have_no_term_reminders():
    # (Evergreen agreements get periodic reviews only when a cadence is given.)
    assert baa_due(BaaTerms(date(2025, 1, 1)), date(2026, 1, 1)) == []
    ended = BaaTerms(date(2025, 1, 1), LAST, terminated_on=date(2026, 1, 1))
    assert baa_due(ended, END - timedelta(days=30)) == []
    # A termination scheduled before the term end makes that term end moot already: what is
    # reminded of is the termination itself.
    scheduled = BaaTerms(date(2025, 1, 1), LAST, terminated_on=END - timedelta(days=10))
    assert [
        (d.kind, d.term_end, d.threshold_days) for d in baa_due(scheduled, END - timedelta(days=30))
    ] == [("termination", END - timedelta(days=10), 30)]


def test_reassessment_counts_to_the_last_valid_day():
    due = reassessment_due(END, END)
    assert due is not None and (due.kind, due.threshold_days) == ("reassessment", 0)
    assert reassessment_due(END, END - timedelta(days=100)) is None


def test_descriptions_say_what_happens_and_when():
    terms = BaaTerms(date(2025, 1, 1), LAST)
    (due,) = baa_due(terms, END - timedelta(days=14))
    title, body = describe(due, "BAA with Acme")
    assert title == "BAA with Acme lapses in 14 days: in force through 2027-05-31"
    assert "From 2027-06-01 its vendor's apps leave the approved list" in body
    (late,) = baa_due(terms, END + timedelta(days=3))
    assert describe(late, "BAA with Acme")[0] == (
        "BAA with Acme expired: last day in force was 2027-05-31"
    )
    renewing = BaaTerms(date(2024, 1, 1), LAST, True, 12, 30)
    (notice,) = baa_due(renewing, END - timedelta(days=31))
    assert describe(notice, "BAA with Acme", renewal_months=12)[0] == (
        "Notice deadline for BAA with Acme tomorrow (2027-05-02)"
    )


# --- properties: any deadline, any pattern of sweep days ---------------------------------------

thresholds_st = st.lists(st.integers(-30, 120), min_size=1, max_size=8, unique=True).map(
    lambda xs: tuple(sorted(xs, reverse=True))
)
YEAR_START = date(2026, 1, 1)


@settings(max_examples=200, deadline=None)
@given(
    offset=st.integers(-200, 200),
    later=st.integers(0, 200),
    thresholds=thresholds_st,
    catch_up=st.integers(0, 40),
)
def test_the_threshold_due_is_the_latest_crossed_and_never_goes_back(
    offset, later, thresholds, catch_up
):
    """What makes any pattern of sweeps send each threshold at most once (the outbox's unique
    key) without a burst or a gap: on any day the due threshold is the latest one crossed, and
    a later day never gives an earlier (larger) one."""
    deadline = YEAR_START + timedelta(days=200)
    day = deadline - timedelta(days=offset)
    t = due_threshold(deadline, day, thresholds, catch_up)
    days_left = (deadline - day).days
    crossed = [x for x in thresholds if x >= days_left]
    if t is None:
        assert not crossed or days_left < min(thresholds) - catch_up
    else:
        assert t == min(crossed)  # crossed, and no later threshold crossed too
        assert days_left >= min(thresholds) - catch_up  # within the catch-up window
    after = due_threshold(deadline, day + timedelta(days=later), thresholds, catch_up)
    if t is not None and after is not None:
        assert after <= t


def simulate(deadline, days, thresholds, catch_up):
    """Sweep on each day of `days` into an outbox keyed like uq_notification_once: returns
    threshold → the day it was first inserted (ON CONFLICT DO NOTHING after that)."""
    outbox: dict[int, date] = {}
    for day in days:
        t = due_threshold(deadline, day, thresholds, catch_up)
        if t is not None and t not in outbox:
            outbox[t] = day
    return outbox


@settings(max_examples=100, deadline=None)
@given(offset=st.integers(0, 300), thresholds=thresholds_st)
def test_a_daily_sweep_meets_every_threshold_on_its_own_day(offset, thresholds):
    deadline = YEAR_START + timedelta(days=offset)
    year = [YEAR_START + timedelta(days=i) for i in range(365 + 60)]
    outbox = simulate(deadline, year, thresholds, 30)
    for t in thresholds:
        day = deadline - timedelta(days=t)
        if YEAR_START <= day <= year[-1]:
            assert outbox.get(t) == day


@settings(max_examples=100, deadline=None)
@given(
    start=st.integers(0, 200),
    months=st.sampled_from([1, 3, 12, 24]),
    notice=st.integers(0, 120),
    data=st.data(),
)
def test_auto_renewing_baa_reminds_each_term_at_most_once_per_threshold(
    start, months, notice, data
):
    first_end = YEAR_START + timedelta(days=start)
    terms = BaaTerms(date(2025, 1, 1), first_end, True, months, notice)
    year = [YEAR_START + timedelta(days=i) for i in range(365)]
    days = sorted(data.draw(st.lists(st.sampled_from(year), min_size=1, max_size=80)))
    seen: dict[tuple[date, int], date] = {}
    for day in days:
        for due in baa_due(terms, day, DEFAULT_THRESHOLDS):
            # notice days before the next term starts (the day after the last day in force)
            assert due.deadline == due.term_end + timedelta(days=1 - notice)
            assert due.days_left <= due.threshold_days
            seen.setdefault((due.term_end, due.threshold_days), day)
    # Per term, the thresholds reached form a descending sequence over time (no going back).
    by_term: dict[date, list[tuple[date, int]]] = {}
    for (end, t), day in seen.items():
        by_term.setdefault(end, []).append((day, t))
    for hits in by_term.values():
        ordered = [t for _, t in sorted(hits)]
        assert ordered == sorted(ordered, reverse=True)


# --- whether a planned reminder still fits an agreement whose dates were edited -------------


def test_a_fixed_term_reminder_stands_only_for_its_current_term_end():
    terms = BaaTerms(date(2026, 1, 1), date(2026, 12, 31))
    assert baa_reminder_stands(terms, "term_end", date(2026, 12, 31))
    assert baa_reminder_stands(terms, "expired", date(2026, 12, 31))
    assert not baa_reminder_stands(terms, "term_end", date(2026, 11, 30))  # the old end
    assert not baa_reminder_stands(terms, "term_end", date(2027, 1, 1))  # the day after
    assert not baa_reminder_stands(terms, "notice_deadline", date(2026, 12, 31))
    assert not baa_reminder_stands(BaaTerms(date(2026, 1, 1)), "term_end", date(2026, 12, 31))


def test_an_auto_renewing_reminder_stands_for_every_term_end_of_the_series():
    terms = BaaTerms(date(2025, 1, 31), date(2026, 1, 31), True, 1, 10)
    for end in (date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2027, 1, 31)):
        assert baa_reminder_stands(terms, "notice_deadline", end), end
    assert not baa_reminder_stands(terms, "notice_deadline", date(2026, 3, 30))
    assert not baa_reminder_stands(terms, "notice_deadline", date(2025, 12, 31))  # before it
    assert not baa_reminder_stands(terms, "term_end", date(2026, 2, 28))


def test_a_termination_on_or_before_the_deadline_makes_the_reminder_moot():
    fixed = BaaTerms(date(2026, 1, 1), date(2026, 12, 31), terminated_on=date(2027, 1, 1))
    assert not baa_reminder_stands(fixed, "term_end", date(2026, 12, 31))
    later = BaaTerms(date(2026, 1, 1), date(2026, 12, 31), terminated_on=date(2027, 1, 2))
    assert baa_reminder_stands(later, "term_end", date(2026, 12, 31))
    auto = BaaTerms(date(2026, 1, 1), date(2026, 12, 31), True, 12, 30, date(2026, 12, 3))
    assert baa_reminder_stands(auto, "notice_deadline", date(2026, 12, 31))  # deadline Dec 2
    moot = BaaTerms(date(2026, 1, 1), date(2026, 12, 31), True, 12, 30, date(2026, 12, 2))
    assert not baa_reminder_stands(moot, "notice_deadline", date(2026, 12, 31))


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    months=st.integers(min_value=1, max_value=24),
    notice=st.integers(min_value=0, max_value=120),
    offset=st.integers(min_value=0, max_value=2000),
)
@settings(max_examples=200, deadline=None)
def test_every_reminder_the_sweep_plans_stands_for_the_same_terms(start, months, notice, offset):
    """What baa_due plans on any day is, by construction, a reminder that stands."""
    for terms in (
        BaaTerms(start - timedelta(days=365), start),
        BaaTerms(start - timedelta(days=365), start, True, months, notice),
    ):
        for due in baa_due(terms, start - timedelta(days=120) + timedelta(days=offset)):
            assert baa_reminder_stands(terms, due.kind, due.term_end), (terms, due)
