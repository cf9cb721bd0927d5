"""Delivering the outbox through real local servers: SMTP (aiosmtpd) and an HTTP receiver,
including one that is down, then up. Nothing is lost, nothing is sent twice."""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from integrations.notifiers.webhook import SIGNATURE_HEADER
from tests import reminder_data as data
from tests.notify_servers import free_port, http_receiver, smtp_server
from vetting import auth
from vetting.schemas import BaaUpdate
from vetting.services import baas
from vetting.services.outbox import deliver_due
from vetting.services.reminders import run_reminders

END = date(2027, 3, 1)  # the day the term lapses
LAST = END - timedelta(days=1)  # its last day in force (the stored expiration_date)
DAY = END - timedelta(days=30)
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
SECRET = "s3cret-for-tests"


@pytest.fixture
def baa_id(s):
    v = data.vendor(s)
    return data.baa(s, v.id, expiration_date=LAST, owner_email="owner@example.org").id


@pytest.fixture
def hook_secret(monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    return SECRET.encode()


def mail(port, **kw):
    return data.settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_from="vetting@example.org",
        allow_private_urls=True,
        **kw,
    )


def test_email_is_sent_over_smtp_and_recorded(s, baa_id):
    with smtp_server() as (port, box):
        st = mail(port, legal_emails=("legal@example.org",))
        run_reminders(s, DAY, settings=st)
        summary = deliver_due(s, NOW, settings=st)
    assert (summary.sent, summary.retrying, summary.failed) == (2, 0, 0)
    recipients = sorted(rcpt for _, (rcpt,) in box.envelopes)
    assert recipients == ["legal@example.org", "owner@example.org"]
    msg = box.messages[0]
    assert msg["Subject"] == "BAA with Acme Health lapses in 30 days: in force through 2027-02-28"
    assert msg["From"] == "vetting@example.org"
    assert msg["Message-ID"].startswith("<vetting-notification-")
    assert "does not renew by itself" in msg.get_payload()
    for n in data.rows(s, channel="email"):
        assert (n.status, n.attempts, n.last_error, n.sent_at) == ("sent", 1, None, NOW)
    # Delivered rows are never sent again.
    assert deliver_due(s, NOW + timedelta(hours=1), settings=st).claimed == 0


def test_webhook_body_is_signed_and_slack_compatible(s, baa_id, hook_secret):
    with http_receiver() as (url, rx):
        data.webhook_channel(s, url)
        st = data.settings(allow_private_urls=True)
        run_reminders(s, DAY, settings=st)
        assert deliver_due(s, NOW, settings=st).sent == 1
    (req,) = rx.requests
    expected = "sha256=" + hmac.new(hook_secret, req.body, hashlib.sha256).hexdigest()
    assert req.headers[SIGNATURE_HEADER] == expected
    body = req.json
    assert body["text"].startswith(
        "*BAA with Acme Health lapses in 30 days: in force through 2027-02-28*\n"
    )
    assert body["subject"] == {
        "kind": "baa",
        "id": baa_id,
        "vendor": "Acme Health",
        "baa_title": None,
        "owner_email": "owner@example.org",
    }
    assert body["reminder"]["threshold_days"] == 30
    assert "channel_id" not in body
    assert req.headers["X-Vetting-Delivery"] == body["delivery_id"]


def test_a_channel_that_is_down_loses_nothing_and_is_retried_with_backoff(s, baa_id, hook_secret):
    port = free_port()
    data.webhook_channel(s, f"http://127.0.0.1:{port}/hook")
    st = data.settings(allow_private_urls=True, backoff_seconds=60, webhook_timeout=2)
    run_reminders(s, DAY, settings=st)

    first = deliver_due(s, NOW, settings=st)  # nothing listens on the port
    assert (first.sent, first.retrying) == (0, 1)
    (row,) = data.rows(s, channel="webhook")
    assert (row.status, row.attempts, row.next_attempt_at) == (
        "pending",
        1,
        NOW + timedelta(seconds=60),
    )
    assert "could not connect" in row.last_error
    assert deliver_due(s, NOW + timedelta(seconds=30), settings=st).claimed == 0  # backing off
    second = deliver_due(s, NOW + timedelta(seconds=61), settings=st)
    assert second.retrying == 1
    assert data.rows(s, channel="webhook")[0].next_attempt_at == (
        NOW + timedelta(seconds=61 + 120)  # doubled
    )

    with http_receiver(port) as (_, rx):  # the receiver comes back
        third = deliver_due(s, NOW + timedelta(seconds=200), settings=st)
    assert third.sent == 1
    (req,) = rx.requests
    assert req.headers[SIGNATURE_HEADER] == (
        "sha256=" + hmac.new(hook_secret, req.body, hashlib.sha256).hexdigest()
    )
    (row,) = data.rows(s, channel="webhook")
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)


