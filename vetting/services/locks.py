"""Database locks that let one job (the reminder sweep, an outbox claim) run at a time across
processes and app instances. Both last until the current transaction ends.

PostgreSQL: a transaction-level advisory lock, tried without waiting (another instance is
already doing the job, so this one skips). SQLite: `BEGIN IMMEDIATE` takes the database's
write lock up front; another writer waits for it (busy_timeout) instead of failing halfway
with a stale snapshot.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlmodel import Session


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for `name` (Python's hash() differs between processes)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def write_lock(s: Session) -> None:
    """On SQLite, open the transaction with BEGIN IMMEDIATE (must come before any write in
    it). Elsewhere nothing: PostgreSQL locks rows (FOR UPDATE) or uses `try_job_lock`."""
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.driver_connection
    if raw is None or raw.in_transaction:
        raise RuntimeError("write_lock() must open its transaction, before any write in it")
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def try_job_lock(s: Session, name: str) -> bool:
    """True when this transaction may run job `name`; False when another one holds it."""
    conn = s.connection()
    if conn.dialect.name == "postgresql":
        got = s.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": lock_key(name)})
        return bool(got.scalar())
    write_lock(s)
    return True
