"""Index audit events by kind of record and sequence

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 16:21:00.733817
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The newest event of each kind names the version of what the dashboard keeps.
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_entity_seq", ["entity_type", "seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_entity_seq")
