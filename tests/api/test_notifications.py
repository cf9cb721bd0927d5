"""GET /api/v1/notifications: the outbox for the dashboard."""

from __future__ import annotations

from datetime import date

import pytest

from tests import reminder_data as data
from vetting.services.reminders import run_reminders


@pytest.fixture
def outbox(app):
    s = data.session(app)
    v = data.vendor(s)
    b = data.baa(s, v.id, expiration_date=date(2027, 2, 28), owner_email="o@example.org")
    run_reminders(s, date(2027, 2, 27), settings=data.settings(smtp_host="127.0.0.1"))
    s.close()
    return b.id


def test_notifications_need_a_token(client, outbox):
    r = client.get("/api/v1/notifications")
    assert r.status_code == 401


def test_a_viewer_reads_the_outbox_newest_first_and_filtered(client, make_token, outbox):
    viewer = make_token("viewer")
    r = client.get("/api/v1/notifications", headers=viewer)
    assert r.status_code == 200, r.json
    assert r.json["total"] == 2
    first = r.json["items"][0]
    assert (first["subject_kind"], first["subject_id"], first["term_end"]) == (
        "baa",
        outbox,
        "2027-02-28",  # the term's last day in force
    )
    assert (first["channel"], first["status"], first["threshold_days"]) == ("email", "pending", 7)
    r = client.get(f"/api/v1/notifications?channel=in-app&subject_id={outbox}", headers=viewer)
    assert [(n["channel"], n["status"]) for n in r.json["items"]] == [("in-app", "sent")]


def test_a_token_without_baas_read_is_forbidden(client, make_token, outbox):
    r = client.get("/api/v1/notifications", headers=make_token("viewer", ["apps:read"]))
    assert r.status_code == 403
    assert "baas:read" in r.json["errors"][0]["message"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=lost", "status"), ("channel=fax", "channel"), ("subject_id=0", "subject_id")],
)
def test_bad_filters_are_refused_naming_the_field(client, admin, query, field):
    r = client.get(f"/api/v1/notifications?{query}", headers=admin)
    assert r.status_code == 422
    assert r.json["errors"][0]["field"] == field


def test_the_route_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json
    op = doc["paths"]["/api/v1/notifications"]["get"]
    assert op["x-required-scope"] == "baas:read"
