"""One in-force date (issue 11, item 4): a termination recorded for a later day is the term
end everywhere; coverage gaps between an agreement and its renewal; evergreen review dates."""

from __future__ import annotations

from datetime import date

from vetting.core.baa import (
    BaaLifecycle,
    BaaTerms,
    coverage_gaps,
    in_force_until,
    last_day_in_force,
    review_dates,
    state_on,
)

D = date.fromisoformat

# A two-year agreement that legal ends early: recorded in November for 1 February.
CUT_SHORT = BaaTerms(
    D("2026-01-01"),
    D("2027-12-31"),
    terminated_on=D("2027-02-01"),
    status=BaaLifecycle.TERMINATED,
)


def test_a_future_termination_is_the_term_end_from_the_day_it_is_recorded() -> None:
    status = state_on(CUT_SHORT, D("2026-11-30"))
    assert (status.state, status.term_end, status.days_left, status.in_force) == (
        "expiring",
        D("2027-01-31"),  # its last day in force: the termination takes effect 2027-02-01
        63,
        True,
    )
    assert status.notice_deadline is None and not status.renewed_by_default
    assert state_on(CUT_SHORT, D("2026-06-01")).state == "active"  # outside the warning window
    assert state_on(CUT_SHORT, D("2027-02-01")).state == "terminated"


def test_a_termination_ends_an_auto_renewing_term_without_a_notice_deadline() -> None:
    renewing = BaaTerms(
        D("2025-03-01"),
        D("2026-02-28"),
        auto_renews=True,
        renewal_term_months=12,
        notice_days=60,
        terminated_on=D("2027-01-10"),
        status=BaaLifecycle.TERMINATED,
    )
    status = state_on(renewing, D("2026-12-20"))
    assert (status.state, status.term_end, status.notice_deadline) == (
        "expiring",
        D("2027-01-09"),
        None,
    )
    assert in_force_until(renewing) == D("2027-01-10")


def test_in_force_until_is_the_first_of_term_end_termination_and_successor() -> None:
    assert in_force_until(CUT_SHORT) == D("2027-02-01")
    assert in_force_until(BaaTerms(D("2026-01-01"), D("2026-12-31"))) == D("2027-01-01")
    assert last_day_in_force(BaaTerms(D("2026-01-01"), D("2026-12-31"))) == D("2026-12-31")
    assert last_day_in_force(CUT_SHORT) == D("2027-01-31")
    assert in_force_until(BaaTerms(D("2026-01-01"))) is None  # evergreen
    renewing = BaaTerms(D("2026-01-01"), D("2026-12-31"), auto_renews=True, renewal_term_months=12)
    assert in_force_until(renewing) is None
    superseded = BaaTerms(
        D("2026-01-01"),
        D("2026-12-31"),
        status=BaaLifecycle.SUPERSEDED,
        superseded_on=D("2026-10-01"),
    )
    assert in_force_until(superseded) == D("2026-10-01")
    assert in_force_until(BaaTerms(D("2026-01-01"), status=BaaLifecycle.DRAFT)) is None


def test_a_late_renewal_leaves_a_gap() -> None:
    old = BaaTerms(
        D("2025-12-15"),
        D("2026-12-14"),
        status=BaaLifecycle.SUPERSEDED,
        superseded_on=D("2027-01-15"),
    )
    renewal = BaaTerms(D("2027-01-15"), D("2028-01-14"))
    gaps = coverage_gaps([(1, old), (2, renewal)])
    assert [(g.start, g.end, g.ending_id, g.next_id) for g in gaps] == [
        (D("2026-12-15"), D("2027-01-15"), 1, 2)
    ]


def test_no_gap_when_the_renewal_starts_on_the_day_the_old_one_ends() -> None:
    old = BaaTerms(
        D("2025-12-15"),
        D("2026-12-15"),
        status=BaaLifecycle.SUPERSEDED,
        superseded_on=D("2026-12-15"),
    )
    assert coverage_gaps([(1, old), (2, BaaTerms(D("2026-12-15"), D("2027-12-15")))]) == []


