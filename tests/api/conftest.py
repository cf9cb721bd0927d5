"""A shared app for test classes whose requests write nothing (errors, permissions, the
OpenAPI document): building an app per test would cost more than the requests themselves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import TODAY, _empty_tables
from vetting import auth, clock, db
from vetting.app import create_app


@dataclass(frozen=True)
class SharedApi:
    app: Flask
    client: FlaskClient
    headers: dict[str, dict[str, str]]  # role -> Authorization headers

    @property
    def admin(self) -> dict[str, str]:
        return self.headers["admin"]


@pytest.fixture(scope="class")
def api(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedApi]:
    """One app, clock frozen on TODAY, and a token per role, for one test class. Use it only
    in classes whose tests leave nothing behind; tables are emptied after the class."""
    clock.freeze(TODAY)
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "INSTANCE_PATH": tmp_path_factory.mktemp("instance"),
            "TESTING": True,
        }
    )
    with app.app_context():
        headers = {
            role: {
                "Authorization": "Bearer "
                + auth.create_token(db.session(), auth.CLI_PRINCIPAL, role, role)[1]
            }
            for role in auth.ROLES
        }
    yield SharedApi(app, app.test_client(), headers)
    _empty_tables(app)
    clock.freeze(None)
