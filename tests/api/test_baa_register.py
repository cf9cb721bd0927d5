"""The BAA register (issue 3, items 1, 2, 6 and 7): lifecycle, renewals and their chain,
terminations, signed documents, filters by date, the ICS calendar, and what all of it does to
the approved list — day by day. Today is 2026-11-25 (the frozen clock)."""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import date
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import func, select

from tests.api.chain import SIGNED, approved_app, audit_events, baa, vendor
from tests.api.expect import error
from tests.api.register_helpers import (
    PDF,
    TEXT,
    docx,
    listed,
    plain_zip,
    upload,
    zip_bomb_docx,
)
from tests.configure import use
from vetting import db
from vetting.models import BAA, BaaDocument


@pytest.fixture
def vid(client, admin):
    return vendor(client, admin)


def get(client, headers, baa_id, as_of=None):
    q = f"?as_of={as_of}" if as_of else ""
    if as_of:
        r = client.get(f"/api/v1/baas{q}&per_page=500", headers=headers)
        assert r.status_code == 200, r.json
        return next(b for b in r.json["items"] if b["id"] == baa_id)
    r = client.get(f"/api/v1/baas/{baa_id}", headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def stored_files(app) -> list[str]:
    folder = Path(app.instance_path) / "documents"
    return sorted(os.listdir(folder)) if folder.exists() else []


# --- lifecycle ------------------------------------------------------------------------------


def test_draft_and_pending_baas_never_put_apps_on_the_list(client, admin, vid):
    approved_app(client, admin, vid)
    b = baa(client, admin, vid, status="draft", expiration_date="2027-12-31")
    assert (b["status"], b["state"]) == ("draft", "draft")
    off = listed(client, admin, "2026-11-25")
    assert off["entries"] == []
    assert off["excluded"][0]["reasons"] == ["BAA with Acme Health is a draft"]

    r = client.patch(f"/api/v1/baas/{b['id']}", json={"status": "pending_signature"}, headers=admin)
    assert r.status_code == 200, r.json
    assert r.json["state"] == "pending_signature"
    off = listed(client, admin, "2026-11-25")
    assert off["excluded"][0]["reasons"] == ["BAA with Acme Health is pending signature"]

    r = client.patch(
        f"/api/v1/baas/{b['id']}",
        json={"status": "active", "signed_copy_note": SIGNED},
        headers=admin,
    )
    assert (r.status_code, r.json["status"], r.json["state"]) == (200, "active", "active")
    assert [e["baa_id"] for e in listed(client, admin, "2026-11-25")["entries"]] == [b["id"]]
    actions = [e.action for e in audit_events(client.application)]
    assert actions.count("baa.status") == 2


@pytest.mark.parametrize(
    ("start", "to", "message"),
    [
        ("active", "draft", "cannot change from active to draft"),
        ("active", "pending_signature", "keeps that status"),
        ("draft", "active", "from draft it may only become pending_signature"),
        ("active", "superseded", "/renew"),
        ("active", "terminated", "/terminate"),
        ("pending_signature", "superseded", "/renew"),
        ("draft", "bogus", "must be one of"),
    ],
)
def test_status_moves_only_along_the_lifecycle(client, admin, vid, start, to, message):
    b = baa(client, admin, vid, status=start)
    r = client.patch(f"/api/v1/baas/{b['id']}", json={"status": to}, headers=admin)
    error(r, 422, "status", message)
    assert get(client, admin, b["id"]) == b


def test_a_draft_cannot_be_created_terminated(client, admin, vid):
    r = client.post(
        "/api/v1/baas",
        json={
            "vendor_id": vid,
            "effective_date": "2026-01-01",
            "status": "draft",
            "terminated_on": "2026-06-01",
        },
        headers=admin,
    )
    error(r, 422, "terminated_on", "never in force")
    r = client.post(
        "/api/v1/baas",
        json={"vendor_id": vid, "effective_date": "2026-01-01", "status": "superseded"},
        headers=admin,
    )
    error(r, 422, "status")
    assert count(client.application, BAA) == 0


# --- renewals -------------------------------------------------------------------------------


def test_renewal_supersedes_the_old_baa_and_keeps_the_chain(client, admin, vid):
    old = baa(
        client,
        admin,
        vid,
        expiration_date="2026-12-31",
        breach_notification_days=5,
        owner_email="legal@example.org",
        title="BAA 2026",
        notes="old notes",
    )
    r = client.post(
        f"/api/v1/baas/{old['id']}/renew",
        json={
            "signed_copy_note": SIGNED,
            "effective_date": "2027-01-01",
            "expiration_date": "2027-12-31",
        },
        headers=admin,
    )
    assert r.status_code == 201, r.json
    new = r.json
    assert (new["supersedes_id"], new["status"], new["vendor_id"]) == (old["id"], "active", vid)
    # terms carry over unless the renewal states its own; dates and notes do not
    assert (new["breach_notification_days"], new["owner_email"], new["title"], new["notes"]) == (
        5,
        "legal@example.org",
        "BAA 2026",
        None,
    )
    assert (new["state"], new["term_end"]) == ("not_yet_effective", "2027-12-31")

    was = get(client, admin, old["id"])
    assert (was["status"], was["superseded_on"], was["superseded_by_id"]) == (
        "superseded",
        "2027-01-01",
        new["id"],
    )
    # a successor that starts when the term ends leaves nothing to act on: not "expiring"
    assert was["state"] == "active"
    assert get(client, admin, old["id"], "2026-12-31")["state"] == "active"
    assert get(client, admin, old["id"], "2027-01-01")["state"] == "superseded"
    assert get(client, admin, new["id"], "2027-01-01")["state"] == "active"
    actions = [e.action for e in audit_events(client.application)]
    assert actions[-2:] == ["baa.renew", "baa.supersede"]


def test_a_renewal_signed_early_does_not_cut_the_old_baa_short(client, admin, vid):
    app_id = approved_app(client, admin, vid)
    old = baa(client, admin, vid, expiration_date="2027-02-28")
    new = client.post(
        f"/api/v1/baas/{old['id']}/renew",
        json={
            "signed_copy_note": SIGNED,
            "effective_date": "2027-03-01",
            "expiration_date": "2029-02-28",
        },
        headers=admin,
    ).json
    # signed today (2026-11-25) — the old agreement still carries the app until 2027-03-01
    for day, carrier in [
        ("2026-11-25", old),
        ("2027-02-28", old),
        ("2027-03-01", new),
        ("2027-10-01", new),
    ]:
        entries = listed(client, admin, day)["entries"]
        assert [(e["app_id"], e["baa_id"]) for e in entries] == [(app_id, carrier["id"])], day


def test_a_pending_renewal_supersedes_only_once_it_is_active(client, admin, vid):
    old = baa(client, admin, vid, expiration_date="2027-02-28")
    r = client.post(
        f"/api/v1/baas/{old['id']}/renew",
        json={
            "signed_copy_note": SIGNED,
            "effective_date": "2027-03-01",
            "status": "pending_signature",
        },
        headers=admin,
    )
    assert r.status_code == 201, r.json
    new = r.json
    assert get(client, admin, old["id"])["status"] == "active"
    assert get(client, admin, old["id"])["superseded_by_id"] == new["id"]
    r = client.patch(
        f"/api/v1/baas/{new['id']}",
        json={"status": "active", "signed_copy_note": SIGNED},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    was = get(client, admin, old["id"])
    assert (was["status"], was["superseded_on"]) == ("superseded", "2027-03-01")
    # moving the renewal's start moves the hand-over with it
    r = client.patch(
        f"/api/v1/baas/{new['id']}",
        json={"signed_copy_note": SIGNED, "effective_date": "2027-02-15"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    assert get(client, admin, old["id"])["superseded_on"] == "2027-02-15"


@pytest.mark.parametrize(
    ("setup", "status", "field", "message"),
    [
        ("terminated", 409, "baa_id", "was terminated on 2026-10-01: vendor breach"),
        ("superseded", 409, "baa_id", "already has a renewal"),
        ("pending_renewal", 409, "baa_id", "already has a renewal"),
        ("draft", 409, "baa_id", "only a signed agreement can be renewed"),
    ],
)
def test_renewing_what_cannot_be_renewed_is_refused_naming_why(
    client, admin, vid, setup, status, field, message
):
    if setup == "draft":
        target = baa(client, admin, vid, status="draft")
    else:
        target = baa(client, admin, vid, expiration_date="2026-12-31")
    if setup == "terminated":
        r = client.post(
            f"/api/v1/baas/{target['id']}/terminate",
            json={"on": "2026-10-01", "reason": "vendor breach"},
            headers=admin,
        )
        assert r.status_code == 200, r.json
    if setup in ("superseded", "pending_renewal"):
        body = {"effective_date": "2027-01-01", "signed_copy_note": SIGNED}
        if setup == "pending_renewal":
            body["status"] = "draft"
        assert (
            client.post(f"/api/v1/baas/{target['id']}/renew", json=body, headers=admin).status_code
            == 201
        )
    before = [
        get(client, admin, i["id"]) for i in client.get("/api/v1/baas", headers=admin).json["items"]
    ]
    r = client.post(
        f"/api/v1/baas/{target['id']}/renew",
        json={"signed_copy_note": SIGNED, "effective_date": "2027-06-01"},
        headers=admin,
    )
    error(r, status, field, message)
    after = [
        get(client, admin, i["id"]) for i in client.get("/api/v1/baas", headers=admin).json["items"]
    ]
    assert after == before


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"effective_date": "2026-01-01"}, "effective_date", "must be after the effective date"),
        ({"effective_date": "2025-06-01"}, "effective_date", "must be after the effective date"),
        (
            {"effective_date": "2027-06-01", "expiration_date": "2026-12-31"},
            "expiration_date",
            "the last day in force cannot be before the effective date",
        ),
        ({"effective_date": "2027-06-01", "notice_days": -1}, "notice_days", None),
        (
            {"effective_date": "2027-06-01", "auto_renews": True},
            "expiration_date",
            "needs a term end",
        ),
        ({"effective_date": "2027-06-01", "auto_renews": None}, "auto_renews", "cannot be null"),
        ({"effective_date": "2027-06-01", "status": "superseded"}, "status", None),
        ({"effective_date": "2027-06-01", "vendor_id": 2}, "vendor_id", "unknown field"),
        ({}, "effective_date", None),
    ],
)
def test_renewal_with_bad_terms_is_refused_and_changes_nothing(
    client, admin, vid, body, field, message
):
    old = baa(client, admin, vid, expiration_date="2026-12-31")
    r = client.post(f"/api/v1/baas/{old['id']}/renew", json=body, headers=admin)
    error(r, 422, field, message)
    assert count(client.application, BAA) == 1
    assert get(client, admin, old["id"]) == old


