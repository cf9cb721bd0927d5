"""One in-force date (issue 11, item 4): a termination legal records now for a later day
shortens the term at once — BAA detail, register filters, calendar feed and the list. Today is
2026-11-25 (the frozen clock)."""

from __future__ import annotations

import icalendar

from tests.api.chain import approved_app, baa, vendor
from tests.api.register_helpers import listed


def _terminated_later(client, admin):
    """A vendor's two-year BAA, ended early for 2027-01-15 by a termination recorded today."""
    vid = vendor(client, admin, "Northwind Imaging")
    app_id = approved_app(client, admin, vid, name="Northwind Viewer", store_id="com.nw.viewer")
    b = baa(client, admin, vid, expiration_date="2027-12-31")
    r = client.post(
        f"/api/v1/baas/{b['id']}/terminate",
        json={"on": "2027-01-15", "reason": "vendor sold its imaging line"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    return b["id"], app_id


def test_detail_shows_the_termination_as_the_term_end_and_in_force_until(client, admin):
    baa_id, _ = _terminated_later(client, admin)
    r = client.get(f"/api/v1/baas/{baa_id}", headers=admin)
    assert r.status_code == 200, r.json
    got = {k: r.json[k] for k in ("state", "term_end", "in_force_until", "days_left")}
    assert got == {
        "state": "expiring",
        "term_end": "2027-01-14",  # its last day in force
        "in_force_until": "2027-01-15",  # its first day out of force
        "days_left": 51,
    }
    assert r.json["last_day_in_force"] == "2027-01-14"
    assert r.json["expiration_date"] == "2027-12-31"  # the contract's own end is kept
    assert r.json["notice_deadline"] is None
    # The register's date filter finds it by its new end.
    found = client.get("/api/v1/baas?within_days=60", headers=admin).json["items"]
    assert [b["id"] for b in found] == [baa_id]


def test_an_unterminated_fixed_term_is_in_force_until_its_end_and_evergreen_until_null(
    client, admin
):
    vid = vendor(client, admin)
    fixed = baa(client, admin, vid, expiration_date="2027-08-31")
    assert (fixed["in_force_until"], fixed["last_day_in_force"]) == ("2027-09-01", "2027-08-31")
    evergreen = baa(client, admin, vid)
    assert (evergreen["in_force_until"], evergreen["last_day_in_force"]) == (None, None)


def test_the_calendar_and_the_list_use_the_termination_date(client, admin):
    baa_id, app_id = _terminated_later(client, admin)
    cal = icalendar.Calendar.from_ical(client.get("/api/v1/baas.ics", headers=admin).data)
    days = {str(e["uid"]): e.decoded("dtstart").isoformat() for e in cal.walk("VEVENT")}
    assert days[f"baa-{baa_id}-terminated-2027-01-15@vetting"] == "2027-01-15"
    assert not [u for u in days if u.startswith(f"baa-{baa_id}-term-end-")]
    assert [e["app_id"] for e in listed(client, admin, "2027-01-14")["entries"]] == [app_id]
    off = listed(client, admin, "2027-01-15")
    assert off["entries"] == []
    assert off["excluded"][0]["reasons"] == [
        "BAA with Northwind Imaging terminated: in force through 2027-01-14"
    ]


# --- the return/destroy follow-up a termination opens -----------------------------------------


def _terminated_on(client, admin, day):
    vid = vendor(client, admin, "Plover Health")
    b = baa(client, admin, vid, effective_date="2025-01-01", expiration_date="2027-12-31")
    r = client.post(
        f"/api/v1/baas/{b['id']}/terminate",
        json={"on": day, "reason": "contract ended by mutual agreement"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    return r.json


def test_a_termination_opens_a_return_destroy_follow_up(client, admin):
    b = _terminated_on(client, admin, "2026-11-01")
    assert b["return_destroy"] == {
        "due": "2026-12-01",
        "status": "open",
        "certified_on": None,
        "reference": None,
        "recorded_by": None,
        "certificate": None,
    }
    late = client.get("/api/v1/baas?as_of=2026-12-02&per_page=500", headers=admin).json
    assert next(x for x in late["items"] if x["id"] == b["id"])["return_destroy"]["status"] == (
        "overdue"
    )
    r = client.post(
        f"/api/v1/baas/{b['id']}/return-destroy",
        json={"certified_on": "2026-11-20", "reference": "certificate PLV-2026-114"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    assert r.json["return_destroy"]["status"] == "done"
    assert r.json["return_destroy"]["reference"] == "certificate PLV-2026-114"
    assert r.json["return_destroy"]["recorded_by"]


def test_return_destroy_is_refused_for_an_active_baa_and_checks_its_input(client, admin):
    vid = vendor(client, admin)
    active = baa(client, admin, vid, expiration_date="2027-12-31")
    assert active["return_destroy"] is None
    body = {"certified_on": "2026-11-20", "reference": "x-1"}
    r = client.post(f"/api/v1/baas/{active['id']}/return-destroy", json=body, headers=admin)
    assert r.status_code == 409, r.json
    ended = _terminated_on(client, admin, "2026-11-01")
    url = f"/api/v1/baas/{ended['id']}/return-destroy"
    future = client.post(url, json={**body, "certified_on": "2026-12-24"}, headers=admin)
    assert future.status_code == 422 and future.json["errors"][0]["field"] == "certified_on"
    blank = client.post(url, json={**body, "reference": "   "}, headers=admin)
    assert blank.status_code == 422 and blank.json["errors"][0]["field"] == "reference"


def test_cli_records_the_certificate(client, admin, runner):
    from tests.cli.helpers import invoke, ok

    b = _terminated_on(client, admin, "2026-11-01")
    out = ok(
        invoke(
            runner,
            "baas",
            "return-destroy",
            str(b["id"]),
            "--on",
            "2026-11-24",
            "--reference",
            "R-9",
        )
    )
    assert out.strip() == f"BAA {b['id']}: return/destroy certificate received 2026-11-24 (R-9)"
