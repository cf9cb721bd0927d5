"""Fixtures: a fresh app per test on a real database — SQLite by default, PostgreSQL when
VETTING_TEST_DATABASE_URL names one (a throw-away database is created beside it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from tests.databases import throwaway_database
from tests.document_stores import bucket, s3, s3_endpoint, store  # noqa: F401  (fixtures)
from tests.store_server import stores  # noqa: F401  (fixture)
from vetting import auth, clock, db, migrate
from vetting.app import create_app
from vetting.queries import cache

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """One migrated database for the whole run; tables are emptied after each test."""
    with throwaway_database() as url:
        engine = db.make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


def _tables_with_rows(tables: list[str]) -> str:
    """One statement naming the tables that hold a row."""
    return " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)


_MOVED_SEQUENCES = (
    "SELECT sequencename FROM pg_sequences "
    "WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


def _empty_tables(app: Flask) -> None:
    engine = app.extensions["vetting.engine"]
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Truncating all tables costs 0.1-0.3 s a test (a new file per table and index);
            # only the tables a test wrote are truncated, and every sequence it moved restarts.
            written = conn.execute(text(_tables_with_rows(tables))).scalars().all()
            if written:
                names = ", ".join(f'"{t}"' for t in written)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            for sequence in conn.execute(text(_MOVED_SEQUENCES)).scalars():
                conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
        else:
            for t in reversed(tables):
                conn.execute(text(f'DELETE FROM "{t}"'))
    engine.dispose()


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    """Every test starts like a new process: nothing remembered from another test's database
    (SQLite reuses ids once the tables are emptied, so cache keys could repeat)."""
    cache.clear_all()


@pytest.fixture
def frozen_clock() -> Iterator[date]:
    clock.freeze(TODAY)
    yield TODAY
    clock.freeze(None)


@pytest.fixture
def app(database_url: str, tmp_path: Path, frozen_clock: date) -> Iterator[Flask]:
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "AUDIT_KEY": "test-audit-key",
            "INSTANCE_PATH": tmp_path / "instance",
            "TESTING": True,
        }
    )
    yield application
    _empty_tables(application)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def s(app: Flask) -> Iterator[Session]:
    """A session of its own on the test database (services called directly, no request)."""
    session = Session(app.extensions["vetting.engine"], expire_on_commit=False)
    yield session
    session.close()


@pytest.fixture
def make_token(app: Flask) -> Callable[..., dict[str, str]]:
    """make_token("legal") → Authorization headers for a fresh token of that role."""

    def make(role: str = "admin", scopes: list[str] | None = None) -> dict[str, str]:
        with app.app_context():
            _, secret = auth.create_token(
                db.session(), auth.CLI_PRINCIPAL, f"test-{role}", role, scopes
            )
        return {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def admin(make_token: Callable[..., dict[str, str]]) -> dict[str, str]:
    return make_token("admin")


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture(autouse=True)
def utc_organisation() -> Iterator[None]:
    """Every test starts and ends with the organisation in UTC (the clock's zone is global)."""
    clock.set_zone(UTC)
    yield
    clock.set_zone(UTC)
