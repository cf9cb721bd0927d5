"""The approved-app list on a date, as JSON or CSV."""

from __future__ import annotations

import json

from flask import Response, request

from vetting import clock, db
from vetting.api import bp
from vetting.api.spec import route
from vetting.queries import allowlist as svc
from vetting.queries import list_files, live_list
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
    responses={304: "Nothing changed since the ETag sent in If-None-Match"},
    description="Computed once per state of the data and kept: the ETag names the date and "
    "the state of the data, so a poller sending If-None-Match gets 304 after one cheap query "
    "until something is written or the day turns, and one that does not gets the kept file.",
)
def get_allowlist(query: AllowlistQuery) -> Response:
    as_of = query.as_of or clock.today()
    s = db.session()
    tag = svc.version(s, as_of, query.format)
    if request.if_none_match.contains_weak(tag):
        resp = Response(status=304)
    else:
        found = list_files.live_file(s, as_of, query.format, tag)
        resp = Response(found.body, mimetype=found.media_type)
        if query.format == "csv":
            resp.headers["Content-Disposition"] = (
                f'attachment; filename="allowlist-{as_of.isoformat()}.csv"'
            )
    resp.set_etag(tag, weak=True)  # the same list; `generated_at` is when it was computed
    resp.headers["Cache-Control"] = "no-cache"  # keep it, but ask again each time
    return resp


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
    items = live_list.forecast(db.session(), today, query.days)  # kept, patched on writes
    body = svc.forecast_dict(today, query.days, items)
    return Response(json.dumps(body), mimetype="application/json")
