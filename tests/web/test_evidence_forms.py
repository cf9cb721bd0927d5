"""Evidence on the answer form and the scorecard (issue #10, item 2), through the Flask test
client: a file input per capability (CSRF-protected, kept or refused with its answer), the
evidence figure, "verified — no evidence attached", downloads, and the comparison page."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from sqlalchemy import func, select

from tests.web.conftest import Register
from vetting import db
from vetting.models import Answer, AnswerEvidence

# What a reviewer attaches: a photo of the signed signature page, and a note from a call.
SIGNATURE_PAGE = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(64)
CALL_NOTES = b"Call with Borealis CISO, 3 Nov: AES-256 at rest, keys in AWS KMS.\n"


def count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model)) or 0


def stored(app) -> list[str]:
    folder = Path(app.instance_path) / "documents"
    return sorted(n for n in os.listdir(folder)) if folder.exists() else []


def text(resp) -> str:
    return resp.get_data(as_text=True)


def test_the_answer_form_uploads_evidence_with_the_answers(app, store, browser, register: Register):
    b = browser("procurement")
    form = text(b.get(f"/assessments/{register.open_id}/answers"))
    assert 'enctype="multipart/form-data"' in form
    assert 'type="file" id="f-evf-baa_signed" name="evf.baa_signed"' in form
    resp = b.post(
        f"/assessments/{register.open_id}/answers",
        {
            "v.baa_signed": "yes",
            "src.baa_signed": "verified",
            "evf.baa_signed": (io.BytesIO(SIGNATURE_PAGE), "signature page.jpg"),
            "v.encryption_at_rest": "yes",
            "src.encryption_at_rest": "verified",
            "evf.encryption_at_rest": (io.BytesIO(CALL_NOTES), "ciso call.txt"),
            "v.tls_in_transit": "yes",
            "src.tls_in_transit": "attested",
            "then": "scorecard",
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, text(resp)
    card = text(b.get(resp.headers["Location"]))
    assert "Saved 3 answers and 2 evidence files" in card
    assert re.search(r"Evidence: \d+% verified, \d+% attested, \d+% unanswered", card)
    assert "signature page.jpg" in card and "ciso call.txt" in card
    assert count(app, AnswerEvidence) == 2 and len(store.names()) == 2

    with app.app_context():
        photo_id = db.session().scalar(select(func.min(AnswerEvidence.id)))
    link = f"/assessments/{register.open_id}/evidence/{photo_id}"
    assert link in card
    got = b.get(link)
    assert got.status_code == 200 and got.data == SIGNATURE_PAGE
    assert got.mimetype == "image/jpeg"
    assert got.headers["Content-Disposition"] == 'attachment; filename="signature page.jpg"'
    assert got.headers["X-Content-Type-Options"] == "nosniff"

    # Saving again without choosing the file keeps it: the answer is still verified.
    again = b.post(
        f"/assessments/{register.open_id}/answers",
        {
            "v.baa_signed": "yes",
            "src.baa_signed": "verified",
            "note.baa_signed": "re-read",
            "v.encryption_at_rest": "yes",
            "src.encryption_at_rest": "verified",
            "v.tls_in_transit": "yes",
            "src.tls_in_transit": "attested",
        },
        content_type="multipart/form-data",
    )
    assert again.status_code == 302, text(again)
    assert count(app, AnswerEvidence) == 2


def test_verified_without_evidence_refuses_only_that_question(app, browser, register: Register):
    b = browser("procurement")
    before = (count(app, Answer), count(app, AnswerEvidence))
    resp = b.post(
        f"/assessments/{register.open_id}/answers",
        {
            "v.baa_signed": "yes",
            "src.baa_signed": "verified",
            "evf.baa_signed": (io.BytesIO(SIGNATURE_PAGE), "page.jpg"),
            "v.encryption_at_rest": "yes",
            "src.encryption_at_rest": "verified",  # neither a URL nor a file
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    page = text(resp)
    assert "a verified answer needs evidence" in page
    assert 'id="f-ev-encryption_at_rest-error"' in page
    # The good question was kept with its file; the refused one wrote nothing.
    assert (count(app, Answer), count(app, AnswerEvidence)) == (before[0] + 1, before[1] + 1)
    assert len(stored(app)) == 1 and "page.jpg" in page


def test_a_refused_question_keeps_none_of_its_files(app, browser, register: Register):
    """The careless case: the file of a question refused for its answer must not be kept
    (nor its bytes in the store), and the person is told to choose it again."""
    b = browser("procurement")
    resp = b.post(
        f"/assessments/{register.open_id}/answers",
        {
            "v.breach_notification_days": "72 minutes",  # refused
            "src.breach_notification_days": "verified",
            "evf.breach_notification_days": (io.BytesIO(CALL_NOTES), "call.txt"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    page = text(resp)
    assert "expects a number of days" in page
    assert "choose the file again" in page
    assert count(app, AnswerEvidence) == 0 and stored(app) == []


def test_a_refused_file_is_named_on_its_capability(app, browser, register: Register):
    b = browser("procurement")
    resp = b.post(
        f"/assessments/{register.open_id}/answers",
        {
            "v.audit_logging": "yes",
            "src.audit_logging": "verified",
            "evf.audit_logging": (io.BytesIO(b"GIF89a" + bytes(30)), "siem.gif"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    page = text(resp)
    assert 'id="f-evf-audit_logging-error"' in page
    assert "is not a PDF, a PNG image, a JPEG image" in page
    assert count(app, AnswerEvidence) == 0 and stored(app) == []


def test_the_upload_needs_the_csrf_token(app, browser, register: Register):
    b = browser("procurement")
    resp = b.client.post(
        f"/assessments/{register.open_id}/answers",
        data={
            "v.baa_signed": "yes",
            "src.baa_signed": "verified",
            "evf.baa_signed": (io.BytesIO(SIGNATURE_PAGE), "page.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    assert count(app, AnswerEvidence) == 0 and stored(app) == []


def test_older_verified_answers_without_evidence_still_show(app, browser, register: Register):
    with app.app_context():
        s = db.session()
        row = s.scalar(
            select(Answer).where(
                Answer.assessment_id == register.decided_id,
                Answer.capability_key == "encryption_at_rest",
            )
        )
        assert row is not None
        row.evidence_url = None
        s.commit()
    b = browser("viewer")
    card = b.get(f"/assessments/{register.decided_id}")
    assert card.status_code == 200
    assert "verified — no evidence attached" in text(card)
    assert "Evidence: " in text(card)


def test_the_comparison_shows_tiers_and_evidence(app, browser, register: Register):
    b = browser("viewer")
    b2 = browser("procurement")
    b2.post(
        f"/assessments/{register.open_id}/answers",
        {"v.baa_signed": "yes", "src.baa_signed": "attested"},
        content_type="multipart/form-data",
    )
    page = text(
        b.get(
            "/compare",
            query_string={
                "checklist": "clinical-photo",
                "app": [register.app_id, register.open_app_id],
            },
        )
    )
    assert "Must-have" not in page
    assert '<span class="tier tier-gate">Gate</span>' in page
    assert '<span class="tier tier-required">Required</span>' in page
    assert re.search(r"<th scope=\"row\">Evidence</th>\s*<td>100% verified", page)