def test_overlaps_drafts_and_open_ended_agreements_leave_no_gap() -> None:
    long = BaaTerms(D("2025-01-01"), D("2028-01-01"))
    inside = BaaTerms(D("2025-06-01"), D("2026-01-01"))
    later = BaaTerms(D("2028-01-01"), D("2029-01-01"))
    assert coverage_gaps([(1, long), (2, inside), (3, later)]) == []
    evergreen = BaaTerms(D("2025-01-01"))
    assert coverage_gaps([(1, evergreen), (2, BaaTerms(D("2027-01-01"), D("2028-01-01")))]) == []
    draft = BaaTerms(D("2027-02-01"), D("2028-02-01"), status=BaaLifecycle.DRAFT)
    assert coverage_gaps([(1, inside), (2, draft)]) == []  # a draft is not coverage


def test_a_termination_before_the_next_agreement_starts_is_a_gap() -> None:
    gaps = coverage_gaps([(7, CUT_SHORT), (8, BaaTerms(D("2027-03-01"), D("2028-03-01")))])
    assert [(g.start, g.end, g.ending_id) for g in gaps] == [(D("2027-02-01"), D("2027-03-01"), 7)]


def test_evergreen_review_dates_every_n_months_from_the_effective_date() -> None:
    evergreen = BaaTerms(D("2024-03-31"))
    assert review_dates(evergreen, D("2026-01-01"), D("2027-12-31"), 12) == [
        D("2026-03-31"),
        D("2027-03-31"),
    ]
    assert review_dates(evergreen, D("2026-01-01"), D("2026-12-31"), 6) == [
        D("2026-03-31"),
        D("2026-09-30"),
    ]
    # Fixed terms have a term end instead; a termination stops the reviews.
    assert (
        review_dates(
            BaaTerms(D("2024-01-01"), D("2030-01-01")), D("2026-01-01"), D("2027-01-01"), 12
        )
        == []
    )
    ended = BaaTerms(D("2024-03-31"), terminated_on=D("2026-03-31"), status=BaaLifecycle.TERMINATED)
    assert review_dates(ended, D("2025-01-01"), D("2027-12-31"), 12) == [D("2025-03-31")]


# --- the reminders these dates give ------------------------------------------------------


def test_termination_gap_review_and_return_destroy_reminders() -> None:
    from vetting.core.baa import FollowUp, Gap, return_destroy
    from vetting.core.reminders import (
        baa_due,
        baa_reminder_stands,
        gap_due,
        return_destroy_due,
    )

    on = D("2026-12-02")  # 61 days before CUT_SHORT's termination: the 90-day threshold
    assert [(d.kind, d.term_end, d.threshold_days) for d in baa_due(CUT_SHORT, on)] == [
        ("termination", D("2027-02-01"), 90)
    ]
    assert baa_reminder_stands(CUT_SHORT, "termination", D("2027-02-01"))
    assert not baa_reminder_stands(CUT_SHORT, "termination", D("2027-03-01"))  # moved
    withdrawn = BaaTerms(D("2026-01-01"), D("2028-01-01"))
    assert not baa_reminder_stands(withdrawn, "termination", D("2027-02-01"))

    gap = Gap(D("2026-12-15"), D("2027-01-15"), 1, 2)
    due = gap_due(gap, D("2026-11-15"))
    assert due is not None and (due.kind, due.threshold_days, due.until) == (
        "coverage_gap",
        30,
        D("2027-01-15"),
    )
    assert gap_due(gap, D("2027-01-15")) is None  # the renewal is in force: over

    evergreen = BaaTerms(D("2024-03-01"))
    assert baa_due(evergreen, D("2027-02-01")) == []  # no cadence given
    (review,) = baa_due(evergreen, D("2027-02-01"), review_months=12)
    assert (review.kind, review.term_end, review.threshold_days) == ("review", D("2027-03-01"), 30)

    ended = BaaTerms(D("2025-01-01"), terminated_on=D("2026-11-01"), status=BaaLifecycle.TERMINATED)
    assert return_destroy_due(D("2026-11-01"), D("2026-10-31")) is None  # not yet terminated
    rd = return_destroy_due(D("2026-11-01"), D("2026-11-20"))
    assert rd is not None and (rd.kind, rd.term_end, rd.threshold_days) == (
        "return_destroy",
        D("2026-12-01"),
        14,
    )
    follow = return_destroy(ended, D("2026-12-02"))
    assert follow is not None and (follow.due, follow.status) == (D("2026-12-01"), FollowUp.OVERDUE)
    done = return_destroy(ended, D("2026-12-02"), certified_on=D("2026-11-28"), reference="x")
    assert done is not None and done.status == FollowUp.DONE
    assert return_destroy(CUT_SHORT, D("2026-12-02")) is not None  # recorded: open already
    assert return_destroy(withdrawn, D("2026-12-02")) is None
