"""Index `baa.supersedes_id`

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 21:40:00

Every register page and every agreement looks up the renewals of the agreements it shows
(`supersedes_id IN (…)`): without an index each look-up read the whole table (14–29 ms at
100,000 agreements, well under 1 ms with it). An index only; no data changes.
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_baa_supersedes_id", "baa", ["supersedes_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_baa_supersedes_id", table_name="baa")