def test_smtp_down_then_up_delivers_the_waiting_mail(s, baa_id):
    port = free_port()
    st = mail(port, backoff_seconds=10, smtp_timeout=2)
    run_reminders(s, DAY, settings=st)
    assert deliver_due(s, NOW, settings=st).retrying == 1
    with smtp_server(port) as (_, box):
        assert deliver_due(s, NOW + timedelta(seconds=11), settings=st).sent == 1
    assert len(box.messages) == 1
    assert data.rows(s, channel="email")[0].attempts == 2


def test_after_max_attempts_the_row_is_failed_and_kept(s, baa_id, hook_secret):
    data.webhook_channel(s, f"http://127.0.0.1:{free_port()}/hook")
    st = data.settings(allow_private_urls=True, max_attempts=2, backoff_seconds=1)
    run_reminders(s, DAY, settings=st)
    deliver_due(s, NOW, settings=st)
    last = deliver_due(s, NOW + timedelta(seconds=5), settings=st)
    assert last.failed == 1
    (row,) = data.rows(s, channel="webhook")
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 2, None)
    assert "gave up after 2 attempts" in row.last_error
    assert deliver_due(s, NOW + timedelta(days=1), settings=st).claimed == 0


def test_a_client_error_from_the_receiver_fails_at_once(s, baa_id, hook_secret):
    with http_receiver(status=410) as (url, _):
        data.webhook_channel(s, url)
        st = data.settings(allow_private_urls=True)
        run_reminders(s, DAY, settings=st)
        assert deliver_due(s, NOW, settings=st).failed == 1
    (row,) = data.rows(s, channel="webhook")
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error.startswith("HTTP 410 from the webhook")


def test_a_server_error_from_the_receiver_is_retried(s, baa_id, hook_secret):
    with http_receiver(status=503) as (url, _):
        data.webhook_channel(s, url)
        st = data.settings(allow_private_urls=True)
        run_reminders(s, DAY, settings=st)
        assert deliver_due(s, NOW, settings=st).retrying == 1


def test_the_ssrf_guard_refuses_an_internal_webhook_without_the_allow_setting(
    s, baa_id, hook_secret
):
    with http_receiver() as (url, rx):
        data.webhook_channel(s, url)
        st = data.settings(allow_private_urls=False)
        run_reminders(s, DAY, settings=st)
        assert deliver_due(s, NOW, settings=st).failed == 1
    assert rx.requests == []
    (row,) = data.rows(s, channel="webhook")
    assert "127.0.0.1, a loopback address" in row.last_error


def test_a_missing_signing_secret_waits_for_the_setting_and_names_it(s, baa_id, monkeypatch):
    monkeypatch.delenv("HOOK_SECRET", raising=False)
    with http_receiver() as (url, rx):
        data.webhook_channel(s, url)
        st = data.settings(allow_private_urls=True, backoff_seconds=1)
        run_reminders(s, DAY, settings=st)
        assert deliver_due(s, NOW, settings=st).retrying == 1
        assert "HOOK_SECRET" in data.rows(s, channel="webhook")[0].last_error
        monkeypatch.setenv("HOOK_SECRET", SECRET)
        assert deliver_due(s, NOW + timedelta(seconds=2), settings=st).sent == 1
    assert len(rx.requests) == 1


def test_a_disabled_channel_cancels_its_pending_rows(s, baa_id, hook_secret):
    from vetting.models import NotificationChannel

    cid = data.webhook_channel(s, "http://127.0.0.1:9/hook")
    run_reminders(s, DAY, settings=data.settings())
    channel = s.get(NotificationChannel, cid)
    channel.active = False
    s.commit()
    assert deliver_due(s, NOW, settings=data.settings(allow_private_urls=True)).cancelled == 1
    (row,) = data.rows(s, channel="webhook")
    assert row.status == "cancelled" and "removed or disabled" in row.last_error


def test_a_terminated_baa_is_not_delivered_even_before_the_next_sweep(s, baa_id):
    from vetting.models import BAA

    with smtp_server() as (port, box):
        st = mail(port)
        run_reminders(s, DAY, settings=st)
        b = s.get(BAA, baa_id)
        b.status, b.terminated_on = "terminated", date(2026, 11, 20)
        s.commit()
        summary = deliver_due(s, NOW, settings=st)
    assert (summary.sent, summary.cancelled) == (0, 1)
    assert box.messages == []
    assert data.rows(s, channel="email")[0].status == "cancelled"


