"""BAA provisions, exceptions, product scope and signed copies

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 07:40:00

Agreements recorded before this revision:

- cover all products of their vendor, with `scope_reviewed` false (the register lists them as
  "scope not reviewed" until legal states the scope);
- have no provision recorded: every provision reads `not_reviewed`, which never makes an
  agreement non-conforming, so none falls off the approved list;
- when signed (active, superseded or terminated) and without a signed document attached, get
  the note "recorded before signed copies were required" as their signed-copy note, so they
  keep counting as signed.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString
LEGACY_NOTE = "recorded before signed copies were required"


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN (not a batch): on SQLite a batch would rebuild the table,
    # which the foreign keys from baa_document and the other BAA tables forbid.
    op.add_column("baa", sa.Column("signed_copy_note", sa.Text(), nullable=True))
    op.add_column(
        "baa", sa.Column("all_products", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.add_column(
        "baa", sa.Column("scope_reviewed", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    # (The server defaults stay, for the same reason; the models always give both values.)
    op.execute(
        sa.text(
            "UPDATE baa SET signed_copy_note = :note WHERE status IN "
            "('active', 'superseded', 'terminated') AND signed_copy_note IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM baa_document WHERE baa_document.baa_id = baa.id)"
        ).bindparams(note=LEGACY_NOTE)
    )

    op.create_table(
        "baa_app",
        sa.Column("baa_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["app.id"]),
        sa.ForeignKeyConstraint(["baa_id"], ["baa.id"]),
        sa.PrimaryKeyConstraint("baa_id", "app_id"),
    )
    with op.batch_alter_table("baa_app", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_baa_app_app_id"), ["app_id"], unique=False)

    op.create_table(
        "baa_provision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("baa_id", sa.Integer(), nullable=False),
        sa.Column("key", AutoString(length=64), nullable=False),
        sa.Column("status", AutoString(length=20), nullable=False),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.Column("section", AutoString(length=200), nullable=True),
        sa.Column("reviewed_by", AutoString(length=320), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["baa_id"], ["baa.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("baa_id", "key", name="uq_baa_provision_baa_key"),
    )
    with op.batch_alter_table("baa_provision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_baa_provision_baa_id"), ["baa_id"], unique=False)

    op.create_table(
        "baa_exception",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("baa_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by", AutoString(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", AutoString(length=320), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["baa_id"], ["baa.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("baa_exception", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_baa_exception_baa_id"), ["baa_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("baa_exception", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_baa_exception_baa_id"))
    op.drop_table("baa_exception")
    with op.batch_alter_table("baa_provision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_baa_provision_baa_id"))
    op.drop_table("baa_provision")
    with op.batch_alter_table("baa_app", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_baa_app_app_id"))
    op.drop_table("baa_app")
    with op.batch_alter_table("baa", schema=None) as batch_op:
        batch_op.drop_column("scope_reviewed")
        batch_op.drop_column("all_products")
        batch_op.drop_column("signed_copy_note")
