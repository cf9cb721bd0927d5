"""The approved-app list on a date, as JSON or CSV."""

from __future__ import annotations

import json

from flask import Response

from vetting import clock, db
from vetting.api import bp
from vetting.api.spec import route
from vetting.queries import allowlist as svc
from vetting.schemas import AllowlistOut, AllowlistQuery, ForecastOut, ForecastQuery


@route(
    bp,
    "/allowlist",
    "GET",
    summary="The approved-app list, with reasons for the rest",
    tag="allowlist",
    scope="allowlist:read",
    query=AllowlistQuery,
    response=AllowlistOut,
    produces=("application/json", "text/csv"),
)
def get_allowlist(query: AllowlistQuery) -> Response:
    as_of = query.as_of or clock.today()
    result = svc.compute(db.session(), as_of)
    if query.format == "csv":
        return Response(
            svc.as_csv(result),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="allowlist-{as_of.isoformat()}.csv"'
            },
        )
    return Response(json.dumps(svc.as_dict(result, clock.now())), mimetype="application/json")


@route(
    bp,
    "/allowlist/forecast",
    "GET",
    summary="Apps that will leave the list in the next N days, and why",
    tag="allowlist",
    scope="allowlist:read",
    query=ForecastQuery,
    response=ForecastOut,
    description="Each app on today's list that is off it on some day of the next `days` "
    "(1–365): the first such day and the reasons in words (a BAA's term end or termination, a "
    "gap before its renewal, a decision running out, an overdue condition).",
)
def get_forecast(query: ForecastQuery) -> Response:
    today = clock.today()
    items = svc.forecast(db.session(), today, query.days)
    body = svc.forecast_dict(today, query.days, items)
    return Response(json.dumps(body), mimetype="application/json")