def test_two_deliverers_at_once_send_every_row_exactly_once(app, s, hook_secret):
    v = data.vendor(s)
    for i in range(12):
        data.baa(s, v.id, expiration_date=LAST + timedelta(days=i % 3))
    with http_receiver() as (url, rx):
        data.webhook_channel(s, url)
        st = data.settings(allow_private_urls=True, batch_size=5)
        run_reminders(s, END - timedelta(days=1), settings=st)
        barrier = threading.Barrier(2)
        results, errors = [], []

        def deliver():
            own = data.session(app)
            try:
                barrier.wait()
                results.append(deliver_due(own, NOW, settings=st))
            except Exception as exc:  # pragma: no cover - shown by the assertion
                errors.append(exc)
            finally:
                own.close()

        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert errors == []
    ids = [r.json["delivery_id"] for r in rx.requests]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert sum(r.sent for r in results) == 12
    assert {n.status for n in data.rows(s, channel="webhook")} == {"sent"}


def test_an_edited_term_end_drops_the_old_reminders_and_undoing_it_plans_them_again(s, baa_id):
    """Legal moves the expiration date: the mail about the old date is never sent; the new
    date's reminders come when due; moving it back plans the old date's again."""
    with smtp_server() as (port, box):
        st = mail(port, legal_emails=("legal@example.org",))
        run_reminders(s, DAY, settings=st)  # 30 days before END: owner + legal, pending
        assert len(data.rows(s, channel="email", status="pending")) == 2
        later = LAST + timedelta(days=60)
        baas.update(s, auth.CLI_PRINCIPAL, baa_id, BaaUpdate(expiration_date=later))
        summary = deliver_due(s, NOW, settings=st)
        assert (summary.sent, summary.cancelled) == (0, 2)
        assert box.messages == [] and data.rows(s, channel="email") == []
        # The same day's sweep plans the new date's reminders instead (90 days before it).
        assert run_reminders(s, DAY, settings=st).created == 3  # in-app, owner, legal
        assert {n.term_end for n in data.rows(s, channel="email")} == {later}

        baas.update(s, auth.CLI_PRINCIPAL, baa_id, BaaUpdate(expiration_date=LAST))
        summary = run_reminders(s, DAY, settings=st)
        # The later date's mail goes; the old date's is planned again (its in-app note was
        # shown already), not refused as a duplicate of the rows dropped before.
        assert (summary.created, summary.cancelled) == (2, 2)
        assert deliver_due(s, NOW, settings=st).sent == 2
    assert sorted(rcpt for _, (rcpt,) in box.envelopes) == [
        "legal@example.org",
        "owner@example.org",
    ]
    assert all(f"in force through {LAST.isoformat()}" in m["Subject"] for m in box.messages)


def test_a_batch_sends_all_its_mail_over_one_smtp_connection(s):
    """Issue 16, item 8: one connection (one TLS context, one login) per batch, not per mail."""
    for n in range(4):
        v = data.vendor(s, f"Vendor {n}")
        data.baa(s, v.id, expiration_date=END, owner_email=f"owner{n}@example.org")
    with smtp_server() as (port, box):
        st = mail(port)
        run_reminders(s, DAY, settings=st)
        summary = deliver_due(s, NOW, settings=st)
    assert summary.sent == 4 and len(box.messages) == 4
    assert box.connections == 1


def test_a_kept_smtp_connection_the_server_dropped_is_reopened_once(s):
    from integrations.notifiers.base import Batch, Message
    from integrations.notifiers.email import EmailNotifier

    with smtp_server() as (port, box), Batch() as batch:
        notifier = EmailNotifier.for_delivery(mail(port), recipient="a@example.org", channel=None)
        first = Message("d-1", "a@example.org", "one", "first")
        notifier.deliver(first, batch)
        (kept,) = batch._open.values()
        kept.close()  # as a server closing an idle connection leaves it
        notifier.deliver(Message("d-2", "a@example.org", "two", "second"), batch)
    assert [m["Subject"] for m in box.messages] == ["one", "two"]
    assert box.connections == 2


def test_a_batch_posts_every_webhook_through_one_client(s, hook_secret, monkeypatch):
    from integrations import http

    made = []
    real = http.client
    monkeypatch.setattr(http, "client", lambda *a, **kw: made.append(1) or real(*a, **kw))
    for n in range(3):
        v = data.vendor(s, f"Vendor {n}")
        data.baa(s, v.id, expiration_date=END)
    with http_receiver() as (url, receiver):
        data.webhook_channel(s, url)
        st = data.settings(allow_private_urls=True)
        run_reminders(s, DAY, settings=st)
        summary = deliver_due(s, NOW, settings=st)
    assert summary.sent == 3 and len(receiver.requests) == 3
    assert made == [1]
