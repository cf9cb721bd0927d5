"""Engine, the session of the current unit of work, and the one transaction helper.

Nothing here needs Flask: a unit of work is a *scope* bound to an engine (`scope(engine)` in
scripts and jobs; the web layer opens one per app context, see vetting/app.py). `session()`
opens the scope's session on first use and the scope closes it (rolled back if uncommitted).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from vetting.errors import Conflict


class Encoded(dict[str, Any]):
    """A JSON object whose JSON text is written already (a release's canonical content, tens
    of megabytes at 50,000 apps, written once for its hash): stored as that text, not
    encoded a second time by the column's serialiser. Build it from the finished object and
    never change it: the text is not kept in step with the dict."""

    __slots__ = ("text",)

    def __init__(self, value: Mapping[str, Any], text: str) -> None:
        super().__init__(value)
        self.text = text


def dumps_json(value: Any) -> str:
    """What JSON columns store: `Encoded` objects' own text, anything else `json.dumps`
    (SQLAlchemy's own default)."""
    if type(value) is Encoded:
        return value.text
    return json.dumps(value)


def make_engine(url: str, **kw: Any) -> Engine:
    kw.setdefault("json_serializer", dumps_json)
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Created owner-only (0600): it holds every contract term and answer. SQLite gives
            # its -wal and -shm files the database file's permissions.
            if not path.exists():
                with contextlib.suppress(FileExistsError):  # another process made it first
                    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        engine = create_engine(url, connect_args={"timeout": 30}, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # SQLite's lower() folds ASCII only; use Python's so case-insensitive search and
            # uniqueness treat "Ärzte" like "ärzte", as PostgreSQL does.
            dbapi_conn.create_function("lower", 1, fold, deterministic=True)
            # The organisation's calendar day of a stored UTC timestamp (PostgreSQL has
            # timezone(); SQLite keeps the text that UTCDateTime wrote).
            dbapi_conn.create_function("vetting_local_day", 2, _local_day, deterministic=True)
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kw)


def fold(value: Any) -> Any:
    """Text folded for case-insensitive comparison: Python's `str.lower`, which folds
    non-ASCII letters as PostgreSQL's lower() does ("Ärzte" and "ärzte" are one name). SQLite's
    lower() is this function; the folded search columns (models/columns.py) store it."""
    return value.lower() if isinstance(value, str) else value


def _local_day(stored: str | None, zone: str) -> str | None:
    if stored is None:
        return None
    at = datetime.fromisoformat(stored)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(ZoneInfo(zone)).date().isoformat()


@dataclass
class _Scope:
    engine: Engine
    outer: _Scope | None
    session: Session | None = None


_current: ContextVar[_Scope | None] = ContextVar("vetting_db_scope", default=None)


def open_scope(engine: Engine) -> None:
    """Start a unit of work on `engine` (nested scopes stack; `close_scope` ends the newest)."""
    _current.set(_Scope(engine, _current.get()))


def close_scope() -> None:
    """End the newest unit of work: its session, if one was opened, is rolled back and closed."""
    found = _current.get()
    if found is None:
        return
    _current.set(found.outer)
    if found.session is not None:
        found.session.rollback()
        found.session.close()


@contextmanager
def scope(engine: Engine) -> Iterator[Session]:
    """A unit of work on `engine` for a block; yields its session."""
    open_scope(engine)
    try:
        yield session()
    finally:
        close_scope()


def _scope() -> _Scope:
    found = _current.get()
    if found is None:
        raise RuntimeError(
            "no database scope: run inside db.scope(engine) or a Vetting app context"
        )
    return found


def engine() -> Engine:
    """The engine of the current unit of work."""
    return _scope().engine


def session() -> Session:
    """The session of the current unit of work (a request, a command, a job run)."""
    current = _scope()
    if current.session is None:
        current.session = Session(current.engine, expire_on_commit=False)
    return current.session


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
