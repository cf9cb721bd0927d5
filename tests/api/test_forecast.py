"""GET /api/v1/allowlist/forecast and `vetting allowlist forecast` (issue 11, item 5). Today
is 2026-11-25 (the frozen clock)."""

from __future__ import annotations

import json

import pytest

from tests.api.chain import approved_app, baa, vendor
from tests.api.expect import error
from tests.cli.helpers import invoke, ok


@pytest.fixture
def leaving(client, admin):
    """Two vendors: one whose BAA legal terminated for 2026-12-20, one renewed late (a gap
    from 2027-01-05 to 2027-02-01); a third whose BAA runs for years."""
    ended = vendor(client, admin, "Osprey Labs")
    b = baa(client, admin, ended, expiration_date="2027-12-31")
    r = client.post(
        f"/api/v1/baas/{b['id']}/terminate",
        json={"on": "2026-12-20", "reason": "breach of the agreement"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    approved_app(client, admin, ended, name="Osprey Chart", store_id="com.osprey.chart")
    late = vendor(client, admin, "Kestrel Pay")
    old = baa(client, admin, late, expiration_date="2027-01-04")
    r = client.post(
        f"/api/v1/baas/{old['id']}/renew",
        json={
            "effective_date": "2027-02-01",
            "expiration_date": "2028-01-31",
            "signed_copy_note": "countersigned copy in the contracts folder",
        },
        headers=admin,
    )
    assert r.status_code == 201, r.json
    approved_app(client, admin, late, name="Kestrel Scan", store_id="com.kestrel.scan")
    steady = vendor(client, admin, "Wren Care")
    baa(client, admin, steady, expiration_date="2029-12-31")
    approved_app(client, admin, steady, name="Wren Vitals", store_id="com.wren.vitals")


def test_forecast_lists_who_leaves_when_and_why(client, admin, leaving):
    r = client.get("/api/v1/allowlist/forecast?days=60", headers=admin)
    assert r.status_code == 200, r.json
    assert (r.json["as_of"], r.json["days"], r.json["until"]) == ("2026-11-25", 60, "2027-01-24")
    assert [
        (i["app"], i["vendor"], i["platform"], i["leaves_on"], i["reason"]) for i in r.json["items"]
    ] == [
        (
            "Osprey Chart",
            "Osprey Labs",
            "ios",
            "2026-12-20",
            "BAA with Osprey Labs terminated: in force through 2026-12-19",
        ),
        (
            "Kestrel Scan",
            "Kestrel Pay",
            "ios",
            "2027-01-05",
            "BAA with Kestrel Pay expired: in force through 2027-01-04; the next takes effect "
            "2027-02-01",
        ),
    ]
    short = client.get("/api/v1/allowlist/forecast?days=20", headers=admin).json
    assert [i["app"] for i in short["items"]] == []
    assert client.get("/api/v1/allowlist/forecast", headers=admin).json["days"] == 30


@pytest.mark.parametrize("days", ["0", "366", "-3", "soon"])
def test_forecast_refuses_a_bad_horizon(client, admin, days):
    error(client.get(f"/api/v1/allowlist/forecast?days={days}", headers=admin), 422, "days")


def test_forecast_needs_a_token(client):
    assert client.get("/api/v1/allowlist/forecast").status_code == 401


def test_cli_forecast_in_words_and_json(runner, leaving):
    out = ok(invoke(runner, "allowlist", "forecast", "--days", "60"))
    assert out.splitlines() == [
        "2026-12-20  Osprey Chart (ios, Osprey Labs): BAA with Osprey Labs terminated: in force "
        "through 2026-12-19",
        "2027-01-05  Kestrel Scan (ios, Kestrel Pay): BAA with Kestrel Pay expired: in force "
        "through 2027-01-04; the next takes effect 2027-02-01",
    ]
    data = json.loads(ok(invoke(runner, "allowlist", "forecast", "--days", "10", "--json")))
    assert (data["days"], data["items"]) == (10, [])
    assert "no app leaves the list in the next 10 days" in ok(
        invoke(runner, "allowlist", "forecast", "--days", "10")
    )
    bad = invoke(runner, "allowlist", "forecast", "--days", "400")
    assert bad.exit_code != 0