def test_renew_and_terminate_need_baas_write_and_an_existing_baa(client, admin, make_token, vid):
    old = baa(client, admin, vid)
    for role in ("viewer", "procurement", "it"):
        h = make_token(role)
        error(
            client.post(
                f"/api/v1/baas/{old['id']}/renew",
                json={"signed_copy_note": SIGNED, "effective_date": "2027-01-01"},
                headers=h,
            ),
            403,
        )
        error(
            client.post(
                f"/api/v1/baas/{old['id']}/terminate",
                json={"on": "2027-01-01", "reason": "x"},
                headers=h,
            ),
            403,
        )
    legal = make_token("legal")
    error(
        client.post(
            "/api/v1/baas/999/renew",
            json={"signed_copy_note": SIGNED, "effective_date": "2027-01-01"},
            headers=legal,
        ),
        404,
    )
    error(
        client.post(
            "/api/v1/baas/999/terminate", json={"on": "2027-01-01", "reason": "x"}, headers=legal
        ),
        404,
    )
    error(
        client.post(
            f"/api/v1/baas/{old['id']}/renew",
            json={"signed_copy_note": SIGNED, "effective_date": "2027-01-01"},
        ),
        401,
    )
    assert count(client.application, BAA) == 1


# --- terminations ---------------------------------------------------------------------------


