"""The suggested-answers page: upload a vendor's CAIQ from the scorecard's link, review current
→ proposed with the vendor's words, accept the chosen ones or dismiss them; CSRF and roles."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from tests import questionnaire_books as books
from tests.web.conftest import Register, csrf_token
from vetting import db
from vetting.models import Answer, AnswerSuggestion

CAIQ = {
    "UEM-13.1": ("Yes", "Phones are wiped <remotely>", "CSC-owned"),
    "CEK-03.1": ("Yes", "AES-256 at rest"),
}


def text(resp) -> str:  # type: ignore[no-untyped-def]
    return resp.get_data(as_text=True)


def count(app, model) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model)) or 0


def ids(html: str) -> list[str]:
    return re.findall(r'name="ids" value="(\d+)"', html)


def send(b, aid: int, data: bytes, name: str = "acme-caiq.xlsx"):  # type: ignore[no-untyped-def]
    return b.post(
        f"/assessments/{aid}/questionnaires",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_upload_review_and_accept_from_the_scorecard(app, browser, register: Register) -> None:  # type: ignore[no-untyped-def]
    b = browser("procurement")
    aid = register.open_id
    card = text(b.get(f"/assessments/{aid}"))
    assert f'href="/assessments/{aid}/suggestions"' in card
    assert "Read a vendor's CAIQ or HECVAT" in card
    resp = send(b, aid, books.caiq(CAIQ))
    assert resp.status_code == 302 and resp.headers["Location"].endswith(
        f"/assessments/{aid}/suggestions"
    )
    page = text(b.get(f"/assessments/{aid}/suggestions"))
    assert "3 suggestions to review" in page and "Left unanswered:" in page
    assert "UEM-13.1" in page and "CAIQv4.0.3!C5" in page
    assert "Phones are wiped &lt;remotely&gt;" in page  # the vendor's words, escaped
    assert "customer must configure it" in page
    assert "Review 3 suggested answers" in text(b.get(f"/assessments/{aid}"))
    chosen = ids(page)
    assert len(chosen) == 3
    resp = b.post(f"/assessments/{aid}/suggestions", data={"ids": chosen[:1], "action": "accept"})
    assert resp.status_code == 302
    assert "Accepted 1 suggestion." in text(b.get(f"/assessments/{aid}/suggestions"))
    assert count(app, Answer) > 0
    with app.app_context():
        s = db.session()
        accepted = s.scalars(
            select(AnswerSuggestion).where(AnswerSuggestion.status == "accepted")
        ).one()
        answer = s.scalars(
            select(Answer).where(
                Answer.assessment_id == aid, Answer.capability_key == accepted.capability_key
            )
        ).one()
        assert answer.source == "attested" and answer.note == accepted.note
    resp = b.post(f"/assessments/{aid}/suggestions", data={"ids": chosen[1:], "action": "dismiss"})
    assert resp.status_code == 302
    assert "No suggestion is waiting." in text(b.get(f"/assessments/{aid}/suggestions"))


def test_a_persons_answer_is_shown_and_not_chosen_by_default(
    app, browser, register: Register
) -> None:  # type: ignore[no-untyped-def]
    b = browser("procurement")
    aid = register.open_id
    with app.app_context():
        from vetting import auth
        from vetting.schemas import AnswerIn
        from vetting.services import assessments

        assessments.answer(
            db.session(),
            auth.CLI_PRINCIPAL,
            aid,
            "remote_wipe",
            AnswerIn(value=False, source="attested"),
        )
    send(b, aid, books.caiq(CAIQ))
    page = text(b.get(f"/assessments/{aid}/suggestions"))
    assert "replaces a person&#39;s answer" in page or "replaces a person's answer" in page
    boxes = re.findall(r'<input type="checkbox" name="ids" value="\d+"[^>]*>', page)
    assert sum("checked" in box for box in boxes) == 2  # the override starts unchosen


def test_a_bad_file_is_shown_on_the_page_and_nothing_is_recorded(
    app, browser, register: Register
) -> None:  # type: ignore[no-untyped-def]
    b = browser("procurement")
    resp = send(b, register.open_id, books.caiq(CAIQ, version="v3.1"), "old.xlsx")
    assert resp.status_code == 422
    assert "CAIQ version v3.1 is not supported (supported: 4.0.x)" in text(resp)
    resp = b.post(f"/assessments/{register.open_id}/suggestions", data={"action": "accept"})
    assert resp.status_code == 422 and "choose at least one suggestion" in text(resp)
    assert count(app, AnswerSuggestion) == 0


def test_csrf_and_roles(app, browser, register: Register) -> None:  # type: ignore[no-untyped-def]
    b = browser("procurement")
    resp = b.client.post(
        f"/assessments/{register.open_id}/questionnaires",
        data={"file": (io.BytesIO(books.caiq(CAIQ)), "a.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400 and count(app, AnswerSuggestion) == 0
    viewer = browser("viewer")
    page = viewer.get(f"/assessments/{register.open_id}/suggestions")
    assert page.status_code == 200 and "Read it" not in text(page)
    assert csrf_token(text(page))  # the page still carries the token (the nav's sign-out)
    assert send(viewer, register.open_id, books.caiq(CAIQ)).status_code == 403
    resp = viewer.post(
        f"/assessments/{register.open_id}/suggestions", data={"ids": ["1"], "action": "accept"}
    )
    assert resp.status_code == 403


def test_procurement_makes_and_revokes_an_answer_link_on_the_page(
    app, browser, register: Register
) -> None:  # type: ignore[no-untyped-def]
    b = browser("procurement")
    aid = register.open_id
    resp = b.post(
        f"/assessments/{aid}/answer-links",
        data={"days": "10", "recipient_email": "sec@vendor.example", "single_use": "on"},
    )
    assert resp.status_code == 200
    url = re.search(r"<code>(http://[^<]+/answer/[^<]+)</code>", text(resp))
    assert url is not None and "copy it now" in text(resp)
    path = "/" + url.group(1).split("://", 1)[1].split("/", 1)[1]
    assert app.test_client().get(path).status_code == 200
    page = text(b.get(f"/assessments/{aid}/suggestions"))
    assert "sec@vendor.example" in page and url.group(1) not in page  # shown once
    link_id = re.search(r"/answer-links/(\d+)/revoke", page)
    assert link_id is not None
    assert b.post(f"/answer-links/{link_id.group(1)}/revoke").status_code == 302
    assert app.test_client().get(path).status_code == 404
    bad = b.post(f"/assessments/{aid}/answer-links", data={"days": "500"})
    assert bad.status_code == 422 and "1 to 90 days" in text(bad)
    viewer = browser("viewer")
    assert viewer.post(f"/assessments/{aid}/answer-links", data={"days": "5"}).status_code == 403


def test_the_pages_validate(app, browser, register: Register) -> None:  # type: ignore[no-untyped-def]
    from tests.web.html_check import problems

    b = browser("procurement")
    aid = register.open_id
    send(b, aid, books.caiq(CAIQ))
    made = b.post(f"/assessments/{aid}/answer-links", data={"days": "5", "single_use": "on"})
    assert problems(text(made)) == []
    assert problems(text(b.get(f"/assessments/{aid}/suggestions"))) == []
    url = re.search(r"<code>(http://[^<]+/answer/[^<]+)</code>", text(made))
    assert url is not None
    vendor_page = app.test_client().get("/" + url.group(1).split("://", 1)[1].split("/", 1)[1])
    assert problems(text(vendor_page)) == []
