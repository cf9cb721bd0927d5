"""Breach deadline once: the register's breach clause, the source of the assessments' breach
answer of the apps its BAA covers; a difference shown in both places."""

from __future__ import annotations

from typing import Any

from tests.api.chain import answer, app_, assess, baa, vendor
from tests.api.expect import error

URL = "/api/v1/baas"
KEY = "breach_notification_days"
H72 = {"value": 72, "unit": "hours", "trigger": "discovery", "quote": "within 72 hours"}


def breach_answer(client, headers, assessment_id: int) -> dict[str, Any]:
    got = client.get(f"/api/v1/assessments/{assessment_id}", headers=headers).json
    return next(c for c in got["capabilities"] if c["key"] == KEY)


def register(client, headers, assessment_id: int) -> dict[str, Any] | None:
    got = client.get(f"/api/v1/assessments/{assessment_id}", headers=headers)
    assert got.status_code == 200, got.json
    return got.json["breach_register"]


def test_the_register_keeps_the_clause_in_its_words(client, admin):
    vid = vendor(client, admin)
    b = baa(client, admin, vid, breach_clause=H72)
    c = b["breach_clause"]
    assert (c["value"], c["unit"], c["trigger"], c["days"], c["stated"]) == (
        72,
        "hours",
        "discovery",
        3,
        True,
    )
    assert c["words"] == "72 hours (3 calendar days, rounded up) from discovery"
    assert c["quote"] == "within 72 hours"
    assert b["breach_notification_days"] == 3 and b["conforming"] is True  # 3 days, not 72
    # The clause's words alone are read.
    words = baa(client, admin, vid, breach_clause="within five (5) business days of discovery")
    assert words["breach_clause"]["unit"] == "business_days"
    assert words["breach_clause"]["days"] == 7
    # Older clients: a number of calendar days.
    old = baa(client, admin, vid, breach_notification_days=10)
    assert old["breach_clause"]["unit"] == "calendar_days"
    assert old["breach_clause"]["words"] == "10 calendar days"
    assert old["breach_notification_days"] == 10
    # No clause recorded is not "unstated".
    none = baa(client, admin, vid)
    assert none["breach_clause"] is None and none["breach_notification_days"] is None


def test_no_number_is_unstated_the_60_day_maximum_never_0_or_blank(client, admin):
    vid = vendor(client, admin)
    b = baa(client, admin, vid, breach_clause="shall notify without unreasonable delay")
    c = b["breach_clause"]
    assert (c["stated"], c["value"], c["unit"], c["days"]) == (False, None, None, 60)
    assert c["words"] == "unstated (60-day legal maximum)"
    assert c["quote"] == "shall notify without unreasonable delay"
    assert b["conforming"] is True
    assert b["breach_notification_days"] is None  # older clients read null as not stated
    r = client.patch(f"{URL}/{b['id']}", json={"breach_clause": {"stated": False}}, headers=admin)
    assert r.json["breach_clause"]["words"] == "unstated (60-day legal maximum)"


def test_business_days_over_sixty_calendar_days_make_the_baa_non_conforming(client, admin):
    vid = vendor(client, admin)
    ok = baa(client, admin, vid, breach_clause={"value": 42, "unit": "business_days"})
    assert ok["conforming"] is True  # 60 calendar days at worst
    b = baa(client, admin, vid, breach_clause={"value": 45, "unit": "business_days"})
    assert b["conforming"] is False
    assert b["non_conforming_reasons"][0].startswith(
        "allows 45 business days (63 calendar days at worst) to report a breach"
    )
    flagged = client.get(f"{URL}?non_conforming=true", headers=admin).json["items"]
    assert [x["id"] for x in flagged] == [b["id"]]
    # Back to hours: conforming again.
    r = client.patch(f"{URL}/{b['id']}", json={"breach_clause": H72}, headers=admin)
    assert r.json["conforming"] is True