def test_terminate_ends_the_baa_from_the_date_with_its_reason(client, admin, vid):
    app_id = approved_app(client, admin, vid)
    b = baa(client, admin, vid, expiration_date="2027-12-31")
    r = client.post(
        f"/api/v1/baas/{b['id']}/terminate",
        json={"on": "2027-01-15", "reason": "vendor acquired; data moved"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["terminated_on"], r.json["termination_reason"]) == (
        "terminated",
        "2027-01-15",
        "vendor acquired; data moved",
    )
    # still in force until the 15th, and ending: the termination is its term end now
    # (term_end: the last day in force, the day before the termination takes effect)
    assert (r.json["state"], r.json["term_end"]) == ("expiring", "2027-01-14")
    assert [e["app_id"] for e in listed(client, admin, "2027-01-14")["entries"]] == [app_id]
    off = listed(client, admin, "2027-01-15")
    assert off["entries"] == []
    assert off["excluded"][0]["reasons"] == [
        "BAA with Acme Health terminated: in force through 2027-01-14"
    ]
    ev = audit_events(client.application)[-1]
    assert (ev.action, ev.before["status"], ev.after["status"]) == (
        "baa.terminate",
        "active",
        "terminated",
    )


@pytest.mark.parametrize(
    ("setup", "body", "status", "field", "message"),
    [
        (
            "terminated",
            {"on": "2027-01-01", "reason": "again"},
            409,
            "baa_id",
            "already terminated",
        ),
        (
            "superseded",
            {"on": "2026-12-01", "reason": "x"},
            409,
            "baa_id",
            "terminate that one instead",
        ),
        ("draft", {"on": "2026-12-01", "reason": "x"}, 409, "baa_id", "never in force"),
        ("active", {"on": "2025-12-31", "reason": "x"}, 422, "on", "before the BAA's effective"),
        ("active", {"on": "2027-06-01", "reason": "x"}, 422, "on", "needs no termination"),
        ("active", {"on": "2027-01-01", "reason": "   "}, 422, "reason", None),
        ("active", {"on": "2027-01-01"}, 422, "reason", None),
        ("active", {"on": "someday", "reason": "x"}, 422, "on", None),
    ],
)
def test_bad_terminations_are_refused_and_change_nothing(
    client, admin, vid, setup, body, status, field, message
):
    b = baa(
        client,
        admin,
        vid,
        expiration_date="2027-05-31",
        status="draft" if setup == "draft" else "active",
    )
    if setup == "terminated":
        client.post(
            f"/api/v1/baas/{b['id']}/terminate",
            json={"on": "2027-01-01", "reason": "r"},
            headers=admin,
        )
    if setup == "superseded":
        client.post(
            f"/api/v1/baas/{b['id']}/renew",
            json={"signed_copy_note": SIGNED, "effective_date": "2027-01-01"},
            headers=admin,
        )
    before = get(client, admin, b["id"])
    events = len(audit_events(client.application))
    r = client.post(f"/api/v1/baas/{b['id']}/terminate", json=body, headers=admin)
    error(r, status, field, message)
    assert get(client, admin, b["id"]) == before
    assert len(audit_events(client.application)) == events


# --- item 7: the approved list, day by day --------------------------------------------------


def test_apps_leave_the_list_the_day_the_baa_lapses_and_return_when_the_renewal_starts(
    client, admin, vid
):
    app_id = approved_app(client, admin, vid)
    old = baa(client, admin, vid, expiration_date="2026-12-31")
    # the renewal is signed late: it only takes effect a month after the old one lapsed
    new = client.post(
        f"/api/v1/baas/{old['id']}/renew",
        json={
            "signed_copy_note": SIGNED,
            "effective_date": "2027-02-01",
            "expiration_date": "2028-01-31",
        },
        headers=admin,
    ).json
    days = {
        "2026-12-31": ("on", old["id"]),
        "2027-01-01": (
            "off",
            "BAA with Acme Health expired: in force through 2026-12-31; the next takes effect "
            "2027-02-01",
        ),
        "2027-01-31": (
            "off",
            "BAA with Acme Health expired: in force through 2026-12-31; the next takes effect "
            "2027-02-01",
        ),
        "2027-02-01": ("on", new["id"]),
    }
    for day, (where, what) in days.items():
        result = listed(client, admin, day)
        if where == "on":
            assert [(e["app_id"], e["baa_id"]) for e in result["entries"]] == [(app_id, what)]
        else:
            assert result["entries"] == []
            assert [(x["app_id"], x["reason"]) for x in result["excluded"]] == [(app_id, what)]


def test_a_lapsed_baa_with_a_renewal_awaiting_signature_says_both(client, admin, vid):
    approved_app(client, admin, vid)
    old = baa(client, admin, vid, expiration_date="2026-12-31")
    client.post(
        f"/api/v1/baas/{old['id']}/renew",
        json={
            "signed_copy_note": SIGNED,
            "effective_date": "2027-01-01",
            "status": "pending_signature",
        },
        headers=admin,
    )
    off = listed(client, admin, "2027-01-01")
    assert off["excluded"][0]["reasons"] == [
        "BAA with Acme Health expired: in force through 2026-12-31; a new BAA is pending signature"
    ]


# --- item 2: deadlines, and the list's filters ----------------------------------------------


@pytest.fixture
def register(client, admin, vid):
    """A register with one agreement in each situation legal cares about."""
    other = vendor(client, admin, "Pagerline")
    made = {
        "soon": baa(client, admin, vid, expiration_date="2027-01-09"),  # 46 days left
        "later": baa(client, admin, vid, effective_date="2026-02-01", expiration_date="2027-05-31"),
        "lapsed": baa(
            client, admin, vid, effective_date="2025-01-01", expiration_date="2026-09-30"
        ),
        "auto": baa(
            client,
            admin,
            other,
            effective_date="2025-02-01",
            expiration_date="2026-01-31",
            auto_renews=True,
            renewal_term_months=12,
            notice_days=60,
        ),  # in force through 2027-01-31, notice deadline 2026-12-03
        "draft": baa(client, admin, other, status="draft", expiration_date="2027-01-04"),
        "ended": baa(client, admin, other, terminated_on="2026-11-01", termination_reason="breach"),
    }
    return {k: v["id"] for k, v in made.items()}


def ids(client, headers, query):
    r = client.get(f"/api/v1/baas?{query}", headers=headers)
    assert r.status_code == 200, r.json
    return r.json


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=expiring", {"soon", "auto"}),
        ("state=expiring&within_days=30", {"auto"}),  # its notice deadline is 8 days away
        ("state=expiring&within_days=46", {"soon", "auto"}),
        ("state=expired", {"lapsed"}),
        ("state=terminated", {"ended"}),
        ("state=draft", {"draft"}),
        ("state=in_force", {"soon", "later", "auto"}),
        ("state=expired,terminated", {"lapsed", "ended"}),
        ("state=expired&state=draft", {"lapsed", "draft"}),
        ("auto_renews=true", {"auto"}),
        ("within_days=50", {"soon", "auto", "draft"}),
        ("state=expiring&as_of=2027-01-05", {"soon"}),  # "auto" renewed by default
        ("state=expired&as_of=2027-01-10", {"lapsed", "soon"}),
        ("state=in_force&as_of=2027-06-01", {"auto"}),
        ("state=expiring&as_of=2027-03-05", {"later"}),
        ("q=pager", {"auto", "draft", "ended"}),
    ],
)
def test_list_filters_by_state_and_date(client, admin, register, query, expected):
    body = ids(client, admin, query)
    names = {k for k, v in register.items() if v in {b["id"] for b in body["items"]}}
    assert names == expected
    assert body["total"] == len(expected)


