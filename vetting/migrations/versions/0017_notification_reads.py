"""What each person has read in the in-app inbox: `notification_read`

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 17:50:00

In-app reminders are shared by role; whether one was read is each person's own. A new table
only: nothing existing changes, and every reminder already in the outbox starts unread.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_read",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notification.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("user_id", "notification_id"),
    )


def downgrade() -> None:
    op.drop_table("notification_read")
