"""A follow-up and a question's earlier texts are of the question's own firm: (id, firm_id) keys.

Revision ID: txn_0001
Revises: misc9_0001
Create Date: 2026-11-30

misc9_0001 linked question.follows_id and question_revision.question_id by id
alone, so the database would accept a follow-up of another firm's question, or
an earlier text filed under another firm. As in tenancy_0001, existing rows are
checked first and a crossed one stops the upgrade, named, for a person to resolve.
question(id, firm_id) is already unique (tenancy_0001).
"""

import sqlalchemy as sa
from alembic import op

revision = "txn_0001"
down_revision = "misc9_0001"
branch_labels = None
depends_on = None

#: (child table, column): each points at question by (column, firm_id).
LINKS = (
    ("question", "follows_id"),
    ("question_revision", "question_id"),
)


def _refuse_rows_of_another_firm() -> None:
    connection = op.get_bind()
    wrong = []
    for child, column in LINKS:
        count = connection.execute(
            sa.text(
                f"SELECT count(*) FROM {child} c JOIN question p ON c.{column} = p.id "  # noqa: S608
                "WHERE c.firm_id <> p.firm_id"
            )
        ).scalar()
        if count:
            wrong.append(f"{count} {child} row(s) whose {column} is another firm's question")
    if wrong:
        raise RuntimeError("Resolve these before upgrading: " + "; ".join(wrong))


def upgrade():
    _refuse_rows_of_another_firm()
    for child, column in LINKS:
        name = f"fk_{child}_{column}_question"
        with op.batch_alter_table(child, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_="foreignkey")
            batch_op.create_foreign_key(name, "question", [column, "firm_id"], ["id", "firm_id"])


def downgrade():
    for child, column in reversed(LINKS):
        name = f"fk_{child}_{column}_question"
        with op.batch_alter_table(child, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_="foreignkey")
            batch_op.create_foreign_key(name, "question", [column], ["id"])
