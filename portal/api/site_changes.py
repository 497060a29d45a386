"""Database triggers that keep the API's change keys current: the ``changed_at`` columns.

What the API shows of a record can change with other records: a site's eligibility
with its products, inspections and regulatory actions; an engagement's regulatory
flag with its site's actions; a feedback summary with its responses. The lists are
ordered by the latest of those moments. Computing it per request sorted every
record on every page (2.5 s a page at 180,000 sites); stored in a column indexed
with public_id, a page is an index range read whatever its depth. Triggers rather
than ORM events, because the imports write products, inspections and actions with
bulk statements that bypass the ORM, and a trigger runs in the writing transaction
whatever wrote the row. The value only moves forward, as ``updated_at`` values do.
"""

# S608: the statements are built from the table and column names of CHANGE_KEYS below,
# constants of this module; nothing from a request reaches them.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import DDL, event

from portal.extensions import db


@dataclass(frozen=True)
class ChangeKey:
    """``table.changed_at``: the latest of the row's own moment and its children's
    ``updated_at``; a child belongs to the rows whose ``parent_column`` equals its
    ``child_column``."""

    table: str
    own: str
    parent_column: str
    child_column: str
    children: tuple[str, ...]

    @property
    def children_may_predate_the_row(self) -> bool:
        # An engagement opens on a site whose regulatory actions already exist; a site's
        # products cannot exist before the site.
        return self.parent_column != "id"

    def _newest_children(self) -> list[str]:
        return [
            f"(SELECT max(updated_at) FROM {child} "
            f"WHERE {child}.{self.child_column} = NEW.{self.parent_column})"
            for child in self.children
        ]

    def _raise(self, moment: str, column: str, link: str) -> str:
        return (
            f"UPDATE {self.table} SET changed_at = NEW.{moment} WHERE {column} = NEW.{link} "
            f"AND (changed_at IS NULL OR changed_at < NEW.{moment});"
        )

    def sqlite_create(self) -> list[str]:
        on_insert = self._raise(self.own, "id", "id")
        if self.children_may_predate_the_row:
            # SQLite's max() of several values is NULL if one is: coalesce each child's.
            moments = ", ".join(
                f"coalesce({newest}, NEW.{self.own})" for newest in self._newest_children()
            )
            on_insert = (
                f"UPDATE {self.table} SET changed_at = max(NEW.{self.own}, {moments}) "
                "WHERE id = NEW.id;"
            )
        return [
            f"CREATE TRIGGER {self.table}_changed_on_insert AFTER INSERT ON {self.table} "
            f"BEGIN {on_insert} END",
            f"CREATE TRIGGER {self.table}_changed_on_update AFTER UPDATE OF {self.own} "
            f"ON {self.table} BEGIN {self._raise(self.own, 'id', 'id')} END",
        ] + [
            f"CREATE TRIGGER {self.table}_changed_by_{child}_{when.lower()} AFTER {when} "
            f"ON {child} BEGIN {self._raise('updated_at', self.parent_column, self.child_column)}"
            " END"
            for child in self.children
            for when in ("INSERT", "UPDATE")
        ]

    def sqlite_drop(self) -> list[str]:
        return [
            f"DROP TRIGGER IF EXISTS {self.table}_changed_on_insert",
            f"DROP TRIGGER IF EXISTS {self.table}_changed_on_update",
        ] + [
            f"DROP TRIGGER IF EXISTS {self.table}_changed_by_{child}_{when}"
            for child in self.children
            for when in ("insert", "update")
        ]

    def postgresql_create(self) -> list[str]:
        predating = ""
        if self.children_may_predate_the_row:
            # greatest() ignores NULLs in PostgreSQL.
            predating = (
                "    IF TG_OP = 'INSERT' THEN\n"
                f"        NEW.changed_at := greatest(NEW.changed_at, "
                f"{', '.join(self._newest_children())});\n"
                "    END IF;\n"
            )
        return [
            f"""CREATE OR REPLACE FUNCTION {self.table}_changed_itself() RETURNS trigger AS $$
BEGIN
    IF NEW.changed_at IS NULL OR NEW.changed_at < NEW.{self.own} THEN
        NEW.changed_at := NEW.{self.own};
    END IF;
{predating}    RETURN NEW;
END $$ LANGUAGE plpgsql""",
            f"""CREATE OR REPLACE FUNCTION {self.table}_changed_by_child() RETURNS trigger AS $$
BEGIN
    UPDATE {self.table} SET changed_at = NEW.updated_at
    WHERE {self.parent_column} = NEW.{self.child_column}
    AND (changed_at IS NULL OR changed_at < NEW.updated_at);
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
            f"CREATE TRIGGER {self.table}_changed_itself BEFORE INSERT OR UPDATE ON {self.table} "
            f"FOR EACH ROW EXECUTE FUNCTION {self.table}_changed_itself()",
        ] + [
            f"CREATE TRIGGER {self.table}_changed_by_{child} AFTER INSERT OR UPDATE ON {child} "
            f"FOR EACH ROW EXECUTE FUNCTION {self.table}_changed_by_child()"
            for child in self.children
        ]

    def postgresql_drop(self) -> list[str]:
        return [
            *(
                f"DROP TRIGGER IF EXISTS {self.table}_changed_by_{child} ON {child}"
                for child in self.children
            ),
            f"DROP TRIGGER IF EXISTS {self.table}_changed_itself ON {self.table}",
            f"DROP FUNCTION IF EXISTS {self.table}_changed_by_child()",
            f"DROP FUNCTION IF EXISTS {self.table}_changed_itself()",
        ]

    def backfill(self) -> str:
        """``changed_at`` for rows written before the triggers existed."""
        children = "".join(
            f" UNION ALL SELECT max(updated_at) FROM {child} "
            f"WHERE {child}.{self.child_column} = {self.table}.{self.parent_column}"
            for child in self.children
        )
        return (
            f"UPDATE {self.table} SET changed_at = (SELECT max(moment) FROM ("
            f"SELECT {self.table}.{self.own} AS moment{children}) AS moments)"
        )


SITE = ChangeKey(
    "site", "updated_at", "id", "site_id", ("product", "inspection", "regulatory_action")
)
ENGAGEMENT = ChangeKey("engagement", "updated_at", "site_id", "site_id", ("regulatory_action",))
MEETING_SURVEY = ChangeKey("meeting_survey", "opened_at", "id", "survey_id", ("feedback_response",))
CHANGE_KEYS = (SITE, ENGAGEMENT, MEETING_SURVEY)


def _install(target, connection, **_kw) -> None:
    dialect = connection.dialect.name
    for key in CHANGE_KEYS:
        if not {key.table, *key.children} <= set(target.tables):
            continue
        statements = {"sqlite": key.sqlite_create, "postgresql": key.postgresql_create}.get(dialect)
        for statement in statements() if statements else []:
            connection.execute(DDL(statement))


def _remove(target, connection, **_kw) -> None:
    dialect = connection.dialect.name
    for key in CHANGE_KEYS:
        statements = {"sqlite": key.sqlite_drop, "postgresql": key.postgresql_drop}.get(dialect)
        for statement in statements() if statements else []:
            connection.execute(DDL(statement))


# create_all (the tests, a new database without migrations) builds the tables first.
event.listen(db.metadata, "after_create", _install)
event.listen(db.metadata, "before_drop", _remove)