def test_bad_clauses_are_refused_with_422(client, admin):
    vid = vendor(client, admin)
    body = {"vendor_id": vid, "effective_date": "2026-01-01", "signed_copy_note": "in the safe"}
    for clause, message in [
        ({"value": 5, "unit": "weeks"}, "unit must be one of"),
        ({"value": -1, "unit": "hours"}, "≥ 0"),
        ({"value": 5}, "unit is required"),
        ({"value": 10, "unit": "calendar_days", "quote": "within 72 hours"}, "the quote says"),
        ("ten days", "digits"),
        ({"value": 10**400, "unit": "hours"}, "at most"),  # overflowed a float: was a 500
        ({"value": float("inf"), "unit": "hours"}, "at most"),
    ]:
        r = client.post(URL, json={**body, "breach_clause": clause}, headers=admin)
        error(r, 422, "breach_clause", message)
    r = client.post(
        URL, json={**body, "breach_clause": H72, "breach_notification_days": 3}, headers=admin
    )
    error(r, 422, "breach_clause", "not both")
    error(client.post(URL, json={**body, "breach_notification_days": -1}, headers=admin), 422)
    assert client.get(URL, headers=admin).json["items"] == []


def test_a_new_assessment_is_prefilled_and_a_difference_shows_in_the_api(client, admin):
    vid = vendor(client, admin, "Acme Health")
    chat = app_(client, admin, vid, name="Acme Chat", store_id="com.acme.chat")
    b = baa(client, admin, vid, breach_clause=H72)
    a = assess(client, admin, chat)
    cap = breach_answer(client, admin, a["id"])
    assert cap["value"]["unit"] == "hours" and cap["value"]["value"] == 72
    assert cap["source"] == "attested"  # legal's reading, for a reviewer to verify
    assert f"BAA {b['id']} with Acme Health" in cap["note"]
    reg = a["breach_register"]
    assert reg["baa_id"] == b["id"] and reg["differs"] is False and reg["message"] is None
    assert client.get(f"{URL}/{b['id']}", headers=admin).json["breach_differences"] == []
    # A person answers 30 days: kept, and the difference is said in both places.
    assert answer(client, admin, a["id"], KEY, 30).status_code == 200
    reg = register(client, admin, a["id"])
    assert reg["differs"] is True
    assert reg["message"] == (
        "the BAA with Acme Health says 72 hours (3 calendar days, rounded up) from discovery; "
        "this answer says 30 calendar days"
    )
    (diff,) = client.get(f"{URL}/{b['id']}", headers=admin).json["breach_differences"]
    assert (diff["app_id"], diff["assessment_id"], diff["answer"]) == (
        chat,
        a["id"],
        "30 calendar days",
    )
    # The list does not compute it (null, not an empty list that would read "none").
    assert client.get(URL, headers=admin).json["items"][0]["breach_differences"] is None
    # 3 calendar days is the same duration as 72 hours: no difference.
    assert answer(client, admin, a["id"], KEY, "3 days").status_code == 200
    assert register(client, admin, a["id"])["differs"] is False
    # 73 hours is not 4 days, though both count 4 days for the score.
    r = client.patch(f"{URL}/{b['id']}", json={"breach_clause": "73 hours"}, headers=admin)
    assert r.status_code == 200
    assert answer(client, admin, a["id"], KEY, 4).status_code == 200
    assert register(client, admin, a["id"])["differs"] is True


