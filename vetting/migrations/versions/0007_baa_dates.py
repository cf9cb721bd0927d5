"""A terminated BAA's return/destroy follow-up: the certificate that the vendor returned or
destroyed the PHI, marked received with its date, a reference and who recorded it

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-30 07:40:00

(0006 is the BAA provisions revision on a parallel branch; the merge chains the two.) The
follow-up's due date is not stored: it is the termination date plus VETTING_RETURN_DESTROY_DAYS.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("baa", schema=None) as batch_op:
        batch_op.add_column(sa.Column("return_destroy_certified_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("return_destroy_reference", AutoString(length=200), nullable=True)
        )
        batch_op.add_column(
            sa.Column("return_destroy_recorded_by", AutoString(length=320), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("baa", schema=None) as batch_op:
        batch_op.drop_column("return_destroy_recorded_by")
        batch_op.drop_column("return_destroy_reference")
        batch_op.drop_column("return_destroy_certified_on")
