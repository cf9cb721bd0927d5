"""The dashboard lists what needs action, and follows every change at once."""

from __future__ import annotations

from datetime import date

from tests.web.conftest import ACTOR, Register, good_answer, publish_list
from vetting import db
from vetting.queries import live_list
from vetting.schemas import AnswerIn, AppUpdate, BaaCreate, DecisionIn, VendorUpdate
from vetting.services import apps, assessments, baas, decisions, vendors


def test_dashboard_lists_expiring_baas_waiting_assessments_and_due_reassessments(
    app, browser, register: Register
):
    with app.app_context():
        s = db.session()
        # Expiring: a fixed term ending within the 90-day warning window.
        baas.create(
            s,
            ACTOR,
            BaaCreate(
                vendor_id=register.other_vendor_id,
                title="Borealis BAA",
                effective_date=date(2025, 1, 1),
                expiration_date=date(2027, 1, 14),
                signed_copy_note="signed PDF in the contracts share",
            ),
        )
        # Complete the open assessment's must-haves so it waits for a decision.
        checklist = app.extensions["vetting.checklists"]["clinical-photo"]
        answers = {
            c.key: AnswerIn(
                value=False
                if c.kind == "bool"
                else ({"max_days": 3, "min_number": 7}.get(c.kind) or c.options[0][0]),
                source="attested",
            )
            for c in checklist.capabilities
        }
        assessments.answer_many(s, ACTOR, register.open_id, answers)
    page = browser("viewer").get("/").text
    assert "Borealis BAA" in page and "Expiring" in page
    assert "Borealis Snap" in page  # waiting for a decision (verdict rejected, still open)
    assert "Acme Camera" in page  # added to the list since the last (no) release
    assert "No approval expires in the next 90 days" in page


def test_dashboard_and_list_follow_a_change_at_once(app, browser, register: Register):
    b = browser("it")
    assert "1 app approved today" in b.get("/").text
    assert '>1</span><span class="tile-label">apps approved' in b.get("/allowlist").text
    with app.app_context():
        apps.update(
            db.session(),
            ACTOR,
            register.app_id,
            AppUpdate(revoked_on=date(2026, 11, 25), revoked_reason="recalled"),
        )
    page = b.get("/").text
    assert "0 apps approved today" in page
    listing = b.get("/allowlist").text
    assert '>0</span><span class="tile-label">apps approved' in listing
    assert "revoked 2026-11-25: recalled" in listing


def test_each_dashboard_section_follows_the_records_it_is_built_from(
    app, browser, register: Register
):
    """The sections are kept apart (an app edit does not recompute the BAA section), so each
    must still see every change to its own records at once."""
    b = browser("admin")
    page = b.get("/").text
    assert "Acme BAA" in page and "Acme Health" in page  # expiring 2027-01-01
    assert "No approval expires in the next 90 days" in page
    with app.app_context():
        s = db.session()
        vendors.update(s, ACTOR, register.vendor_id, VendorUpdate(name="Acme Medical"))
    page = b.get("/").text
    assert "Acme Medical" in page and "Acme Health" not in page  # BAA section renamed
    with app.app_context():
        baas.terminate(db.session(), ACTOR, register.baa_id, date(2026, 11, 20), "breach")
    page = b.get("/").text
    assert "BAAs lapsed in the last 90 days" in page
    assert '>1</span><span class="tile-label">BAAs lapsed' in page
    assert "0 apps approved today" in page  # its vendor's app left the list
    assert "Borealis Snap" not in page  # its assessment has no answers yet
    with app.app_context():
        s = db.session()
        checklist = app.extensions["vetting.checklists"]["clinical-photo"]
        answers = {
            c.key: AnswerIn(
                value=good_answer(c.kind, c.options),
                source="verified",
                evidence_url="https://borealis.example/trust/soc2-bridge-letter.pdf",
            )
            for c in checklist.capabilities
        }
        assessments.answer_many(s, ACTOR, register.open_id, answers)
    page = b.get("/").text
    assert '>1</span><span class="tile-label">assessments waiting' in page
    assert "Borealis Snap" in page
    with app.app_context():
        s = db.session()
        decisions.decide(
            s,
            ACTOR,
            register.open_id,
            DecisionIn(
                decision="approved",
                justification="pilot on one ward, committee minutes 12",
                valid_until=date(2026, 12, 10),
            ),
        )
    page = b.get("/").text
    assert "Borealis Snap" in page  # now due for reassessment within 90 days
    assert '>1</span><span class="tile-label">reassessments due' in page


def test_a_sign_in_does_not_recompute_the_list_and_an_app_change_does(
    app, browser, register: Register, monkeypatch
):
    computed: list[int] = []
    real = live_list.compute
    monkeypatch.setattr(live_list, "compute", lambda *a, **k: computed.append(1) or real(*a, **k))
    b = browser("it")  # its sign-in page view computes the list once
    before = len(computed)
    browser("viewer").get("/")  # a sign-in is audited, but changes nothing the list reads
    assert len(computed) == before
    with app.app_context():
        apps.update(db.session(), ACTOR, register.app_id, AppUpdate(name="Acme Camera 2"))
    assert "Acme Camera 2" in b.get("/allowlist").text
    assert len(computed) == before + 1


def test_after_publishing_from_the_page_the_dashboard_does_not_parse_the_release_back(
    app, browser, register: Register, monkeypatch
):
    """Publishing hands the list it published to the read side (live_list.published), so the
    first dashboard after it patches that list instead of parsing the new release."""
    it = browser("it")
    assert publish_list(it, "first").status_code == 302

    def not_parsed(*_args):
        raise AssertionError("the release just published was parsed back")

    monkeypatch.setattr(live_list, "list_from_content", not_parsed)
    page = it.get("/").text
    assert "No change since release #1." in page


def test_dashboard_forecasts_the_apps_a_recorded_termination_takes_off(
    app, browser, register: Register
):
    b = browser("viewer")
    page = b.get("/").text
    assert "Apps leaving the list in the next 90 days" in page
    assert (
        "BAA with Acme Health expired: in force through 2026-12-31" in page
    )  # its term ends in 37 days
    with app.app_context():
        baas.terminate(db.session(), ACTOR, register.baa_id, date(2026, 12, 20), "vendor exits")
    page = b.get("/").text
    assert "BAA with Acme Health terminated: in force through 2026-12-19" in page
    assert "expired 2027-01-01" not in page


def test_the_baa_page_shows_in_force_until_and_the_return_destroy_follow_up(
    app, browser, register: Register
):
    with app.app_context():
        baas.terminate(db.session(), ACTOR, register.baa_id, date(2026, 11, 1), "vendor exits")
    b = browser("viewer")
    page = b.get(f"/baas/{register.baa_id}").text
    assert "2026-10-31 (its last day in force; out of force from 2026-11-01)" in page
    assert "effective 2026-11-01 (last day in force 2026-10-31)" in page
    assert "certificate due 2026-12-01" in page
    with app.app_context():
        baas.record_return_destroy(db.session(), ACTOR, register.baa_id, date(2026, 11, 20), "C-7")
    page = b.get(f"/baas/{register.baa_id}").text
    assert "certificate received 2026-11-20 (C-7)" in page
