"""The BAA page shows the terms read from the signed document with their quotes; legal
accepts or dismisses each; a document with no readable text says why no terms were read."""

from __future__ import annotations

import re
from html import unescape
from io import BytesIO

from tests.agreement_files import pdf_with_text, pdf_without_text
from tests.web.conftest import Register
from tests.web.html_check import problems
from vetting import db
from vetting.core.breach import clause_from
from vetting.models import BAA

TEXT = (
    "Business Associate shall notify Covered Entity of any Breach of Unsecured PHI within ten "
    "(10) days after discovery.\n\nExhibit C. Business Associate shall report each Breach to "
    "Covered Entity no later than fifteen (15) days after it learns of the Breach.\n\nBusiness "
    "Associate shall report any Security Incident to Covered Entity within 5 business days."
)


def txt(resp) -> str:
    return re.sub(r"\s+", " ", unescape(resp.get_data(as_text=True)))


def attach(browser, baa_id: int, data: bytes, name: str):
    return browser.post(
        f"/baas/{baa_id}/document",
        {"file": (BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_terms_are_shown_with_quotes_and_conflicts_and_legal_accepts_one(
    app, browser, register: Register
):
    legal = browser("legal")
    url = f"/baas/{register.baa_id}"
    assert attach(legal, register.baa_id, pdf_with_text([TEXT]), "signed.pdf").status_code == 302
    html = legal.get(url).text
    assert problems(html) == []
    page = txt(legal.get(url))
    assert "Terms read from the signed document" in page
    assert "Conflict (breach notification)" in page
    assert "within ten (10) days after discovery" in page
    assert "fifteen (15) days" in page
    assert "15 calendar days from discovery" in page  # the worst case is suggested
    assert (
        "Security-incident reporting (separate from breaches): 5 business days (7 calendar "
        "days at worst)" in page
    )
    m = re.search(rf'action="({url}/terms/(\d+)/accept)"', legal.get(url).text)
    assert m
    resp = legal.post(m.group(1))
    assert resp.status_code == 302
    assert "Accepted: Breach-notification clause" in txt(legal.get(url))
    with app.app_context():
        clause = clause_from(db.session().get(BAA, register.baa_id))
        assert clause is not None and clause["value"] == 15 and "learns of" in clause["quote"]
    again = legal.post(m.group(1))  # already accepted: said on the page, nothing changes
    assert again.status_code == 302 and "already accepted" in txt(legal.get(url))


def test_a_viewer_sees_the_terms_but_cannot_decide(app, browser, register: Register):
    legal = browser("legal")
    attach(legal, register.baa_id, pdf_with_text([TEXT]), "signed.pdf")
    viewer = browser("viewer")
    page = viewer.get(f"/baas/{register.baa_id}")
    assert "within ten (10) days" in txt(page) and "/terms/" not in page.text
    m = re.search(r"/terms/(\d+)/accept", legal.get(f"/baas/{register.baa_id}").text)
    assert m
    resp = viewer.post(f"/baas/{register.baa_id}/terms/{m.group(1)}/accept")
    assert resp.status_code == 403


def test_a_scan_is_attached_and_the_page_says_why_no_terms_were_read(browser, register: Register):
    legal = browser("legal")
    assert attach(legal, register.baa_id, pdf_without_text(), "scan.pdf").status_code == 302
    page = txt(legal.get(f"/baas/{register.baa_id}"))
    assert "scan.pdf" in page
    assert "No terms were read: the document has no text layer: OCR it first" in page


def test_an_unknown_suggestion_is_404(browser, register: Register):
    legal = browser("legal")
    assert legal.post(f"/baas/{register.baa_id}/terms/999999/dismiss").status_code == 404