def test_each_baa_carries_its_deadlines_on_the_date(client, admin, register):
    auto = get(client, admin, register["auto"])
    assert (
        auto["state"],
        auto["term_end"],
        auto["notice_deadline"],
        auto["days_left"],
        auto["renewed_by_default"],
    ) == ("expiring", "2027-01-31", "2026-12-03", 68, False)
    later = get(client, admin, register["auto"], "2026-12-04")
    assert (later["state"], later["renewed_by_default"]) == ("active", True)
    rolled = get(client, admin, register["auto"], "2027-02-01")
    assert (rolled["term_end"], rolled["notice_deadline"], rolled["renewed_by_default"]) == (
        "2028-01-31",
        "2027-12-03",
        False,
    )


def test_filters_page_over_the_filtered_rows(client, admin, register):
    body = ids(client, admin, "state=expiring,expired&per_page=2&page=2")
    assert (body["total"], len(body["items"]), body["page"]) == (3, 1, 2)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("state=soon", "state.0"),
        ("within_days=-1", "within_days"),
        ("within_days=lots", "within_days"),
        ("as_of=2027-02-30", "as_of"),
        ("auto_renews=maybe", "auto_renews"),
    ],
)
def test_bad_filters_are_422_naming_the_parameter(client, admin, query, field):
    error(client.get(f"/api/v1/baas?{query}", headers=admin), 422, field)


