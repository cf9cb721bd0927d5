"""BAA state on a date (docs/rules.md, "BAA state on a date"): `effective_date` is the first day
in force and `expiration_date` the last day in force, as contracts state them."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from vetting.core.baa import BaaTerms, add_months, notice_deadline, state_on, term_end_on

D = date.fromisoformat

FIXED = BaaTerms(effective_date=D("2025-01-01"), expiration_date=D("2026-10-31"))


def test_before_the_effective_date_the_baa_is_not_yet_effective() -> None:
    status = state_on(FIXED, D("2024-12-31"))
    assert status.state == "not_yet_effective"
    assert not status.in_force
    assert status.term_end == D("2026-10-31")


def test_the_effective_date_is_the_first_day_in_force() -> None:
    status = state_on(FIXED, D("2025-01-01"))
    assert status.state == "active"
    assert status.in_force


def test_outside_the_warning_window_the_baa_is_active() -> None:
    status = state_on(FIXED, D("2026-08-02"), warning_days=90)
    assert (status.state, status.days_left) == ("active", 91)


def test_exactly_warning_days_before_the_end_the_baa_is_expiring() -> None:
    status = state_on(FIXED, D("2026-08-03"), warning_days=90)
    assert (status.state, status.days_left) == ("expiring", 90)
    assert status.in_force


def test_the_default_warning_window_is_ninety_days() -> None:
    assert state_on(FIXED, D("2026-08-03")).state == "expiring"
    assert state_on(FIXED, D("2026-08-02")).state == "active"


def test_the_expiration_date_is_the_last_day_in_force() -> None:
    status = state_on(FIXED, D("2026-10-31"))
    assert (status.state, status.days_left, status.in_force) == ("expiring", 1, True)


def test_the_day_after_the_expiration_date_is_not_in_force() -> None:
    status = state_on(FIXED, D("2026-11-01"))
    assert (status.state, status.term_end, status.days_left) == ("expired", D("2026-10-31"), 0)
    assert not status.in_force


def test_long_after_expiration_the_baa_stays_expired() -> None:
    assert state_on(FIXED, D("2030-01-01")).state == "expired"


def test_terminated_on_is_the_first_day_not_in_force() -> None:
    terms = BaaTerms(D("2025-01-01"), D("2026-12-31"), terminated_on=D("2026-03-15"))
    # The day before, it is in force and ending (the termination is its term end now).
    assert state_on(terms, D("2026-03-14")).state == "expiring"
    assert state_on(terms, D("2025-06-01")).state == "active"
    status = state_on(terms, D("2026-03-15"))
    # The term end shown is its last day in force, the day before the termination took effect.
    assert (status.state, status.term_end, status.in_force) == (
        "terminated",
        D("2026-03-14"),
        False,
    )


def test_termination_wins_over_auto_renewal() -> None:
    terms = BaaTerms(
        D("2025-01-01"),
        D("2025-12-31"),
        auto_renews=True,
        renewal_term_months=12,
        notice_days=30,
        terminated_on=D("2027-06-01"),
    )
    assert state_on(terms, D("2027-05-31")).in_force
    assert state_on(terms, D("2027-06-01")).state == "terminated"


@pytest.mark.parametrize("on", ["2025-01-01", "2040-06-30", "2125-12-31"])
def test_evergreen_baa_is_active_forever(on: str) -> None:
    status = state_on(BaaTerms(D("2025-01-01")), D(on))
    assert (status.state, status.term_end, status.notice_deadline) == ("active", None, None)


def test_evergreen_baa_ends_only_when_terminated() -> None:
    terms = BaaTerms(D("2025-01-01"), terminated_on=D("2031-02-01"))
    assert state_on(terms, D("2031-01-31")).state == "expiring"  # its termination is near
    assert state_on(terms, D("2030-01-31")).state == "active"
    assert state_on(terms, D("2031-02-01")).state == "terminated"


# ------------------------------------------------------------------- auto-renewal

YEARLY = BaaTerms(
    effective_date=D("2024-03-01"),
    expiration_date=D("2026-02-28"),
    auto_renews=True,
    renewal_term_months=12,
    notice_days=60,
)


def test_auto_renewing_term_end_is_the_stated_one_before_it_passes() -> None:
    assert term_end_on(YEARLY, D("2026-02-28")) == D("2026-02-28")


def test_auto_renewing_term_rolls_forward_by_whole_renewal_terms() -> None:
    # Terms run from March 1 through the last day of February (29th in leap years).
    assert term_end_on(YEARLY, D("2026-03-01")) == D("2027-02-28")
    assert term_end_on(YEARLY, D("2027-02-28")) == D("2027-02-28")
    assert term_end_on(YEARLY, D("2031-07-15")) == D("2032-02-29")


def test_notice_deadline_is_the_notice_period_before_the_next_term_starts() -> None:
    # through 2027-02-28, the next term starts 2027-03-01; 60 days before it is 2026-12-31
    assert notice_deadline(YEARLY, D("2027-02-28")) == D("2026-12-31")
    status = state_on(YEARLY, D("2026-06-01"))
    assert (status.term_end, status.notice_deadline) == (D("2027-02-28"), D("2026-12-31"))


def test_a_fixed_term_baa_has_no_notice_deadline() -> None:
    assert notice_deadline(FIXED, D("2026-10-31")) is None
    assert state_on(FIXED, D("2026-06-01")).notice_deadline is None


def test_auto_renewing_baa_is_expiring_within_the_window_before_the_notice_deadline() -> None:
    # notice deadline 2026-12-31; 90 days before is 2026-10-02
    assert state_on(YEARLY, D("2026-10-01")).state == "active"
    on_edge = state_on(YEARLY, D("2026-10-02"))
    assert (on_edge.state, on_edge.renewed_by_default) == ("expiring", False)
    assert state_on(YEARLY, D("2026-12-31")).state == "expiring"  # the deadline day itself


def test_auto_renewing_baa_is_renewed_by_default_once_the_notice_deadline_passes() -> None:
    status = state_on(YEARLY, D("2027-01-01"))
    assert (status.state, status.renewed_by_default, status.in_force) == ("active", True, True)
    assert (status.term_end, status.notice_deadline) == (D("2027-02-28"), D("2026-12-31"))


def test_auto_renewing_baa_never_expires_on_its_own() -> None:
    for year in range(2026, 2060):
        assert state_on(YEARLY, date(year, 3, 1)).in_force


def test_next_term_starts_a_fresh_notice_cycle() -> None:
    status = state_on(YEARLY, D("2027-03-01"))
    # 2028 is a leap year: 60 days before 2028-03-01 is 2028-01-01
    assert (status.term_end, status.notice_deadline) == (D("2028-02-29"), D("2028-01-01"))
    assert status.renewed_by_default is False


def test_zero_or_missing_notice_days_put_the_deadline_on_the_renewal_day() -> None:
    terms = BaaTerms(D("2025-01-01"), D("2025-12-31"), auto_renews=True, renewal_term_months=12)
    assert state_on(terms, D("2025-06-01")).notice_deadline == D("2026-01-01")


MONTH_END = BaaTerms(
    effective_date=D("2025-01-01"),
    expiration_date=D("2026-01-31"),
    auto_renews=True,
    renewal_term_months=1,
    notice_days=0,
)


@pytest.mark.parametrize(
    ("on", "term_end"),
    [
        ("2026-01-30", "2026-01-31"),
        ("2026-01-31", "2026-01-31"),  # the last day in force is in its term
        ("2026-02-01", "2026-02-28"),  # through Jan 31 renewed 1 month: through Feb 28
        ("2026-03-01", "2026-03-31"),  # and back to the 31st, no drift
        ("2026-03-15", "2026-03-31"),
        ("2026-04-30", "2026-04-30"),
        ("2026-05-01", "2026-05-31"),
        ("2026-12-31", "2026-12-31"),  # Dec 31 → Jan 31, across the year
        ("2027-01-01", "2027-01-31"),
        ("2028-02-01", "2028-02-29"),  # leap year
        ("2028-03-01", "2028-03-31"),
    ],
)
def test_monthly_renewal_clamps_to_month_end_without_drifting(on: str, term_end: str) -> None:
    assert term_end_on(MONTH_END, D(on)) == D(term_end)


def test_quarterly_renewal_from_a_month_end() -> None:
    terms = BaaTerms(
        D("2025-01-01"), D("2025-11-30"), auto_renews=True, renewal_term_months=3, notice_days=30
    )
    assert term_end_on(terms, D("2025-11-30")) == D("2025-11-30")
    # the terms start on the 1st (Dec 1, Mar 1, Jun 1) and end on month ends, not the 28th
    assert term_end_on(terms, D("2025-12-01")) == D("2026-02-28")
    assert term_end_on(terms, D("2026-03-01")) == D("2026-05-31")


def test_a_century_of_monthly_renewals_is_computed_at_once() -> None:
    start = time.perf_counter()
    status = state_on(MONTH_END, D("2126-01-15"))
    for offset in range(0, 400, 7):
        state_on(MONTH_END, D("2125-01-01") + timedelta(days=offset))
    elapsed = time.perf_counter() - start
    assert status.term_end == D("2126-01-31")
    assert status.in_force
    assert elapsed < 0.5


def test_term_end_covers_the_date_for_every_day_of_several_years() -> None:
    """The term that applies on a date always ends on or after it, within a month (its last
    day is a month end: the monthly terms start on the 1st)."""
    on = D("2026-01-31")
    while on < D("2029-01-01"):
        end = term_end_on(MONTH_END, on)
        assert end is not None and end >= on
        assert (end - on).days < 31
        assert (end + timedelta(days=1)).day == 1
        on += timedelta(days=1)


# ------------------------------------------------------------------- validation


def test_consistent_terms_have_no_problems() -> None:
    assert FIXED.validate() == []
    assert YEARLY.validate() == []
    assert BaaTerms(D("2025-01-01")).validate() == []


@pytest.mark.parametrize(
    ("terms", "problems"),
    [
        pytest.param(
            BaaTerms(D("2026-01-01"), D("2025-01-01")),
            [("expiration_date", "the last day in force cannot be before the effective date")],
            id="expires-before-it-starts",
        ),
        pytest.param(
            BaaTerms(D("2026-01-01"), D("2025-12-31")),
            [("expiration_date", "the last day in force cannot be before the effective date")],
            id="last-day-the-day-before-it-starts",
        ),
        pytest.param(
            BaaTerms(D("2026-01-01"), D("2026-01-01"), notice_days=5, notice_months=1),
            [("notice_months", "give the notice period in days or in months, not both")],
            id="notice-in-both-units",
        ),
        pytest.param(
            BaaTerms(D("2026-01-01"), D("2026-12-31"), notice_months=-1),
            [("notice_months", "must be ≥ 0")],
            id="negative-notice-months",
        ),
        pytest.param(
            BaaTerms(D("2026-01-01"), terminated_on=D("2025-12-31")),
            [("terminated_on", "cannot be before the effective date")],
            id="terminated-before-it-starts",
        ),
        pytest.param(
            BaaTerms(D("2026-01-01"), D("2027-01-01"), notice_days=-1),
            [("notice_days", "must be ≥ 0")],
            id="negative-notice-days",
        ),
        pytest.param(
            BaaTerms(D("2026-01-01"), auto_renews=True, renewal_term_months=12),
            [("expiration_date", "an auto-renewing BAA needs a term end")],
            id="auto-renews-without-term-end",
        ),
        pytest.param(
            BaaTerms(D("2026-01-01"), D("2027-01-01"), auto_renews=True),
            [("renewal_term_months", "must be ≥ 1 when auto_renews is true")],
            id="auto-renews-without-renewal-months",
        ),
        pytest.param(
            BaaTerms(D("2026-01-01"), D("2027-01-01"), auto_renews=True, renewal_term_months=0),
            [("renewal_term_months", "must be ≥ 1 when auto_renews is true")],
            id="auto-renews-every-zero-months",
        ),
        pytest.param(
            BaaTerms(D("2026-01-01"), auto_renews=True, notice_days=-5),
            [
                ("expiration_date", "an auto-renewing BAA needs a term end"),
                ("renewal_term_months", "must be ≥ 1 when auto_renews is true"),
                ("notice_days", "must be ≥ 0"),
            ],
            id="every-problem-reported-at-once",
        ),
    ],
)
def test_validate_names_each_field_and_reason(
    terms: BaaTerms, problems: list[tuple[str, str]]
) -> None:
    assert terms.validate() == problems


@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(9000, 12, 31)),
    months=st.integers(min_value=-1200, max_value=1200),
)
def test_add_months_is_what_relativedelta_gives(day, months):
    assert add_months(day, months) == day + relativedelta(months=months)


def test_add_months_clamps_to_the_end_of_a_shorter_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
