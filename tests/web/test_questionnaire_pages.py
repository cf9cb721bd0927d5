"""The questionnaire on the assessment pages (issue 13, item 1): download, upload, a review
listing each change before anything is saved, and a confirm that applies exactly the reviewed
file — CSRF on both forms, editors only."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.api.test_questionnaires import fill, rows_by_key, stored
from tests.web.conftest import Register
from tests.web.html_check import problems

PAYLOAD = re.compile(r'name="payload" value="([^"]+)"')


def workbook(b, aid: int) -> bytes:
    r = b.get(f"/assessments/{aid}/questionnaire.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    return r.data


def send(b, aid: int, data: bytes, name: str = "filled.xlsx"):
    return b.post(
        f"/assessments/{aid}/questionnaire",
        {"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_upload_review_then_confirm_imports_exactly_the_reviewed_changes(
    app, browser, register: Register
):
    b = browser("procurement")
    aid = register.open_id
    page = b.get(f"/assessments/{aid}").text
    assert f"/assessments/{aid}/questionnaire.xlsx" in page
    assert f'href="/assessments/{aid}/questionnaire"' in page
    data = fill(workbook(b, aid), {"baa_signed": "Yes", "legal_hold": "N/A"})
    n = rows_by_key(load_workbook(io.BytesIO(data)))["baa_signed"]
    review = send(b, aid, data)
    assert review.status_code == 200, review.text
    assert f"Questions!D{n}" in review.text and "Business Associate Agreement signed" in review.text
    assert "Import these 2 changes" in review.text
    assert problems(review.text) == []
    assert problems(b.get(f"/assessments/{aid}/questionnaire").text) == []
    assert stored(app, aid) == {}  # the review writes nothing
    payload = PAYLOAD.search(review.text).group(1)
    done = b.post(f"/assessments/{aid}/questionnaire/confirm", {"payload": payload})
    assert done.status_code == 302, done.text
    got = stored(app, aid)
    assert (got["baa_signed"].value, got["baa_signed"].source) == (True, "attested")
    assert "2 created" in b.get(f"/assessments/{aid}").text


def test_a_wrong_value_is_shown_with_its_cell_and_nothing_is_offered(browser, register):
    b = browser("procurement")
    aid = register.open_id
    r = send(b, aid, fill(workbook(b, aid), {"baa_signed": "Maybe"}))
    assert r.status_code == 422
    assert "filled.xlsx: Questions!D2: &#39;Maybe&#39; is not one of Yes, No" in r.text
    assert 'name="payload"' not in r.text
    assert problems(r.text) == []


def test_a_changed_or_stale_review_is_refused(app, browser, register):
    b = browser("procurement")
    aid = register.open_id
    review = send(b, aid, fill(workbook(b, aid), {"baa_signed": "Yes"}))
    payload = PAYLOAD.search(review.text).group(1)
    forged = b.post(f"/assessments/{aid}/questionnaire/confirm", {"payload": payload[:-2] + "xx"})
    assert forged.status_code == 400
    # the answer changed after the review: the confirm refuses and asks for a new review
    other = fill(workbook(b, aid), {"baa_signed": "No"})
    confirmed = PAYLOAD.search(send(b, aid, other).text).group(1)
    url = f"/assessments/{aid}/questionnaire/confirm"
    assert b.post(url, {"payload": confirmed}).status_code == 302
    stale = b.post(f"/assessments/{aid}/questionnaire/confirm", {"payload": payload})
    assert stale.status_code == 409 and "changed since this file was reviewed" in stale.text
    assert stored(app, aid)["baa_signed"].value is False


def test_viewers_may_download_but_not_import_and_forms_need_csrf(browser, register):
    aid = register.open_id
    viewer = browser("viewer")
    data = workbook(viewer, aid)
    assert viewer.get(f"/assessments/{aid}/questionnaire").status_code == 403
    assert send(viewer, aid, data).status_code == 403
    b = browser("procurement")
    b.token = "forged"
    assert send(b, aid, data).status_code == 400


def test_a_vendor_page_offers_the_questionnaire_before_any_assessment(browser, register):
    b = browser("procurement")
    page = b.get(f"/vendors/{register.vendor_id}").text
    assert f'action="/vendors/{register.vendor_id}/questionnaire.xlsx"' in page
    assert problems(page) == []
    r = b.get(f"/vendors/{register.vendor_id}/questionnaire.xlsx?checklist=clinical-photo")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    meta = load_workbook(io.BytesIO(r.data))["_meta"]
    found = {row[0].value: row[1].value for row in meta.iter_rows() if row[0].value}
    assert found["vendor_id"] == str(register.vendor_id)
    assert (
        b.get(f"/vendors/{register.vendor_id}/questionnaire.xlsx?checklist=nope").status_code == 404
    )