# --- documents ------------------------------------------------------------------------------


def test_upload_stores_the_signed_pdf_by_sha256(client, admin, vid):
    b = baa(client, admin, vid)
    r = upload(client, admin, b["id"], PDF, "Acme BAA (signed).pdf")
    assert r.status_code == 201, r.json
    sha = hashlib.sha256(PDF).hexdigest()
    assert (r.json["sha256"], r.json["content_type"], r.json["size"], r.json["filename"]) == (
        sha,
        "application/pdf",
        len(PDF),
        "Acme BAA _signed_.pdf",
    )
    path = Path(client.application.instance_path) / "documents" / sha
    assert path.read_bytes() == PDF
    assert stat.S_IMODE(path.stat().st_mode) & 0o222 == 0  # stored read-only (even for root)
    assert stored_files(client.application) == [sha]
    assert get(client, admin, b["id"])["document"] == r.json
    ev = audit_events(client.application)[-1]
    assert (ev.action, ev.entity_id, ev.after["sha256"]) == (
        "baa.document.upload",
        str(b["id"]),
        sha,
    )


@pytest.mark.parametrize(
    ("data", "filename", "content_type"),
    [
        (
            docx(),
            "baa.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (TEXT, "baa.txt", "text/plain; charset=utf-8"),
        (TEXT, "baa", "text/plain; charset=utf-8"),
        (PDF, "scan", "application/pdf"),
    ],
)
def test_upload_accepts_docx_and_text_judged_by_content(
    client, admin, vid, data, filename, content_type
):
    b = baa(client, admin, vid)
    r = upload(client, admin, b["id"], data, filename)
    assert r.status_code == 201, r.json
    assert r.json["content_type"] == content_type
    # the stored name always ends in what the file really is
    assert r.json["filename"].endswith(
        {"application/pdf": ".pdf", "text/plain; charset=utf-8": ".txt"}.get(content_type, ".docx")
    )


def test_the_same_bytes_are_stored_once(client, admin, vid):
    a, b = baa(client, admin, vid), baa(client, admin, vid)
    first = upload(client, admin, a["id"], PDF)
    again = upload(client, admin, a["id"], PDF, "other-name.pdf")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    other = upload(client, admin, b["id"], PDF)
    assert other.status_code == 201 and other.json["id"] != first.json["id"]
    assert stored_files(client.application) == [hashlib.sha256(PDF).hexdigest()]
    assert count(client.application, BaaDocument) == 2


def test_a_new_upload_becomes_the_latest_and_the_old_one_is_kept(client, admin, vid):
    b = baa(client, admin, vid)
    upload(client, admin, b["id"], PDF)
    r = upload(client, admin, b["id"], TEXT, "amendment.txt")
    assert get(client, admin, b["id"])["document"]["id"] == r.json["id"]
    assert len(stored_files(client.application)) == 2
    got = client.get(f"/api/v1/baas/{b['id']}/document", headers=admin)
    assert got.data == TEXT


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "status", "message"),
    [
        (b"", "signed.pdf", None, 422, "is empty"),
        (b"x" * 2049, "big.txt", None, 413, "larger than the 2048 bytes limit"),
        (
            TEXT,
            "contract.pdf",
            None,
            422,
            "'contract.pdf' is named as a PDF but its content is plain text",
        ),
        (
            PDF,
            "contract.docx",
            None,
            422,
            "is named as a Word (.docx) document but its content is a PDF",
        ),
        (
            TEXT,
            "contract",
            "application/pdf",
            422,
            "'contract' is sent as application/pdf but its content is plain text",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.txt", None, 422, "NUL byte at offset"),
        (b"caf\xe9 latin-1 text", "baa.txt", None, 422, "invalid UTF-8 at byte 3"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "baa.exe", None, 422, "not a PDF, a Word"),
        (plain_zip(), "baa.docx", None, 422, "not a Word (.docx) document (no [Content_Types]"),
        (b"PK\x03\x04 truncated", "baa.docx", None, 422, "cannot be read"),
        (zip_bomb_docx(), "bomb.docx", None, 422, "zip bomb"),
    ],
)
def test_bad_uploads_are_refused_naming_the_file_and_store_nothing(
    client, app, admin, vid, data, filename, content_type, status, message
):
    use(app, max_document_bytes=2048 if filename == "big.txt" else 20 * 1024 * 1024)
    b = baa(client, admin, vid)
    events = len(audit_events(app))
    r = upload(client, admin, b["id"], data, filename, content_type)
    error(r, status, "file", message)
    assert stored_files(app) == []  # not even a temporary file is left behind
    assert count(app, BaaDocument) == 0
    assert len(audit_events(app)) == events
    assert get(client, admin, b["id"])["document"] is None


