"""Parent agreements as records (issue 11, item 8): CRUD, BAAs that follow their parent's
dates, and a change of the parent's dates moving every such BAA at once — its state, the
register, the calendar, the forecast and the reminders. Today is 2026-11-25 (frozen clock)."""

from __future__ import annotations

from datetime import date

import icalendar
import pytest
from sqlalchemy import func, select

from tests import reminder_data as data
from tests.api.chain import SIGNED, approved_app, audit_events, baa, vendor
from tests.api.expect import error
from vetting import db
from vetting.models import BAA, ParentAgreement
from vetting.services.reminders import run_reminders

TODAY = date(2026, 11, 25)
MSA = {
    "name": "Acme Master Subscription Agreement",
    "effective_date": "2025-01-01",
    "expiration_date": "2026-12-31",
    "notice_days": 30,
}


@pytest.fixture
def vid(client, admin):
    return vendor(client, admin)


def parent(client, headers, **fields):
    r = client.post("/api/v1/parent-agreements", json={**MSA, **fields}, headers=headers)
    assert r.status_code == 201, r.json
    return r.json


def follower(client, headers, vid, pid, **fields):
    body = {"vendor_id": vid, "parent_id": pid, "follows_parent": True, **fields}
    body.setdefault("signed_copy_note", SIGNED)
    r = client.post("/api/v1/baas", json=body, headers=headers)
    assert r.status_code == 201, r.json
    return r.json


def count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def test_crud_and_audit(app, client, admin, vid):
    p = parent(client, admin, vendor_id=vid, notes="signed 2024-12")
    assert (p["name"], p["expiration_date"], p["vendor_id"]) == (MSA["name"], "2026-12-31", vid)
    assert (p["baa_ids"], p["following_ids"]) == ([], [])
    assert client.get(f"/api/v1/parent-agreements/{p['id']}", headers=admin).json["id"] == p["id"]
    listed = client.get("/api/v1/parent-agreements?q=master", headers=admin).json
    assert [i["id"] for i in listed["items"]] == [p["id"]] and listed["total"] == 1
    assert client.get("/api/v1/parent-agreements?q=nothing", headers=admin).json["total"] == 0
    r = client.patch(
        f"/api/v1/parent-agreements/{p['id']}", json={"name": "Acme MSA"}, headers=admin
    )
    assert r.status_code == 200 and r.json["name"] == "Acme MSA"
    assert client.delete(f"/api/v1/parent-agreements/{p['id']}", headers=admin).status_code == 204
    error(client.get(f"/api/v1/parent-agreements/{p['id']}", headers=admin), 404)
    actions = [e.action for e in audit_events(app) if e.entity_type == "parent_agreement"]
    assert actions == [
        "parent_agreement.create",
        "parent_agreement.update",
        "parent_agreement.delete",
    ]


