"""Web sessions kept in the database: a copied cookie dies with sign-out, a new password, a
role change and disabling; administrators see and end sessions; idle and absolute timeouts;
the last request is written at most once a minute."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlmodel import Session

from tests.cli.helpers import clean_error, invoke, ok
from tests.web.conftest import ACTOR, PASSWORD, Browser
from vetting import clock, db
from vetting.models import AuditEvent, User, WebSession
from vetting.services import accounts


def copy_of(app: Flask, b: Browser) -> Browser:
    """Another client holding the same session cookie (a stolen or copied cookie)."""
    thief = Browser(app.test_client())
    cookie = b.client.get_cookie("session")
    assert cookie is not None
    thief.client.set_cookie("session", cookie.value)
    thief.token = b.token
    return thief


def rows(app: Flask) -> list[WebSession]:
    with Session(app.extensions["vetting.engine"]) as s:
        return list(s.scalars(select(WebSession).order_by(WebSession.id)).all())


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        found = db.session().scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


def audited(app: Flask, action: str) -> list[AuditEvent]:
    with Session(app.extensions["vetting.engine"]) as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_cookie_holds_an_opaque_token_stored_only_as_its_hash(app, browser):
    b = browser("viewer")
    [row] = rows(app)
    assert row.ended_at is None and row.user_agent is not None and row.ip
    with b.client.session_transaction() as sess:
        token = sess["sid"]
        assert "uid" not in sess and "since" not in sess
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, browser):
    b = browser("viewer")
    thief = copy_of(app, b)
    assert thief.get("/vendors").status_code == 200
    assert b.post("/logout").status_code == 302
    resp = thief.get("/vendors")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    [row] = rows(app)
    assert row.ended_at is not None and row.end_reason == "signed out"


def test_sign_out_ends_every_session_of_the_user(app, make_user):
    email = make_user("legal")
    first, second = Browser(app.test_client()), Browser(app.test_client())
    assert first.login(email).status_code == 302 and second.login(email).status_code == 302
    first.post("/logout")
    assert second.get("/").status_code == 302
    assert all(r.ended_at is not None for r in rows(app))


def test_csrf_keeps_working_across_a_fresh_sign_in(app, make_user):
    """The sign-in form's CSRF token belongs to the session before sign-in; the pages after it
    carry a new one that the forms accept, and the old one no longer works."""
    b = Browser(app.test_client())
    email = make_user("procurement")
    before = b.client.get("/login")
    from tests.web.conftest import csrf_token

    old = csrf_token(before.text)
    assert b.login(email).status_code == 302
    assert b.token and b.token != old
    assert b.post("/vendors/new", {"name": "Fresh Health"}).status_code == 302
    refused = b.client.post("/vendors/new", data={"name": "Old Health", "csrf_token": old})
    assert refused.status_code == 400


def test_a_new_password_ends_every_session(app, browser, runner):
    b = browser("legal")
    thief = copy_of(app, b)
    r = invoke(runner, "users", "set-password", "legal@hospital.example", "--password", "x" * 14)
    assert "sessions ended" in ok(r)
    assert b.get("/").status_code == 302 and thief.get("/").status_code == 302
    assert rows(app)[0].end_reason == "password changed"
    assert Browser(app.test_client()).login("legal@hospital.example", PASSWORD).status_code == 401
    assert Browser(app.test_client()).login("legal@hospital.example", "x" * 14).status_code == 302
    assert len(audited(app, "user.password")) == 1


def test_a_short_new_password_is_refused_cleanly(app, make_user, runner):
    make_user("viewer")
    clean_error(
        invoke(runner, "users", "set-password", "viewer@hospital.example", "--password", "short"),
        "at least 12",
    )
    clean_error(
        invoke(runner, "users", "set-password", "nobody@x.example", "--password", "y" * 14),
        "no user",
    )


def test_a_role_change_ends_the_users_sessions_but_not_the_admins(app, browser):
    admin = browser("admin")
    b = browser("procurement")
    uid = user_id(app, "procurement@hospital.example")
    assert admin.post(f"/admin/users/{uid}", {"role": "viewer"}).status_code == 302
    assert b.get("/").status_code == 302
    assert admin.get("/admin").status_code == 200
    ended = [r for r in rows(app) if r.ended_at is not None]
    assert [r.end_reason for r in ended] == ["role changed"]


def test_setting_the_same_role_again_ends_nothing(app, browser):
    admin = browser("admin")
    b = browser("it")
    uid = user_id(app, "it@hospital.example")
    admin.post(f"/admin/users/{uid}", {"role": "it"})
    assert b.get("/").status_code == 200


def test_disabling_ends_the_users_sessions(app, browser):
    admin = browser("admin")
    b = browser("legal")
    uid = user_id(app, "legal@hospital.example")
    assert admin.post(f"/admin/users/{uid}", {"active": "0"}).status_code == 302
    assert b.get("/").status_code == 302
    # Enabling again does not bring the old session back.
    admin.post(f"/admin/users/{uid}", {"active": "1"})
    assert b.get("/").status_code == 302
    assert [r.end_reason for r in rows(app) if r.ended_at] == ["disabled"]


def test_a_role_change_through_the_service_ends_sessions_too(app, browser):
    b = browser("viewer")
    with app.app_context():
        accounts.update_user(db.session(), ACTOR, user_id(app, "viewer@hospital.example"), "it")
    assert b.get("/").status_code == 302


def test_an_admin_sees_and_ends_one_session_audited(app, browser):
    admin = browser("admin")
    b = browser("viewer")
    page = admin.get("/admin").text
    assert "Signed-in sessions" in page and "viewer@hospital.example" in page
    [row] = [r for r in rows(app) if r.user_id == user_id(app, "viewer@hospital.example")]
    resp = admin.post(f"/admin/sessions/{row.id}/end")
    assert resp.status_code == 302
    assert b.get("/").status_code == 302
    assert admin.get("/").status_code == 200
    [event] = audited(app, "session.end")
    assert event.actor == "admin@hospital.example" and event.after["ip"] == row.ip
    # Ending it again, or one that never existed, is a message, not an error page.
    again = admin.post(f"/admin/sessions/{row.id}/end", follow_redirects=True)
    assert again.status_code == 200 and "already ended" in again.text
    missing = admin.post("/admin/sessions/99999999999/end", follow_redirects=True)
    assert missing.status_code == 200 and "no session" in missing.text


def test_an_admin_ends_every_session_of_a_user(app, browser, make_user):
    admin = browser("admin")
    email = make_user("legal")
    one, two = Browser(app.test_client()), Browser(app.test_client())
    one.login(email)
    two.login(email)
    resp = admin.post(f"/admin/users/{user_id(app, email)}/end-sessions", follow_redirects=True)
    assert "2 sessions ended" in resp.text
    assert one.get("/").status_code == 302 and two.get("/").status_code == 302
    [event] = audited(app, "user.sessions.end")
    assert event.after == {"sessions": 2}


def test_other_roles_cannot_see_or_end_sessions(app, browser):
    b = browser("it")
    [row] = rows(app)
    assert b.get("/admin").status_code == 403
    assert b.post(f"/admin/sessions/{row.id}/end").status_code == 403
    assert b.get("/").status_code == 200


def test_the_cli_lists_and_ends_sessions(app, browser, runner):
    b = browser("viewer")
    listed = ok(invoke(runner, "users", "sessions"))
    [line] = listed.strip().splitlines()
    session_id, email = line.split("\t")[:2]
    assert email == "viewer@hospital.example"
    assert "viewer@hospital.example" in ok(invoke(runner, "users", "sessions", "--json"))
    assert f"session {session_id} ended" in ok(invoke(runner, "users", "end-session", session_id))
    assert b.get("/").status_code == 302
    assert ok(invoke(runner, "users", "sessions")).strip() == ""
    clean_error(invoke(runner, "users", "end-session", session_id), "already ended")
    clean_error(invoke(runner, "users", "end-session", "0"))
    b2 = browser("legal")
    assert "1 session of" in ok(invoke(runner, "users", "end-sessions", "legal@hospital.example"))
    assert b2.get("/").status_code == 302
    clean_error(invoke(runner, "users", "end-sessions", "nobody@x.example"), "no user")


def test_an_idle_session_ends(app, browser):
    b = browser("viewer")
    start = clock.now()
    with clock.travel(start + timedelta(minutes=59)):
        assert b.get("/").status_code == 200  # within the idle limit: it lasts, and is touched
    with clock.travel(start + timedelta(minutes=59 + 59)):
        assert b.get("/").status_code == 200
    with clock.travel(start + timedelta(minutes=59 + 59 + 60)):
        resp = b.get("/vendors")
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    [row] = rows(app)
    assert row.end_reason == "idle"


def test_a_session_ends_after_its_absolute_limit_however_active(app, browser):
    b = browser("viewer")
    start = clock.now()
    for minutes in range(30, 12 * 60, 30):
        with clock.travel(start + timedelta(minutes=minutes)):
            assert b.get("/vendors").status_code == 200, minutes
    with clock.travel(start + timedelta(hours=12)):
        assert b.get("/vendors").status_code == 302
    assert rows(app)[0].end_reason == "expired"


def test_the_timeouts_are_settings(app, make_user, monkeypatch):
    from dataclasses import replace

    from vetting.current import KEY

    settings = app.extensions[KEY]
    monkeypatch.setitem(app.extensions, KEY, replace(settings, session_idle_minutes=5))
    b = Browser(app.test_client())
    b.login(make_user("viewer"))
    with clock.travel(clock.now() + timedelta(minutes=5)):
        assert b.get("/").status_code == 302


def test_the_last_request_is_written_at_most_once_a_minute(app, browser):
    b = browser("viewer")
    start = clock.now()
    writes: list[str] = []
    from sqlalchemy import event

    engine = app.extensions["vetting.engine"]

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE WEB_SESSION"):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with clock.travel(start + timedelta(seconds=30)):
            b.get("/")
            b.get("/vendors")
        assert writes == []
        assert rows(app)[0].last_seen_at == start
        with clock.travel(start + timedelta(seconds=61)):
            b.get("/")
            b.get("/vendors")
        assert len(writes) == 1
        assert rows(app)[0].last_seen_at == start + timedelta(seconds=61)
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_a_forged_or_garbage_cookie_goes_to_the_login_page(app, make_user):
    make_user("viewer")
    c = app.test_client()
    with c.session_transaction() as sess:
        sess["sid"] = "not-a-token"
    assert c.get("/").status_code == 302
    with c.session_transaction() as sess:
        sess["sid"] = {"a": 1}
    assert c.get("/").status_code == 302
    with c.session_transaction() as sess:
        sess["sid"] = "x" * 10_000
    assert c.get("/").status_code == 302
    with c.session_transaction() as sess:
        sess["uid"] = 1  # the old cookie's shape signs no one in
        sess["since"] = clock.now().timestamp()
    assert c.get("/").status_code == 302


def test_old_sessions_are_pruned_at_sign_in(app, browser, make_user):
    b = browser("viewer")
    b.post("/logout")
    later = clock.now() + timedelta(days=8)
    with clock.travel(later):
        Browser(app.test_client()).login(make_user("legal"))
    assert [r.user_id for r in rows(app)] == [user_id(app, "legal@hospital.example")]


def test_an_admin_sets_a_password_from_the_page_and_the_sessions_end(app, browser):
    admin = browser("admin")
    b = browser("viewer")
    uid = user_id(app, "viewer@hospital.example")
    short = admin.post(f"/admin/users/{uid}/password", {"password": "short"}, follow_redirects=True)
    assert short.status_code == 200 and "at least 12 characters" in short.text
    assert b.get("/").status_code == 200
    resp = admin.post(f"/admin/users/{uid}/password", {"password": "a new long password"})
    assert resp.status_code == 302
    assert b.get("/").status_code == 302
    assert admin.get("/").status_code == 200
    fresh = Browser(app.test_client())
    assert fresh.login("viewer@hospital.example", "a new long password").status_code == 302
    assert admin.post("/admin/users/99999/password", {"password": "x" * 20}).status_code == 404


def test_a_password_sign_in_would_refuse_cannot_be_set(app):
    """Sign-in refuses passwords over 1,024 characters, so setting one is refused too."""
    from vetting import auth, db
    from vetting.errors import Invalid
    from vetting.services import accounts

    with app.app_context():
        s = db.session()
        auth.create_user(s, auth.CLI_PRINCIPAL, "long@example.org", "x" * 20, "viewer")
        with pytest.raises(Invalid, match="at most 1024"):
            accounts.set_password(s, auth.CLI_PRINCIPAL, "long@example.org", "x" * 1025)
        with pytest.raises(Invalid, match="at most 1024"):
            auth.create_user(s, auth.CLI_PRINCIPAL, "longer@example.org", "y" * 1025, "viewer")