def test_a_persons_answer_is_never_overwritten_by_the_register(client, admin):
    vid = vendor(client, admin, "Acme Health")
    chat = app_(client, admin, vid, name="Acme Chat", store_id="com.acme.chat")
    a = assess(client, admin, chat)
    assert a["breach_register"] is None  # no BAA yet
    assert answer(client, admin, a["id"], KEY, 30).status_code == 200
    b = baa(client, admin, vid, breach_clause=H72)
    r = client.patch(f"{URL}/{b['id']}", json={"breach_clause": "48 hours"}, headers=admin)
    assert r.status_code == 200
    cap = breach_answer(client, admin, a["id"])
    assert (cap["value"]["value"], cap["value"]["unit"], cap["source"]) == (
        30,
        "calendar_days",
        "verified",
    )
    assert register(client, admin, a["id"])["message"].endswith("this answer says 30 calendar days")
    # An unanswered assessment is not filled behind anyone's back either: it is only shown.
    photo = app_(client, admin, vid, name="Acme Photo", store_id="com.acme.photo")
    client.patch(f"{URL}/{b['id']}", json={"breach_clause": None}, headers=admin)
    later = assess(client, admin, photo)  # no clause recorded: nothing to prefill
    assert breach_answer(client, admin, later["id"])["value"] is None
    client.patch(f"{URL}/{b['id']}", json={"breach_clause": H72}, headers=admin)
    assert breach_answer(client, admin, later["id"])["value"] is None
    reg = register(client, admin, later["id"])
    assert (reg["answer"], reg["differs"]) == ("not answered", False)


def test_an_app_outside_the_product_scope_gets_no_prefill_and_no_comparison(client, admin):
    vid = vendor(client, admin, "Acme Health")
    chat = app_(client, admin, vid, name="Acme Chat", store_id="com.acme.chat")
    photo = app_(client, admin, vid, name="Acme Photo", store_id="com.acme.photo")
    b = baa(client, admin, vid, breach_clause=H72, all_products=False, app_ids=[photo])
    a = assess(client, admin, chat)
    assert breach_answer(client, admin, a["id"])["value"] is None
    assert a["breach_register"] is None
    assert answer(client, admin, a["id"], KEY, 30).status_code == 200
    assert register(client, admin, a["id"]) is None
    assert client.get(f"{URL}/{b['id']}", headers=admin).json["breach_differences"] == []
    covered = assess(client, admin, photo)
    assert covered["breach_register"]["baa_id"] == b["id"]


def test_a_baa_not_in_force_is_not_the_source(client, admin):
    vid = vendor(client, admin, "Acme Health")
    chat = app_(client, admin, vid, name="Acme Chat", store_id="com.acme.chat")
    old = baa(client, admin, vid, breach_clause={"value": 30, "unit": "calendar_days"})
    r = client.post(
        f"{URL}/{old['id']}/renew",
        json={"effective_date": "2026-06-01", "breach_clause": H72, "signed_copy_note": "safe"},
        headers=admin,
    )
    assert r.status_code == 201, r.json
    new = r.json
    assert client.get(f"{URL}/{old['id']}", headers=admin).json["state"] == "superseded"
    a = assess(client, admin, chat)
    assert a["breach_register"]["baa_id"] == new["id"]  # the renewal, not the superseded one
    assert breach_answer(client, admin, a["id"])["value"]["unit"] == "hours"
    assert answer(client, admin, a["id"], KEY, 30).status_code == 200
    # 30 days agrees with the superseded BAA, but that one is no source: it differs.
    assert register(client, admin, a["id"])["differs"] is True
    assert client.get(f"{URL}/{old['id']}", headers=admin).json["breach_differences"] == []
    assert len(client.get(f"{URL}/{new['id']}", headers=admin).json["breach_differences"]) == 1
    # A draft is never a source; nor a terminated agreement.
    other = vendor(client, admin, "Beta Labs")
    beta = app_(client, admin, other, name="Beta Scan", store_id="com.beta.scan")
    baa(client, admin, other, status="draft", breach_clause=H72)
    ended = baa(client, admin, other, breach_clause=H72)
    r = client.post(
        f"{URL}/{ended['id']}/terminate", json={"on": "2026-10-01", "reason": "x"}, headers=admin
    )
    assert r.status_code == 200, r.json
    b = assess(client, admin, beta)
    assert b["breach_register"] is None
    assert breach_answer(client, admin, b["id"])["value"] is None
