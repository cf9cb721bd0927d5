"""Sign-in and sign-out."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from vetting import db
from vetting.current import current_settings
from vetting.errors import VettingError
from vetting.services import signin
from vetting.web.base import SESSION_KEY, Form, area, form_values, signed_in

bp = area("auth", __name__, public=True)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: no open redirect. Checked as given and after percent-decoding
    (browsers drop tabs and newlines, so `/%09/evil.example/` would become `//evil.example/`):
    no scheme, no host, no `//` or backslash, no control characters, no space at either end."""
    home = url_for("dashboard.index")
    if not target:
        return home
    decoded = target
    for _ in range(3):  # %252F decodes twice
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    for text in (target, decoded):
        # URL parsers drop tabs and newlines anywhere and spaces at the ends: refuse them all.
        if text != text.strip() or any(unicodedata.category(ch) == "Cc" for ch in text):
            return home
        if not text.startswith("/") or text.startswith("//") or "\\" in text:
            return home
        parts = urlsplit(text)
        if parts.scheme or parts.netloc:
            return home
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        if signed_in() is not None:
            return redirect(url_for("dashboard.index"))
        return render_template("login.html", form=Form(), next=request.args.get("next", ""))
    values = form_values()
    form = Form(values={"email": values.get("email", "")[:320]})
    settings = current_settings()
    try:
        done = signin.sign_in(
            db.session(),
            values.get("email", ""),
            request.form.get("password", ""),
            request.remote_addr or "unknown",
            request.headers.get("User-Agent", ""),
            rules=settings.throttle_rules,
            session_rules=settings.session_rules,
        )
    except VettingError as exc:  # 422 empty/absurd field, 401 wrong, 429 waiting
        form.add(exc)
        status = exc.status
        return render_template("login.html", form=form, next=values.get("next", "")), status
    session.clear()  # a fresh session: nothing from before sign-in survives it (CSRF token too)
    session[SESSION_KEY] = done.token
    return redirect(_safe_next(values.get("next")))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    found = signed_in()
    if found is not None:
        signin.sign_out(db.session(), found[0])  # every session of the user, copies too
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
