"""The approved-app list on a date, as JSON or CSV."""

from __future__ import annotations

import json

from flask import Response

from vetting import clock, db
from vetting.api import bp
from vetting.api.spec import route
from vetting.queries import allowlist as svc
from vetting.schemas import AllowlistOut, AllowlistQuery


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
