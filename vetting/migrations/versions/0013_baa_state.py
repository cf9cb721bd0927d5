"""Each agreement's state on the current day, kept for the register's state filters

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 14:30:00

`baa_state` holds one row per agreement (its state, the term's last day in force and the
notice deadline on the day `baa_state_meta` names); services/baa_states.py fills it on the
first filtered read (or the daily job) and keeps it in step with every write. Created empty:
nothing is computed here. Also an index on the register's order (vendor, effective date, id).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "baa_state",
        sa.Column("baa_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("notice_deadline", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("baa_id"),
    )
    op.create_index(op.f("ix_baa_state_state"), "baa_state", ["state"], unique=False)
    # The register's order (vendor, start, id), so a page deep into it is an index walk.
    op.create_index(
        "ix_baa_register_order", "baa", ["vendor_id", "effective_date", "id"], unique=False
    )
    op.create_table(
        "baa_state_meta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("warning_days", sa.Integer(), nullable=False),
        sa.Column("rules", sa.String(length=40), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_index("ix_baa_register_order", table_name="baa")
    op.drop_table("baa_state_meta")
    op.drop_index(op.f("ix_baa_state_state"), table_name="baa_state")
    op.drop_table("baa_state")
