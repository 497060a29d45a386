"""API keysets for every list: changed_at on engagements and meeting surveys, kept by
triggers, and (moment, public_id) indexes, so a deep page costs what the first does;
covering indexes for the dashboard's period ranges

Revision ID: perf_0004
Revises: txn_0001
Create Date: 2026-11-30 12:10:00

"""

import sqlalchemy as sa
from alembic import op

import portal.models

revision = "perf_0004"
down_revision = "txn_0001"
branch_labels = None
depends_on = None

# The statements as they were when this migration was written (portal/api/site_changes.py
# builds them; a later change there needs its own migration).
SQLITE_CREATE = [
    "CREATE TRIGGER engagement_changed_on_insert AFTER INSERT ON engagement BEGIN "
    "UPDATE engagement SET changed_at = max(NEW.updated_at, coalesce((SELECT max(updated_at) "
    "FROM regulatory_action WHERE regulatory_action.site_id = NEW.site_id), NEW.updated_at)) "
    "WHERE id = NEW.id; END",
    "CREATE TRIGGER engagement_changed_on_update AFTER UPDATE OF updated_at ON engagement "
    "BEGIN UPDATE engagement SET changed_at = NEW.updated_at WHERE id = NEW.id "
    "AND (changed_at IS NULL OR changed_at < NEW.updated_at); END",
    *(
        f"CREATE TRIGGER engagement_changed_by_regulatory_action_{when.lower()} AFTER {when} "
        "ON regulatory_action BEGIN UPDATE engagement SET changed_at = NEW.updated_at "
        "WHERE site_id = NEW.site_id AND (changed_at IS NULL OR changed_at < NEW.updated_at); END"
        for when in ("INSERT", "UPDATE")
    ),
    "CREATE TRIGGER meeting_survey_changed_on_insert AFTER INSERT ON meeting_survey BEGIN "
    "UPDATE meeting_survey SET changed_at = NEW.opened_at WHERE id = NEW.id "
    "AND (changed_at IS NULL OR changed_at < NEW.opened_at); END",
    "CREATE TRIGGER meeting_survey_changed_on_update AFTER UPDATE OF opened_at ON meeting_survey "
    "BEGIN UPDATE meeting_survey SET changed_at = NEW.opened_at WHERE id = NEW.id "
    "AND (changed_at IS NULL OR changed_at < NEW.opened_at); END",
    *(
        f"CREATE TRIGGER meeting_survey_changed_by_feedback_response_{when.lower()} AFTER {when} "
        "ON feedback_response BEGIN UPDATE meeting_survey SET changed_at = NEW.updated_at "
        "WHERE id = NEW.survey_id AND (changed_at IS NULL OR changed_at < NEW.updated_at); END"
        for when in ("INSERT", "UPDATE")
    ),
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {table}_changed_{what}"
    for table, child in (
        ("engagement", "regulatory_action"),
        ("meeting_survey", "feedback_response"),
    )
    for what in ("on_insert", "on_update", f"by_{child}_insert", f"by_{child}_update")
]
POSTGRESQL_CREATE = [
    """CREATE OR REPLACE FUNCTION engagement_changed_itself() RETURNS trigger AS $$
BEGIN
    IF NEW.changed_at IS NULL OR NEW.changed_at < NEW.updated_at THEN
        NEW.changed_at := NEW.updated_at;
    END IF;
    IF TG_OP = 'INSERT' THEN
        NEW.changed_at := greatest(NEW.changed_at, (SELECT max(updated_at) FROM regulatory_action WHERE regulatory_action.site_id = NEW.site_id));
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql""",  # noqa: E501
    """CREATE OR REPLACE FUNCTION engagement_changed_by_child() RETURNS trigger AS $$
BEGIN
    UPDATE engagement SET changed_at = NEW.updated_at
    WHERE site_id = NEW.site_id
    AND (changed_at IS NULL OR changed_at < NEW.updated_at);
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER engagement_changed_itself BEFORE INSERT OR UPDATE ON engagement "
    "FOR EACH ROW EXECUTE FUNCTION engagement_changed_itself()",
    "CREATE TRIGGER engagement_changed_by_regulatory_action AFTER INSERT OR UPDATE "
    "ON regulatory_action FOR EACH ROW EXECUTE FUNCTION engagement_changed_by_child()",
    """CREATE OR REPLACE FUNCTION meeting_survey_changed_itself() RETURNS trigger AS $$
BEGIN
    IF NEW.changed_at IS NULL OR NEW.changed_at < NEW.opened_at THEN
        NEW.changed_at := NEW.opened_at;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION meeting_survey_changed_by_child() RETURNS trigger AS $$
BEGIN
    UPDATE meeting_survey SET changed_at = NEW.updated_at
    WHERE id = NEW.survey_id
    AND (changed_at IS NULL OR changed_at < NEW.updated_at);
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER meeting_survey_changed_itself BEFORE INSERT OR UPDATE ON meeting_survey "
    "FOR EACH ROW EXECUTE FUNCTION meeting_survey_changed_itself()",
    "CREATE TRIGGER meeting_survey_changed_by_feedback_response AFTER INSERT OR UPDATE "
    "ON feedback_response FOR EACH ROW EXECUTE FUNCTION meeting_survey_changed_by_child()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS engagement_changed_by_regulatory_action ON regulatory_action",
    "DROP TRIGGER IF EXISTS engagement_changed_itself ON engagement",
    "DROP FUNCTION IF EXISTS engagement_changed_by_child()",
    "DROP FUNCTION IF EXISTS engagement_changed_itself()",
    "DROP TRIGGER IF EXISTS meeting_survey_changed_by_feedback_response ON feedback_response",
    "DROP TRIGGER IF EXISTS meeting_survey_changed_itself ON meeting_survey",
    "DROP FUNCTION IF EXISTS meeting_survey_changed_by_child()",
    "DROP FUNCTION IF EXISTS meeting_survey_changed_itself()",
]
BACKFILL = [
    "UPDATE engagement SET changed_at = (SELECT max(moment) FROM ("
    "SELECT engagement.updated_at AS moment UNION ALL SELECT max(updated_at) "
    "FROM regulatory_action WHERE regulatory_action.site_id = engagement.site_id) AS moments)",
    "UPDATE meeting_survey SET changed_at = (SELECT max(moment) FROM ("
    "SELECT meeting_survey.opened_at AS moment UNION ALL SELECT max(updated_at) "
    "FROM feedback_response WHERE feedback_response.survey_id = meeting_survey.id) AS moments)",
]
UPDATED_AT_KEYS = ("meeting", "question", "quality_action")
#: The dashboard reads these columns by these ranges (portal/metrics/measures.py).
DASHBOARD_INDEXES = {
    "question": {
        "ix_question_submitted_at": ["submitted_at", "withdrawn_at", "meeting_id"],
        "ix_question_responded_at": ["responded_at", "withdrawn_at", "submitted_at"],
        "ix_question_meeting_withdrawn": ["meeting_id", "withdrawn_at", "submitted_at"],
    },
    "meeting": {"ix_meeting_status_starts": ["status", "starts_at"]},
    "quality_action": {
        "ix_quality_action_created_at": ["created_at"],
        "ix_quality_action_completed_at": ["completed_at", "created_at"],
        "ix_quality_action_verified_at": ["verified_at", "completed_at"],
    },
    "meeting_survey": {"ix_meeting_survey_opened_at": ["opened_at", "firm_id"]},
}


def upgrade():
    for table in ("engagement", "meeting_survey"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("changed_at", portal.models.UTCDateTime(), nullable=True))
            batch_op.create_index(
                f"ix_{table}_changed_at_public_id", ["changed_at", "public_id"], unique=False
            )
    for table in UPDATED_AT_KEYS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(
                f"ix_{table}_updated_at_public_id", ["updated_at", "public_id"], unique=False
            )
    for table, indexes in DASHBOARD_INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, columns in indexes.items():
                batch_op.create_index(name, columns, unique=False)
    for statement in BACKFILL:
        op.execute(statement)
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(dialect, []):
        op.execute(statement)
    for table, indexes in DASHBOARD_INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in indexes:
                batch_op.drop_index(name)
    for table in UPDATED_AT_KEYS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_updated_at_public_id")
    for table in ("engagement", "meeting_survey"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_changed_at_public_id")
            batch_op.drop_column("changed_at")
