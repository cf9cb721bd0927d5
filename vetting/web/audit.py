"""The audit log: every change, who made it and what it changed, with filters."""

from __future__ import annotations

from flask import render_template, request
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


def _sort() -> tuple[str, bool]:
    """The page's sort key and direction: an unknown key falls back to the default (newest
    first); a key without a direction sorts the way its column is usually read."""
    sort = audit_log.sort_key(request.args.get("sort"))
    default = "1" if sort == audit_log.DEFAULT_SORT else "0"
    return sort, (request.args.get("desc") or default) == "1"


@bp.get("/audit/export.<fmt>")
@requires("audit:read")
def export(fmt: str) -> ResponseReturnValue:
    """The events the page's filters select, in the page's order (at most sheets.MAX_ROWS)."""
    sort, descending = _sort()
    sheets.check_format(fmt)
    return table_file(sheets.audit(db.session, _filters(), sort, descending), fmt)


@bp.get("/audit")
@requires("audit:read")
def index() -> ResponseReturnValue:
    s = db.session()
    filters = _filters()
    sort, descending = _sort()
    result = audit_log.list_events(
        s, filters, page=arg_int("page"), sort=sort, descending=descending
    )
    actions, types = audit_log.facets(s)
    return render_template(
        "audit.html",
        result=result,
        f=filters,
        actions=actions,
        types=types,
        verify=None,
        sort=sort,
        descending=descending,
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
        sort=audit_log.DEFAULT_SORT,
        descending=True,
    )
