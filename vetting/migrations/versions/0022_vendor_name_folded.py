"""Index vendors by their name ignoring case: `ix_vendor_name_folded` on (lower(name), id)

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 21:30:00

The BAA register sorts by vendor name ignoring case (its default order) and the vendors list
by name: with this index a page is read in index order — vendors by folded name, each one's
agreements through `ix_baa_register_order` — instead of sorting 100,000 agreements. An index
only: nothing is rewritten.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_vendor_name_folded", "vendor", [sa.text("lower(name)"), "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_vendor_name_folded", table_name="vendor")
