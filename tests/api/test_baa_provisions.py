"""Signed means signed, product scope, required provisions and exceptions through the API."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tests.api.chain import app_, approved_app, audit_events, baa, vendor
from tests.api.expect import error
from tests.api.register_helpers import PDF, listed, upload
from vetting import db
from vetting.models import BAA, BaaApp, BaaException, BaaProvision

URL = "/api/v1/baas"
TODAY = "2026-11-25"
TODAY_DATE = date(2026, 11, 25)


def count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def reasons(client, headers, app_id, as_of=TODAY) -> list[str]:
    found = listed(client, headers, as_of)
    if any(e["app_id"] == app_id for e in found["entries"]):
        return []
    return next(x["reasons"] for x in found["excluded"] if x["app_id"] == app_id)


# --- signed means signed ----------------------------------------------------------------------


def test_an_active_baa_needs_a_signed_document_or_a_note(client, admin):
    vid = vendor(client, admin)
    body = {"vendor_id": vid, "effective_date": "2026-01-01"}
    error(client.post(URL, json=body, headers=admin), 422, "signed_copy_note", "signed copy")
    assert count(client.application, BAA) == 0
    # Pending signature, the signed PDF attached, then active.
    pending = client.post(URL, json={**body, "status": "pending_signature"}, headers=admin).json
    r = client.patch(f"{URL}/{pending['id']}", json={"status": "active"}, headers=admin)
    error(r, 422, "signed_copy_note", f"/api/v1/baas/{pending['id']}/document")
    assert upload(client, admin, pending["id"], PDF).status_code == 201
    r = client.patch(f"{URL}/{pending['id']}", json={"status": "active"}, headers=admin)
    assert (r.status_code, r.json["status"]) == (200, "active"), r.json
    # Or the note, audited with the BAA.
    held = baa(client, admin, vid, signed_copy_note="wet-ink original in the legal safe")
    assert held["signed_copy_note"] == "wet-ink original in the legal safe"
    created = [e for e in audit_events(client.application) if e.action == "baa.create"]
    assert created[-1].after["signed_copy_note"] == "wet-ink original in the legal safe"
    # Clearing the note of an active BAA without a document is refused.
    r = client.patch(f"{URL}/{held['id']}", json={"signed_copy_note": None}, headers=admin)
    error(r, 422, "signed_copy_note")


# --- product scope ----------------------------------------------------------------------------


def test_scope_names_the_vendors_products_and_the_list_follows_it(client, admin):
    vid = vendor(client, admin, "Acme Health")
    chat = approved_app(client, admin, vid, name="Acme Chat", store_id="com.acme.chat")
    photo = approved_app(client, admin, vid, name="Acme Photo", store_id="com.acme.photo")
    other = app_(client, admin, vendor(client, admin, "Globex"), "Globex Notes", "com.globex.notes")
    b = baa(client, admin, vid, expiration_date="2027-06-01")
    assert (b["all_products"], b["scope_reviewed"], b["app_ids"]) == (True, False, [])
    assert reasons(client, admin, chat) == [] and reasons(client, admin, photo) == []

    r = client.put(
        f"{URL}/{b['id']}/scope",
        json={"all_products": False, "app_ids": [photo, other]},
        headers=admin,
    )
    error(r, 422, "app_ids", f"app(s) {other} belong to another vendor")
    r = client.put(f"{URL}/{b['id']}/scope", json={"all_products": False}, headers=admin)
    error(r, 422, "app_ids", "name at least one app")
    assert count(client.application, BaaApp) == 0

    r = client.put(
        f"{URL}/{b['id']}/scope", json={"all_products": False, "app_ids": [photo]}, headers=admin
    )
    assert r.status_code == 200, r.json
    assert (r.json["all_products"], r.json["scope_reviewed"], r.json["app_ids"]) == (
        False,
        True,
        [photo],
    )
    assert reasons(client, admin, chat) == ["no BAA with Acme Health covers Acme Chat"]
    assert reasons(client, admin, photo) == []
    assert [e.action for e in audit_events(client.application)][-1] == "baa.scope"

    unreviewed = client.get(f"{URL}?scope_reviewed=false", headers=admin).json
    assert unreviewed["total"] == 0


def test_a_baa_created_with_a_scope_is_reviewed(client, admin):
    vid = vendor(client, admin)
    a = app_(client, admin, vid)
    b = baa(client, admin, vid, all_products=False, app_ids=[a])
    assert (b["all_products"], b["scope_reviewed"], b["app_ids"]) == (False, True, [a])
    everything = baa(client, admin, vid, effective_date="2026-02-01", all_products=True)
    assert everything["scope_reviewed"] is True
    assert client.get(f"{URL}?scope_reviewed=true", headers=admin).json["total"] == 2


# --- provisions and exceptions ----------------------------------------------------------------


def test_an_absent_provision_makes_the_baa_non_conforming_and_takes_the_apps_off(
    client, admin, make_token
):
    vid = vendor(client, admin, "Acme Health")
    chat = approved_app(client, admin, vid, name="Acme Chat", store_id="com.acme.chat")
    b = baa(client, admin, vid, expiration_date="2027-06-01")
    fresh = client.get(f"{URL}/{b['id']}", headers=admin).json
    assert fresh["conforming"] is True and fresh["provisions_not_reviewed"] == 12
    assert {p["status"] for p in fresh["provisions"]} == {"not_reviewed"}

    # present needs a quote or a section: refused naming the field, nothing saved
    r = client.put(f"{URL}/{b['id']}/provisions/access", json={"status": "present"}, headers=admin)
    error(r, 422, "quote", "quoted or its section named")
    error(
        client.put(f"{URL}/{b['id']}/provisions/nope", json={"status": "absent"}, headers=admin),
        404,
    )
    assert count(client.application, BaaProvision) == 0

    r = client.put(
        f"{URL}/{b['id']}/provisions/access",
        json={"status": "present", "section": "§6.1"},
        headers=admin,
    )
    assert (r.status_code, r.json["status"], r.json["section"]) == (200, "present", "§6.1")
    r = client.put(
        f"{URL}/{b['id']}/provisions/subcontractors", json={"status": "absent"}, headers=admin
    )
    assert r.status_code == 200, r.json
    got = client.get(f"{URL}/{b['id']}", headers=admin).json
    assert got["conforming"] is False and got["provisions_not_reviewed"] == 10
    assert got["non_conforming_reasons"] == [
        "lacks subcontractor flow-down — 45 CFR 164.504(e)(2)(ii)(D); 164.314(a)(2)(i)(B)"
    ]
    assert reasons(client, admin, chat) == [
        "BAA with Acme Health lacks subcontractor flow-down — 45 CFR 164.504(e)(2)(ii)(D); "
        "164.314(a)(2)(i)(B)"
    ]
    assert client.get(f"{URL}?non_conforming=true", headers=admin).json["total"] == 1
    assert client.get(f"{URL}?non_conforming=false", headers=admin).json["total"] == 0
    # Recorded once for legal, however many gaps follow.
    client.put(f"{URL}/{b['id']}/provisions/termination", json={"status": "absent"}, headers=admin)
    flagged = [e for e in audit_events(client.application) if e.action == "baa.nonconforming"]
    assert len(flagged) == 1 and flagged[0].entity_id == str(b["id"])

    # An exception: reason and end date required, a second person confirms it.
    legal, other = make_token("legal"), make_token("admin")
    r = client.post(f"{URL}/{b['id']}/exceptions", json={"reason": "", "ends_on": "2027-01-31"},
                    headers=legal)  # fmt: skip
    error(r, 422, "reason")
    error(client.post(f"{URL}/{b['id']}/exceptions", json={"reason": "x"}, headers=legal), 422,
          "ends_on")  # fmt: skip
    assert count(client.application, BaaException) == 0
    r = client.post(
        f"{URL}/{b['id']}/exceptions",
        json={"reason": "amended BAA with flow-down is in signature", "ends_on": "2027-01-31"},
        headers=legal,
    )
    assert r.status_code == 201, r.json
    exc_id = r.json["id"]
    assert reasons(client, admin, chat)  # not confirmed: does not count yet
    error(client.post(f"{URL}/exceptions/{exc_id}/confirm", headers=legal), 403, None, "second")
    viewer = make_token("viewer")
    error(client.post(f"{URL}/exceptions/{exc_id}/confirm", headers=viewer), 403)
    r = client.post(f"{URL}/exceptions/{exc_id}/confirm", headers=other)
    assert r.status_code == 200 and r.json["confirmed_by"], r.json
    assert reasons(client, admin, chat) == []
    got = client.get(f"{URL}/{b['id']}", headers=admin).json
    assert got["conforming"] is False and got["excepted"] is True
    # The day after it ends, the apps are off again.
    assert reasons(client, admin, chat, "2027-02-01")[0].startswith("BAA with Acme Health lacks")
    error(client.post(f"{URL}/exceptions/{exc_id}/confirm", headers=admin), 409)


def test_a_breach_deadline_over_sixty_days_is_non_conforming(client, admin):
    vid = vendor(client, admin, "Acme Health")
    chat = approved_app(client, admin, vid, name="Acme Chat", store_id="com.acme.chat")
    b = baa(client, admin, vid, breach_notification_days=60)
    assert b["conforming"] is True
    r = client.patch(f"{URL}/{b['id']}", json={"breach_notification_days": 90}, headers=admin)
    assert r.json["non_conforming_reasons"][0].startswith("allows 90 days to report a breach")
    assert reasons(client, admin, chat)[0].startswith("BAA with Acme Health allows 90 days")
    flagged = [e for e in audit_events(client.application) if e.action == "baa.nonconforming"]
    assert len(flagged) == 1


def test_legal_is_told_once_when_a_baa_becomes_non_conforming(client, admin, app):
    """Issue 11, item 1: "legal is notified" — the daily sweep puts one reminder per channel
    in the outbox the first time it sees the BAA non-conforming (in-app, the legal addresses,
    the owner), never again for the same lapse, and a pending one is cancelled once the BAA
    conforms again before it went out."""
    from tests import reminder_data as data
    from vetting.core.reminders import ReminderKind
    from vetting.models import Notification
    from vetting.services.reminders import run_reminders, unwanted

    vid = vendor(client, admin, "Acme Health")
    b = baa(client, admin, vid, expiration_date="2027-06-01", owner_email="owner@hospital.example")
    st = data.settings(legal_emails=("legal@hospital.example",), smtp_host="smtp.example")

    def rows() -> list[Notification]:
        with app.app_context():
            found = (
                db.session()
                .scalars(
                    select(Notification).where(Notification.kind == ReminderKind.NONCONFORMING)
                )
                .all()
            )
            db.session().expunge_all()
            return list(found)

    def sweep() -> None:
        with app.app_context():
            run_reminders(db.session(), TODAY_DATE, settings=st)

    sweep()
    assert rows() == []  # conforming: nothing to say
    client.put(f"{URL}/{b['id']}/provisions/subcontractors", json={"status": "absent"},
               headers=admin)  # fmt: skip
    sweep()
    sent = rows()
    assert sorted((n.channel, n.recipient) for n in sent) == [
        ("email", "legal@hospital.example"),
        ("email", "owner@hospital.example"),
        ("in-app", "dashboard"),
    ]
    assert sent[0].title == "BAA with Acme Health is non-conforming (since 2026-11-25)"
    assert "lacks subcontractor flow-down — 45 CFR 164.504(e)(2)(ii)(D)" in sent[0].body
    assert sent[0].payload["subject"]["reasons"][0].startswith("lacks subcontractor flow-down")
    sweep()
    assert len(rows()) == 3  # the same lapse is told once, however often the sweep runs
    # Amended before the e-mails went out: they are no longer wanted.
    client.put(f"{URL}/{b['id']}/provisions/subcontractors",
               json={"status": "present", "section": "§9"}, headers=admin)  # fmt: skip
    with app.app_context():
        gone = set(unwanted(db.session(), TODAY_DATE))
    assert {n.id for n in rows() if n.channel == "email"} <= gone
