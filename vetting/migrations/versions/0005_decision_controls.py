"""Decisions with controls: second-person confirmation, what a decision is bound to, and
structured conditions with due dates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 06:37:03.610157

Decisions recorded before this revision are bound to the app's platform, store ID and vendor as
they are when it runs (nothing older is known) and to their assessment's checklist version; they
need no confirmation (they are in effect), and their free-text conditions stay as they were.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "decision_condition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", AutoString(length=500), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("owner", AutoString(length=320), nullable=False),
        sa.Column("met_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("met_by", AutoString(length=320), nullable=True),
        sa.Column("met_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("decision_condition", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_condition_decision_id"), ["decision_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decision_condition_due_date"), ["due_date"], unique=False
        )

    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("needs_confirmation", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("confirmation_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("decided_by_person", AutoString(length=320), nullable=True))
        batch_op.add_column(sa.Column("confirmed_by", AutoString(length=320), nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("refused_by", AutoString(length=320), nullable=True))
        batch_op.add_column(sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("refusal_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("pinned_platform", AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column("pinned_store_id", AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column("pinned_vendor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pinned_vendor_name", AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("checklist_version", AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("checklist_sha256", AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("reconfirms_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_decision_reconfirms_id_decision", "decision", ["reconfirms_id"], ["id"]
        )

    # Existing decisions: bound to what the app is now, and to their assessment's checklist.
    op.execute(
        """
        UPDATE decision SET
            pinned_platform = (SELECT platform FROM app WHERE app.id = decision.app_id),
            pinned_store_id = (SELECT store_id FROM app WHERE app.id = decision.app_id),
            pinned_vendor_id = (SELECT vendor_id FROM app WHERE app.id = decision.app_id),
            pinned_vendor_name = (
                SELECT vendor.name FROM app JOIN vendor ON vendor.id = app.vendor_id
                WHERE app.id = decision.app_id
            ),
            checklist_version = (
                SELECT checklist_version FROM assessment
                WHERE assessment.id = decision.assessment_id
            ),
            checklist_sha256 = (
                SELECT checklist_sha256 FROM assessment
                WHERE assessment.id = decision.assessment_id
            )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_constraint("fk_decision_reconfirms_id_decision", type_="foreignkey")
        for column in (
            "reconfirms_id",
            "checklist_sha256",
            "checklist_version",
            "pinned_vendor_name",
            "pinned_vendor_id",
            "pinned_store_id",
            "pinned_platform",
            "refusal_reason",
            "refused_at",
            "refused_by",
            "confirmed_at",
            "confirmed_by",
            "decided_by_person",
            "confirmation_reason",
            "needs_confirmation",
        ):
            batch_op.drop_column(column)

    with op.batch_alter_table("decision_condition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_condition_due_date"))
        batch_op.drop_index(batch_op.f("ix_decision_condition_decision_id"))
    op.drop_table("decision_condition")
