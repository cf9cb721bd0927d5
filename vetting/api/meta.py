"""The OpenAPI document (public) and who-am-I."""

from __future__ import annotations

from flask import g, jsonify
from flask.typing import ResponseReturnValue

from vetting import __version__
from vetting.api import bp
from vetting.api.spec import openapi_document, route
from vetting.schemas import MeOut


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(openapi_document("Vetting API", __version__))


@route(
    bp,
    "/me",
    "GET",
    summary="The token's name, role and scopes",
    tag="meta",
    scope="checklists:read",
    response=MeOut,
)
def me() -> MeOut:
    p = g.principal
    return MeOut(name=p.name, role=p.role, scopes=sorted(p.scopes))
