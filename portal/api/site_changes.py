"""Database triggers that keep ``site.changed_at`` current: the key the API lists sites by.

A site's API record changes with its products, inspections and regulatory
actions (its eligibility), so the list is ordered by the latest ``updated_at``
among them. Computing that per request sorted every site on every page (2.5 s
a page at 180,000 sites); stored in an indexed column, a page is an index range
read whatever its depth. Triggers rather than ORM events, because the imports
write products and inspections with bulk statements that bypass the ORM, and a
trigger runs in the writing transaction whatever wrote the row. The value only
moves forward, as ``updated_at`` values do.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from portal.extensions import db

CHILDREN = ("product", "inspection", "regulatory_action")

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


def _install(target, connection, **_kw) -> None:
    if not {"site", *CHILDREN} <= set(target.tables):
        return
    dialect = connection.dialect.name
    statements = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}.get(dialect, [])
    for statement in statements:
        connection.execute(DDL(statement))


def _remove(target, connection, **_kw) -> None:
    dialect = connection.dialect.name
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(dialect, [])
    for statement in statements:
        connection.execute(DDL(statement))


# create_all (the tests, a new database without migrations) builds the tables first.
event.listen(db.metadata, "after_create", _install)
event.listen(db.metadata, "before_drop", _remove)
