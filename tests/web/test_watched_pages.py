"""The vendor page's watched pages: add a URL, fetch it now, see the claims with their quotes,
stop watching; failures flashed and recorded; only writers may change anything."""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape

import pytest
from sqlalchemy import select

from tests.vendor_pages import DENIAL_PAGE, TRUST_PAGE, Site, serve
from tests.web.conftest import Register
from tests.web.html_check import problems
from vetting import db
from vetting.models import WatchedPage
from vetting.services import suggestions


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    yield from serve(monkeypatch)


def test_watch_fetch_show_claims_and_stop(app, browser, register: Register, site: Site) -> None:
    b = browser("procurement")
    vid = register.other_vendor_id  # its app has an open assessment
    url = site.html("/trust", TRUST_PAGE)
    resp = b.post(f"/vendors/{vid}/pages", {"url": url})
    assert resp.status_code == 302
    page = b.get(f"/vendors/{vid}")
    assert f"Watching {url}" in unescape(page.text)
    assert problems(page.text) == []
    with app.app_context():
        pid = db.session().scalars(select(WatchedPage)).one().id
    resp = b.post(f"/vendors/{vid}/pages/{pid}/fetch", {})
    assert resp.status_code == 302
    page = b.get(f"/vendors/{vid}")
    text = unescape(page.text)
    assert "Fetched: 2 claims, 2 new suggestions" in text
    assert "We sign a business associate agreement with every clinic that uses Lumen." in text
    assert "baa_signed" in text and "Supports" in text
    assert problems(page.text) == []
    with app.app_context():
        pending = suggestions.pending(db.session(), register.open_id)
        assert {p.suggestion.capability_key for p in pending} >= {"baa_signed"}
    site.html("/trust", DENIAL_PAGE)
    b.post(f"/vendors/{vid}/pages/{pid}/fetch", {})
    text = unescape(b.get(f"/vendors/{vid}").text)
    assert "Alert: the page now denies baa_signed" in text  # the flash
    assert "found that the page now denies baa_signed" in text  # the alert kept on the page
    site.html("/trust", TRUST_PAGE)
    review = b.get(f"/assessments/{register.open_id}/suggestions")
    shown = unescape(review.text)
    assert "PAGE" in shown and url in shown and "characters " in shown
    assert "We do not sign a business associate agreement" in shown  # replaced the "yes"
    assert problems(review.text) == []
    resp = b.post(f"/vendors/{vid}/pages/{pid}/delete", {})
    assert resp.status_code == 302
    assert "No pages watched." in b.get(f"/vendors/{vid}").text


def test_failures_are_flashed_and_recorded(app, browser, register: Register, site: Site) -> None:
    b = browser("procurement")
    vid = register.other_vendor_id
    b.post(f"/vendors/{vid}/pages", {"url": "javascript:alert(1)"})
    assert "Not watched: must be an http:// or https:// URL" in unescape(
        b.get(f"/vendors/{vid}").text
    )
    url = site.put("/doc", b"%PDF-1.7", Content_Type="application/pdf")
    b.post(f"/vendors/{vid}/pages", {"url": url})
    with app.app_context():
        pid = db.session().scalars(select(WatchedPage)).one().id
    b.post(f"/vendors/{vid}/pages/{pid}/fetch", {})
    text = unescape(b.get(f"/vendors/{vid}").text)
    assert "Fetch failed:" in text and "content type 'application/pdf'" in text
    assert text.count("content type 'application/pdf'") >= 2  # the flash, the page's record


def test_readers_see_the_pages_but_cannot_change_them(app, browser, register: Register, site):
    b = browser("procurement")
    vid = register.other_vendor_id
    b.post(f"/vendors/{vid}/pages", {"url": site.url("/trust")})
    viewer = browser("viewer")
    page = viewer.get(f"/vendors/{vid}")
    assert site.url("/trust") in page.text and "Fetch now" not in page.text
    with app.app_context():
        pid = db.session().scalars(select(WatchedPage)).one().id
    assert viewer.post(f"/vendors/{vid}/pages/{pid}/fetch", {}).status_code == 403
    assert viewer.post(f"/vendors/{vid}/pages", {"url": site.url("/x")}).status_code == 403