def test_scopes(client, make_token, admin):
    p = parent(client, admin)
    assert client.get("/api/v1/parent-agreements").status_code == 401
    reader = make_token(scopes=["baas:read"])
    assert client.get("/api/v1/parent-agreements", headers=reader).status_code == 200
    error(client.post("/api/v1/parent-agreements", json=MSA, headers=reader), 403)
    error(client.patch(f"/api/v1/parent-agreements/{p['id']}", json={}, headers=reader), 403)
    error(client.delete(f"/api/v1/parent-agreements/{p['id']}", headers=reader), 403)
    other = make_token(scopes=["apps:read"])
    error(client.get("/api/v1/parent-agreements", headers=other), 403)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expiration_date": "2024-12-31"}, "expiration_date"),
        ({"notice_months": 2}, "notice_months"),  # with MSA's notice_days
        ({"auto_renews": True}, "renewal_term_months"),
        ({"vendor_id": 999}, "vendor_id"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_parents_are_refused_and_nothing_is_saved(app, client, admin, body, field):
    error(client.post("/api/v1/parent-agreements", json={**MSA, **body}, headers=admin), 422, field)
    assert count(app, ParentAgreement) == 0


def test_bad_links_are_refused_and_nothing_is_saved(app, client, admin, vid):
    p = parent(client, admin)
    base = {"vendor_id": vid, "signed_copy_note": SIGNED}
    r = client.post("/api/v1/baas", json={**base, "follows_parent": True}, headers=admin)
    error(r, 422, "follows_parent")
    unknown = {**base, "parent_id": 999, "follows_parent": True}
    r = client.post("/api/v1/baas", json=unknown, headers=admin)
    error(r, 404)
    r = client.post("/api/v1/baas", json={**base, "parent_id": p["id"]}, headers=admin)
    error(r, 422, "effective_date")  # neither its own dates nor the parent's
    r = client.post(
        "/api/v1/baas",
        json={
            **base,
            "parent_id": p["id"],
            "follows_parent": True,
            "expiration_date": "2027-06-30",
        },
        headers=admin,
    )
    error(r, 422, "expiration_date", "comes from parent agreement")
    assert count(app, BAA) == 0
    b = baa(client, admin, vid, expiration_date="2027-06-30")
    r = client.patch(f"/api/v1/baas/{b['id']}", json={"follows_parent": True}, headers=admin)
    error(r, 422, "follows_parent")
    error(client.patch(f"/api/v1/baas/{b['id']}", json={"parent_id": 999}, headers=admin), 404)
    after = client.get(f"/api/v1/baas/{b['id']}", headers=admin).json
    assert (after["parent_id"], after["follows_parent"], after["expiration_date"]) == (
        None,
        False,
        "2027-06-30",
    )


def test_a_following_baa_takes_the_parents_terms(client, admin, vid):
    p = parent(client, admin)
    b = follower(client, admin, vid, p["id"], expiration_date="2026-12-31")  # same: accepted
    assert (b["effective_date"], b["expiration_date"], b["notice_days"]) == (
        "2025-01-01",
        "2026-12-31",
        30,
    )
    assert (b["parent_id"], b["follows_parent"], b["state"]) == (p["id"], True, "expiring")
    got = client.get(f"/api/v1/parent-agreements/{p['id']}", headers=admin).json
    assert (got["baa_ids"], got["following_ids"]) == ([b["id"]], [b["id"]])
    # its own dates cannot be changed while it follows; unlinking keeps the last dates
    later = {"expiration_date": "2028-01-31"}
    r = client.patch(f"/api/v1/baas/{b['id']}", json=later, headers=admin)
    error(r, 422, "expiration_date")
    r = client.patch(
        f"/api/v1/baas/{b['id']}",
        json={"follows_parent": False, "expiration_date": "2028-01-31"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    assert (r.json["expiration_date"], r.json["parent_id"]) == ("2028-01-31", p["id"])
    # an existing BAA starts following: it takes the parent's dates
    r = client.patch(f"/api/v1/baas/{b['id']}", json={"follows_parent": True}, headers=admin)
    assert r.status_code == 200 and r.json["expiration_date"] == "2026-12-31"
    # deleting the parent is refused while a BAA is linked to it
    error(client.delete(f"/api/v1/parent-agreements/{p['id']}", headers=admin), 409, "parent_id")
    r = client.patch(
        f"/api/v1/baas/{b['id']}", json={"parent_id": None, "follows_parent": False}, headers=admin
    )
    assert r.status_code == 200, r.json
    assert client.delete(f"/api/v1/parent-agreements/{p['id']}", headers=admin).status_code == 204


def _calendar_uids(client, headers) -> set[str]:
    r = client.get("/api/v1/baas.ics?from=2025-11-25&to=2028-11-25", headers=headers)
    assert r.status_code == 200
    cal = icalendar.Calendar.from_ical(r.data)
    return {str(e["uid"]) for e in cal.walk("VEVENT")}


def test_moving_the_parents_end_moves_every_follower_at_once(app, client, admin, vid):
    approved_app(client, admin, vid)
    p = parent(client, admin)
    a = follower(client, admin, vid, p["id"], owner_email="owner@example.org")
    b = follower(client, admin, vid, p["id"], title="Second")
    other = vendor(client, admin, "Pagerline")  # its own dates: unmoved
    own = baa(
        client, admin, other, title="Own", effective_date="2025-06-01", expiration_date="2026-12-31"
    )
    s = data.session(app)
    try:
        run_reminders(s, TODAY, settings=data.settings(smtp_host="127.0.0.1"))
        old = [n for n in data.rows(s, channel="email") if n.subject_id == a["id"]]
        assert [(n.kind, n.term_end, n.status) for n in old] == [
            ("term_end", date(2026, 12, 31), "pending")
        ]
        assert f"baa-{a['id']}-term-end-2026-12-31@vetting" in _calendar_uids(client, admin)
        expiring = client.get("/api/v1/baas?state=expiring", headers=admin).json
        assert {i["id"] for i in expiring["items"]} == {a["id"], b["id"], own["id"]}

        # extended: the followers are no longer expiring, the calendar moves, stale reminders go
        r = client.patch(
            f"/api/v1/parent-agreements/{p['id']}",
            json={"expiration_date": "2028-06-30"},
            headers=admin,
        )
        assert r.status_code == 200, r.json
        assert r.json["following_ids"] == [a["id"], b["id"]]
        for x in (a, b):
            got = client.get(f"/api/v1/baas/{x['id']}", headers=admin).json
            assert (got["expiration_date"], got["state"]) == ("2028-06-30", "active")
        assert client.get(f"/api/v1/baas/{own['id']}", headers=admin).json["state"] == "expiring"
        expiring = client.get("/api/v1/baas?state=expiring", headers=admin).json
        assert [i["id"] for i in expiring["items"]] == [own["id"]]
        uids = _calendar_uids(client, admin)
        assert f"baa-{a['id']}-term-end-2026-12-31@vetting" not in uids
        assert f"baa-{a['id']}-term-end-2028-06-30@vetting" in uids
        # the reminder keyed on the old end is stale: the sweep drops it (never sent)
        summary = run_reminders(s, TODAY, settings=data.settings(smtp_host="127.0.0.1"))
        assert summary.cancelled >= 1
        assert [n for n in data.rows(s, channel="email") if n.subject_id == a["id"]] == []

        # shortened: the forecast and the reminders show the new date
        r = client.patch(
            f"/api/v1/parent-agreements/{p['id']}",
            json={"expiration_date": "2026-12-10"},
            headers=admin,
        )
        assert r.status_code == 200, r.json
        forecast = client.get("/api/v1/allowlist/forecast?days=30", headers=admin).json
        assert "2026-12-11" in str(forecast)
        run_reminders(s, TODAY, settings=data.settings(smtp_host="127.0.0.1"))
        new = [
            (n.kind, n.term_end, n.status)
            for n in data.rows(s, channel="email")
            if n.subject_id == a["id"] and n.status == "pending"
        ]
        assert new and all(t == date(2026, 12, 10) for _, t, _ in new)
    finally:
        s.close()
    moved = [
        e for e in audit_events(app) if e.action == "baa.update" and e.entity_id == str(a["id"])
    ]
    assert len(moved) == 2  # one audited change per move of the parent


def test_a_parent_change_that_would_break_a_follower_is_refused(client, admin, vid):
    p = parent(client, admin)
    b = follower(client, admin, vid, p["id"])
    r = client.post(
        f"/api/v1/baas/{b['id']}/terminate",
        json={"on": "2025-03-01", "reason": "sold"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    r = client.patch(
        f"/api/v1/parent-agreements/{p['id']}", json={"effective_date": "2025-06-01"}, headers=admin
    )
    error(r, 422, "effective_date", f"BAA {b['id']}")
    got = client.get(f"/api/v1/parent-agreements/{p['id']}", headers=admin).json
    assert got["effective_date"] == "2025-01-01"
    assert (
        client.get(f"/api/v1/baas/{b['id']}", headers=admin).json["effective_date"] == "2025-01-01"
    )


def test_a_following_renewal_moves_its_predecessors_end_with_the_parent(client, admin, vid):
    old = baa(client, admin, vid, effective_date="2024-01-01", expiration_date="2025-12-31")
    p = parent(client, admin, effective_date="2025-10-01", expiration_date="2027-09-30")
    r = client.post(
        f"/api/v1/baas/{old['id']}/renew",
        json={"effective_date": "2025-10-01", "signed_copy_note": SIGNED},
        headers=admin,
    )
    assert r.status_code == 201, r.json
    new = r.json
    assert new["parent_id"] is None and new["follows_parent"] is False
    body = {"parent_id": p["id"], "follows_parent": True}
    r = client.patch(f"/api/v1/baas/{new['id']}", json=body, headers=admin)
    assert r.status_code == 200, r.json
    assert r.json["expiration_date"] == "2027-09-30"
    r = client.patch(
        f"/api/v1/parent-agreements/{p['id']}", json={"effective_date": "2025-11-01"}, headers=admin
    )
    assert r.status_code == 200, r.json
    got = client.get(f"/api/v1/baas/{old['id']}", headers=admin).json
    assert (got["status"], got["superseded_on"]) == ("superseded", "2025-11-01")
    # a start no later than the renewed agreement's is refused, nothing saved
    r = client.patch(
        f"/api/v1/parent-agreements/{p['id']}", json={"effective_date": "2023-06-01"}, headers=admin
    )
    error(r, 422, "effective_date", f"BAA {new['id']}")
    assert client.get(f"/api/v1/baas/{new['id']}", headers=admin).json["effective_date"] == (
        "2025-11-01"
    )
