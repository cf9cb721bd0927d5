"""Error pages in the layout (issue 15, item 7): an unknown address, a method a page does not
take and a server bug each get a page with the header and a way on — never Flask's bare text
— while the API keeps answering JSON and a bug's details stay in the log."""

from __future__ import annotations

import logging

import pytest

from tests.web.html_check import problems


def test_an_unknown_page_is_a_404_in_the_layout_with_the_menu(browser):
    b = browser("procurement")
    r = b.get("/allowlist/releases-of-2026")
    assert r.status_code == 404
    assert r.mimetype == "text/html"
    assert "This page does not exist" in r.text
    assert 'href="/vendors"' in r.text  # the signed-in menu is there
    assert problems(r.text) == []
    gone = b.get("/allowlist/releases/999999")  # a known page for something that is not there
    assert gone.status_code == 404 and "no release with id 999999" in gone.text
    assert 'href="/vendors"' in gone.text


def test_an_unknown_page_before_signing_in_is_still_a_page(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert "This page does not exist" in r.get_data(as_text=True)


def test_a_method_not_allowed_keeps_its_allow_header(browser):
    b = browser("procurement")
    r = b.client.delete("/vendors")
    assert r.status_code == 405 and r.mimetype == "text/html"
    assert "GET" in r.headers["Allow"]


def test_the_api_keeps_json_errors(client, admin):
    r = client.get("/api/v1/no-such-thing", headers=admin)
    assert r.status_code == 404 and r.mimetype == "application/json"
    assert r.get_json()["errors"][0]["field"] is None


@pytest.fixture
def broken(app):
    """A page with a bug in it, added for the test."""

    @app.get("/broken-for-test")
    def broken_for_test():  # pragma: no cover - the body is the bug
        raise RuntimeError("secret detail that must not reach the page")

    return "/broken-for-test"


def test_a_bug_is_a_500_page_that_hides_the_details_and_logs_them(client, broken, caplog):
    with caplog.at_level(logging.ERROR):
        r = client.get(broken)
    assert r.status_code == 500 and r.mimetype == "text/html"
    text = r.get_data(as_text=True)
    assert "Something went wrong on our side" in text
    assert "secret detail" not in text and "Traceback" not in text
    assert "secret detail that must not reach the page" in caplog.text
