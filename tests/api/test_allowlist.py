"""The approved-app list on a date, with the reason in words for every app left off (item 7)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from tests.api.chain import answer_all, app_, approved_app, assess, baa, decide, vendor
from vetting import clock


def allowlist(client, headers, as_of=None, fmt="json"):
    query = f"?format={fmt}" + (f"&as_of={as_of}" if as_of else "")
    r = client.get(f"/api/v1/allowlist{query}", headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r


def on_list(client, headers, as_of=None):
    return [e["name"] for e in allowlist(client, headers, as_of).json["entries"]]


def reasons(client, headers, as_of=None):
    return {x["name"]: x["reason"] for x in allowlist(client, headers, as_of).json["excluded"]}


@pytest.fixture
def vid(client, admin):
    return vendor(client, admin, "Acme")


def test_approved_and_conditional_apps_are_on_the_list(client, admin, vid):
    baa(client, admin, vid, expiration_date="2027-05-31")
    approved_app(client, admin, vid, name="Acme Camera", store_id="com.acme.camera")
    approved_app(client, admin, vid, "conditional", name="Acme Chat", store_id="com.acme.chat")
    body = allowlist(client, admin).json
    assert (body["schema"], body["as_of"], body["excluded"]) == (
        "vetting.allowlist/v1",
        "2026-11-25",
        [],
    )
    camera, chat = body["entries"]
    assert (camera["name"], camera["decision"], camera["store_id"]) == (
        "Acme Camera",
        "approved",
        "com.acme.camera",
    )
    assert chat["decision"] == "conditional"
    assert chat["conditions"].startswith("camera roll disabled by MDM (due ")
    assert camera["baa_term_end"] == "2027-05-31"  # its last day in force
    assert camera["valid_until"] == "2027-11-25"
    assert camera["reason"] == "approved 2026-11-25 by token:test-admin; BAA with Acme in force"


def test_fully_scored_and_approved_app_is_on_the_list(client, admin, vid):
    baa(client, admin, vid)
    a = assess(client, admin, app_(client, admin, vid))
    answer_all(client, admin, a["id"])
    decide(client, admin, a["id"], "approved")
    assert on_list(client, admin) == ["Acme Camera"]


def test_rejected_app_is_off_the_list(client, admin, vid):
    baa(client, admin, vid)
    approved_app(client, admin, vid, "rejected")
    assert on_list(client, admin) == []
    assert reasons(client, admin) == {"Acme Camera": "rejected 2026-11-25 by token:test-admin"}


def test_undecided_app_is_off_the_list(client, admin, vid):
    baa(client, admin, vid)
    assess(client, admin, app_(client, admin, vid))
    assert reasons(client, admin) == {"Acme Camera": "no decision recorded"}


def test_decision_made_after_the_date_does_not_count(client, admin, vid):
    baa(client, admin, vid)
    approved_app(client, admin, vid)
    assert reasons(client, admin, "2026-11-24") == {"Acme Camera": "no decision recorded"}


def test_latest_decision_wins(client, admin, vid):
    baa(client, admin, vid)
    app_id = approved_app(client, admin, vid)
    with clock.travel(date(2026, 12, 10)):
        again = assess(client, admin, app_id)
        decide(
            client,
            admin,
            again["id"],
            "rejected",
            justification="vendor breach reported in the news",
        )
    assert on_list(client, admin, "2026-12-09") == ["Acme Camera"]
    assert reasons(client, admin, "2026-12-10") == {
        "Acme Camera": "rejected 2026-12-10 by token:test-admin"
    }


def test_revoked_app_is_off_the_list_from_the_revocation_day(client, admin, vid):
    baa(client, admin, vid)
    app_id = approved_app(client, admin, vid)
    r = client.patch(
        f"/api/v1/apps/{app_id}",
        json={"revoked_on": "2026-12-01", "revoked_reason": "uploads to a consumer cloud"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    assert on_list(client, admin, "2026-11-30") == ["Acme Camera"]
    assert reasons(client, admin, "2026-12-01") == {
        "Acme Camera": "revoked 2026-12-01: uploads to a consumer cloud"
    }


def test_expired_decision_takes_the_app_off_the_list(client, admin, vid):
    baa(client, admin, vid)
    app_id = app_(client, admin, vid)
    a = assess(client, admin, app_id)
    answer_all(client, admin, a["id"])
    decide(
        client,
        admin,
        a["id"],
        "approved",
        justification="pilot on one ward for three months",
        valid_until="2026-12-31",
    )
    assert on_list(client, admin, "2026-12-31") == ["Acme Camera"]
    assert reasons(client, admin, "2027-01-01") == {
        "Acme Camera": "approved decision expired 2026-12-31: reassessment due"
    }


def test_no_baa_keeps_the_app_off(client, admin, vid):
    approved_app(client, admin, vid)
    assert reasons(client, admin) == {"Acme Camera": "no BAA with Acme"}


def test_expired_baa_takes_the_app_off_on_the_day_it_lapses(client, admin, vid):
    baa(client, admin, vid, expiration_date="2027-01-31")
    approved_app(client, admin, vid)
    assert on_list(client, admin, "2027-01-31") == ["Acme Camera"]
    assert reasons(client, admin, "2027-02-01") == {
        "Acme Camera": "BAA with Acme expired: in force through 2027-01-31"
    }


def test_terminated_baa_takes_the_app_off(client, admin, vid):
    baa(client, admin, vid, terminated_on="2026-12-15", termination_reason="breach")
    approved_app(client, admin, vid)
    assert on_list(client, admin, "2026-12-14") == ["Acme Camera"]
    assert reasons(client, admin, "2026-12-15") == {
        "Acme Camera": "BAA with Acme terminated: in force through 2026-12-14"
    }


def test_baa_not_yet_effective_keeps_the_app_off(client, admin, vid):
    baa(client, admin, vid, effective_date="2027-01-01")
    approved_app(client, admin, vid)
    assert reasons(client, admin, "2026-12-01") == {
        "Acme Camera": "BAA with Acme not yet effective (starts 2027-01-01)"
    }
    assert on_list(client, admin, "2027-01-01") == ["Acme Camera"]


def test_app_leaves_when_the_baa_lapses_and_returns_when_the_renewal_takes_effect(
    client, admin, vid
):
    old = baa(client, admin, vid, expiration_date="2027-02-28")
    new = baa(client, admin, vid, effective_date="2027-03-10", expiration_date="2028-03-09")
    approved_app(client, admin, vid)
    before = allowlist(client, admin, "2027-02-28").json["entries"]
    assert [(e["name"], e["baa_id"]) for e in before] == [("Acme Camera", old["id"])]
    for day in ("2027-03-01", "2027-03-09"):
        assert on_list(client, admin, day) == []
        assert reasons(client, admin, day) == {
            "Acme Camera": "BAA with Acme expired: in force through 2027-02-28; the next takes "
            "effect 2027-03-10"
        }
    after = allowlist(client, admin, "2027-03-10").json["entries"]
    assert [(e["name"], e["baa_id"], e["baa_term_end"]) for e in after] == [
        ("Acme Camera", new["id"], "2028-03-09")
    ]


def test_auto_renewing_baa_keeps_the_app_on_past_its_first_term(client, admin, vid):
    baa(
        client,
        admin,
        vid,
        expiration_date="2026-12-31",
        auto_renews=True,
        renewal_term_months=12,
        notice_days=30,
    )
    approved_app(client, admin, vid)
    entries = allowlist(client, admin, "2027-06-01").json["entries"]
    assert [(e["name"], e["baa_term_end"]) for e in entries] == [("Acme Camera", "2027-12-31")]


def test_several_reasons_are_all_given(client, admin, vid):
    app_id = app_(client, admin, vid)
    client.patch(f"/api/v1/apps/{app_id}", json={"revoked_on": "2026-11-01"}, headers=admin)
    x = allowlist(client, admin).json["excluded"][0]
    assert x["reasons"] == ["revoked 2026-11-01", "no decision recorded", "no BAA with Acme"]
    assert x["reason"] == "; ".join(x["reasons"])


def test_csv_parses_and_neutralises_formula_injection(client, admin):
    evil = vendor(client, admin, "+Evil Corp")
    good = vendor(client, admin, "Acme")
    baa(client, admin, good)
    approved_app(
        client,
        admin,
        good,
        name='=HYPERLINK("http://evil.example","click")',
        store_id="com.acme.formula",
    )
    approved_app(client, admin, evil, name="@SUM(1+1)", store_id="com.evil.sum")
    r = allowlist(client, admin, "2026-12-01", fmt="csv")
    assert r.mimetype == "text/csv"
    assert "allowlist-2026-12-01.csv" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert [(row["status"], row["name"]) for row in rows] == [
        ("approved", '\'=HYPERLINK("http://evil.example","click")'),
        ("excluded", "'@SUM(1+1)"),
    ]
    assert rows[1]["vendor_name"] == "'+Evil Corp"
    assert rows[1]["reason"] == "no BAA with +Evil Corp"
    assert rows[0]["decided_on"] == "2026-11-25"
    assert rows[0]["store_id"] == "com.acme.formula"


def test_empty_csv_has_just_the_header(client, admin):
    text = allowlist(client, admin, fmt="csv").get_data(as_text=True)
    assert text.splitlines()[0].startswith("status,app_id,name,platform,store_id")
    assert len(text.splitlines()) == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("as_of=2026-13-01", "as_of"),
        ("as_of=yesterday", "as_of"),
        ("as_of=", "as_of"),
        ("format=xml", "format"),
        ("format=CSV", "format"),
        ("colour=blue", "colour"),
    ],
)
def test_bad_query_is_422(client, admin, query, field):
    r = client.get(f"/api/v1/allowlist?{query}", headers=admin)
    assert r.status_code == 422, r.get_data(as_text=True)
    assert [e["field"] for e in r.json["errors"]] == [field]


def test_it_role_reads_the_list_and_needs_a_token(client, make_token):
    assert client.get("/api/v1/allowlist").status_code == 401
    assert client.get("/api/v1/allowlist", headers=make_token("it")).status_code == 200


def test_live_list_items_are_those_a_release_publishes(client, admin, vid):
    baa(client, admin, vid)
    approved_app(client, admin, vid, name="Acme Camera", store_id="com.acme.camera")
    approved_app(client, admin, vid, "rejected", name="Acme Chat", store_id="com.acme.chat")
    live = allowlist(client, admin).json
    assert client.post("/api/v1/allowlist/releases", json={}, headers=admin).status_code == 201
    published = client.get("/api/v1/allowlist/latest.json", headers=admin).json
    assert (live["entries"], live["excluded"]) == (published["entries"], published["excluded"])
    assert live["excluded"][0]["rejected"] is True


def test_the_live_list_answers_304_until_something_changes(client, admin, make_token):
    """Pollers of the live list get the cheap 304 the releases have (issue 16, item 3)."""
    approved_app(client, admin, vendor(client, admin))
    first = client.get("/api/v1/allowlist", headers=admin)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and tag.startswith('W/"')
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get("/api/v1/allowlist", headers={**admin, "If-None-Match": tag})
    assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", tag)
    csv = client.get("/api/v1/allowlist?format=csv", headers={**admin, "If-None-Match": tag})
    assert csv.status_code == 200  # another representation, another tag
    other_day = client.get(
        "/api/v1/allowlist?as_of=2027-01-01", headers={**admin, "If-None-Match": tag}
    )
    assert other_day.status_code == 200
    make_token("viewer")  # a write the list does not read (an API token) keeps the tag
    kept = client.get("/api/v1/allowlist", headers={**admin, "If-None-Match": tag})
    assert kept.status_code == 304
    vendor(client, admin, "Someone New")  # a write to what the list reads moves it
    changed = client.get("/api/v1/allowlist", headers={**admin, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_the_live_list_file_is_kept_until_a_write_and_then_shows_it(client, admin):
    """Without If-None-Match the kept file is served (the same bytes, computed once); the
    first call after a write serves the new list, on the API and the page download alike."""
    vid = vendor(client, admin)
    baa(client, admin, vid)
    app_id = approved_app(client, admin, vid, name="Acme Camera", store_id="com.acme.camera")
    first = client.get("/api/v1/allowlist", headers=admin)
    assert [e["name"] for e in first.json["entries"]] == ["Acme Camera"]
    assert client.get("/api/v1/allowlist", headers=admin).data == first.data  # kept
    before_csv = client.get("/api/v1/allowlist?format=csv", headers=admin)
    assert b"\napproved,1,Acme Camera" in before_csv.data
    revoked = client.patch(
        f"/api/v1/apps/{app_id}",
        json={"revoked_on": "2020-01-01", "revoked_reason": "withdrawn"},
        headers=admin,
    )
    assert revoked.status_code == 200, revoked.json
    after = client.get("/api/v1/allowlist", headers=admin)
    assert after.json["entries"] == [] and after.headers["ETag"] != first.headers["ETag"]
    csv = client.get("/api/v1/allowlist?format=csv", headers=admin)
    assert csv.status_code == 200 and b"\nexcluded,1,Acme Camera" in csv.data
    assert b"revoked 2020-01-01: withdrawn" in csv.data