def test_a_docx_that_unpacks_beyond_the_limit_is_refused(client, app, admin, vid):
    use(app, max_document_unpacked_bytes=4096)
    b = baa(client, admin, vid)
    r = upload(client, admin, b["id"], docx(os.urandom(3000).hex().encode()), "big.docx")
    error(r, 422, "file", "unpacks to more than 4096 bytes")
    assert stored_files(app) == []


def test_a_request_over_the_request_limit_is_413_naming_the_file(client, app, admin, vid):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    b = baa(client, admin, vid)
    error(upload(client, admin, b["id"], b"a" * 8192, "a.txt"), 413, "file", "larger than")
    assert stored_files(app) == []


def test_upload_needs_a_multipart_file_part(client, admin, vid):
    b = baa(client, admin, vid)
    error(
        client.post(f"/api/v1/baas/{b['id']}/document", json={"file": "x"}, headers=admin),
        400,
        "body",
        "multipart/form-data",
    )
    r = client.post(
        f"/api/v1/baas/{b['id']}/document",
        data={"other": "x"},
        headers=admin,
        content_type="multipart/form-data",
    )
    error(r, 422, "file", "is required")


def test_upload_to_an_unknown_baa_or_by_a_role_without_baas_write_stores_nothing(
    client, app, admin, make_token, vid
):
    error(upload(client, admin, 999, PDF), 404)
    b = baa(client, admin, vid)
    for role in ("viewer", "it", "procurement"):
        error(upload(client, make_token(role), b["id"], PDF), 403, None, "baas:write")
    error(upload(client, {}, b["id"], PDF), 401)
    assert stored_files(app) == [] and count(app, BaaDocument) == 0
    assert upload(client, make_token("legal"), b["id"], PDF).status_code == 201


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("legal", 200), ("procurement", 200), ("viewer", 403), ("it", 403)],
)
def test_signed_documents_download_only_for_legal_procurement_and_admin(
    client, admin, make_token, vid, role, status
):
    b = baa(client, admin, vid)
    upload(client, admin, b["id"], PDF, "Acme BAA.pdf")
    r = client.get(f"/api/v1/baas/{b['id']}/document", headers=make_token(role))
    if status == 403:
        error(r, 403, None, "baa-documents:read")
        return
    assert r.status_code == 200
    assert r.data == PDF
    assert r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"] == 'attachment; filename="Acme BAA.pdf"'
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Document-SHA256"] == hashlib.sha256(PDF).hexdigest()
    ev = audit_events(client.application)[-1]
    assert (ev.action, ev.actor) == ("baa.document.download", f"token:test-{role}")


