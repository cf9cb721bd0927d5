"""BAAs through the API: terms, dates and their state on a date (issue 2, item 6)."""

from __future__ import annotations

import pytest

from tests.api.chain import baa, vendor


@pytest.fixture
def vid(client, admin):
    return vendor(client, admin)


def state_on(client, headers, baa_id, as_of):
    r = client.get(f"/api/v1/baas?as_of={as_of}", headers=headers)
    assert r.status_code == 200, r.json
    return next(b for b in r.json["items"] if b["id"] == baa_id)


def test_create_and_get_a_fixed_term_baa(client, admin, vid):
    b = baa(
        client,
        admin,
        vid,
        expiration_date="2027-05-31",
        breach_notification_days=10,
        subcontractor_flowdown=True,
        return_or_destroy=True,
        title="Acme BAA",
    )
    assert (b["state"], b["term_end"], b["days_left"], b["as_of"]) == (
        "active",
        "2027-05-31",  # the last day in force, as typed
        188,
        "2026-11-25",
    )
    assert b["notice_deadline"] is None
    got = client.get(f"/api/v1/baas/{b['id']}", headers=admin)
    assert got.status_code == 200
    assert got.json == b


@pytest.mark.parametrize(
    ("as_of", "state", "days_left"),
    [
        ("2025-12-31", "not_yet_effective", 517),
        ("2026-01-01", "active", 516),
        ("2027-03-02", "active", 91),
        ("2027-03-03", "expiring", 90),
        ("2027-05-31", "expiring", 1),
        ("2027-06-01", "expired", 0),
        ("2030-01-01", "expired", 0),
    ],
)
def test_state_on_a_date(client, admin, vid, as_of, state, days_left):
    b = baa(client, admin, vid, expiration_date="2027-05-31")
    on = state_on(client, admin, b["id"], as_of)
    assert (on["state"], on["days_left"], on["as_of"]) == (state, days_left, as_of)


def test_evergreen_baa_stays_active_until_terminated(client, admin, vid):
    b = baa(client, admin, vid)
    assert (b["expiration_date"], b["state"], b["term_end"]) == (None, "active", None)
    assert state_on(client, admin, b["id"], "2099-12-31")["state"] == "active"
    r = client.patch(
        f"/api/v1/baas/{b['id']}",
        json={"terminated_on": "2027-02-01", "termination_reason": "vendor sold"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    # within the warning window of its termination: ending, in force until then
    # (term_end: its last day in force, the day before the termination takes effect)
    assert (r.json["state"], r.json["term_end"]) == ("expiring", "2027-01-31")
    assert state_on(client, admin, b["id"], "2027-01-31")["state"] == "expiring"
    assert state_on(client, admin, b["id"], "2026-09-01")["state"] == "active"
    ended = state_on(client, admin, b["id"], "2027-02-01")
    assert (ended["state"], ended["term_end"]) == ("terminated", "2027-01-31")


@pytest.mark.parametrize(
    ("as_of", "state", "term_end", "deadline", "renewed"),
    [
        ("2025-06-01", "active", "2025-12-31", "2025-11-02", False),
        ("2025-11-02", "expiring", "2025-12-31", "2025-11-02", False),
        ("2025-11-03", "active", "2025-12-31", "2025-11-02", True),
        # the term rolled forward a year on 2026-01-01; the next notice deadline is 2026-11-02
        ("2026-01-01", "active", "2026-12-31", "2026-11-02", False),
        ("2026-08-04", "expiring", "2026-12-31", "2026-11-02", False),
        ("2026-11-25", "active", "2026-12-31", "2026-11-02", True),
        ("2031-03-15", "active", "2031-12-31", "2031-11-02", False),
    ],
)
def test_auto_renewing_term_rolls_forward_with_its_notice_deadline(
    client, admin, vid, as_of, state, term_end, deadline, renewed
):
    b = baa(
        client,
        admin,
        vid,
        effective_date="2025-01-01",
        expiration_date="2025-12-31",
        auto_renews=True,
        renewal_term_months=12,
        notice_days=60,
    )
    on = state_on(client, admin, b["id"], as_of)
    assert (on["state"], on["term_end"], on["notice_deadline"], on["renewed_by_default"]) == (
        state,
        term_end,
        deadline,
        renewed,
    )


def test_list_filters_by_vendor_and_paginates(client, admin, vid):
    other = vendor(client, admin, "Other Co")
    baa(client, admin, vid, effective_date="2025-01-01")
    baa(client, admin, vid, effective_date="2026-01-01")
    mine = baa(client, admin, other)
    r = client.get(f"/api/v1/baas?vendor_id={other}", headers=admin)
    assert [b["id"] for b in r.json["items"]] == [mine["id"]]
    r = client.get("/api/v1/baas?per_page=2&page=2", headers=admin)
    assert (r.json["total"], r.json["page"], len(r.json["items"])) == (3, 2, 1)


def test_patch_changes_terms_and_recomputes_state(client, admin, vid):
    b = baa(client, admin, vid, expiration_date="2026-11-30")
    assert b["state"] == "expiring"
    r = client.patch(
        f"/api/v1/baas/{b['id']}", json={"expiration_date": "2028-11-30"}, headers=admin
    )
    assert r.status_code == 200, r.json
    assert (r.json["state"], r.json["term_end"]) == ("active", "2028-11-30")
    r = client.patch(f"/api/v1/baas/{b['id']}", json={"expiration_date": None}, headers=admin)
    assert (r.json["state"], r.json["expiration_date"]) == ("active", None)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"expiration_date": "2025-12-31"}, "expiration_date"),  # last day before the first
        ({"expiration_date": "2025-06-01"}, "expiration_date"),
        (
            {
                "auto_renews": True,
                "expiration_date": "2026-12-31",
                "renewal_term_months": 12,
                "notice_days": 30,
                "notice_months": 1,
            },
            "notice_months",
        ),
        ({"notice_months": -1}, "notice_months"),
        ({"terminated_on": "2025-12-31"}, "terminated_on"),
        ({"notice_days": -1}, "notice_days"),
        ({"auto_renews": True, "renewal_term_months": 12}, "expiration_date"),
        ({"auto_renews": True, "expiration_date": "2027-01-01"}, "renewal_term_months"),
        ({"renewal_term_months": 0}, "renewal_term_months"),
        ({"termination_reason": "breach"}, "termination_reason"),
        ({"effective_date": "2026-02-30"}, "effective_date"),
        ({"effective_date": None}, "effective_date"),
        ({"breach_notification_days": "soon"}, "breach_notification_days"),
        ({"owner_email": "legal"}, "owner_email"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_create_refuses_inconsistent_terms_naming_the_field(client, admin, vid, fields, field):
    body = {"vendor_id": vid, "effective_date": "2026-01-01", **fields}
    r = client.post("/api/v1/baas", json=body, headers=admin)
    assert r.status_code == 422, r.json
    assert field in [e["field"] for e in r.json["errors"]]
    assert client.get("/api/v1/baas", headers=admin).json["total"] == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"effective_date": "2027-07-01"}, "expiration_date"),
        ({"expiration_date": "2025-06-01"}, "expiration_date"),
        ({"terminated_on": "2025-06-01"}, "terminated_on"),
        ({"notice_days": -5}, "notice_days"),
        ({"effective_date": None}, "effective_date"),
        ({"auto_renews": None}, "auto_renews"),
        ({"auto_renews": True}, "renewal_term_months"),
        ({"vendor_id": 2}, "vendor_id"),
    ],
)
def test_patch_refuses_inconsistent_terms_and_changes_nothing(client, admin, vid, fields, field):
    b = baa(client, admin, vid, expiration_date="2027-05-31")
    r = client.patch(f"/api/v1/baas/{b['id']}", json=fields, headers=admin)
    assert r.status_code == 422, r.json
    assert field in [e["field"] for e in r.json["errors"]]
    assert client.get(f"/api/v1/baas/{b['id']}", headers=admin).json == b


