"""Terms read from signed BAA documents: `baa_term_reading`, `baa_term_suggestion`

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 17:50:00

Attaching a signed document reads its terms: one reading per document (what was read, or why
nothing could be) and the suggestions legal accepts or dismisses. New tables only.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "baa_term_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("baa_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["baa_id"], ["baa.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["baa_document.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id"),
    )
    with op.batch_alter_table("baa_term_reading", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_baa_term_reading_baa_id"), ["baa_id"], unique=False)
    op.create_table(
        "baa_term_suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("baa_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("field", AutoString(length=80), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", AutoString(length=320), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["baa_id"], ["baa.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["baa_document.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "field", name="uq_baa_term_suggestion_document_field"),
    )
    with op.batch_alter_table("baa_term_suggestion", schema=None) as batch_op:
        batch_op.create_index(
            "ix_baa_term_suggestion_baa_status", ["baa_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("baa_term_suggestion", schema=None) as batch_op:
        batch_op.drop_index("ix_baa_term_suggestion_baa_status")
    op.drop_table("baa_term_suggestion")
    with op.batch_alter_table("baa_term_reading", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_baa_term_reading_baa_id"))
    op.drop_table("baa_term_reading")
