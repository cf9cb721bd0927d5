"""Indexes for the dashboard's work queue: `assessment (status, updated_at, verdict)` and
`decision (needs_confirmation, decided_at)`

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 19:00:00

After an assessment or decision changes, the dashboard counts the open assessments, lists
the oldest ready for a decision and the decisions waiting for a second person. Without these
indexes each read the whole table (measured at 50,000 assessments and 45,000 decisions on
PostgreSQL: 9–11 ms each, about 29 ms a dashboard; 1–4 ms each with them, the count read
from the index alone). Indexes only; no data changes.
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_assessment_status_updated",
        "assessment",
        ["status", "updated_at", "verdict"],
        unique=False,
    )
    op.create_index(
        "ix_decision_awaiting", "decision", ["needs_confirmation", "decided_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_decision_awaiting", table_name="decision")
    op.drop_index("ix_assessment_status_updated", table_name="assessment")
