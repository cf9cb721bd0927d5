"""Sign-in, sessions, CSRF, throttling and the security headers every response carries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from tests.web.conftest import PASSWORD, Browser, csrf_token
from vetting import clock, db
from vetting.app import create_app
from vetting.models import AuditEvent, LoginAttempt, User


def test_pages_send_a_signed_out_visitor_to_the_login_page(client):
    resp = client.get("/apps?q=acme")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login?next=")
    assert "/apps" in resp.headers["Location"]


def test_login_page_carries_the_security_headers(client):
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    assert resp.headers["Cache-Control"] == "no-store"


def test_api_responses_carry_the_security_headers_too(client, admin):
    resp = client.get("/api/v1/vendors", headers=admin)
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]


def test_sign_in_lands_on_the_page_asked_for(app, make_user):
    b = Browser(app.test_client())
    email = make_user("viewer")
    page = b.client.get("/login?next=/apps%3Fq%3Dacme")
    assert 'value="/apps?q=acme"' in page.text
    resp = b.client.post(
        "/login",
        data={
            "csrf_token": csrf_token(page.text),
            "email": email.upper(),
            "password": PASSWORD,
            "next": "/apps?q=acme",
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/apps?q=acme"


def sign_in_then(app, make_user, target: str):
    """Sign in with `next` set to `target`; the response (a redirect)."""
    b = Browser(app.test_client())
    email = make_user("viewer")
    page = b.client.get("/login")
    return b.client.post(
        "/login",
        data={
            "csrf_token": csrf_token(page.text),
            "email": email,
            "password": PASSWORD,
            "next": target,
        },
    )


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example/",  # a browser drops the tab: //evil.example/
        "/%09/evil.example/",
        "/%0a/evil.example/",
        "/\r\nSet-Cookie: x=1",  # a header break was a 500 that still set the cookie
        "/%2F%2Fevil.example",
        "/%252F%252Fevil.example",  # encoded twice
        "/%5Cevil.example",
        " //evil.example",
        "javascript:alert(1)",
        "/\x00",
    ],
)
def test_sign_in_never_redirects_off_site(app, make_user, target):
    resp = sign_in_then(app, make_user, target)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/apps?q=acme%20health", "/baas?filter=expiring#top"])
def test_sign_in_keeps_a_same_site_path(app, make_user, target):
    resp = sign_in_then(app, make_user, target)
    assert resp.headers["Location"] == target


def test_wrong_password_shows_a_message_and_keeps_the_email_not_the_password(app, make_user):
    b = Browser(app.test_client())
    email = make_user("legal")
    resp = b.login(email, "not the password at all")
    assert resp.status_code == 401
    assert "email or password is wrong" in resp.text
    assert f'value="{email}"' in resp.text
    assert "not the password at all" not in resp.text


def test_a_disabled_account_cannot_sign_in_and_its_session_ends(app, browser):
    b = browser("procurement")
    assert b.get("/vendors").status_code == 200
    with app.app_context():
        from vetting.models import User

        user = db.session().scalar(select(User).where(User.email == "procurement@hospital.example"))
        user.active = False
        db.session().commit()
    assert b.get("/vendors").status_code == 302
    assert b.login("procurement@hospital.example").status_code == 401


def test_five_failures_for_an_email_make_the_sixth_attempt_wait(app, make_user):
    b = Browser(app.test_client())
    email = make_user("legal")
    for _ in range(5):
        assert b.login(email, "wrong password!!").status_code == 401
    resp = b.login(email)  # even the right password waits
    assert resp.status_code == 429
    assert "too many failed sign-in attempts; wait 1 minute and try again" in resp.text
    with clock.travel(clock.now() + timedelta(minutes=1, seconds=1)):
        assert b.login(email).status_code == 302


def test_failures_from_one_address_across_emails_are_throttled(app, make_user):
    b = Browser(app.test_client())
    email = make_user("viewer")
    for i in range(20):
        b.login(f"nobody{i}@hospital.example", "wrong password!!")
    assert b.login(email).status_code == 429


def test_a_success_resets_the_count_for_that_email(app, make_user):
    b = Browser(app.test_client())
    email = make_user("viewer")
    for _ in range(4):
        b.login(email, "wrong password!!")
    assert b.login(email).status_code == 302
    b.client.post("/logout", data={"csrf_token": b.token})
    for _ in range(4):
        assert b.login(email, "wrong password!!").status_code == 401
    assert b.login(email).status_code == 302


def test_attempts_are_recorded_and_a_sign_in_is_audited(app, make_user):
    b = Browser(app.test_client())
    email = make_user("it")
    b.login(email, "wrong password!!")
    b.login(email)
    with app.app_context():
        s = db.session()
        attempts = s.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
        assert [a.success for a in attempts] == [False, True]
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "user.login")) is not None


def test_logout_is_a_post_with_csrf_and_ends_the_session(browser):
    b = browser("viewer")
    assert b.get("/logout").status_code == 405
    assert b.client.post("/logout").status_code == 400  # no CSRF token
    assert b.get("/").status_code == 200
    resp = b.post("/logout")
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    assert b.get("/").status_code == 302


def test_a_form_without_a_csrf_token_is_refused_with_a_page(browser):
    b = browser("procurement")
    resp = b.client.post("/vendors/new", data={"name": "Forged Health"})
    assert resp.status_code == 400
    assert "CSRF" in resp.text and "<h1>" in resp.text
    resp = b.client.post("/vendors/new", data={"name": "Forged Health", "csrf_token": "bogus"})
    assert resp.status_code == 400
    assert "Forged Health" not in b.get("/vendors").text


def test_the_api_needs_no_csrf_token_with_a_bearer_token(client, admin):
    resp = client.post("/api/v1/vendors", json={"name": "Api Health"}, headers=admin)
    assert resp.status_code == 201


def served(database_url, tmp_path, **env: str):
    """An app as served (not in testing mode), with these settings."""
    return create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "AUDIT_KEY": "test-audit-key",
            "INSTANCE_PATH": tmp_path / "served",
            "ENV": env,
        }
    )


def test_session_cookie_is_httponly_lax_and_secure_whatever_the_host(database_url, tmp_path):
    """The Secure flag is a setting, not a guess from the Host header a client sends (a
    request naming 127.0.0.1 got a cookie without it)."""
    app = served(database_url, tmp_path)
    for base in (
        "https://vetting.hospital.example",
        "http://vetting.hospital.example",
        "http://127.0.0.1:5000",
        "http://localhost",
    ):
        cookie = app.test_client().get("/login", base_url=base).headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" in cookie, (base, cookie)


def test_the_secure_flag_can_be_turned_off_by_setting_only(database_url, tmp_path):
    app = served(database_url, tmp_path, VETTING_SECURE_COOKIES="off")
    cookie = app.test_client().get("/login", base_url="https://x.example").headers["Set-Cookie"]
    assert "Secure" not in cookie and "HttpOnly" in cookie


def test_sign_in_over_https_works_with_the_same_origin_referer(app, make_user):
    email = make_user("viewer")
    app.testing = False
    try:
        base = "https://vetting.hospital.example"
        c = app.test_client()
        page = c.get("/login", base_url=base)
        resp = c.post(
            "/login",
            base_url=base,
            headers={"Referer": f"{base}/login"},
            data={"csrf_token": csrf_token(page.text), "email": email, "password": PASSWORD},
        )
        assert resp.status_code == 302
    finally:
        app.testing = True


def test_static_files_are_served_locally(client):
    for name in ("app.css", "print.css", "app.js", "favicon.svg"):
        assert client.get(f"/ui/static/{name}").status_code == 200


def test_every_page_and_action_outside_sign_in_names_the_scope_it_needs(app):
    """Signing in is not enough: each UI view declares its scope with @requires, so a view
    added without one fails here rather than being open to every role."""
    web = {
        name
        for name, bp in app.blueprints.items()
        if bp.import_name.startswith("vetting.web.") and name not in ("auth", "ui")
    }
    endpoints = [r.endpoint for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in web]
    assert len(endpoints) > 30
    missing = [e for e in endpoints if not hasattr(app.view_functions[e], "required_scope")]
    assert missing == []


def test_the_admin_page_shows_the_wait_and_unlocks(app, browser, make_user):
    admin = browser("admin")
    email = make_user("viewer")
    b = Browser(app.test_client())
    for _ in range(5):
        b.login(email, "wrong password!!")
    page = admin.get("/admin").text
    assert "sign-in waits until" in page
    with Session(app.extensions["vetting.engine"]) as own:
        uid = own.scalar(select(User.id).where(User.email == email))
    resp = admin.post(f"/admin/users/{uid}/unlock", follow_redirects=True)
    assert "may sign in again" in resp.text and "sign-in waits until" not in resp.text
    assert b.login(email).status_code == 302
    assert admin.post("/admin/users/99999/unlock").status_code == 404
    assert browser("it").post(f"/admin/users/{uid}/unlock").status_code == 403


def test_the_login_form_says_what_is_missing_and_how_long_to_wait(app, make_user):
    b = Browser(app.test_client())
    email = make_user("viewer")
    resp = b.login("", "")
    assert resp.status_code == 422 and "is required" in resp.text
    resp = b.login(email, "p" * 5000)
    assert resp.status_code == 422 and "too long" in resp.text
    for _ in range(5):
        b.login(email, "wrong password!!")
    resp = b.login(email)
    assert resp.status_code == 429 and "wait 1 minute and try again" in resp.text
