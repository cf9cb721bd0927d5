"""BAA term ends as contracts state them (the last day in force), and notice in months

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 10:30:00

Until this revision `baa.expiration_date` was the first day an agreement was no longer in
force (an exclusive end); contracts state the last day in force, so typing the contract's date
was a day off. From this revision it is the last day in force, and every stored value moves
back one day: an agreement that was out of force from 2027-01-01 is now "in force through
2026-12-31". Nothing computed from the dates changes — its state on any day, whether it is in
force, its notice deadline, the day its vendor's apps leave the list (tests/test_migrations.py
checks every day of two years for a varied register).

Reminders already in the outbox about a BAA term end (`term_end`, `expired`,
`notice_deadline`) carry that term end in their once-key; it moves back one day too, so the
sweep after the upgrade finds them and sends nothing twice. Termination, coverage-gap,
review and return/destroy reminders carry their own days (a termination's effective day, a
gap's first day, …), which do not change. `terminated_on` and `superseded_on` keep their
meaning: the first day out of force (the day a termination takes effect; the successor's
effective date).

The rows are moved one by one, in date order (ascending up, descending down), so a unique
key is never held by two rows at once, and the date arithmetic is Python's (SQLite and
PostgreSQL alike).

`notice_months` (notice of non-renewal in calendar months, instead of `notice_days`) is added
as a plain column (see 0006/0007: no table rebuild on SQLite).
"""

from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The reminder kinds whose `term_end` is a BAA's term end.
TERM_KINDS = ("term_end", "expired", "notice_deadline")

_baa = sa.table("baa", sa.column("id", sa.Integer), sa.column("expiration_date", sa.Date))
_notification = sa.table(
    "notification",
    sa.column("id", sa.Integer),
    sa.column("subject_kind", sa.String),
    sa.column("kind", sa.String),
    sa.column("term_end", sa.Date),
)


def _as_date(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _shift(days: int) -> None:
    conn = op.get_bind()
    step = timedelta(days=days)
    rows = conn.execute(
        sa.select(_baa.c.id, _baa.c.expiration_date).where(_baa.c.expiration_date.is_not(None))
    ).all()
    for baa_id, expires in rows:
        conn.execute(
            _baa.update()
            .where(_baa.c.id == baa_id)
            .values(expiration_date=_as_date(expires) + step)
        )
    order = _notification.c.term_end.asc() if days < 0 else _notification.c.term_end.desc()
    reminders = conn.execute(
        sa.select(_notification.c.id, _notification.c.term_end)
        .where(_notification.c.subject_kind == "baa", _notification.c.kind.in_(TERM_KINDS))
        .order_by(order, _notification.c.id)
    ).all()
    for notification_id, term_end in reminders:
        conn.execute(
            _notification.update()
            .where(_notification.c.id == notification_id)
            .values(term_end=_as_date(term_end) + step)
        )


def upgrade() -> None:
    op.add_column("baa", sa.Column("notice_months", sa.Integer(), nullable=True))
    _shift(-1)


def downgrade() -> None:
    _shift(+1)
    with op.batch_alter_table("baa", schema=None) as batch_op:
        batch_op.drop_column("notice_months")
