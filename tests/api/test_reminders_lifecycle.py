"""Renewing or terminating a BAA through the API stops its pending reminders: the next sweep
cancels them, and delivery never sends them even before that sweep."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests import reminder_data as data
from tests.api.chain import vendor
from tests.notify_servers import smtp_server
from vetting.services.outbox import deliver_due
from vetting.services.reminders import run_reminders

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture
def pending(app, client, admin):
    """A BAA ending in 37 days whose 60-day reminder email is waiting in the outbox."""
    vid = vendor(client, admin)
    body = {
        "vendor_id": vid,
        "effective_date": "2025-01-01",
        "expiration_date": "2027-01-01",
        "owner_email": "owner@example.org",
        "signed_copy_note": "signed PDF in the contracts share",
    }
    r = client.post("/api/v1/baas", json=body, headers=admin)
    assert r.status_code == 201, r.json
    s = data.session(app)
    run_reminders(s, TODAY, settings=data.settings(smtp_host="127.0.0.1"))
    assert [n.status for n in data.rows(s, channel="email")] == ["pending"]
    yield s, r.json["id"]
    s.close()


def test_a_renewal_cancels_the_old_agreements_pending_reminders(client, admin, pending):
    s, baa_id = pending
    r = client.post(
        f"/api/v1/baas/{baa_id}/renew",
        headers=admin,
        json={
            "signed_copy_note": "signed PDF",
            "effective_date": "2026-12-15",
            "expiration_date": "2028-01-01",
        },
    )
    assert r.status_code == 201, r.json
    with smtp_server() as (port, box):
        st = data.settings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
        summary = deliver_due(s, NOW, settings=st)
    assert (summary.sent, summary.cancelled, box.messages) == (0, 1, [])
    (row,) = data.rows(s, channel="email")
    assert (row.subject_id, row.status) == (baa_id, "cancelled")
    # The renewal ends in 2028: nothing is due for it, and nothing comes back for the old one.
    assert run_reminders(s, TODAY, settings=st).created == 0


def test_a_termination_cancels_pending_reminders_at_the_next_sweep(client, admin, pending):
    s, baa_id = pending
    r = client.post(
        f"/api/v1/baas/{baa_id}/terminate",
        headers=admin,
        json={"on": "2026-12-20", "reason": "vendor sold"},
    )
    assert r.status_code == 200, r.json
    summary = run_reminders(s, TODAY, settings=data.settings(smtp_host="127.0.0.1"))
    # The term end's reminder is moot; the termination's own (25 days ahead: the 30-day
    # threshold) goes out in its place, in-app and by e-mail.
    assert (summary.created, summary.cancelled) == (2, 1)
    assert [(n.kind, n.status) for n in data.rows(s, channel="email")] == [
        ("term_end", "cancelled"),
        ("termination", "pending"),
    ]
    later = run_reminders(s, date(2026, 12, 18), settings=data.settings())
    assert [(r["kind"], r["threshold_days"]) for r in later.planned] == [("termination", 7)]
