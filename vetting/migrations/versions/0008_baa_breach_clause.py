"""The BAA register keeps the breach clause in its own words: value, unit (hours, calendar
days, business days), what starts the clock, the clause quoted, and whether it states a number

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 10:30:00

Columns are added with plain ALTER TABLE … ADD COLUMN (as 0006 and 0007 do). Existing
`breach_notification_days` become that many calendar days (value, unit `calendar_days`,
trigger `unspecified`, stated); `breach_notification_days` stays and holds the clause's
worst-case calendar days from now on. A BAA with none recorded stays without a clause ("not
recorded"): the old register showed such a blank as the 60-day maximum, but nobody can tell
now whether the clause was read, so legal records it (or records it unstated).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.add_column("baa", sa.Column("breach_value", sa.Float(), nullable=True))
    op.add_column("baa", sa.Column("breach_unit", AutoString(length=20), nullable=True))
    op.add_column("baa", sa.Column("breach_trigger", AutoString(length=20), nullable=True))
    op.add_column("baa", sa.Column("breach_quote", sa.Text(), nullable=True))
    op.add_column("baa", sa.Column("breach_stated", sa.Boolean(), nullable=True))
    baa = sa.table(
        "baa",
        sa.column("breach_notification_days", sa.Integer()),
        sa.column("breach_value", sa.Float()),
        sa.column("breach_unit", sa.String()),
        sa.column("breach_trigger", sa.String()),
        sa.column("breach_stated", sa.Boolean()),
    )
    op.execute(
        baa.update()
        .where(baa.c.breach_notification_days.is_not(None))
        .values(
            breach_value=baa.c.breach_notification_days,
            breach_unit="calendar_days",
            breach_trigger="unspecified",
            breach_stated=sa.true(),
        )
    )


def downgrade() -> None:
    # The older register read a blank as "not stated (60-day legal maximum)".
    baa = sa.table(
        "baa",
        sa.column("breach_notification_days", sa.Integer()),
        sa.column("breach_stated", sa.Boolean()),
    )
    op.execute(
        baa.update().where(baa.c.breach_stated == sa.false()).values(breach_notification_days=None)
    )
    with op.batch_alter_table("baa", schema=None) as batch_op:
        batch_op.drop_column("breach_stated")
        batch_op.drop_column("breach_quote")
        batch_op.drop_column("breach_trigger")
        batch_op.drop_column("breach_unit")
        batch_op.drop_column("breach_value")
