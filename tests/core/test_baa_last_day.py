"""Term ends as contracts state them (issue 11, item 7): `expiration_date` is the last day in
force; renewals roll whole terms counted from each term's first day (the day after a last day),
so month ends stay month ends; notice periods in days or in months."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from vetting.core.baa import (
    BaaTerms,
    in_force_until,
    last_day_in_force,
    notice_deadline,
    state_on,
    term_end_on,
    term_ends,
)
from vetting.core.reminders import baa_due, baa_reminder_stands

D = date.fromisoformat


def renewing(last: str, months: int, **kw: object) -> BaaTerms:
    return BaaTerms(D("2024-01-01"), D(last), True, months, **kw)  # type: ignore[arg-type]


def test_the_last_day_in_force_is_in_force_and_the_day_after_is_not() -> None:
    t = BaaTerms(D("2026-01-01"), D("2026-12-31"))
    assert state_on(t, D("2026-12-31")).in_force
    assert state_on(t, D("2026-12-31")).days_left == 1  # today is its last day
    assert state_on(t, D("2027-01-01")).state == "expired"
    assert (in_force_until(t), last_day_in_force(t)) == (D("2027-01-01"), D("2026-12-31"))


def test_a_one_day_agreement_is_in_force_on_that_day_only() -> None:
    t = BaaTerms(D("2026-05-04"), D("2026-05-04"))
    assert t.validate() == []
    assert [state_on(t, D(d)).in_force for d in ("2026-05-03", "2026-05-04", "2026-05-05")] == [
        False,
        True,
        False,
    ]


@pytest.mark.parametrize(
    ("last", "months", "series"),
    [
        # through Jan 31, monthly: Feb 28, Mar 31, Apr 30 (never the 28th for ever after)
        ("2026-01-31", 1, ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]),
        # Feb 29 in a leap year, monthly
        ("2028-01-31", 1, ["2028-01-31", "2028-02-29", "2028-03-31"]),
        # through Dec 31, monthly across the year end, and yearly
        ("2026-12-31", 1, ["2026-12-31", "2027-01-31", "2027-02-28"]),
        ("2026-12-31", 12, ["2026-12-31", "2027-12-31", "2028-12-31"]),
        # through the last day of February, yearly: Feb 28 / Feb 29 in leap years
        ("2027-02-28", 12, ["2027-02-28", "2028-02-29", "2029-02-28"]),
        ("2028-02-29", 12, ["2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29"]),
        # through Nov 30, quarterly: Feb 28, May 31, Aug 31
        ("2025-11-30", 3, ["2025-11-30", "2026-02-28", "2026-05-31", "2026-08-31"]),
        # a mid-month end stays mid-month
        ("2026-01-14", 1, ["2026-01-14", "2026-02-14", "2026-03-14"]),
    ],
)
def test_renewals_roll_from_the_next_terms_first_day(last: str, months: int, series: list) -> None:
    t = renewing(last, months)
    stop = D(series[-1])
    assert term_ends(t, D(last), stop) == [D(d) for d in series]
    # each term's last day is the term end on every day of that term
    previous = D(last)
    for end in map(D, series[1:]):
        assert term_end_on(t, previous + timedelta(days=1)) == end
        assert term_end_on(t, end) == end
        previous = end


def test_a_term_starting_on_feb_29_renews_from_feb_28_in_common_years() -> None:
    """The careless case the other way round: a last day of Feb 28 in a leap year means the
    next term starts on Feb 29; a year after Feb 29 is Feb 28 (the month's end), so that term
    runs through Feb 27 — whole-term arithmetic on the start, the same as before 0008."""
    t = renewing("2028-02-28", 12)
    assert term_ends(t, D("2028-02-28"), D("2032-02-28")) == [
        D("2028-02-28"),
        D("2029-02-27"),
        D("2030-02-27"),
        D("2031-02-27"),
        D("2032-02-28"),
    ]


@pytest.mark.parametrize(
    ("last", "notice", "deadline"),
    [
        ("2026-12-31", {"notice_days": 60}, "2026-11-02"),  # 60 days before Jan 1
        ("2026-12-31", {"notice_days": 0}, "2027-01-01"),  # until the renewal day itself
        ("2026-12-31", {"notice_months": 1}, "2026-12-01"),
        ("2026-12-31", {"notice_months": 3}, "2026-10-01"),
        ("2027-03-30", {"notice_months": 1}, "2027-02-28"),  # Mar 31 − 1 month, clamped
        ("2028-03-30", {"notice_months": 1}, "2028-02-29"),  # leap year
        ("2027-03-31", {"notice_months": 1}, "2027-03-01"),
        ("2026-12-31", {"notice_months": 0}, "2027-01-01"),
    ],
)
def test_the_notice_deadline_counts_days_or_months_back_from_the_next_term(
    last: str, notice: dict, deadline: str
) -> None:
    t = renewing(last, 12, **notice)
    assert notice_deadline(t, D(last)) == D(deadline)
    assert state_on(t, D(last) - timedelta(days=200)).notice_deadline == D(deadline)


def test_notice_in_months_drives_the_state_and_the_reminders() -> None:
    t = renewing("2026-12-31", 12, notice_months=2)  # deadline 2026-11-01
    assert state_on(t, D("2026-08-03")).state == "expiring"  # 90 days before the deadline
    assert state_on(t, D("2026-08-02")).state == "active"
    st = state_on(t, D("2026-11-02"))
    assert (st.state, st.renewed_by_default) == ("active", True)
    (due,) = baa_due(t, D("2026-10-02"))
    assert (due.kind, due.term_end, due.deadline, due.threshold_days) == (
        "notice_deadline",
        D("2026-12-31"),
        D("2026-11-01"),
        30,
    )
    assert baa_reminder_stands(t, due.kind, due.term_end)


def test_notice_in_both_units_is_refused() -> None:
    t = renewing("2026-12-31", 12, notice_days=30, notice_months=1)
    assert ("notice_months", "give the notice period in days or in months, not both") in (
        t.validate()
    )


def test_a_termination_is_shown_as_the_day_before_it_takes_effect() -> None:
    t = BaaTerms(D("2026-01-01"), D("2027-12-31"), terminated_on=D("2027-02-01"))
    st = state_on(t, D("2027-01-15"))
    assert (st.state, st.term_end, st.days_left) == ("expiring", D("2027-01-31"), 17)
    assert (in_force_until(t), last_day_in_force(t)) == (D("2027-02-01"), D("2027-01-31"))
    assert state_on(t, D("2027-01-31")).in_force
    assert not state_on(t, D("2027-02-01")).in_force
