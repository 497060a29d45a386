"""A child firm record's parent is of the same firm: composite foreign keys (id, firm_id).

Revision ID: tenancy_0001
Revises: eb6a8b84a283
Create Date: 2026-11-30

Existing rows are checked first: a child whose firm differs from its parent's is
a confidentiality defect that must be resolved by hand, so the upgrade stops and
names it rather than guessing which firm is right.
"""

import sqlalchemy as sa
from alembic import op

revision = "tenancy_0001"
down_revision = "eb6a8b84a283"
branch_labels = None
depends_on = None

#: Parents that children point at by (id, firm_id).
PARENTS = ("engagement", "meeting", "question", "quality_action", "meeting_survey")
#: (child table, column, parent table), parents before their children.
LINKS = (
    ("meeting", "engagement_id", "engagement"),
    ("question", "meeting_id", "meeting"),
    ("question", "engagement_id", "engagement"),
    ("quality_action", "engagement_id", "engagement"),
    ("quality_action", "meeting_id", "meeting"),
    ("quality_action", "question_id", "question"),
    ("quality_action_event", "action_id", "quality_action"),
    ("meeting_survey", "meeting_id", "meeting"),
    ("feedback_response", "survey_id", "meeting_survey"),
)


def _refuse_rows_of_another_firm() -> None:
    connection = op.get_bind()
    wrong = []
    for child, column, parent in LINKS:
        count = connection.execute(
            sa.text(
                f"SELECT count(*) FROM {child} c JOIN {parent} p ON c.{column} = p.id "  # noqa: S608
                "WHERE c.firm_id <> p.firm_id"
            )
        ).scalar()
        if count:
            wrong.append(f"{count} {child} row(s) whose {column} is another firm's {parent}")
    if wrong:
        raise RuntimeError("Resolve these before upgrading: " + "; ".join(wrong))


def _by_child():
    children: dict[str, list[tuple[str, str]]] = {}
    for child, column, parent in LINKS:
        children.setdefault(child, []).append((column, parent))
    return children


def upgrade():
    _refuse_rows_of_another_firm()
    for parent in PARENTS:
        op.create_index(f"uq_{parent}_id_firm_id", parent, ["id", "firm_id"], unique=True)
    for child, links in _by_child().items():
        with op.batch_alter_table(child, schema=None) as batch_op:
            for column, parent in links:
                name = f"fk_{child}_{column}_{parent}"
                batch_op.drop_constraint(name, type_="foreignkey")
                batch_op.create_foreign_key(name, parent, [column, "firm_id"], ["id", "firm_id"])


def downgrade():
    for child, links in reversed(list(_by_child().items())):
        with op.batch_alter_table(child, schema=None) as batch_op:
            for column, parent in links:
                name = f"fk_{child}_{column}_{parent}"
                batch_op.drop_constraint(name, type_="foreignkey")
                batch_op.create_foreign_key(name, parent, [column], ["id"])
    for parent in reversed(PARENTS):
        op.drop_index(f"uq_{parent}_id_firm_id", table_name=parent)
