"""Calendar subscriptions (issue 15, item 2): each person makes their own read-only feed URL
— the events their role acts on, optionally only their BAAs — shown once, listed with when it
was last read, revocable; it reads the register and nothing else, and stops with the account."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from tests.web.conftest import ACTOR, Register
from tests.web.html_check import problems
from vetting import db
from vetting.models import ApiToken, User
from vetting.services import accounts

FEED = re.compile(r'id="new-token" class="mono" type="text" readonly value="([^"]+)"')


def new_feed(b, *kinds: str, owner_only: bool = False) -> str:
    data: dict = {"kind": list(kinds)}
    if owner_only:
        data["owner_only"] = "on"
    r = b.post("/calendar/feeds", data)
    assert r.status_code == 200, r.text  # shown in the response itself, never redirected
    return html.unescape(FEED.search(r.text).group(1))


def fetch(client, url: str):
    parts = urlsplit(url)
    return client.get(parts.path + "?" + parts.query)


def test_legal_subscribes_and_the_feed_reads_only_the_register(
    app, client, browser, register: Register
):
    legal = browser("legal")
    page = legal.get("/calendar").text
    assert problems(page) == []
    for kind in ("term_end", "notice_deadline", "terminated"):  # legal acts on every date
        assert re.search(rf'value="{kind}" checked', page), kind
    assert "You have no calendar feed yet" in page
    assert 'href="/calendar"' in legal.get("/baas").text
    url = new_feed(legal, "term_end", "notice_deadline", "terminated")
    query = parse_qs(urlsplit(url).query)
    assert list(query) == ["token"]  # every kind: no filter
    got = fetch(client, url)
    assert got.status_code == 200 and got.mimetype == "text/calendar"
    assert b"Acme Health" in got.data
    secret = query["token"][0]
    bearer = {"Authorization": f"Bearer {secret}"}
    # only in its feed address: not a bearer token, not on another route that takes ?token=
    for path in ("/api/v1/baas", "/api/v1/notifications", "/api/v1/baas.ics"):
        assert client.get(path, headers=bearer).status_code == 401, path
    assert client.get(f"/api/v1/baas?token={secret}").status_code == 401
    listed = legal.get("/calendar").text
    assert "calendar feed · legal@hospital.example" in listed and secret not in listed


def test_the_defaults_follow_the_role_and_the_filters_go_into_the_url(browser, register):
    proc = browser("procurement")
    page = proc.get("/calendar").text
    assert re.search(r'value="term_end" checked', page)
    assert not re.search(r'value="notice_deadline" checked', page)
    url = new_feed(proc, "term_end", "terminated", owner_only=True)
    query = parse_qs(urlsplit(url).query)
    assert query["kind"] == ["term_end,terminated"]
    assert query["owner"] == ["procurement@hospital.example"]


def test_no_event_kind_is_an_error_and_nothing_is_made(app, browser, register):
    b = browser("legal")
    r = b.post("/calendar/feeds", {})
    assert r.status_code == 422 and "choose at least one kind of event" in r.text
    assert problems(r.text) == []
    with app.app_context():
        assert db.session().scalars(select(ApiToken)).all() == []


def test_a_feed_stops_when_revoked_or_when_the_account_is_deactivated(
    app, client, browser, register
):
    legal = browser("legal")
    first = new_feed(legal, "term_end")
    second = new_feed(legal, "terminated")
    with app.app_context():
        ids = [t.id for t in db.session().scalars(select(ApiToken).order_by(ApiToken.id))]
    # someone else cannot revoke it
    assert browser("procurement").post(f"/calendar/feeds/{ids[0]}/revoke").status_code == 404
    assert fetch(client, first).status_code == 200
    done = legal.post(f"/calendar/feeds/{ids[0]}/revoke")
    assert done.status_code == 302
    assert fetch(client, first).status_code == 401
    assert fetch(client, second).status_code == 200
    with app.app_context():
        s = db.session()
        user = s.scalar(select(User).where(User.email == "legal@hospital.example"))
        accounts.update_user(s, ACTOR, user.id, active=False)
    assert fetch(client, second).status_code == 401


def test_at_most_five_feeds_a_person(browser, register):
    b = browser("viewer")
    for _ in range(5):
        new_feed(b, "term_end")
    r = b.post("/calendar/feeds", {"kind": ["term_end"]})
    assert r.status_code == 422 and "revoke one you no longer use" in r.text


def test_without_the_csrf_token_nothing_is_made(app, browser, register):
    b = browser("legal")
    r = b.client.post("/calendar/feeds", data={"kind": ["term_end"]})
    assert r.status_code == 400
    with app.app_context():
        assert db.session().scalars(select(ApiToken)).all() == []
