"""Answers that contradict each other ([[conflicts]] in the checklist) are refused when
saved, through the service and the API: 422 naming both capabilities, nothing saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.api.chain import answer, app_, assess, vendor
from vetting import auth, db
from vetting.errors import Invalid
from vetting.models import Answer, AuditEvent
from vetting.schemas import AnswerIn
from vetting.services import assessments


@pytest.fixture
def aid(client, admin):
    return assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]


def _rows(app, aid) -> dict[str, object]:
    with app.app_context():
        rows = db.session().scalars(select(Answer).where(Answer.assessment_id == aid)).all()
        return {r.capability_key: r.value for r in rows}


def _events(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_the_careless_order_is_refused_too_naming_both_answers(app, client, admin, aid):
    """key_custody = none first (nothing to contradict yet), encryption at rest = yes second."""
    assert answer(client, admin, aid, "key_custody", "none").status_code == 200
    events = _events(app)
    r = answer(client, admin, aid, "encryption_at_rest", "yes")
    assert r.status_code == 422, r.json
    (error,) = r.json["errors"]
    assert error["field"] == "encryption_at_rest.value"
    assert error["message"].startswith("these answers contradict each other: ")
    assert "Encryption at rest (device and server) (encryption_at_rest) = yes" in error["message"]
    assert "Who holds the encryption keys (key_custody) = none" in error["message"]
    assert _rows(app, aid) == {"key_custody": "none"}  # nothing saved
    assert _events(app) == events  # nothing audited


def test_the_other_order_is_refused_on_the_capability_being_saved(app, client, admin, aid):
    assert answer(client, admin, aid, "encryption_at_rest", True).status_code == 200
    r = answer(client, admin, aid, "key_custody", "none")
    assert r.status_code == 422
    assert [e["field"] for e in r.json["errors"]] == ["key_custody.value"]
    assert _rows(app, aid) == {"encryption_at_rest": True}


def test_changing_either_side_resolves_it(app, client, admin, aid):
    assert answer(client, admin, aid, "encryption_at_rest", True).status_code == 200
    assert answer(client, admin, aid, "key_custody", "device_only").status_code == 200
    # …then the end-to-end answer must agree with keys only on devices
    r = answer(client, admin, aid, "end_to_end_encryption", False)
    assert r.status_code == 422
    assert "end_to_end_encryption" in r.json["errors"][0]["message"]
    assert answer(client, admin, aid, "end_to_end_encryption", True).status_code == 200
    # the stored answers are consistent; turning encryption at rest off allows key custody none
    assert answer(client, admin, aid, "encryption_at_rest", False).status_code == 200
    assert answer(client, admin, aid, "end_to_end_encryption", False).status_code == 422
    assert answer(client, admin, aid, "key_custody", "vendor_only").status_code == 200
    assert answer(client, admin, aid, "end_to_end_encryption", False).status_code == 200
    assert answer(client, admin, aid, "key_custody", "none").status_code == 200


def test_a_discovered_suggestion_never_conflicts(app, client, admin, aid):
    r = answer(client, admin, aid, "key_custody", "none", source="discovered")
    assert r.status_code == 200
    assert answer(client, admin, aid, "encryption_at_rest", True).status_code == 200
    # accepting the suggestion as it stands would contradict: refused
    assert answer(client, admin, aid, "key_custody", "none").status_code == 422
    assert _rows(app, aid) == {"key_custody": "none", "encryption_at_rest": True}


def test_answer_many_refuses_a_contradiction_within_one_save_and_saves_nothing(app, aid):
    with app.app_context():
        s = db.session()
        with pytest.raises(Invalid) as caught:
            assessments.answer_many(
                s,
                auth.CLI_PRINCIPAL,
                aid,
                {
                    "baa_signed": AnswerIn(value=True, source="attested"),
                    "encryption_at_rest": AnswerIn(value="yes", source="attested"),
                    "key_custody": AnswerIn(value="none", source="attested"),
                },
            )
    fields = sorted(e.field or "" for e in caught.value.errors)
    assert fields == ["encryption_at_rest.value", "key_custody.value"]
    assert caught.value.status == 422
    assert _rows(app, aid) == {}


def test_answer_many_refuses_a_contradiction_with_a_stored_answer(app, aid):
    with app.app_context():
        s = db.session()
        assessments.answer(
            s, auth.CLI_PRINCIPAL, aid, "key_custody", AnswerIn(value="none", source="attested")
        )
        with pytest.raises(Invalid) as caught:
            assessments.answer_many(
                s,
                auth.CLI_PRINCIPAL,
                aid,
                {
                    "key_custody": AnswerIn(value="none", source="attested"),  # unchanged
                    "end_to_end_encryption": AnswerIn(value=True, source="attested"),
                },
            )
        assert [e.field for e in caught.value.errors] == ["end_to_end_encryption.value"]
        # changing key custody in the same save resolves it
        _, changed = assessments.answer_many(
            s,
            auth.CLI_PRINCIPAL,
            aid,
            {
                "key_custody": AnswerIn(value="customer_managed", source="attested"),
                "end_to_end_encryption": AnswerIn(value=True, source="attested"),
            },
        )
    assert changed == 2
    assert _rows(app, aid) == {"key_custody": "customer_managed", "end_to_end_encryption": True}


def test_bad_structured_deadlines_are_422_naming_the_field_never_500(client, admin, aid):
    for value in (
        {"value": 5, "unit": "hours", "trigger": "eventually"},
        {"value": 10**9, "unit": "hours"},
        {"value": {"nested": 1}, "unit": "hours"},
        {"quote": ["a list"]},
        {"stated": "no"},
    ):
        r = answer(client, admin, aid, "breach_notification_days", value)
        assert r.status_code == 422, (value, r.json)
        assert [e["field"] for e in r.json["errors"]] == ["value"]
        assert r.json["errors"][0]["message"].startswith("breach_notification_days: ")


def test_a_structured_deadline_is_stored_with_its_words_through_the_api(client, admin, aid):
    body = {
        "value": 36,
        "unit": "hours",
        "trigger": "discovery",
        "quote": "Notice follows within thirty-six (36) hours of discovery.",
    }
    r = answer(client, admin, aid, "breach_notification_days", body)
    assert r.status_code == 200, r.json
    c = next(c for c in r.json["capabilities"] if c["key"] == "breach_notification_days")
    assert c["value"] == {**body, "days": 2, "stated": True}
    assert c["answer_text"] == "36 hours (2 calendar days, rounded up) from discovery"
    assert c["credit"] == 1.0
    r = answer(client, admin, aid, "breach_notification_days", "without unreasonable delay")
    c = next(c for c in r.json["capabilities"] if c["key"] == "breach_notification_days")
    assert (c["value"]["days"], c["value"]["stated"], c["credit"]) == (60, False, 0.3)
    assert c["answer_text"] == "unstated (60-day legal maximum)"