def test_download_without_a_document_or_baa_is_404(client, admin, vid):
    b = baa(client, admin, vid)
    error(
        client.get(f"/api/v1/baas/{b['id']}/document", headers=admin),
        404,
        "document",
        "has no signed document yet",
    )
    error(client.get("/api/v1/baas/999/document", headers=admin), 404)


def test_a_stored_file_altered_in_the_store_is_never_served(client, app, store, admin, vid):
    b = baa(client, admin, vid)
    sha = upload(client, admin, b["id"], PDF).json["sha256"]
    store.tamper(sha, PDF + b"tampered")
    events = len(audit_events(app))
    r = client.get(f"/api/v1/baas/{b['id']}/document", headers=admin)
    error(r, 500, None, "no longer matches its SHA-256")
    assert b"tampered" not in r.data
    assert len(audit_events(app)) == events  # not a download: nothing was served
    store.remove(sha)
    r = client.get(f"/api/v1/baas/{b['id']}/document", headers=admin)
    error(r, 500, None, f"is missing from {store.store.where}")


# --- item 6: the ICS calendar ---------------------------------------------------------------


def parse(resp) -> list[icalendar.Event]:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(resp.data)
    assert (str(cal["version"]), str(cal["prodid"])) == ("2.0", "-//Vetting//BAA register//EN")
    return list(cal.walk("VEVENT"))


WIDE = "/api/v1/baas.ics?from=2025-11-25&to=2028-11-25"  # a year back, two ahead


def test_calendar_has_an_all_day_event_per_term_end_and_notice_deadline(client, admin, register):
    events = parse(client.get(WIDE, headers=admin))
    by_uid = {str(e["uid"]): e for e in events}
    # a fixed term's event is on its last day in force
    soon = by_uid[f"baa-{register['soon']}-term-end-2027-01-09@vetting"]
    assert soon.decoded("dtstart").isoformat() == "2027-01-09"
    assert soon.decoded("dtend").isoformat() == "2027-01-10"
    assert str(soon["summary"]) == "BAA with Acme Health: last day in force"
    assert "In force through 2027-01-09" in str(soon["description"])
    assert "From 2027-01-10 the vendor's apps leave" in str(soon["description"])
    auto = register["auto"]
    notice = by_uid[f"baa-{auto}-notice-deadline-2026-12-03@vetting"]
    assert str(notice["summary"]) == "Notice deadline: BAA with Pagerline (renews 2027-02-01)"
    assert f"baa-{auto}-term-end-2027-01-31@vetting" in by_uid
    assert f"baa-{auto}-notice-deadline-2027-12-03@vetting" in by_uid
    # the previous year's deadline is recent history; two years ahead is spelled out
    assert f"baa-{auto}-notice-deadline-2025-12-03@vetting" in by_uid
    assert f"baa-{register['ended']}-terminated-2026-11-01@vetting" in by_uid
    assert not [u for u in by_uid if u.startswith(f"baa-{register['draft']}-")]
    assert all(e.decoded("dtstamp").tzinfo is not None for e in events)
    # stable: reading the feed again yields the same events
    again = parse(client.get(WIDE, headers=admin))
    assert sorted(str(e["uid"]) for e in again) == sorted(by_uid)


def test_calendar_default_window_is_the_past_30_days_and_the_next_13_months(
    client, admin, register
):
    """Issue 16, item 3: a feed of every date since ever grew to 51 MB at 100,000 BAAs."""
    days = [e.decoded("dtstart") for e in parse(client.get("/api/v1/baas.ics", headers=admin))]
    assert days and min(days) >= date(2026, 10, 26) and max(days) <= date(2027, 12, 25)
    wide = [e.decoded("dtstart") for e in parse(client.get(WIDE, headers=admin))]
    assert min(wide) < date(2026, 10, 26) and max(wide) > date(2027, 12, 25)


def test_calendar_filters_by_vendor_owner_and_kind(client, admin, register):
    def uids(query: str) -> set[str]:
        return {str(e["uid"]) for e in parse(client.get(f"{WIDE}&{query}", headers=admin))}

    everything = uids("as_of=2026-11-25")
    notices = uids("kind=notice_deadline")
    assert notices and all("-notice-deadline-" in u for u in notices)
    both = uids("kind=notice_deadline,terminated")
    assert notices < both and all("-term-end-" not in u for u in both)
    assert uids("owner=nobody@hospital.example") == set()
    auto = register["auto"]
    mine = uids(f"vendor_id={client.get(f'/api/v1/baas/{auto}', headers=admin).json['vendor_id']}")
    assert mine < everything and any(u.startswith(f"baa-{auto}-") for u in mine)
    assert not any(u.startswith(f"baa-{register['soon']}-") for u in mine)  # Acme's
    for bad, words in [
        ("from=2027-01-01&to=2026-01-01", "must not be before"),
        ("from=2020-01-01&to=2030-01-02", "at most"),
    ]:
        error(client.get(f"/api/v1/baas.ics?{bad}", headers=admin), 422, "to", words)
    error(client.get("/api/v1/baas.ics?kind=birthday", headers=admin), 422, "kind.0", "term_end")