@pytest.mark.parametrize("vendor_id", [999, 0, "acme"])
def test_unknown_vendor_is_422(client, admin, vendor_id):
    r = client.post(
        "/api/v1/baas", json={"vendor_id": vendor_id, "effective_date": "2026-01-01"}, headers=admin
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json["errors"]] == ["vendor_id"]


def test_clearing_terminated_on_clears_its_reason(client, admin, vid):
    b = baa(client, admin, vid, terminated_on="2026-11-01", termination_reason="breach")
    assert b["state"] == "terminated"
    r = client.patch(f"/api/v1/baas/{b['id']}", json={"terminated_on": None}, headers=admin)
    assert r.status_code == 200, r.json
    assert (r.json["state"], r.json["terminated_on"], r.json["termination_reason"]) == (
        "active",
        None,
        None,
    )


def test_terminated_on_the_effective_date_never_was_in_force(client, admin, vid):
    b = baa(client, admin, vid, effective_date="2026-12-01", terminated_on="2026-12-01")
    assert b["state"] == "not_yet_effective"
    assert state_on(client, admin, b["id"], "2026-12-01")["state"] == "terminated"


def test_unknown_baa_is_404(client, admin):
    assert client.get("/api/v1/baas/999", headers=admin).status_code == 404
    r = client.patch("/api/v1/baas/999", json={"notes": "x"}, headers=admin)
    assert r.status_code == 404


def test_bad_as_of_is_422(client, admin):
    r = client.get("/api/v1/baas?as_of=tomorrow", headers=admin)
    assert r.status_code == 422
    assert r.json["errors"][0]["field"] == "as_of"


def test_notice_in_months_is_stored_and_counted_back_from_the_next_term(client, admin, vid):
    b = baa(
        client,
        admin,
        vid,
        effective_date="2025-04-01",
        expiration_date="2027-03-31",  # in force through; the next term starts 2027-04-01
        auto_renews=True,
        renewal_term_months=12,
        notice_months=1,
    )
    assert (b["notice_months"], b["notice_days"], b["term_end"], b["notice_deadline"]) == (
        1,
        None,
        "2027-03-31",
        "2027-03-01",
    )
    # switching to days needs the months cleared: both at once are refused, nothing changes
    r = client.patch(f"/api/v1/baas/{b['id']}", json={"notice_days": 30}, headers=admin)
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "notice_months"
    assert client.get(f"/api/v1/baas/{b['id']}", headers=admin).json == b
    r = client.patch(
        f"/api/v1/baas/{b['id']}", json={"notice_days": 30, "notice_months": None}, headers=admin
    )
    assert r.status_code == 200, r.json
    assert r.json["notice_deadline"] == "2027-03-02"
