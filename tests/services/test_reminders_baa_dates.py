"""Reminders before a termination, before a coverage gap, and for an evergreen BAA's periodic
review (issue 11, item 4): at the same thresholds and exactly once, like term ends; cancelled
when moot (the termination withdrawn, a renewal that closes the gap)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests import reminder_data as data
from vetting.services.reminders import run_reminders

EMAIL = data.settings(smtp_host="127.0.0.1", legal_emails=("legal@example.org",))
INBOX = data.settings()


@pytest.fixture
def heron(s):
    return data.vendor(s, name="Heron Dental")


def _kinds(s, **where):
    return [(n.kind, n.term_end, n.threshold_days) for n in data.rows(s, channel="in-app", **where)]


def test_termination_reminders_each_threshold_once_then_none_after_it(s, heron):
    stop = date(2027, 2, 1)
    b = data.baa(
        s,
        heron.id,
        expiration_date=date(2027, 12, 31),
        terminated_on=stop,
        termination_reason="practice closed",
        status="terminated",
    )
    for offset in range(95, -5, -1):
        run_reminders(s, stop - timedelta(days=offset), settings=INBOX)
        run_reminders(s, stop - timedelta(days=offset), settings=INBOX)  # twice a day
    assert _kinds(s, subject_id=b.id, kind="termination") == [
        ("termination", stop, t) for t in (90, 60, 30, 14, 7, 1)
    ]  # day 0 is the first day out of force: nothing left to warn of
    (first, *_) = data.rows(s, channel="in-app")
    assert first.title == "BAA with Heron Dental is terminated from 2027-02-01 (in 90 days)"
    assert "last day in force is 2027-01-31" in first.body


def test_missed_days_send_the_latest_threshold_crossed_only(s, heron):
    stop = date(2027, 2, 1)
    data.baa(
        s, heron.id, expiration_date=date(2027, 12, 31), terminated_on=stop, status="terminated"
    )
    for day in (stop - timedelta(days=50), stop - timedelta(days=20), stop - timedelta(days=3)):
        run_reminders(s, day, settings=INBOX)
    assert [t for _, _, t in _kinds(s)] == [60, 30, 7]


def test_withdrawing_the_termination_cancels_its_pending_reminders(s, heron):
    stop = date(2027, 2, 1)
    b = data.baa(
        s, heron.id, expiration_date=date(2027, 5, 31), terminated_on=stop, status="terminated"
    )
    day = stop - timedelta(days=20)
    assert run_reminders(s, day, settings=EMAIL).created == 2  # in-app and legal's e-mail
    b.terminated_on, b.status = None, "active"
    s.add(b)
    s.commit()
    summary = run_reminders(s, day, settings=EMAIL)
    assert summary.cancelled == 1
    assert [(n.kind, n.status) for n in data.rows(s, channel="email")] == [
        ("termination", "cancelled")
    ]


def _late_renewal(s, vendor_id, starts=date(2027, 1, 15)):
    old = data.baa(
        s,
        vendor_id,
        effective_date=date(2025, 12, 15),
        expiration_date=date(2026, 12, 14),
        status="superseded",
        superseded_on=starts,
        owner_email="owner@example.org",
    )
    new = data.baa(
        s,
        vendor_id,
        effective_date=starts,
        expiration_date=date(2028, 1, 14),
        supersedes_id=old.id,
    )
    return old, new


def test_a_gap_before_a_renewal_is_reminded_of_once_per_threshold(s, heron):
    old, _ = _late_renewal(s, heron.id)
    gap = date(2026, 12, 15)
    for day in (gap - timedelta(days=40), gap - timedelta(days=30), gap - timedelta(days=30)):
        run_reminders(s, day, settings=INBOX)
    assert _kinds(s) == [("coverage_gap", gap, 60), ("coverage_gap", gap, 30)]
    (n, _) = data.rows(s)
    assert n.subject_id == old.id
    assert n.title == "Coverage gap for BAA with Heron Dental from 2026-12-15 to 2027-01-15"
    assert n.body.startswith("gap from 2026-12-15 to 2027-01-15: the vendor's apps leave the list.")
    assert n.payload["reminder"]["until"] == "2027-01-15"
    # During the gap the 0-day reminder goes out; once the renewal is in force, nothing.
    run_reminders(s, gap + timedelta(days=3), settings=INBOX)
    run_reminders(s, date(2027, 1, 15), settings=INBOX)
    assert [t for _, _, t in _kinds(s)] == [60, 30, 0]


def test_a_renewal_moved_to_close_the_gap_cancels_the_gap_reminders(s, heron):
    old, new = _late_renewal(s, heron.id)
    day = date(2026, 11, 25)
    assert run_reminders(s, day, settings=EMAIL).created == 3  # in-app, owner, legal
    new.effective_date = old.superseded_on = date(2026, 12, 15)
    s.add_all([new, old])
    s.commit()
    summary = run_reminders(s, day, settings=EMAIL)
    assert summary.created == 0 and summary.cancelled >= 1
    assert {n.status for n in data.rows(s, channel="email")} == {"cancelled"}


def test_a_plain_expiry_with_nothing_after_it_is_not_a_gap(s, heron):
    data.baa(s, heron.id, expiration_date=date(2026, 12, 14))
    run_reminders(s, date(2026, 11, 25), settings=INBOX)
    assert [k for k, _, _ in _kinds(s)] == ["term_end"]


def test_evergreen_baas_are_reviewed_every_n_months(s, heron):
    b = data.baa(s, heron.id, effective_date=date(2024, 3, 1))
    review = date(2027, 3, 1)
    run_reminders(s, review - timedelta(days=30), settings=INBOX)
    run_reminders(s, review - timedelta(days=30), settings=INBOX)
    assert _kinds(s, subject_id=b.id) == [("review", review, 30)]
    # every 3 months instead: the review of 2026-12-01 is 6 days away
    quarterly = data.settings(review_months=3)
    run_reminders(s, date(2026, 11, 25), settings=quarterly)
    assert ("review", date(2026, 12, 1), 7) in _kinds(s)
    (first, *_) = data.rows(s, channel="in-app")
    assert first.title == "Periodic review of BAA with Heron Dental due in 30 days (2027-03-01)"


def test_terminating_an_evergreen_baa_cancels_its_reviews(s, heron):
    b = data.baa(s, heron.id, effective_date=date(2024, 3, 1))
    review = date(2027, 3, 1)
    run_reminders(s, review - timedelta(days=30), settings=EMAIL)
    b.terminated_on, b.status = date(2027, 2, 10), "terminated"
    s.add(b)
    s.commit()
    summary = run_reminders(s, review - timedelta(days=30), settings=EMAIL)
    assert summary.cancelled == 1
    emails = data.rows(s, channel="email")
    assert [(n.kind, n.status) for n in emails] == [
        ("review", "cancelled"),
        ("termination", "pending"),
    ]


def test_return_destroy_reminders_until_the_certificate_is_recorded(s, heron):
    stop = date(2026, 11, 1)  # due 2026-12-01 by default
    b = data.baa(
        s,
        heron.id,
        expiration_date=date(2027, 12, 31),
        terminated_on=stop,
        status="terminated",
        owner_email="owner@example.org",
    )
    for day in (date(2026, 10, 25), stop, stop, date(2026, 11, 20), date(2026, 12, 3)):
        run_reminders(s, day, settings=EMAIL)
    follow = [
        (n.term_end, n.threshold_days)
        for n in data.rows(s, channel="in-app", kind="return_destroy")
    ]
    assert follow == [(date(2026, 12, 1), 30), (date(2026, 12, 1), 14), (date(2026, 12, 1), 0)]
    (last, *_) = reversed(data.rows(s, channel="in-app", kind="return_destroy"))
    assert last.title == (
        "Return/destroy certificate for BAA with Heron Dental overdue since 2026-12-01"
    )
    # Recorded: what is pending is cancelled, and nothing more is planned.
    b.return_destroy_certified_on, b.return_destroy_reference = date(2026, 12, 4), "HD-1"
    s.add(b)
    s.commit()
    summary = run_reminders(s, date(2026, 12, 10), settings=EMAIL)
    assert summary.created == 0 and summary.cancelled >= 1
    pending = [n for n in data.rows(s, kind="return_destroy") if n.status == "pending"]
    assert pending == []


def test_return_destroy_follows_the_configured_days(s, heron):
    stop = date(2026, 11, 1)
    data.baa(
        s, heron.id, expiration_date=date(2027, 12, 31), terminated_on=stop, status="terminated"
    )
    run_reminders(s, date(2026, 11, 25), settings=data.settings(return_destroy_days=60))
    assert [(n.term_end, n.threshold_days) for n in data.rows(s, kind="return_destroy")] == [
        (date(2026, 12, 31), 60)
    ]


def test_a_terminated_auto_renewing_baa_gets_no_notice_reminders(s, heron):
    # Its notice deadline (2027-01-01) comes before the termination (2027-02-15): ended, it
    # does not renew, so there is no notice to give; only the termination is reminded of.
    data.baa(
        s,
        heron.id,
        expiration_date=date(2027, 2, 28),
        auto_renews=True,
        renewal_term_months=12,
        notice_days=59,
        terminated_on=date(2027, 2, 15),
        status="terminated",
    )
    summary = run_reminders(s, date(2026, 12, 20), settings=EMAIL)
    assert (summary.created, summary.cancelled) == (2, 0)
    assert {n.kind for n in data.rows(s)} == {"termination"}


def test_a_gap_after_an_active_baa_is_sent_once_across_sweeps(s, heron):
    # Not a renewal: a separate agreement recorded to start a month after the first ends.
    first = data.baa(s, heron.id, expiration_date=date(2026, 12, 14), owner_email="o@example.org")
    data.baa(s, heron.id, effective_date=date(2027, 1, 15), expiration_date=date(2028, 1, 14))
    day = date(2026, 11, 25)
    assert run_reminders(s, day, settings=EMAIL).created == 6  # term end and gap, 3 each
    again = run_reminders(s, day, settings=EMAIL)
    assert (again.created, again.cancelled) == (0, 0)
    gap = data.rows(s, kind="coverage_gap")
    assert [(n.subject_id, n.channel, n.status) for n in gap] == [
        (first.id, "in-app", "sent"),
        (first.id, "email", "pending"),
        (first.id, "email", "pending"),
    ]
