"""Calendar feed tokens belong to a person: `api_token.user_id`

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 17:40:00

A person subscribes their calendar app to the BAA deadlines with a read-only token of their
own. The token names its owner, so it stops working when the account is deactivated and never
reads more than the owner's role does today. Existing tokens (made by an admin for a system)
stay without an owner.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_api_token_user_id", ["user_id"], unique=False)
        batch_op.create_foreign_key("fk_api_token_user_id", "user_account", ["user_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_constraint("fk_api_token_user_id", type_="foreignkey")
        batch_op.drop_index("ix_api_token_user_id")
        batch_op.drop_column("user_id")
