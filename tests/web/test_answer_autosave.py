"""The answer form's autosave (issue 15, item 6): POST /assessments/<id>/answers/<key> saves
one question as the page's script sends it, answers JSON with the page's parts that changed,
and refuses only that question; every refusal is JSON with a 4xx, never a page or a 500."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from tests.web.conftest import Register
from vetting import db
from vetting.models import Answer, AnswerEvidence, AuditEvent

JSON = {"Accept": "application/json"}
CALL_NOTES = b"Call with the vendor's security lead: audit logs kept 6 years.\n"


def _count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model)) or 0


def _stored(app, assessment_id: int) -> dict[str, tuple[object, str]]:
    with app.app_context():
        rows = db.session().scalars(select(Answer).where(Answer.assessment_id == assessment_id))
        return {a.capability_key: (a.value, a.source) for a in rows}


def test_one_question_is_saved_and_the_page_parts_come_back(app, browser, register: Register):
    b = browser("procurement")
    url = f"/assessments/{register.open_id}/answers/encryption_at_rest"
    resp = b.post(
        url, {"v.encryption_at_rest": "yes", "src.encryption_at_rest": "attested"}, headers=JSON
    )
    assert resp.status_code == 200, resp.text
    body = resp.get_json()
    assert body["saved"] is True and body["changed"] == 1 and body["errors"] == {}
    assert 'id="status-encryption_at_rest"' in body["status_html"]
    assert "9 of 9 points" in body["status_html"] and "Attested" in body["status_html"]
    assert 'id="score-mini"' in body["score_html"] and "1 of" in body["score_html"]
    assert _stored(app, register.open_id)["encryption_at_rest"] == (True, "attested")
    # The same values again change nothing and audit nothing.
    events = _count(app, AuditEvent)
    again = b.post(
        url, {"v.encryption_at_rest": "yes", "src.encryption_at_rest": "attested"}, headers=JSON
    )
    assert again.status_code == 200 and again.get_json()["changed"] == 0
    assert _count(app, AuditEvent) == events


def test_a_question_sent_alone_never_touches_the_others(app, browser, register: Register):
    """The careless case: parsing the whole checklist from a one-question post would read
    every other recorded answer as blanked out."""
    b = browser("procurement")
    base = f"/assessments/{register.open_id}/answers"
    b.post(
        f"{base}/audit_logging",
        {"v.audit_logging": "yes", "src.audit_logging": "attested"},
        headers=JSON,
    )
    resp = b.post(
        f"{base}/encryption_at_rest",
        {"v.encryption_at_rest": "yes", "src.encryption_at_rest": "attested"},
        headers=JSON,
    )
    assert resp.status_code == 200 and resp.get_json()["errors"] == {}
    stored = _stored(app, register.open_id)
    assert stored["audit_logging"] == (True, "attested") and "encryption_at_rest" in stored


def test_a_bad_value_is_refused_on_its_field_and_nothing_is_written(
    app, browser, register: Register
):
    b = browser("procurement")
    before = _count(app, Answer)
    resp = b.post(
        f"/assessments/{register.open_id}/answers/breach_notification_days",
        {"v.breach_notification_days": "72 minutes", "src.breach_notification_days": "attested"},
        headers=JSON,
    )
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["saved"] is False
    assert "expects a number of days" in body["errors"]["v.breach_notification_days"]
    assert 'id="f-v-breach_notification_days-error"' in body["errors_html"]
    assert _count(app, Answer) == before


def test_verified_needs_evidence_and_a_file_sent_with_it_counts(
    app, store, browser, register: Register
):
    b = browser("procurement")
    url = f"/assessments/{register.open_id}/answers/audit_logging"
    refused = b.post(url, {"v.audit_logging": "yes", "src.audit_logging": "verified"}, headers=JSON)
    assert refused.status_code == 422
    assert "a verified answer needs evidence" in refused.get_json()["errors"]["ev.audit_logging"]
    resp = b.post(
        url,
        {
            "v.audit_logging": "yes",
            "src.audit_logging": "verified",
            "evf.audit_logging": (io.BytesIO(CALL_NOTES), "call.txt"),
        },
        headers=JSON,
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200, resp.text
    assert "call.txt" in resp.get_json()["attached_html"]
    assert _count(app, AnswerEvidence) == 1
    assert _stored(app, register.open_id)["audit_logging"] == (True, "verified")


def test_an_empty_unanswered_question_saves_nothing_and_a_recorded_one_cannot_be_blanked(
    app, browser, register: Register
):
    b = browser("procurement")
    url = f"/assessments/{register.open_id}/answers/audit_logging"
    empty = b.post(url, {"v.audit_logging": "", "src.audit_logging": "attested"}, headers=JSON)
    assert empty.status_code == 200 and empty.get_json()["saved"] is False
    assert "audit_logging" not in _stored(app, register.open_id)
    b.post(url, {"v.audit_logging": "no", "src.audit_logging": "attested"}, headers=JSON)
    blank = b.post(url, {"v.audit_logging": ""}, headers=JSON)
    assert blank.status_code == 422
    assert "cannot be left empty" in blank.get_json()["message"]
    assert _stored(app, register.open_id)["audit_logging"] == (False, "attested")


def test_refusals_are_json_with_a_4xx(app, browser, register: Register):
    b = browser("procurement")
    unknown = b.post(f"/assessments/{register.open_id}/answers/no_such_question", {}, headers=JSON)
    assert unknown.status_code == 404 and "no_such_question" in unknown.get_json()["error"]
    missing = b.post("/assessments/999999/answers/audit_logging", {}, headers=JSON)
    assert missing.status_code == 404 and missing.is_json
    decided = b.post(
        f"/assessments/{register.decided_id}/answers/audit_logging",
        {"v.audit_logging": "no", "src.audit_logging": "attested"},
        headers=JSON,
    )
    assert decided.status_code == 422 and decided.is_json
    assert "decided" in decided.get_json()["message"]
    forged = b.client.post(
        f"/assessments/{register.open_id}/answers/audit_logging",
        data={"v.audit_logging": "yes"},
        headers=JSON,
    )
    assert forged.status_code == 400 and "CSRF" in forged.get_json()["message"]
    reader = browser("viewer")
    denied = reader.post(
        f"/assessments/{register.open_id}/answers/audit_logging",
        {"v.audit_logging": "yes", "src.audit_logging": "attested"},
        headers=JSON,
    )
    assert denied.status_code == 403 and denied.is_json
    assert "audit_logging" not in _stored(app, register.open_id)
    signed_out = app.test_client().post(
        f"/assessments/{register.open_id}/answers/audit_logging", data={}, headers=JSON
    )
    assert signed_out.status_code in (400, 401) and signed_out.is_json


def test_saves_of_one_new_question_at_once_all_succeed(app, register: Register):
    """The form's save and its autosave can overlap. Without a lock, two saves that both find
    the question unanswered both insert its row and one fails on the unique key."""
    import threading

    from sqlmodel import Session

    from vetting import auth
    from vetting.schemas import AnswerIn
    from vetting.services import assessments

    start = threading.Barrier(6)
    failures: list[BaseException] = []

    def save(note: str) -> None:
        with Session(app.extensions["vetting.engine"]) as s:
            assessments.get(s, register.open_id)  # the request reads first, as the views do
            start.wait(timeout=10)
            try:
                saved = assessments.answer_each(
                    s,
                    auth.CLI_PRINCIPAL,
                    register.open_id,
                    {"audit_logging": AnswerIn(value="yes", source="attested", note=note)},
                )
                assert saved.refused == ()
            except BaseException as exc:  # reported below, with the others
                failures.append(exc)

    threads = [threading.Thread(target=save, args=(f"save {i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert failures == []
    assert _stored(app, register.open_id)["audit_logging"] == (True, "attested")
