"""Server-rendered pages (Flask + Jinja): sign-in, dashboard, vendors, apps, assessments,
comparison, BAA register, approved list, audit log, admin.

Works on a locked-down network: no CDN, fonts or scripts from elsewhere, no inline script or
style (the Content-Security-Policy forbids them), one small static stylesheet.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Flask, Response, current_app, g, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFProtect, generate_csrf
from werkzeug.exceptions import HTTPException

from vetting import db
from vetting.api import http_error as api_http_error
from vetting.api import unexpected as api_unexpected
from vetting.auth import principal_for_user
from vetting.current import settings_of
from vetting.web import format as fmt
from vetting.web.base import error_page, signed_in

csrf = CSRFProtect()
# Templates and static files of the whole UI (the area blueprints carry only routes).
ui = Blueprint("ui", __name__, template_folder="templates", static_folder="static")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SessionCookies(SecureCookieSessionInterface):
    """Signed session cookies: HttpOnly, SameSite=Lax, and Secure as VETTING_SECURE_COOKIES
    says (on by default; off only for `vetting demo --serve`, plain http on loopback, and for
    tests) — never from the request's Host header, which a client chooses."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE", True))


def init_app(app: Flask) -> None:
    from vetting.api import bp as api_bp
    from vetting.web import (
        admin,
        allowlist,
        answer_links,
        apps,
        assessments,
        audit,
        auth,
        baas,
        calendar,
        channels,
        compare,
        dashboard,
        imports,
        notifications,
        questionnaires,
        suggestions,
        targets,
        vendors,
    )

    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the whole signed-in session
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SECURE"] = settings_of(app).secure_cookies and not app.testing
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.session_interface = SessionCookies()
    csrf.init_app(app)
    csrf.exempt(api_bp)  # bearer tokens, no cookies: nothing for a forged form to ride on

    app.register_blueprint(ui, url_prefix="/ui")
    for module in (
        auth,
        answer_links,
        dashboard,
        vendors,
        apps,
        assessments,
        suggestions,
        questionnaires,
        compare,
        baas,
        calendar,
        allowlist,
        audit,
        admin,
        channels,
        imports,
        notifications,
        targets,
    ):
        app.register_blueprint(module.bp)

    from vetting.queries.audit_log import changes

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        csrf_token=generate_csrf,
        fmt=fmt,
        can=_can,
        today=_today,
        audit_changes=changes,
        inbox_unread=_inbox_unread,
    )
    app.jinja_env.filters.update(
        date=fmt.date_, datetime=fmt.datetime_, days=fmt.days, value=fmt.value, num=fmt.num
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    app.register_error_handler(HTTPException, _http_error_page)
    app.register_error_handler(Exception, _internal_error_page)

    @app.after_request
    def _security_headers(resp: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            resp.headers.setdefault(name, value)
        if resp.mimetype in ("text/html", "application/json") and not request.path.startswith(
            "/static/"
        ):
            # Pages and API answers show who may touch PHI and contract terms: never keep them
            # in shared caches (routes that may be cached, such as a release, say so).
            resp.headers.setdefault("Cache-Control", "no-store")
        # The server's name and version help no one but an attacker.
        resp.headers["Server"] = "vetting"
        return resp

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        from sqlalchemy import text

        from vetting import db

        db.session().execute(text("SELECT 1"))
        return jsonify({"status": "ok"})


def _can(scope: str) -> bool:
    from vetting.web.base import can

    return can(scope)


def _today() -> date:
    from vetting import clock

    return clock.today()


_HTTP_TITLES = {
    400: "This request could not be used",
    403: "You do not have permission to do this",
    404: "This page does not exist",
    405: "This page does not take that kind of request",
    413: "The upload is too large",
    429: "Too many attempts",
}


def _with_user() -> None:
    """Load the signed-in user for an error page's header, if there is one (an unknown URL
    runs no blueprint's sign-in check); an error page never fails for want of one."""
    if g.get("user") is not None:
        return
    try:
        found = signed_in()
    except Exception:  # the database may be what failed
        return
    if found is not None:
        g.user, g.web_session = found
        g.principal = principal_for_user(g.user)


def _http_error_page(exc: HTTPException) -> ResponseReturnValue:
    """No such page, a method not allowed, …: the API's JSON under /api/, else a page in
    the layout (with the Allow header a 405 must carry)."""
    if request.path.startswith(("/api/", "/static/")) or (exc.code or 500) < 400:
        return api_http_error(exc)
    code = exc.code or 500
    _with_user()
    if code == 404:
        messages = [
            "The address may be mistyped, or what it named was removed. Use the menu, or go back."
        ]
    else:
        messages = [exc.description or ""]
    title = _HTTP_TITLES.get(code, "Something is wrong")
    resp = current_app.make_response(
        (render_template("error.html", status=code, title=title, messages=messages), code)
    )
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            resp.headers[name] = value
    return resp


def _internal_error_page(exc: Exception) -> ResponseReturnValue:
    """A bug: logged with its traceback (by the API's handler), shown as a page in the layout
    that says what to do; plain text if even that cannot be drawn."""
    if isinstance(exc, HTTPException):
        return _http_error_page(exc)
    resp = api_unexpected(exc)
    if request.path.startswith("/api/"):
        return resp
    try:
        db.session().rollback()
        _with_user()
        return error_page(
            500,
            "Something went wrong on our side",
            [
                "Nothing you typed was wrong. The error is in the server's log; if it happens "
                "again, tell your administrator the time it happened."
            ],
        )
    except Exception:
        return resp


def _inbox_unread() -> int:
    """The header's unread count: one indexed count per page; 0 when it cannot be had (an
    error page drawn after the database failed)."""
    from vetting.services import inbox

    user = g.get("user")
    if user is None or not _can("baas:read"):
        return 0
    try:
        return inbox.unread_count(db.session(), user)
    except Exception:
        db.session().rollback()
        return 0
