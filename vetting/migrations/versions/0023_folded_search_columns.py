"""Searchable text kept folded: `app.name_folded`, `app.store_id_folded`, `baa.title_folded`;
an index on `baa.breach_notification_days`

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 01:00:00

The apps search and the register's search compared `lower(name)` with the term: on SQLite
that is a Python function call per row (vetting/db.py, so "Ärzte" matches "ärzte"), about
90 ms for 100,000 titles. The folded text is now stored beside the text (filled on every
write, models/columns.py) and searched as it is. Existing rows are folded here by the same
Python fold, in batches. The index on breach days lets the register's "non-conforming"
filter find its agreements instead of reading all of them. The searches read the folded
text from indexes (`ix_app_search_folded`, `ix_baa_title_folded`) and then fetch only the rows
found.
"""

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

BATCH = 5_000


def _fold(value: Any) -> Any:  # models/columns.py `fold`, frozen here
    return value.lower() if isinstance(value, str) else value


def _batches(conn: Any, sql: str) -> Iterator[list[Any]]:
    rows = conn.execute(sa.text(sql)).all()  # read first, then write (no open cursor)
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def upgrade() -> None:
    with op.batch_alter_table("app", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_folded", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("store_id_folded", sa.Text(), nullable=True))
        batch_op.create_index("ix_app_search_folded", ["name_folded", "store_id_folded"])
    with op.batch_alter_table("baa", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_folded", sa.Text(), nullable=True))
        batch_op.create_index("ix_baa_title_folded", ["title_folded"])
        batch_op.create_index(
            batch_op.f("ix_baa_breach_notification_days"), ["breach_notification_days"]
        )
    conn = op.get_bind()
    apps = sa.text("UPDATE app SET name_folded = :n, store_id_folded = :s WHERE id = :id")
    for rows in _batches(conn, "SELECT id, name, store_id FROM app"):
        conn.execute(apps, [{"id": r[0], "n": _fold(r[1]), "s": _fold(r[2])} for r in rows])
    baas = sa.text("UPDATE baa SET title_folded = :t WHERE id = :id")
    for rows in _batches(conn, "SELECT id, title FROM baa WHERE title IS NOT NULL"):
        conn.execute(baas, [{"id": r[0], "t": _fold(r[1])} for r in rows])


def downgrade() -> None:
    with op.batch_alter_table("baa", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_baa_breach_notification_days"))
        batch_op.drop_index("ix_baa_title_folded")
        batch_op.drop_column("title_folded")
    with op.batch_alter_table("app", schema=None) as batch_op:
        batch_op.drop_index("ix_app_search_folded")
        batch_op.drop_column("store_id_folded")
        batch_op.drop_column("name_folded")
