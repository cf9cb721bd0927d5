"""Answer suggestions and answer links: `answer_suggestion`, `answer_link`

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 14:00:00

A proposed answer (from a vendor's CAIQ or HECVAT, and later answer links, vendor pages and
store listings) kept apart from the answers: it counts for nothing until a person accepts it.
And answer links, through which a vendor answers one assessment without an account (the
secret kept only as its SHA-256). New tables only: existing answers (`discovered` ones
included) are untouched.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0014"
down_revision = "0013"
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
    op.create_table(
        "answer_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", AutoString(length=64), nullable=False),
        sa.Column("recipient_email", AutoString(length=320), nullable=True),
        sa.Column("single_use", sa.Boolean(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", AutoString(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", AutoString(length=320), nullable=True),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.Column("last_submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    with op.batch_alter_table("answer_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_answer_link_assessment_id"), ["assessment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("answer_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_link_assessment_id"))
    op.drop_table("answer_link")
    with op.batch_alter_table("answer_suggestion", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_suggestion_assessment_status")
    op.drop_table("answer_suggestion")
