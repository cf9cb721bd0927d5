"""Throw-away databases for the suite and the benchmarks: a fresh PostgreSQL database beside
the one VETTING_TEST_DATABASE_URL names (dropped afterwards), else a SQLite file."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text


@contextmanager
def throwaway_database(prefix: str = "vetting_test") -> Iterator[str]:
    """Yield the URL of an empty database that is removed when the block ends."""
    pg = os.environ.get("VETTING_TEST_DATABASE_URL")
    if not pg:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/vetting.db"
        return
    base = make_url(pg)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
