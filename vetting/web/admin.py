"""Administration: people (roles, disabling, sign-in waits), their signed-in sessions and API
tokens (create shows the secret once)."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from vetting import auth, clock, db
from vetting.core.statuses import Role
from vetting.current import current_settings
from vetting.errors import FieldError, Invalid, VettingError
from vetting.queries import web_sessions as sessions_query
from vetting.services import accounts, signin, web_sessions
from vetting.web.base import Form, area, form_values, requires

bp = area("admin", __name__)


def _page(
    user_form: Form | None = None,
    token_form: Form | None = None,
    secret: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    s = db.session()
    return render_template(
        "admin.html",
        users=accounts.list_users(s),
        sessions=sessions_query.active(s, current_settings().session_rules),
        locked=sessions_query.locked_until(s),
        tokens=accounts.list_tokens(s),
        roles=auth.ROLES,
        role_options=[(r, r) for r in auth.ROLES],
        role_scopes=auth.ROLE_SCOPES,
        scopes=auth.SCOPES,
        user_form=user_form or Form(values={"role": Role.VIEWER}, prefix="user-"),
        token_form=token_form or Form(values={"role": Role.IT}, prefix="token-"),
        secret=secret,
        now=clock.now(),
    ), status


@bp.get("/admin")
@requires("admin")
def index() -> ResponseReturnValue:
    return _page()


@bp.post("/admin/users")
@requires("admin")
def create_user() -> ResponseReturnValue:
    form = Form(values=form_values(), prefix="user-")
    try:
        user = auth.create_user(
            db.session(),
            g.principal,
            form.values.get("email", ""),
            request.form.get("password", ""),
            form.values.get("role", ""),
        )
    except VettingError as exc:
        form.add(exc)
        return _page(user_form=form, status=422)
    flash(f"User {user.email} ({user.role}) created.", "ok")
    return redirect(url_for("admin.index"))


@bp.post("/admin/users/<int:user_id>")
@requires("admin")
def update_user(user_id: int) -> ResponseReturnValue:
    values = form_values()
    role = values.get("role") or None
    active = {"1": True, "0": False}.get(values.get("active", ""))
    try:
        user = accounts.update_user(db.session(), g.principal, user_id, role=role, active=active)
    except VettingError as exc:
        flash(f"Not changed: {exc.errors[0].message}", "error")
        return redirect(url_for("admin.index"))
    flash(f"{user.email}: role {user.role}, {'active' if user.active else 'disabled'}.", "ok")
    return redirect(url_for("admin.index"))


@bp.post("/admin/tokens")
@requires("admin")
def create_token() -> ResponseReturnValue:
    form = Form(values=form_values(), prefix="token-")
    chosen = request.form.getlist("scopes")
    form.values = {**form.values, "scopes": chosen}
    expires = form.values.get("expires_days", "")
    try:
        expires_at = None
        if expires:
            if not expires.isdigit() or not 1 <= int(expires) <= 3650:
                raise Invalid("", errors=[FieldError("expires_days", "must be 1 to 3650 days")])
            expires_at = clock.now() + timedelta(days=int(expires))
        _, secret = auth.create_token(
            db.session(),
            g.principal,
            form.values.get("name", ""),
            form.values.get("role", ""),
            chosen or None,
            expires_at,
        )
    except VettingError as exc:
        form.add(exc)
        return _page(token_form=form, status=422)
    # Shown in this response only (never redirected through the session cookie).
    return _page(secret=secret)


@bp.post("/admin/tokens/<int:token_id>/revoke")
@requires("admin")
def revoke_token(token_id: int) -> ResponseReturnValue:
    token = auth.revoke_token(db.session(), g.principal, token_id)
    flash(f"Token {token.name} revoked.", "ok")
    return redirect(url_for("admin.index"))


@bp.post("/admin/sessions/<int:session_id>/end")
@requires("admin")
def end_session(session_id: int) -> ResponseReturnValue:
    try:
        row = web_sessions.end_one(db.session(), g.principal, session_id)
    except VettingError as exc:
        flash(f"Not ended: {exc.errors[0].message}", "error")
        return redirect(url_for("admin.index"))
    flash(f"Session {row.id} ended.", "ok")
    return redirect(url_for("admin.index"))


@bp.post("/admin/users/<int:user_id>/end-sessions")
@requires("admin")
def end_user_sessions(user_id: int) -> ResponseReturnValue:
    try:
        ended = web_sessions.end_all_of(db.session(), g.principal, user_id)
    except VettingError as exc:
        flash(f"Not ended: {exc.errors[0].message}", "error")
        return redirect(url_for("admin.index"))
    flash(f"{ended} session{'s' * (ended != 1)} ended.", "ok")
    return redirect(url_for("admin.index"))


@bp.post("/admin/users/<int:user_id>/unlock")
@requires("admin")
def unlock_user(user_id: int) -> ResponseReturnValue:
    s = db.session()
    user = accounts.get_user(s, user_id)
    signin.unlock(s, g.principal, user.email)
    flash(f"{user.email} may sign in again at once.", "ok")
    return redirect(url_for("admin.index"))


@bp.post("/admin/users/<int:user_id>/password")
@requires("admin")
def set_password(user_id: int) -> ResponseReturnValue:
    s = db.session()
    user = accounts.get_user(s, user_id)
    try:
        accounts.set_password(s, g.principal, user.email, request.form.get("password", ""))
    except VettingError as exc:
        flash(f"Password not changed: {exc.errors[0].message}", "error")
        return redirect(url_for("admin.index"))
    flash(f"Password of {user.email} changed; their sessions ended.", "ok")
    return redirect(url_for("admin.index"))
