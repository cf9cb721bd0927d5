"""Calendar subscriptions: each person makes their own read-only feed URL for the BAA
deadlines (the events their role acts on, optionally only the BAAs they own), copies it into
their calendar app, and revokes it when it is no longer used. The URL is shown once."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from vetting import db
from vetting.errors import VettingError
from vetting.services import feeds
from vetting.web.base import Form, area, requires

bp = area("calendar", __name__)


def _page(form: Form, made: feeds.NewFeed | None = None, status: int = 200) -> ResponseReturnValue:
    url = None
    if made is not None:
        url = url_for("api.calendar", _external=True, **made.query(g.user.email))
    return render_template(
        "calendar.html",
        feeds=feeds.mine(db.session(), g.user),
        form=form,
        defaults=feeds.default_kinds(g.user.role),
        kinds=feeds.KIND_WORDS,
        made=made,
        url=url,
        download=url_for("baas.calendar"),
    ), status


@bp.get("/calendar")
@requires("baas:read")
def index() -> ResponseReturnValue:
    return _page(Form())


@bp.post("/calendar/feeds")
@requires("baas:read")
def create() -> ResponseReturnValue:
    kinds = request.form.getlist("kind")
    owner_only = request.form.get("owner_only") == "on"
    form = Form(values={"kind": kinds, "owner_only": "on" if owner_only else ""})
    try:
        made = feeds.create(db.session(), g.principal, g.user, kinds, owner_only)
    except VettingError as exc:
        form.add(exc)
        return _page(form, status=422)
    # The URL holds the secret: shown in this response only, never through a redirect.
    return _page(Form(), made)


@bp.post("/calendar/feeds/<int:token_id>/revoke")
@requires("baas:read")
def revoke(token_id: int) -> ResponseReturnValue:
    token = feeds.revoke(db.session(), g.principal, g.user, token_id)
    flash(f"Feed revoked: {token.name}. Calendar apps using it stop updating.", "ok")
    return redirect(url_for("calendar.index"))
