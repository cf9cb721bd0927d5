"""Sign-in and sign-out."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from vetting import clock, db
from vetting.errors import TooManyRequests, Unauthorized
from vetting.services import signin
from vetting.web.base import Form, area, form_values

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
        if signin.current_user(db.session(), session.get("uid")) is not None:
            return redirect(url_for("dashboard.index"))
        return render_template("login.html", form=Form(), next=request.args.get("next", ""))
    values = form_values()
    form = Form(values={"email": values.get("email", "")})
    try:
        user = signin.sign_in(
            db.session(),
            values.get("email", ""),
            request.form.get("password", ""),
            request.remote_addr or "unknown",
        )
    except (Unauthorized, TooManyRequests) as exc:
        form.add(exc)
        status = exc.status
        return render_template("login.html", form=form, next=values.get("next", "")), status
    session.clear()  # a fresh session: nothing from before sign-in survives it
    session["uid"] = user.id
    session["since"] = clock.now().timestamp()
    return redirect(_safe_next(values.get("next")))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    user = signin.current_user(db.session(), session.get("uid"))
    if user is not None:
        signin.sign_out(db.session(), user)
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
