"""The reminder sweep against a real database: exactly once per (subject, term, threshold,
channel, recipient) across reruns, missed days and concurrent sweeps; renewals and
terminations stop what is pending."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import reminder_data as data
from vetting.models import AuditEvent, JobRun, Notification
from vetting.services.reminders import run_reminders

END = date(2027, 3, 1)  # the day the term lapses
LAST = END - timedelta(days=1)  # its last day in force (the stored expiration_date)
EMAIL = data.settings(smtp_host="127.0.0.1", legal_emails=("legal@example.org",))


@pytest.fixture
def acme(s):
    return data.vendor(s, contact="contracts@acme.example")


def test_sweep_puts_a_due_reminder_in_the_outbox_once_per_channel_and_recipient(s, acme):
    b = data.baa(s, acme.id, expiration_date=LAST, owner_email="Owner@Example.org")
    day = END - timedelta(days=30)
    summary = run_reminders(s, day, settings=EMAIL)
    assert (summary.due, summary.created, summary.existing) == (1, 3, 0)
    assert data.keys(s) == [
        (b.id, "term_end", LAST, 30, "in-app", "dashboard"),
        (b.id, "term_end", LAST, 30, "email", "owner@example.org"),
        (b.id, "term_end", LAST, 30, "email", "legal@example.org"),
    ]
    in_app, email, _ = data.rows(s)
    assert (in_app.status, email.status) == ("sent", "pending")  # in-app is delivered at once
    assert in_app.title == "BAA with Acme Health lapses in 30 days: in force through 2027-02-28"
    assert email.payload["reminder"]["days_left"] == 30
    again = run_reminders(s, day, settings=EMAIL)
    assert (again.created, again.existing) == (0, 3)
    assert len(data.rows(s)) == 3


def test_each_daily_sweep_adds_only_the_threshold_crossed_that_day(s, acme):
    data.baa(s, acme.id, expiration_date=LAST)
    created = {}
    for offset in range(95, -3, -1):
        day = END - timedelta(days=offset)
        created[offset] = run_reminders(s, day, settings=data.settings()).created
    assert {k: v for k, v in created.items() if v} == {90: 1, 60: 1, 30: 1, 14: 1, 7: 1, 1: 1, 0: 1}
    assert [(n.kind, n.threshold_days) for n in data.rows(s)] == [
        ("term_end", 90),
        ("term_end", 60),
        ("term_end", 30),
        ("term_end", 14),
        ("term_end", 7),
        ("term_end", 1),
        ("expired", 0),
    ]


def test_after_missed_days_only_the_latest_threshold_crossed_is_created(s, acme):
    data.baa(s, acme.id, expiration_date=LAST)
    run_reminders(s, END - timedelta(days=90), settings=data.settings())
    # Down for 80 days: 60, 30 and 14 were crossed meanwhile; only 14 is news now.
    late = run_reminders(s, END - timedelta(days=10), settings=data.settings())
    assert late.created == 1
    assert [n.threshold_days for n in data.rows(s)] == [90, 14]
    assert data.rows(s)[-1].title == (
        "BAA with Acme Health lapses in 10 days: in force through 2027-02-28"
    )


def test_auto_renewing_baa_is_reminded_before_its_notice_deadline(s, acme):
    b = data.baa(
        s,
        acme.id,
        effective_date=date(2024, 3, 1),
        expiration_date=date(2025, 2, 28),
        auto_renews=True,
        renewal_term_months=12,
        notice_days=60,
    )
    # The term rolled to one in force through 2027-02-28; the next starts 2027-03-01 and
    # notice is due 60 days before it, on 2026-12-31.
    run_reminders(s, date(2026, 12, 1), settings=data.settings())
    (n,) = data.rows(s)
    assert (n.subject_id, n.kind, n.term_end, n.threshold_days) == (
        b.id,
        "notice_deadline",
        LAST,
        30,
    )
    assert "unless notice is given by 2026-12-31" in n.body


def test_reassessment_is_reminded_for_the_latest_approving_decision(s, acme):
    d = data.decision(s, acme.id, valid_until=date(2026, 12, 9))
    summary = run_reminders(s, date(2026, 11, 25), settings=EMAIL)
    assert summary.created == 2
    assert data.keys(s) == [
        (d.assessment_id, "reassessment", date(2026, 12, 9), 14, "in-app", "dashboard"),
        (d.assessment_id, "reassessment", date(2026, 12, 9), 14, "email", "reviewer@example.org"),
    ]
    assert data.rows(s)[0].title.startswith("Reassessment of Acme Camera (ios, Acme Health) due")


def test_a_newer_decision_replaces_the_reminders_of_the_old_one(s, acme):
    old = data.decision(s, acme.id, valid_until=date(2026, 12, 9))
    run_reminders(s, date(2026, 11, 25), settings=EMAIL)
    # Reassessed and rejected: nothing to remind about, and the pending email is cancelled.
    data.decision(
        s,
        acme.id,
        valid_until=date(2027, 12, 1),
        app_id=old.app_id,
        verdict="rejected",
        decided_at=old.decided_at + timedelta(days=300),
    )
    summary = run_reminders(s, date(2026, 11, 26), settings=EMAIL)
    assert (summary.created, summary.cancelled) == (0, 1)
    email = data.rows(s, channel="email")[0]
    assert (email.status, email.attempts) == ("cancelled", 0)
    assert "no longer needs" in email.last_error


def test_the_latest_decision_is_the_later_one_of_its_app_and_the_higher_id_on_a_tie(s, acme):
    """Which decision is an app's latest: made later on or before the day, a tie broken by
    id; another app's decisions, and one made after the day, do not count."""
    first = data.decision(s, acme.id, valid_until=date(2026, 12, 9))
    # the same moment, recorded after: it is the latest, and it rejects
    data.decision(s, acme.id, valid_until=date(2026, 12, 9), app_id=first.app_id,
                  verdict="rejected", decided_at=first.decided_at)  # fmt: skip
    other = data.decision(s, acme.id, valid_until=date(2026, 12, 10))  # another app
    # made after the sweep's day: not yet the other app's latest
    data.decision(s, acme.id, valid_until=date(2027, 12, 1), app_id=other.app_id,
                  verdict="rejected", decided_at=datetime(2026, 11, 27, 9, tzinfo=UTC))  # fmt: skip
    summary = run_reminders(s, date(2026, 11, 25), settings=data.settings())
    assert summary.created == 1
    assert [(n.subject_id, n.kind) for n in data.rows(s)] == [(other.assessment_id, "reassessment")]


