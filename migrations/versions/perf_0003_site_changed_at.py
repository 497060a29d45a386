"""site.changed_at: the sites API's keyset, kept by triggers

Revision ID: perf_0003
Revises: perf_0002
Create Date: 2026-11-30 08:50:00

"""
import sqlalchemy as sa
from alembic import op

import portal.models

revision = "perf_0003"
down_revision = "perf_0002"
branch_labels = None
depends_on = None

CHILDREN = ("product", "inspection", "regulatory_action")

# The statements of portal/api/site_changes.py as they were when this migration was written.
_RAISE = (
    "UPDATE site SET changed_at = NEW.{moment} WHERE id = NEW.{site} "
    "AND (changed_at IS NULL OR changed_at < NEW.{moment});"
)
SQLITE_CREATE = [
    "CREATE TRIGGER site_changed_on_insert AFTER INSERT ON site BEGIN "
    + _RAISE.format(moment="updated_at", site="id")
    + " END",
    "CREATE TRIGGER site_changed_on_update AFTER UPDATE OF updated_at ON site BEGIN "
    + _RAISE.format(moment="updated_at", site="id")
    + " END",
] + [
    f"CREATE TRIGGER site_changed_by_{child}_{when.lower()} AFTER {when} ON {child} BEGIN "
    + _RAISE.format(moment="updated_at", site="site_id")
    + " END"
    for child in CHILDREN
    for when in ("INSERT", "UPDATE")
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS site_changed_on_insert",
    "DROP TRIGGER IF EXISTS site_changed_on_update",
] + [
    f"DROP TRIGGER IF EXISTS site_changed_by_{child}_{when}"
    for child in CHILDREN
    for when in ("insert", "update")
]
POSTGRESQL_CREATE = [
    """CREATE OR REPLACE FUNCTION site_changed_itself() RETURNS trigger AS $$
BEGIN
    IF NEW.changed_at IS NULL OR NEW.changed_at < NEW.updated_at THEN
        NEW.changed_at := NEW.updated_at;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION site_changed_by_child() RETURNS trigger AS $$
BEGIN
    UPDATE site SET changed_at = NEW.updated_at
    WHERE id = NEW.site_id AND (changed_at IS NULL OR changed_at < NEW.updated_at);
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER site_changed_itself BEFORE INSERT OR UPDATE ON site "
    "FOR EACH ROW EXECUTE FUNCTION site_changed_itself()",
] + [
    f"CREATE TRIGGER site_changed_by_{child} AFTER INSERT OR UPDATE ON {child} "
    "FOR EACH ROW EXECUTE FUNCTION site_changed_by_child()"
    for child in CHILDREN
]
POSTGRESQL_DROP = [
    *(f"DROP TRIGGER IF EXISTS site_changed_by_{child} ON {child}" for child in CHILDREN),
    "DROP TRIGGER IF EXISTS site_changed_itself ON site",
    "DROP FUNCTION IF EXISTS site_changed_by_child()",
    "DROP FUNCTION IF EXISTS site_changed_itself()",
]

BACKFILL = """
UPDATE site SET changed_at = (
    SELECT max(moment) FROM (
        SELECT site.updated_at AS moment
        UNION ALL SELECT max(updated_at) FROM product WHERE product.site_id = site.id
        UNION ALL SELECT max(updated_at) FROM inspection WHERE inspection.site_id = site.id
        UNION ALL SELECT max(updated_at) FROM regulatory_action
            WHERE regulatory_action.site_id = site.id
    ) AS moments
)
"""


def upgrade():
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("changed_at", portal.models.UTCDateTime(), nullable=True))
        batch_op.create_index(
            "ix_site_changed_at_public_id", ["changed_at", "public_id"], unique=False
        )
    op.execute(BACKFILL)
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(dialect, []):
        op.execute(statement)
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_index("ix_site_changed_at_public_id")
        batch_op.drop_column("changed_at")
