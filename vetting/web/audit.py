"""The audit log: every change, who made it and what it changed, with filters."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from vetting import audit as chain
from vetting import db
from vetting.queries import audit_log
from vetting.web.base import area, arg_date, arg_int, arg_str, requires

bp = area("audit", __name__)


@bp.get("/audit")
@requires("audit:read")
def index() -> ResponseReturnValue:
    s = db.session()
    filters = audit_log.AuditFilter(
        actor=arg_str("actor"),
        action=arg_str("action", 64),
        entity_type=arg_str("entity_type", 64),
        entity_id=arg_str("entity_id", 64),
        since=arg_date("since"),
        until=arg_date("until"),
    )
    result = audit_log.list_events(s, filters, page=arg_int("page"))
    actions, types = audit_log.facets(s)
    return render_template(
        "audit.html", result=result, f=filters, actions=actions, types=types, verify=None
    )


@bp.get("/audit/verify")
@requires("audit:read")
def verify() -> ResponseReturnValue:
    s = db.session()
    result = audit_log.list_events(s, page=1)
    actions, types = audit_log.facets(s)
    return render_template(
        "audit.html",
        result=result,
        f={},
        actions=actions,
        types=types,
        verify=chain.verify(s),
    )
