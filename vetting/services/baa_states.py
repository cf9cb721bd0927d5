"""Every agreement's state on the current day, kept in `baa_state` so the register filters by
state (and by "term end or notice deadline within N days") in SQL.

The rows are what `core.baa.state_on` says for the day and warning window in
`baa_state_meta`; nothing else decides a state. They are kept true three ways:

- `ensure(engine, day, warning_days)` (before a filtered read): when the meta row names
  another day, window or code version, or the number of rows differs from the number of
  agreements (rows inserted around the ORM: a bulk import, a restore), the table is rebuilt
  — one process at a time (a job lock), the others wait for it and find it done;
- every ORM flush that adds, changes or deletes an agreement rewrites that agreement's row
  in the same transaction (`after_flush` below), so a read after a write is exact without a
  rebuild;
- the daily job rebuilds it for the new day (`rebuild`), so the day's first page is fast and
  anything that slipped past the ORM is corrected within a day; a writer that changes
  agreements with plain SQL (a bulk import's UPDATEs) calls `forget` in its transaction.

A page that finds the table stale does not wait for a writer to rebuild it: if the lock is
taken it computes its answer row by row (`ensure(..., wait=False)` returns None).

Used only when the register is asked about today (an as-of date in the past or future is
computed row by row, as before).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, delete, event, exists, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col

from vetting import __version__, clock
from vetting.core.baa import BaaTerms, state_on
from vetting.models import BAA, BaaStateMeta, BaaStateRow
from vetting.services.locks import lock_key, write_lock

LOCK = "baa-state rebuild"
BATCH = 10_000


@dataclass(frozen=True)
class Built:
    on: date
    warning_days: int
    rows: int
    rebuilt: bool


def _terms_columns() -> tuple[Any, ...]:
    from vetting.services.baas import TERMS  # the columns BaaTerms is made of, in order

    return TERMS


def _row(baa_id: int, terms: BaaTerms, on: date, warning_days: int) -> dict[str, Any]:
    st = state_on(terms, on, warning_days)
    return {
        "baa_id": baa_id,
        "state": str(st.state),
        "term_end": st.term_end,
        "notice_deadline": st.notice_deadline,
    }


def _is_current(s: Session, on: date, warning_days: int) -> bool:
    """Whether the kept rows are for `on`, this window and this code (`kept_for`), one row
    per agreement (one statement: a page that reads them pays for nothing else)."""
    row = s.execute(
        select(
            kept_for(on, warning_days),
            select(func.count()).select_from(BAA).scalar_subquery(),
            select(func.count()).select_from(BaaStateRow).scalar_subquery(),
        )
    ).one()
    return bool(row[0]) and row[1] == row[2]


def kept_for(on: date, warning_days: int) -> Any:
    """A condition true while the kept states are those of `on`, this warning window and this
    code (the meta row says so): joined to `baa_state`, a reader gets no kept row — and works
    the state out — once they are stale or rebuilt for another day, even mid-read."""
    return exists(
        select(col(BaaStateMeta.id)).where(
            col(BaaStateMeta.id) == 1,
            col(BaaStateMeta.on) == on,
            col(BaaStateMeta.warning_days) == warning_days,
            col(BaaStateMeta.rules) == __version__,
        )
    )


def ensure(engine: Engine, on: date, warning_days: int, wait: bool = True) -> Built | None:
    """Make `baa_state` hold every agreement's state on `on` (see the module's doc). Runs in
    its own session and transaction, so a read that calls it first sees the result. With
    `wait` False (a page being read) a rebuild that would have to wait for a writer — another
    rebuild, a long import holding SQLite's write lock — is not waited for: None, and the
    caller computes its answer row by row instead."""
    with Session(engine) as s:
        if _is_current(s, on, warning_days):
            return Built(on, warning_days, 0, False)
    return rebuild(engine, on, warning_days, only_if_stale=True, wait=wait)


def forget(s: Session) -> None:
    """Mark the kept states stale inside the caller's transaction: for writes made around the
    ORM (a bulk import's UPDATEs), which the flush hook cannot see. The next read rebuilds."""
    s.execute(delete(BaaStateMeta))


def rebuild(
    engine: Engine,
    on: date,
    warning_days: int,
    only_if_stale: bool = False,
    wait: bool = True,
) -> Built | None:
    """Compute every agreement's state on `on` and replace the table's rows in one
    transaction (the daily job; `ensure` when stale). Without `wait`, None when another
    transaction holds the lock (nothing done)."""
    with Session(engine) as s:
        if s.get_bind().dialect.name == "postgresql":
            if wait:  # a rebuild in progress is waited for: the caller needs the rows
                s.execute(select(func.pg_advisory_xact_lock(lock_key(LOCK))))
            elif not s.scalar(select(func.pg_try_advisory_xact_lock(lock_key(LOCK)))):
                return None
        elif wait:
            write_lock(s)
        else:
            raw = s.connection().connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA busy_timeout=0")  # this connection only, set back below
            try:
                write_lock(s)
            except OperationalError:  # "database is locked": a writer has it
                s.rollback()
                return None
            finally:
                raw.execute("PRAGMA busy_timeout=30000")
        if only_if_stale and _is_current(s, on, warning_days):
            s.rollback()
            return Built(on, warning_days, 0, False)
        s.execute(delete(BaaStateRow))
        n = 0
        batch: list[dict[str, Any]] = []
        conn = s.connection()
        for r in conn.execute(select(col(BAA.id), *_terms_columns())):
            batch.append(_row(r[0], BaaTerms(*r[1:]), on, warning_days))
            if len(batch) >= BATCH:
                conn.execute(insert(BaaStateRow), batch)
                n += len(batch)
                batch = []
        if batch:
            conn.execute(insert(BaaStateRow), batch)
            n += len(batch)
        _set_meta(s, on, warning_days)
        s.commit()
        if s.get_bind().dialect.name == "postgresql":
            # Every row was just rewritten: without fresh statistics the planner guesses the
            # table's size and spread until autovacuum comes by (measured: a hash join over
            # all 100,000 agreements for one register page, 0.5 s instead of tens of ms).
            s.execute(text("ANALYZE baa_state"))
            s.commit()
    return Built(on, warning_days, n, True)


def _set_meta(s: Session, on: date, warning_days: int) -> None:
    values = {"on": on, "warning_days": warning_days, "rules": __version__, "built_at": clock.now()}
    conn = s.connection()
    stmt = _upsert(conn.dialect.name, BaaStateMeta, [{"id": 1, **values}], ["id"], values)
    conn.execute(stmt)


def _upsert(
    dialect: str, model: Any, rows: list[dict[str, Any]], keys: list[str], values: Iterable[str]
) -> Any:
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = make(model).values(rows)
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={k: getattr(stmt.excluded, k) for k in values}
    )


