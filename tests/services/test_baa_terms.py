"""Attaching a signed BAA reads its terms as suggestions (services/baa_terms.py): legal
accepts one into the register (through the BAA services: validated, audited, quote kept) or
dismisses it; a document whose text cannot be read is attached all the same, saying why."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlmodel import col

from tests.agreement_files import docx_with, encrypted_pdf, pdf_with_text, pdf_without_text
from tests.api.chain import audit_events, baa, vendor
from tests.api.register_helpers import upload
from vetting import auth, db
from vetting.core.breach import clause_from
from vetting.core.statuses import Role
from vetting.errors import Conflict, Forbidden, Invalid
from vetting.models import BAA, BaaDocument, BaaProvision, BaaTermReading, BaaTermSuggestion
from vetting.services import baa_terms

ACTOR = auth.CLI_PRINCIPAL
AGREEMENT = [
    'This Business Associate Agreement is entered into as of March 1, 2026 (the "Effective '
    'Date") by and between Willow Creek Clinic ("Covered Entity") and Brightline Apps LLC '
    '("Business Associate").',
    "4.1 Business Associate shall notify Covered Entity of any Breach of Unsecured Protected "
    "Health Information within seventy-two (72) hours after discovery of the Breach.",
    "4.2 Business Associate shall ensure that any subcontractor that handles PHI agrees in "
    "writing to the same restrictions and conditions, and shall require each subcontractor to "
    "report any Breach to Business Associate within one (1) business day.",
    "6.3 Upon termination, Business Associate shall return or destroy all PHI; if that is "
    "infeasible, it shall extend these protections to the PHI it keeps.",
]


@pytest.fixture
def baa_id(client, admin) -> int:
    return baa(client, admin, vendor(client, admin), expiration_date="2027-12-31")["id"]


def suggestions(app, baa_id: int) -> dict[str, BaaTermSuggestion]:
    with app.app_context():
        s = db.session()
        rows = s.scalars(
            select(BaaTermSuggestion).where(col(BaaTermSuggestion.baa_id) == baa_id)
        ).all()
        s.expunge_all()
        return {r.field: r for r in rows}


def reading(app, baa_id: int) -> BaaTermReading:
    with app.app_context():
        s = db.session()
        row = s.scalars(select(BaaTermReading).where(col(BaaTermReading.baa_id) == baa_id)).one()
        s.expunge_all()
        return row


def test_attaching_a_pdf_stores_its_terms_as_pending_suggestions(app, client, admin, baa_id):
    r = upload(client, admin, baa_id, pdf_with_text(["\n\n".join(AGREEMENT)]))
    assert r.status_code == 201, r.json
    got = suggestions(app, baa_id)
    breach = got["breach_notification"]
    assert breach.status == "pending"
    assert (breach.value["value"], breach.value["unit"], breach.value["days"]) == (72, "hours", 3)
    assert breach.value["trigger"] == "discovery"
    assert "seventy-two (72) hours" in breach.quote
    assert got["effective_date"].value == "2026-03-01"
    assert "subcontractor_flow_down" in got and "return_or_destroy" in got
    assert got["provision:report_breaches"].value == "present"
    assert reading(app, baa_id).result["subcontractor_notification"]["value"] == 1
    with app.app_context():  # the register is untouched until legal accepts
        b = db.session().get(BAA, baa_id)
        assert b.breach_value is None and b.effective_date == date(2026, 1, 1)
    assert "baa.terms.read" in [e.action for e in audit_events(app)]


def test_accepting_writes_the_register_field_with_its_quote(app, client, admin, baa_id):
    upload(client, admin, baa_id, pdf_with_text(["\n\n".join(AGREEMENT)]))
    got = suggestions(app, baa_id)
    with app.app_context():
        s = db.session()
        baa_terms.accept(s, ACTOR, baa_id, got["breach_notification"].id)
        baa_terms.accept(s, ACTOR, baa_id, got["effective_date"].id)
        baa_terms.accept(s, ACTOR, baa_id, got["provision:subcontractors"].id)
        baa_terms.accept(s, ACTOR, baa_id, got["return_or_destroy"].id)
        b = s.get(BAA, baa_id)
        clause = clause_from(b)
        assert clause is not None
        assert (clause["value"], clause["unit"], clause["days"]) == (72, "hours", 3)
        assert clause["trigger"] == "discovery" and "seventy-two (72) hours" in clause["quote"]
        assert b.effective_date == date(2026, 3, 1)
        assert b.return_or_destroy is True
        prov = s.scalars(
            select(BaaProvision).where(
                col(BaaProvision.baa_id) == baa_id, col(BaaProvision.key) == "subcontractors"
            )
        ).one()
        assert prov.status == "present" and "same restrictions" in prov.quote
        with pytest.raises(Conflict, match="already accepted"):
            baa_terms.accept(s, ACTOR, baa_id, got["effective_date"].id)
    actions = [e.action for e in audit_events(app)]
    assert actions.count("baa.terms.accept") == 4 and "baa.update" in actions


def test_an_unstated_clause_is_accepted_as_unstated(app, client, admin, baa_id):
    text = (
        "Business Associate shall report any Breach to Covered Entity without unreasonable delay."
    )
    upload(client, admin, baa_id, text.encode(), "signed.txt")
    row = suggestions(app, baa_id)["breach_notification"]
    assert row.value["unstated"] is True and row.value["days"] == 60
    with app.app_context():
        s = db.session()
        baa_terms.accept(s, ACTOR, baa_id, row.id)
        clause = clause_from(s.get(BAA, baa_id))
        assert clause is not None and clause["stated"] is False and clause["quote"] == text


def test_a_refused_value_leaves_the_register_and_the_suggestion_unchanged(
    app, client, admin, baa_id
):
    # An effective date after the BAA's own end: the BAA service refuses it.
    text = "This Agreement is effective as of March 1, 2028 and applies to all services."
    upload(client, admin, baa_id, text.encode(), "signed.txt")
    row = suggestions(app, baa_id)["effective_date"]
    with app.app_context():
        s = db.session()
        with pytest.raises(Invalid):
            baa_terms.accept(s, ACTOR, baa_id, row.id)
        assert s.get(BAA, baa_id).effective_date == date(2026, 1, 1)
    assert suggestions(app, baa_id)["effective_date"].status == "pending"
    assert "baa.terms.accept" not in [e.action for e in audit_events(app)]


def test_dismissing_and_who_may_decide(app, client, admin, baa_id):
    upload(client, admin, baa_id, pdf_with_text(["\n\n".join(AGREEMENT)]))
    row = suggestions(app, baa_id)["breach_notification"]
    viewer = auth.Principal("viewer@x", Role.VIEWER, auth.ROLE_SCOPES[Role.VIEWER])
    with app.app_context():
        s = db.session()
        with pytest.raises(Forbidden):
            baa_terms.accept(s, viewer, baa_id, row.id)
        with pytest.raises(Forbidden):
            baa_terms.dismiss(s, viewer, baa_id, row.id)
        baa_terms.dismiss(s, ACTOR, baa_id, row.id)
        assert s.get(BAA, baa_id).breach_value is None
    assert suggestions(app, baa_id)["breach_notification"].status == "dismissed"


@pytest.mark.parametrize(
    ("data", "name", "why"),
    [
        (pdf_without_text(), "scan.pdf", "no text layer: OCR it first"),
        (encrypted_pdf(" ".join(AGREEMENT)), "locked.pdf", "encrypted (password-protected)"),
        (docx_with([]), "empty.docx", "has no text"),
    ],
)
def test_a_document_without_readable_text_is_attached_and_says_why(
    app, client, admin, baa_id, data, name, why
):
    r = upload(client, admin, baa_id, data, name)
    assert r.status_code == 201, r.json
    got = reading(app, baa_id)
    assert got.result is None and why in got.error
    assert suggestions(app, baa_id) == {}
    with app.app_context():
        assert db.session().scalars(select(BaaDocument)).one().filename == name


def test_a_new_document_replaces_the_pending_suggestions_of_the_old(app, client, admin, baa_id):
    upload(
        client,
        admin,
        baa_id,
        b"Business Associate shall report a Breach to Covered Entity within 10 days.",
        "a.txt",
    )
    upload(
        client,
        admin,
        baa_id,
        b"Business Associate shall report a Breach to Covered Entity within 20 days.",
        "b.txt",
    )
    with app.app_context():
        s = db.session()
        rows = s.scalars(
            select(BaaTermSuggestion)
            .where(col(BaaTermSuggestion.field) == "breach_notification")
            .order_by(col(BaaTermSuggestion.id))
        ).all()
        assert [(r.value["value"], r.status) for r in rows] == [(10, "replaced"), (20, "pending")]
        assert baa_terms.pending(s, baa_id).suggestions[0].value["value"] == 20
        assert {r.status for r in s.scalars(select(BaaTermSuggestion))} == {"replaced", "pending"}


def test_a_suggestion_of_another_baa_is_not_found(app, client, admin, baa_id):
    upload(
        client,
        admin,
        baa_id,
        b"Business Associate shall report a Breach to Covered Entity within 10 days.",
        "a.txt",
    )
    row = suggestions(app, baa_id)["breach_notification"]
    from vetting.errors import NotFound

    with app.app_context(), pytest.raises(NotFound):
        baa_terms.accept(db.session(), ACTOR, baa_id + 1, row.id)
