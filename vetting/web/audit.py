"""The audit log: every change, who made it and what it changed, with filters."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from vetting import audit as chain
from vetting import db
from vetting.downloads import table_file
from vetting.queries import audit_log, sheets
from vetting.web.base import area, arg_date, arg_int, arg_str, requires

bp = area("audit", __name__)


def _filters() -> audit_log.AuditFilter:
    return audit_log.AuditFilter(
        actor=arg_str("actor"),
        action=arg_str("action", 64),
        entity_type=arg_str("entity_type", 64),
        entity_id=arg_str("entity_id", 64),
        since=arg_date("since"),
        until=arg_date("until"),
    )


@bp.get("/audit/export.<fmt>")
@requires("audit:read")
def export(fmt: str) -> ResponseReturnValue:
    """The events the page's filters select, newest first (at most sheets.MAX_ROWS)."""
    return table_file(sheets.audit(db.session(), _filters()), fmt)


@bp.get("/audit")
@requires("audit:read")
def index() -> ResponseReturnValue:
    s = db.session()
    filters = _filters()
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
