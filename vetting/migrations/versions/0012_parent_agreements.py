"""Parent agreements as records, and BAAs that follow their dates

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 11:40:00

A `parent_agreement` table (a master agreement: name, optional vendor, effective date, last
day in force or none, auto-renewal, renewal term, notice in days or months, notes), and on
`baa` a nullable `parent_id` (its record) and `follows_parent` (false: the BAA keeps its own
dates; true: they come from the parent).

The free-text `baa.parent_agreement` names recorded before this revision stay as they are, as
a label: no parent record is invented from them (their dates are unknown), no BAA follows a
parent after the upgrade, and nothing computed from the dates changes. Legal links a BAA to a
record (PATCH parent_id, follows_parent) once the parent's dates are recorded.

The columns are plain ALTER TABLE … ADD COLUMN (see 0006: on SQLite a batch would rebuild
`baa`, which the foreign keys of the other BAA tables forbid); SQLite records the foreign key
of an added column inline.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "parent_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("expiration_date", sa.Date(), nullable=True),
        sa.Column("auto_renews", sa.Boolean(), nullable=False),
        sa.Column("renewal_term_months", sa.Integer(), nullable=True),
        sa.Column("notice_days", sa.Integer(), nullable=True),
        sa.Column("notice_months", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendor.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("parent_agreement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_parent_agreement_vendor_id"), ["vendor_id"], unique=False
        )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot ALTER a constraint in, but takes the reference inline.
        op.execute("ALTER TABLE baa ADD COLUMN parent_id INTEGER REFERENCES parent_agreement (id)")
    else:
        op.add_column(
            "baa",
            sa.Column(
                "parent_id", sa.Integer(), sa.ForeignKey("parent_agreement.id"), nullable=True
            ),
        )
    op.create_index(op.f("ix_baa_parent_id"), "baa", ["parent_id"], unique=False)
    # (The server default stays, as in 0006; the model always gives the value.)
    op.add_column(
        "baa",
        sa.Column("follows_parent", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_baa_parent_id"), table_name="baa")
    with op.batch_alter_table("baa", schema=None) as batch_op:
        batch_op.drop_column("follows_parent")
        batch_op.drop_column("parent_id")
    with op.batch_alter_table("parent_agreement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parent_agreement_vendor_id"))
    op.drop_table("parent_agreement")
