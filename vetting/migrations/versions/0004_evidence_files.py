"""Evidence files behind answers

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:05:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A file backing the answer to one capability, in the document store by SHA-256.
    op.create_table(
        "answer_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("capability_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "assessment_id", "capability_key", "sha256", name="uq_answer_evidence_file"
        ),
    )
    with op.batch_alter_table("answer_evidence", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answer_evidence_capability", ["assessment_id", "capability_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_answer_evidence_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("answer_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_evidence_sha256"))
        batch_op.drop_index("ix_answer_evidence_capability")
    op.drop_table("answer_evidence")