@event.listens_for(OrmSession, "after_flush")
def _after_flush(session: OrmSession, _context: Any) -> None:
    """Rewrite the rows of the agreements this flush added, changed or deleted, for the day
    the table holds (nothing while it was never built)."""
    changed = [o for o in (*session.new, *session.dirty) if isinstance(o, BAA)]
    gone = [o.id for o in session.deleted if isinstance(o, BAA) and o.id is not None]
    if not changed and not gone:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # Not while a rebuild runs (it holds the lock exclusively): wait, then see its day.
        conn.execute(select(func.pg_advisory_xact_lock_shared(lock_key(LOCK))))
    meta = conn.execute(
        select(col(BaaStateMeta.on), col(BaaStateMeta.warning_days)).where(
            col(BaaStateMeta.id) == 1
        )
    ).first()
    if meta is None:
        return
    from vetting.services.baas import terms_of

    if gone:
        conn.execute(delete(BaaStateRow).where(col(BaaStateRow.baa_id).in_(gone)))
    rows = [_row(b.id, terms_of(b), meta.on, meta.warning_days) for b in changed if b.id]
    if rows:
        conn.execute(
            _upsert(
                conn.dialect.name,
                BaaStateRow,
                rows,
                ["baa_id"],
                ("state", "term_end", "notice_deadline"),
            )
        )
