"""App-store lookups: `store_listing`

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 17:30:00

One row per app: what its store listing said at the last successful lookup (seller,
developer, version, data-safety declaration, flags) with the URL, time and SHA-256 of what
was read, and the last failed attempt's error. A new table only.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "store_listing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("platform", AutoString(length=16), nullable=False),
        sa.Column("store_id", AutoString(length=255), nullable=False),
        sa.Column("country", AutoString(length=8), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("lookup_url", AutoString(length=2000), nullable=True),
        sa.Column("sha256", AutoString(length=64), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("title", AutoString(length=500), nullable=True),
        sa.Column("seller_name", AutoString(length=500), nullable=True),
        sa.Column("developer_name", AutoString(length=500), nullable=True),
        sa.Column("store_url", AutoString(length=2000), nullable=True),
        sa.Column("version", AutoString(length=100), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minimum_os", AutoString(length=50), nullable=True),
        sa.Column("developer_website", AutoString(length=2000), nullable=True),
        sa.Column("developer_email", AutoString(length=320), nullable=True),
        sa.Column("privacy_policy_url", AutoString(length=2000), nullable=True),
        sa.Column("track_id", AutoString(length=64), nullable=True),
        sa.Column("developer_id", AutoString(length=64), nullable=True),
        sa.Column("data_safety", sa.JSON(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["app.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("app_id"),
    )


def downgrade() -> None:
    op.drop_table("store_listing")
