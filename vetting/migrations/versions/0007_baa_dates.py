"""A terminated BAA's return/destroy follow-up: the certificate that the vendor returned or
destroyed the PHI, marked received with its date, a reference and who recorded it

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 07:40:00

Columns are added with plain ALTER TABLE … ADD COLUMN (as 0006 does): rebuilding `baa` on
SQLite is refused while `baa_document` refers to it. The follow-up's due date is not stored:
it is the termination date plus VETTING_RETURN_DESTROY_DAYS.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.add_column("baa", sa.Column("return_destroy_certified_on", sa.Date(), nullable=True))
    op.add_column(
        "baa", sa.Column("return_destroy_reference", AutoString(length=200), nullable=True)
    )
    op.add_column(
        "baa", sa.Column("return_destroy_recorded_by", AutoString(length=320), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("baa", schema=None) as batch_op:
        batch_op.drop_column("return_destroy_recorded_by")
        batch_op.drop_column("return_destroy_reference")
        batch_op.drop_column("return_destroy_certified_on")
