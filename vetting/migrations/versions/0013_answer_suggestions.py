"""Answer suggestions: `answer_suggestion`

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 14:00:00

A proposed answer (from a vendor's CAIQ or HECVAT, and later answer links, vendor pages and
store listings) kept apart from the answers: it counts for nothing until a person accepts it.
A new table only: existing answers (`discovered` ones included) are untouched.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "answer_suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("capability_key", AutoString(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("source", AutoString(length=16), nullable=False),
        sa.Column("origin_kind", AutoString(length=16), nullable=False),
        sa.Column("origin_ref", AutoString(length=2000), nullable=False),
        sa.Column("origin_file", AutoString(length=255), nullable=True),
        sa.Column("origin_sha256", AutoString(length=64), nullable=True),
        sa.Column("origin_cell", AutoString(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("created_by", AutoString(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", AutoString(length=320), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("answer_suggestion", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answer_suggestion_assessment_status", ["assessment_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("answer_suggestion", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_suggestion_assessment_status")
    op.drop_table("answer_suggestion")
