"""JSON API under /api/v1: thin views that parse, call a service and serialise."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from vetting import auth, db
from vetting.errors import Unauthorized, VettingError

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def error_response(status: int, errors: list[dict]) -> Response:
    resp = jsonify({"errors": errors})
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="vetting"'
    return resp


@bp.before_request
def _authenticate() -> None:
    """Resolve the bearer token (if any); each route then demands its own scope."""
    g.principal = None
    header = request.headers.get("Authorization", "")
    if not header or request.endpoint == "api.openapi":  # the document is public
        return
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("use 'Authorization: Bearer <token>'")
    g.principal = auth.principal_for_token(db.session(), secret.strip())


def init_app(app: Flask) -> None:
    from vetting.api import (  # noqa: F401  (the modules register their routes)
        allowlist,
        apps,
        assessments,
        baas,
        checklists,
        imports,
        meta,
        notifications,
        pages,
        parent_agreements,
        releases,
        suggestions,
        sync,
        vendors,
    )

    app.register_blueprint(bp)

    @app.errorhandler(VettingError)
    def _vetting_error(exc: VettingError) -> Response:
        return error_response(exc.status, [e.as_dict() for e in exc.errors])

    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected)


def http_error(exc: HTTPException) -> Response:
    """An HTTP error (no such route, a method not allowed, …): JSON on the API; elsewhere the
    exception's own plain response (the web UI registers its pages over this)."""
    if request.path.startswith("/api/"):
        resp = error_response(exc.code or 500, [{"field": None, "message": exc.description}])
        for name, value in exc.get_headers():  # e.g. the Allow header a 405 must carry
            if name.lower() != "content-type":
                resp.headers[name] = value
        return resp
    return exc  # type: ignore[return-value]


def unexpected(exc: Exception) -> Response:
    """A bug: logged with its traceback, never shown."""
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if request.path.startswith("/api/"):
        return error_response(500, [{"field": None, "message": "internal error; see logs"}])
    return Response("Internal error; see the server log.", status=500, mimetype="text/plain")
