"""FDA's Warning Letters list: a new import kind and the close-out matches FDA decides

Revision ID: imports_0003
Revises: imports_0002
Create Date: 2026-11-30 09:00:00

"""
import sqlalchemy as sa
from alembic import op

import portal.models

revision = "imports_0003"
down_revision = "imports_0002"
branch_labels = None
depends_on = None

OLD_KINDS = ("inspections", "compliance_actions", "shortages")
NEW_KINDS = (*OLD_KINDS, "warning_letters")


def _kinds(kinds):
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade():
    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_import_run_import_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_import_run_import_kind"), _kinds(NEW_KINDS))
    op.create_table(
        "warning_letter_match",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regulatory_action_id", sa.Integer(), nullable=False),
        sa.Column("company_name", sa.String(length=300), nullable=False),
        sa.Column("letter_issue_date", sa.Date(), nullable=False),
        sa.Column("closeout_date", sa.Date(), nullable=False),
        sa.Column("issuing_office", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("strength", sa.String(length=24), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "confirmed",
                "rejected",
                name="match_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", portal.models.UTCDateTime(), nullable=True),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", portal.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_warning_letter_match_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["regulatory_action_id"],
            ["regulatory_action.id"],
            name=op.f("fk_warning_letter_match_regulatory_action_id_regulatory_action"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_letter_match")),
        sa.UniqueConstraint("public_id", name=op.f("uq_warning_letter_match_public_id")),
        sa.UniqueConstraint(
            "regulatory_action_id",
            "company_name",
            "letter_issue_date",
            name=op.f("uq_warning_letter_match_action_letter"),
        ),
    )
    with op.batch_alter_table("warning_letter_match", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_warning_letter_match_regulatory_action_id"),
            ["regulatory_action_id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("warning_letter_match", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_letter_match_regulatory_action_id"))
    op.drop_table("warning_letter_match")
    op.execute("DELETE FROM import_run WHERE kind = 'warning_letters'")
    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_import_run_import_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_import_run_import_kind"), _kinds(OLD_KINDS))