@pytest.mark.parametrize(
    "change",
    [
        {"status": "superseded", "superseded_on": date(2027, 2, 1)},
        {"status": "terminated", "terminated_on": date(2026, 11, 20)},
        {"terminated_on": date(2026, 11, 20)},  # the date alone has passed
    ],
)
def test_renewing_or_terminating_a_baa_cancels_its_pending_reminders(s, acme, change):
    b = data.baa(s, acme.id, expiration_date=date(2026, 12, 31), owner_email="o@example.org")
    run_reminders(s, date(2026, 11, 2), settings=EMAIL)
    assert [n.status for n in data.rows(s, channel="email")] == ["pending", "pending"]
    for k, v in change.items():
        setattr(b, k, v)
    s.add(b)
    s.commit()
    summary = run_reminders(s, date(2026, 11, 25), settings=EMAIL)
    # (A terminated BAA opens the return/destroy follow-up, which has reminders of its own.)
    follow_up = 3 if change.get("status") == "terminated" else 0
    assert (summary.created, summary.cancelled) == (follow_up, 2)
    term = data.rows(s, channel="email", kind="term_end")
    assert [n.status for n in term] == ["cancelled", "cancelled"]
    # A later sweep does not bring them back.
    run_reminders(s, date(2026, 12, 31), settings=EMAIL)
    assert len(data.rows(s, kind="term_end")) == 3


def test_drafts_evergreen_and_far_deadlines_get_no_reminders(s, acme):
    data.baa(s, acme.id, expiration_date=LAST, status="draft")
    data.baa(s, acme.id, effective_date=date(2025, 8, 1))  # evergreen: reviewed each 1 August
    data.baa(s, acme.id, expiration_date=date(2029, 12, 31))
    data.baa(s, acme.id, expiration_date=date(2025, 12, 31))  # expired long ago: history
    assert run_reminders(s, END - timedelta(days=30), settings=EMAIL).created == 0


