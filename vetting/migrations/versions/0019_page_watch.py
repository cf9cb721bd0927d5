"""Vendor pages watched for claims: `watched_page`, `page_claim`

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 18:00:00

A vendor's pages (trust, security, HIPAA pages) are fetched and read for claims about checklist
capabilities; each page keeps its last attempt and the claims of its last good fetch. New
tables only.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "watched_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("url", AutoString(length=2000), nullable=False),
        sa.Column("checklist_id", AutoString(length=64), nullable=True),
        sa.Column("added_by", AutoString(length=320), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("final_url", AutoString(length=2000), nullable=True),
        sa.Column("sha256", AutoString(length=64), nullable=True),
        sa.Column("fetch_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendor.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vendor_id", "url", name="uq_watched_page_vendor_url"),
    )
    with op.batch_alter_table("watched_page", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watched_page_vendor_id"), ["vendor_id"], unique=False)
    op.create_table(
        "page_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("capability_key", AutoString(length=64), nullable=False),
        sa.Column("stance", AutoString(length=16), nullable=False),
        sa.Column("condition", sa.Text(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column("url", AutoString(length=2000), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["watched_page.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("page_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_claim_page_id"), ["page_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("page_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_claim_page_id"))
    op.drop_table("page_claim")
    with op.batch_alter_table("watched_page", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watched_page_vendor_id"))
    op.drop_table("watched_page")
