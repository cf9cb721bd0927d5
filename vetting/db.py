"""Engine, per-request session, and the one transaction helper use cases run in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from vetting.errors import Conflict


def make_engine(url: str, **kw: Any) -> Engine:
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # SQLite's lower() folds ASCII only; use Python's so case-insensitive search and
            # uniqueness treat "Ärzte" like "ärzte", as PostgreSQL does.
            dbapi_conn.create_function("lower", 1, _lower, deterministic=True)
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kw)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def init_app(app: Flask) -> None:
    app.extensions["vetting.engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["vetting.engine"]


def session() -> Session:
    """The session of the current request / CLI command (one per app context)."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.rollback()
        s.close()


@contextmanager
def transaction(s: Session) -> Iterator[Session]:
    """Commit on success, roll back on any error; a unique-key clash becomes a 409."""
    try:
        yield s
        s.commit()
    except IntegrityError as exc:
        s.rollback()
        raise Conflict(_integrity_message(exc)) from None
    except BaseException:
        s.rollback()
        raise


def _integrity_message(exc: IntegrityError) -> str:
    text = str(exc.orig).lower()
    if "unique" in text or "duplicate" in text:
        return "conflicts with an existing record (a unique value is already used)"
    if "foreign key" in text:
        return "refers to a record that does not exist or is still referenced"
    return "the change conflicts with existing data"


def dialect() -> str:
    return engine().dialect.name
