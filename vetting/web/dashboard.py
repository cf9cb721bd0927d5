"""The dashboard: what needs someone's attention today."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from vetting import db
from vetting.queries import dashboard as svc
from vetting.web.base import area, requires, today, warning_days

bp = area("dashboard", __name__)


@bp.get("/")
@requires("allowlist:read")  # every role may read; the scope still says who is let in
def index() -> ResponseReturnValue:
    overview = svc.overview(db.session(), today(), warning_days())
    return render_template("dashboard.html", o=overview)
