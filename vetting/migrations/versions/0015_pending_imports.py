"""Bulk imports waiting for confirmation: `pending_import`

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 14:00:00

The web import page previews a file and applies it on a second request: the previewed bytes,
their SHA-256 and the previewed counts wait here for a short while. A new table only.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "pending_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("filename", AutoString(length=255), nullable=False),
        sa.Column("sheet", AutoString(length=100), nullable=True),
        sa.Column("date_order", AutoString(length=8), nullable=True),
        sa.Column("default_vendor", AutoString(length=200), nullable=True),
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("created_by", AutoString(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pending_import", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_import_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pending_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_import_expires_at"))
    op.drop_table("pending_import")
