"""Sign-in and sign-out."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from vetting import clock, db
from vetting.errors import TooManyRequests, Unauthorized
from vetting.services import signin
from vetting.web.base import Form, area, form_values

bp = area("auth", __name__, public=True)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("dashboard.index")


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
