"""Breach deadline once, on the pages: the BAA form records the clause in its words, and a
difference between the register and an assessment's answer shows on both pages."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from tests.web.conftest import Register
from vetting import db
from vetting.models import BAA


def txt(resp) -> str:
    return re.sub(r"\s+", " ", unescape(resp.get_data(as_text=True)))


def test_the_baa_form_records_the_clause_in_its_words(app, browser, register: Register):
    b = browser("admin")
    base = {
        "vendor_id": str(register.other_vendor_id),
        "effective_date": "2026-05-01",
        "signed_copy_note": "signed original with legal",
        "status": "active",
    }
    resp = b.post(
        "/baas/new",
        {
            **base,
            "breach_value": "72",
            "breach_unit": "hours",
            "breach_trigger": "discovery",
            "breach_quote": "within seventy-two (72) hours of discovery",
        },
    )
    assert resp.status_code == 302, txt(resp)
    page = txt(b.get(resp.headers["Location"]))
    assert "72 hours (3 calendar days, rounded up) from discovery" in page
    assert "within seventy-two (72) hours of discovery" in page
    # No number: unstated, the 60-day maximum — not 0, not a blank.
    resp = b.post("/baas/new", {**base, "breach_unstated": "on", "breach_quote": "promptly"})
    assert resp.status_code == 302, txt(resp)
    baa_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert "unstated (60-day legal maximum)" in txt(b.get(f"/baas/{baa_id}"))
    assert "unstated (60-day legal maximum)" in txt(b.get("/baas"))
    edit = b.get(f"/baas/{baa_id}/edit").get_data(as_text=True)
    assert re.search(r'name="breach_unstated"[^>]*checked', edit)
    # Nothing filled in: not recorded (and said so).
    resp = b.post("/baas/new", base)
    blank = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert 'id="breach-clause">not recorded<' in txt(b.get(f"/baas/{blank}"))
    # A number without a unit, or a quote saying another number, is refused.
    for extra, message in [
        ({"breach_value": "10"}, "unit is required"),
        (
            {"breach_value": "10", "breach_unit": "calendar_days", "breach_quote": "within 5 days"},
            "the quote says 5 calendar days",
        ),
    ]:
        resp = b.post("/baas/new", {**base, **extra})
        assert resp.status_code == 422 and message in txt(resp), txt(resp)
    # 45 business days: non-conforming (63 calendar days at worst).
    resp = b.post("/baas/new", {**base, "breach_value": "45", "breach_unit": "business_days"})
    assert "allows 45 business days (63 calendar days at worst)" in txt(
        b.get(resp.headers["Location"])
    )


def test_a_difference_shows_on_the_baa_page_and_the_scorecard(app, browser, register: Register):
    # The register fixture's BAA says 5 calendar days; the approved assessment answers 3.
    b = browser("admin")
    baa_page = txt(b.get(f"/baas/{register.baa_id}"))
    assert "Breach answers that differ from this BAA's clause (5 calendar days)" in baa_page
    assert f"Acme Camera, assessment #{register.decided_id}" in baa_page
    assert "answers 3 calendar days" in baa_page
    card = txt(b.get(f"/assessments/{register.decided_id}"))
    assert "The BAA with Acme Health says 5 calendar days; this answer says 3 calendar days" in card
    form = txt(b.get(f"/assessments/{register.open_id}/answers"))
    assert "From the BAA register" not in form  # Borealis has no BAA
    # The register changed to 3 days: no difference anywhere.
    resp = b.post(
        f"/baas/{register.baa_id}/edit",
        {
            "title": "Acme BAA",
            "effective_date": "2026-01-01",
            "expiration_date": "2027-01-01",
            "signed_copy_note": "signed PDF in the contracts share",
            "breach_value": "3",
            "breach_unit": "calendar_days",
        },
    )
    assert resp.status_code == 302, txt(resp)
    assert "Breach answers that differ" not in txt(b.get(f"/baas/{register.baa_id}"))
    card = txt(b.get(f"/assessments/{register.decided_id}"))
    assert "says 3 calendar days; this answer agrees" in card


def test_the_answer_form_offers_the_register_value_and_keeps_a_persons_answer(
    app, browser, register: Register
):
    b = browser("admin")
    resp = b.post(
        "/baas/new",
        {
            "vendor_id": str(register.other_vendor_id),
            "effective_date": "2026-05-01",
            "signed_copy_note": "signed original with legal",
            "status": "active",
            "breach_value": "5",
            "breach_unit": "business_days",
        },
    )
    assert resp.status_code == 302, txt(resp)
    # The open assessment (started before the BAA) has no breach answer: the form offers it.
    page = b.get(f"/assessments/{register.open_id}/answers").get_data(as_text=True)
    assert re.search(r'name="v\.breach_notification_days" value="5"', page)
    assert "filled in below; save to record it" in unescape(page)
    # Nothing is stored until a person saves it.
    card = txt(b.get(f"/assessments/{register.open_id}"))
    assert "says 5 business days (7 calendar days at worst); this assessment has no answer" in card
    with app.app_context():
        assert db.session().scalar(select(BAA.breach_unit).where(BAA.id != register.baa_id))