def test_vendor_contacts_are_emailed_only_when_enabled(s, acme):
    data.baa(s, acme.id, expiration_date=LAST)
    day = END - timedelta(days=7)
    run_reminders(s, day, settings=EMAIL)
    assert [n.recipient for n in data.rows(s, channel="email")] == ["legal@example.org"]
    run_reminders(
        s,
        day + timedelta(days=6),
        settings=EMAIL.__class__(**{**EMAIL.__dict__, "remind_vendor_contacts": True}),
    )
    assert "contracts@acme.example" in [n.recipient for n in data.rows(s, channel="email")]


def test_no_email_rows_without_smtp_and_one_row_per_webhook_channel(s, acme):
    data.baa(s, acme.id, expiration_date=LAST, owner_email="o@example.org")
    cid = data.webhook_channel(s, "https://hooks.example.org/x")
    run_reminders(s, END - timedelta(days=1), settings=data.settings())
    assert [(n.channel, n.recipient) for n in data.rows(s)] == [
        ("in-app", "dashboard"),
        ("webhook", "slack"),
    ]
    assert data.rows(s, channel="webhook")[0].payload["channel_id"] == cid


def test_dry_run_reports_the_plan_and_writes_nothing(s, acme):
    data.baa(s, acme.id, expiration_date=LAST)
    plan = run_reminders(s, END - timedelta(days=14), dry_run=True, settings=EMAIL)
    assert (plan.dry_run, plan.created, len(plan.planned)) == (True, 2, 2)
    assert s.scalar(select(func.count()).select_from(Notification)) == 0
    assert s.scalar(select(func.count()).select_from(JobRun)) == 0


def test_the_insert_reports_only_the_rows_it_wrote_when_one_was_there_already(s, acme):
    """A row another sweep wrote meanwhile is skipped by the unique key, and the sweep's
    count and plan leave it out (PostgreSQL: RETURNING; SQLite: read back by the sweep's
    time stamp, which an earlier row does not share)."""
    from vetting.services import reminders

    data.baa(s, acme.id, expiration_date=LAST, owner_email="owner@example.org")
    plan = run_reminders(s, END - timedelta(days=14), dry_run=True, settings=EMAIL)
    assert len(plan.rows) == 3
    at = reminders.COLUMNS.index("created_at")
    earlier = list(plan.rows[1])
    earlier[at] -= timedelta(minutes=5)
    assert reminders._insert(s, [tuple(earlier)]) == [tuple(earlier)]
    written = reminders._insert(s, plan.rows)
    assert written == [plan.rows[0], plan.rows[2]]
    s.commit()
    assert len(data.rows(s)) == 3


def test_a_sweep_records_its_job_run_and_audits_what_it_changed(s, acme):
    data.baa(s, acme.id, expiration_date=LAST)
    summary = run_reminders(s, END - timedelta(days=1), settings=data.settings(), actor="cli:x")
    run = s.get(JobRun, summary.job_run_id)
    assert (run.job, run.as_of, run.status, run.detail["created"]) == (
        "reminders",
        END - timedelta(days=1),
        "ok",
        1,
    )
    event = s.scalar(select(AuditEvent).where(AuditEvent.action == "reminders.sweep"))
    assert (event.actor, event.after["created"]) == ("cli:x", 1)
    # A rerun that changes nothing is recorded as a run, not as an audit event.
    run_reminders(s, END - timedelta(days=1), settings=data.settings())
    assert s.scalar(select(func.count()).select_from(JobRun)) == 2
    assert (
        s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "reminders.sweep")
        )
        == 1
    )


def test_two_sweeps_at_once_create_each_row_once(app, s, acme):
    for i in range(40):
        data.baa(
            s, acme.id, expiration_date=LAST + timedelta(days=i % 5), owner_email=f"o{i}@x.org"
        )
    results, errors = [], []
    barrier = threading.Barrier(2)

    def sweep():
        own = data.session(app)
        try:
            barrier.wait()
            results.append(run_reminders(own, END - timedelta(days=3), settings=EMAIL))
        except Exception as exc:  # pragma: no cover - the assertion below shows it
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(r.created for r in results) == 40 * 3  # in-app, owner, legal
    assert len(data.rows(s)) == 40 * 3
    # One ran; the other either waited and found everything there, or skipped (PostgreSQL).
    assert sorted((r.skipped, r.created) for r in results) in (
        [(False, 0), (False, 120)],
        [(False, 120), (True, 0)],
    )