def test_calendar_answers_304_until_the_register_changes(client, admin, register, vid):
    first = client.get("/api/v1/baas.ics", headers=admin)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and tag.startswith('W/"')
    again = client.get("/api/v1/baas.ics", headers={**admin, "If-None-Match": tag})
    assert (again.status_code, again.data) == (304, b"")
    other = client.get("/api/v1/baas.ics?kind=terminated", headers={**admin, "If-None-Match": tag})
    assert other.status_code == 200  # another feed, another tag
    baa(client, admin, vid, expiration_date="2027-03-31")
    changed = client.get("/api/v1/baas.ics", headers={**admin, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert "baa-" in changed.get_data(as_text=True)


def test_calendar_drops_a_superseded_baas_dates_after_its_successor_starts(client, admin, vid):
    old = baa(
        client,
        admin,
        vid,
        effective_date="2025-06-01",
        expiration_date="2026-12-31",
        auto_renews=True,
        renewal_term_months=12,
        notice_days=30,
    )
    new = client.post(
        f"/api/v1/baas/{old['id']}/renew",
        json={
            "signed_copy_note": SIGNED,
            "effective_date": "2026-12-15",
            "expiration_date": "2028-12-14",
        },
        headers=admin,
    ).json
    feed = "/api/v1/baas.ics?to=2029-01-01"
    uids = {str(e["uid"]) for e in parse(client.get(feed, headers=admin))}
    assert f"baa-{old['id']}-notice-deadline-2026-12-02@vetting" in uids
    assert f"baa-{old['id']}-term-end-2026-12-31@vetting" not in uids
    assert f"baa-{new['id']}-term-end-2028-12-14@vetting" in uids


def test_calendar_accepts_a_read_only_token_in_the_url(client, make_token, register):
    secret = make_token("legal", ["baas:read"])["Authorization"].split()[1]
    assert parse(client.get(f"/api/v1/baas.ics?token={secret}"))
    viewer = make_token("viewer")["Authorization"].split()[1]
    feed = f"/api/v1/baas.ics?token={viewer}"
    every = {str(e["uid"]) for e in parse(client.get(feed))}
    acme = {str(e["uid"]) for e in parse(client.get(f"{feed}&vendor_id=1"))}
    assert acme and acme < every  # only Acme's agreements: Pagerline's are left out
    theirs = {str(register[k]) for k in ("soon", "later", "lapsed")}
    assert {uid.split("-")[1] for uid in acme} <= theirs


def test_calendar_refuses_a_url_token_that_can_write_and_revokes_it(
    client, app, make_token, register
):
    """The token is in a URL now, so in logs and histories: it is refused and stops working."""
    headers = make_token("legal")
    secret = headers["Authorization"].split()[1]
    assert client.get("/api/v1/baas", headers=headers).status_code == 200
    r = client.get(f"/api/v1/baas.ics?token={secret}")
    error(r, 403, "token", "must be read-only")
    assert "baas:write" in r.json["errors"][0]["message"]
    assert "it was revoked" in r.json["errors"][0]["message"]
    error(client.get("/api/v1/baas", headers=headers), 401, None, "revoked")
    revoked = audit_events(app)[-1]
    assert (revoked.action, revoked.actor) == ("token.revoke", "system:exposed-token")
    assert "sent in a URL" in revoked.after["reason"]
    assert revoked.after["revoked_at"] is not None


def test_calendar_token_rules(client, make_token, register):
    error(client.get("/api/v1/baas.ics"), 401)
    error(client.get("/api/v1/baas.ics?token=vt_not-a-token"), 401)
    no_scope = make_token("viewer", ["vendors:read"])["Authorization"].split()[1]
    error(client.get(f"/api/v1/baas.ics?token={no_scope}"), 403, None, "baas:read")
    # only the calendar takes a token in the URL
    read_only = make_token("viewer")["Authorization"].split()[1]
    error(client.get(f"/api/v1/baas?token={read_only}"), 401)


def test_openapi_documents_the_upload_and_the_calendar_token(client):
    doc = client.get("/api/v1/openapi.json").json
    body = doc["paths"]["/api/v1/baas/{baa_id}/document"]["post"]["requestBody"]
    assert body["content"]["multipart/form-data"]["schema"]["required"] == ["file"]
    ics = doc["paths"]["/api/v1/baas.ics"]["get"]
    assert {"urlToken": []} in ics["security"]
    assert "text/calendar" in ics["responses"]["200"]["content"]
    params = {p["name"] for p in doc["paths"]["/api/v1/baas"]["get"]["parameters"]}
    assert {"state", "within_days", "as_of", "auto_renews", "vendor_id"} <= params
