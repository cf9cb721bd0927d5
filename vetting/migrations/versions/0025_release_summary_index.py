"""A covering index for the latest release's summary: `allowlist_release (as_of, id, sha256,
entry_count, previous_id, created_by, created_at)`

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 19:10:00

Pages that show the latest release read its summary, not its content. On SQLite a row's
columns are stored in order, and those after `content` and `diff` (tens of megabytes of JSON
at 50,000 apps, in overflow pages) could only be reached by walking that chain of pages:
8–10 ms for every dashboard that looked at the release. The index holds the summary columns
in the order the latest release is looked up in, so the lookup reads the index alone (the
note, free text, is not in it: PostgreSQL refuses index entries over 2,704 bytes; it is
loaded when read).
An index only; no data changes.
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

COLUMNS = [
    "as_of",
    "id",
    "sha256",
    "entry_count",
    "previous_id",
    "created_by",
    "created_at",
]


def upgrade() -> None:
    op.create_index("ix_allowlist_release_summary", "allowlist_release", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_allowlist_release_summary", table_name="allowlist_release")
