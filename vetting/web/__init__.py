"""Server-rendered pages. The full UI is its own issue; until then the root says where to go."""

from __future__ import annotations

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue


def init_app(app: Flask) -> None:
    @app.get("/")
    def index() -> ResponseReturnValue:
        return jsonify(
            {
                "service": "vetting",
                "api": "/api/v1",
                "openapi": "/api/v1/openapi.json",
                "health": "/healthz",
            }
        )

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        from sqlalchemy import text

        from vetting import db

        db.session().execute(text("SELECT 1"))
        return jsonify({"status": "ok"})
