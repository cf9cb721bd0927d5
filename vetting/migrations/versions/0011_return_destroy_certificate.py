"""The vendor's return/destroy certificate as a file: `baa_return_certificate`

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 11:45:00

A terminated BAA's certificate of return or destruction, kept in the document store by
SHA-256 like signed agreements and evidence. A new table only: existing rows are untouched
(certificates recorded before this revision keep their date and reference, without a file).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "baa_return_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("baa_id", sa.Integer(), nullable=False),
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("filename", AutoString(length=255), nullable=False),
        sa.Column("content_type", AutoString(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("certified_on", sa.Date(), nullable=False),
        sa.Column("reference", AutoString(length=200), nullable=True),
        sa.Column("uploaded_by", AutoString(length=320), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["baa_id"], ["baa.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("baa_return_certificate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_baa_return_certificate_baa_id"), ["baa_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_baa_return_certificate_sha256"), ["sha256"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("baa_return_certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_baa_return_certificate_sha256"))
        batch_op.drop_index(batch_op.f("ix_baa_return_certificate_baa_id"))
    op.drop_table("baa_return_certificate")
