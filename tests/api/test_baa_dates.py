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
    b = baa(client, admin, vid, expiration_date="2028-01-01")
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
        "term_end": "2027-01-15",
        "in_force_until": "2027-01-15",
        "days_left": 51,
    }
    assert r.json["expiration_date"] == "2028-01-01"  # the contract's own end is kept
    assert r.json["notice_deadline"] is None
    # The register's date filter finds it by its new end.
    found = client.get("/api/v1/baas?within_days=60", headers=admin).json["items"]
    assert [b["id"] for b in found] == [baa_id]


def test_an_unterminated_fixed_term_is_in_force_until_its_end_and_evergreen_until_null(
    client, admin
):
    vid = vendor(client, admin)
    fixed = baa(client, admin, vid, expiration_date="2027-09-01")
    assert fixed["in_force_until"] == "2027-09-01"
    evergreen = baa(client, admin, vid)
    assert evergreen["in_force_until"] is None


def test_the_calendar_and_the_list_use_the_termination_date(client, admin):
    baa_id, app_id = _terminated_later(client, admin)
    cal = icalendar.Calendar.from_ical(client.get("/api/v1/baas.ics", headers=admin).data)
    days = {str(e["uid"]): e.decoded("dtstart").isoformat() for e in cal.walk("VEVENT")}
    assert days[f"baa-{baa_id}-terminated-2027-01-15@vetting"] == "2027-01-15"
    assert not [u for u in days if u.startswith(f"baa-{baa_id}-term-end-")]
    assert [e["app_id"] for e in listed(client, admin, "2027-01-14")["entries"]] == [app_id]
    off = listed(client, admin, "2027-01-15")
    assert off["entries"] == []
    assert off["excluded"][0]["reasons"] == ["BAA with Northwind Imaging terminated 2027-01-15"]
