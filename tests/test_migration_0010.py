"""Migration 0010: `expiration_date` becomes the last day in force (it was the first day out of
force). Every stored term end moves back one day and nothing computed from the dates changes:
for a varied register, every agreement's state on every day of two years is the same before
(the rows at 0007 read with the old rules, tests/old_baa_rules.py) and after the upgrade (the
rows at head read with the code's rules) — state, in force, notice deadline, days left,
renewed by default, the day it leaves the list, the reminders due; only the term end shown
moves, by design, to the day before. Reminders already in the outbox are not sent again."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from tests import old_baa_rules as old
from tests import reminder_data as data
from tests.databases import throwaway_database
from vetting import audit, db, migrate
from vetting.core.baa import BaaTerms, in_force_until, last_day_in_force, state_on
from vetting.core.reminders import ReminderKind, baa_due
from vetting.services.reminders import run_reminders

D = date.fromisoformat
NOW = "2026-01-01 00:00:00"
WINDOW = (D("2025-11-01"), D("2027-11-01"))  # two years, every day

# (effective, expiration as stored at 0007 = first day out of force, auto_renews, months,
#  notice_days, terminated_on, status, superseded_on)
REGISTER: dict[int, tuple[Any, ...]] = {
    1: ("2025-01-01", "2026-11-01", False, None, None, None, "active", None),  # fixed
    2: ("2025-03-01", "2026-03-01", False, None, None, None, "active", None),  # through Feb 28
    3: ("2025-01-01", "2026-01-31", True, 1, 10, None, "active", None),  # monthly, 31st
    4: ("2025-01-01", "2026-02-01", True, 1, 5, None, "active", None),  # monthly, through Jan 31
    5: ("2024-03-01", "2025-03-01", True, 12, 60, None, "active", None),  # yearly, Feb 29 years
    6: ("2024-03-01", "2028-02-29", True, 12, 30, None, "active", None),  # from a Feb 29
    7: ("2025-01-01", "2026-01-01", True, 3, 30, None, "active", None),  # quarterly, Dec 31
    8: ("2025-01-01", "2026-01-01", True, 12, None, None, "active", None),  # no notice
    9: ("2025-01-01", "2027-01-01", False, None, None, "2026-06-15", "terminated", None),
    10: ("2025-06-01", "2026-12-15", False, None, None, None, "superseded", "2027-01-15"),
    11: ("2027-01-15", "2028-01-15", False, None, None, None, "active", None),  # its successor
    12: ("2025-01-01", None, False, None, None, None, "active", None),  # evergreen
    13: ("2025-01-01", None, False, None, None, "2027-02-01", "terminated", None),
    14: ("2025-01-01", "2026-07-01", True, 12, 45, "2027-03-10", "terminated", None),
    15: ("2025-01-01", "2027-01-01", False, None, None, None, "draft", None),
    16: ("2026-12-01", "2027-12-01", False, None, None, None, "pending_signature", None),
    17: ("2026-01-01", "2026-01-02", False, None, None, None, "active", None),  # one day long
    18: ("2025-06-01", "2026-12-31", True, 12, 0, None, "superseded", "2026-12-01"),
}

INSERT = text(
    "INSERT INTO baa (id, vendor_id, effective_date, expiration_date, auto_renews, "
    "renewal_term_months, notice_days, terminated_on, status, superseded_on, all_products, "
    "scope_reviewed, signed_copy_note, created_at, updated_at) VALUES (:id, 1, :eff, :exp, "
    ":auto, :months, :notice, :term, :status, :sup, :t, :t, 'on file', :now, :now)"
)
SELECT = text(
    "SELECT id, effective_date, expiration_date, auto_renews, renewal_term_months, "
    "notice_days, terminated_on, status, superseded_on FROM baa ORDER BY id"
)


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return D(str(value))


def _read(conn: Any) -> list[tuple[Any, ...]]:
    return [
        (
            r[0],
            _day(r[1]),
            _day(r[2]),
            bool(r[3]),
            r[4],
            r[5],
            _day(r[6]),
            r[7],
            _day(r[8]),
        )
        for r in conn.execute(SELECT).all()
    ]


def _reminder(s: Session, baa_id: int, kind: str, term_end: str, threshold: int) -> None:
    """An outbox row as the sweep at 0007 wrote it (term_end: the old exclusive end)."""
    s.connection().execute(
        text(
            "INSERT INTO notification (subject_kind, subject_id, kind, term_end, "
            "threshold_days, channel, recipient, title, body, payload, status, attempts, "
            "created_at) VALUES ('baa', :id, :kind, :end, :t, 'in-app', 'dashboard', 'x', "
            "'x', '{}', 'sent', 0, :now)"
        ),
        {"id": baa_id, "kind": kind, "end": term_end, "t": threshold, "now": NOW},
    )


def test_0010_moves_term_ends_back_a_day_and_changes_no_state_on_any_day() -> None:
    with throwaway_database("vetting_mig8") as url:
        engine = db.make_engine(url)
        audit.use_key(engine, "test-audit-key")  # as the app factory does
        try:
            migrate.upgrade(engine, "0007")
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO vendor (id, name, created_at, updated_at) "
                        "VALUES (1, 'Acme Health', :now, :now)"
                    ),
                    {"now": NOW},
                )
                for baa_id, (eff, exp, auto, months, notice, term, st, sup) in REGISTER.items():
                    conn.execute(
                        INSERT,
                        {
                            "id": baa_id,
                            "eff": eff,
                            "exp": exp,
                            "auto": auto,
                            "months": months,
                            "notice": notice,
                            "term": term,
                            "status": st,
                            "sup": sup,
                            "t": True,
                            "now": NOW,
                        },
                    )
            with engine.connect() as conn:
                before = _read(conn)
            migrate.upgrade(engine)
            with engine.connect() as conn:
                after = _read(conn)
                months_col = conn.execute(text("SELECT notice_months FROM baa")).scalars().all()
        finally:
            engine.dispose()

    assert set(months_col) == {None}
    assert len(before) == len(after) == len(REGISTER)
    compared = 0
    for b, a in zip(before, after, strict=True):
        was = old.OldTerms(*b[1:])
        now = BaaTerms(*a[1:])
        # The stored term end moved back one day; nothing else in the row changed.
        assert a[2] == (b[2] - timedelta(days=1) if b[2] else None), b[0]
        assert a[:2] + a[3:] == b[:2] + b[3:], b[0]
        assert in_force_until(now) == old.in_force_until(was), b[0]
        if old.in_force_until(was) is not None:
            assert last_day_in_force(now) == old.in_force_until(was) - timedelta(days=1)
        day = WINDOW[0]
        while day <= WINDOW[1]:
            o, n = old.state_on(was, day), state_on(now, day)
            assert (n.state, n.in_force, n.notice_deadline, n.days_left, n.renewed_by_default) == (
                o.state,
                o.in_force,
                o.notice_deadline,
                o.days_left,
                o.renewed_by_default,
            ), (b[0], day)
            # the term end shown is the last day in force: the old exclusive end - 1 day
            assert n.term_end == (o.term_end - timedelta(days=1) if o.term_end else None), (
                b[0],
                day,
            )
            # the reminders due that day: same kinds, deadlines, thresholds; the term end
            # they are about (their once-key) moved back a day, as the migration moves them
            due = [
                (d.kind, d.term_end + timedelta(days=1), d.deadline, d.threshold_days, d.days_left)
                for d in baa_due(now, day)
                if d.kind
                in (ReminderKind.TERM_END, ReminderKind.EXPIRED, ReminderKind.NOTICE_DEADLINE)
            ]
            assert due == old.term_reminders(was, day), (b[0], day)
            compared += 1
            day += timedelta(days=1)
    assert compared == len(REGISTER) * ((WINDOW[1] - WINDOW[0]).days + 1)


def test_0010_moves_sent_reminders_with_their_term_end_so_none_is_sent_again() -> None:
    """The outbox's once-key holds the term end; the migration moves the BAA's date and its
    reminders' together, so the sweep after the upgrade finds what was sent before it."""
    with throwaway_database("vetting_mig8r") as url:
        engine = db.make_engine(url)
        audit.use_key(engine, "test-audit-key")  # as the app factory does
        try:
            migrate.upgrade(engine, "0007")
            with Session(engine) as s:
                s.connection().execute(
                    text(
                        "INSERT INTO vendor (id, name, created_at, updated_at) "
                        "VALUES (1, 'Acme Health', :now, :now)"
                    ),
                    {"now": NOW},
                )
                for baa_id in (1, 5):
                    eff, exp, auto, months, notice, term, st, sup = REGISTER[baa_id]
                    s.connection().execute(
                        INSERT,
                        {
                            "id": baa_id,
                            "eff": eff,
                            "exp": exp,
                            "auto": auto,
                            "months": months,
                            "notice": notice,
                            "term": term,
                            "status": st,
                            "sup": sup,
                            "t": True,
                            "now": NOW,
                        },
                    )
                # What the sweep at 0007 had sent on 2026-10-02 (BAA 1: 30 days before its
                # old end 2026-11-01; BAA 5: term to 2027-03-01, notice deadline 2026-12-31,
                # 90 days ahead) and on 2026-12-01 (BAA 1 lapsed; BAA 5's 30 days); a review
                # reminder keeps its own day.
                _reminder(s, 1, "term_end", "2026-11-01", 30)
                _reminder(s, 5, "notice_deadline", "2027-03-01", 90)
                _reminder(s, 1, "expired", "2026-11-01", 0)
                _reminder(s, 5, "notice_deadline", "2027-03-01", 30)
                _reminder(s, 12, "review", "2026-12-01", 0)
                s.commit()
            migrate.upgrade(engine)
            with Session(engine) as s:
                keys = s.connection().execute(
                    text("SELECT subject_id, kind, term_end FROM notification ORDER BY id")
                )
                moved = [(r[0], r[1], _day(r[2])) for r in keys]
                first = run_reminders(s, D("2026-10-02"), settings=data.settings())
                second = run_reminders(s, D("2026-12-01"), settings=data.settings())
                third = run_reminders(s, D("2026-12-18"), settings=data.settings())
                rows = s.connection().execute(
                    text(
                        "SELECT subject_id, kind, term_end, threshold_days FROM notification "
                        "WHERE subject_kind = 'baa' ORDER BY id"
                    )
                )
                outbox = [(r[0], r[1], _day(r[2]), r[3]) for r in rows]
        finally:
            engine.dispose()
    assert moved == [
        (1, "term_end", D("2026-10-31")),
        (5, "notice_deadline", D("2027-02-28")),
        (1, "expired", D("2026-10-31")),
        (5, "notice_deadline", D("2027-02-28")),
        (12, "review", D("2026-12-01")),  # not a term end: unchanged
    ]
    assert (first.created, first.existing) == (0, 2)  # already sent: not again
    assert (second.created, second.existing) == (0, 2)
    assert third.created == 1  # BAA 5's 14-day reminder: new news, with the new key
    assert outbox[-1] == (5, "notice_deadline", D("2027-02-28"), 14)
