"""Column types and mixins shared by every domain's models."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, ForeignKey, ForeignKeyConstraint, Index, Uuid
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from portal.timeutil import utcnow


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC.

    SQLite keeps no offset, PostgreSQL would convert to the server's zone; naive
    UTC in the column and aware values in Python behave the same on both.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class PublicIdMixin:
    """An opaque identifier for URLs; sequential ids would count participants."""

    #: Random UUID used in every URL and export instead of the row id.
    public_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, unique=True, nullable=False, default=uuid.uuid4
    )


class TimestampMixin:
    #: When the row was created (UTC).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: When the row last changed (UTC).
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


class FirmOwned:
    """A record that belongs to one firm and is read through security.scoping only."""

    @declared_attr
    def firm_id(cls) -> Mapped[int]:  # noqa: N805
        #: The firm that owns this record; the one key of confidentiality.
        return mapped_column(ForeignKey("firm.id"), nullable=False, index=True)


class FdaOnly:
    """A firm's record that only FDA reads (SPEC 14: internal notes the firm never sees).

    It belongs to a firm (``FirmOwned`` too, for the same-firm keys), yet a firm user's
    session reads none of it: ``security.tenancy`` narrows such a model to nothing.
    """


def firm_key(table: str) -> Index:
    """A parent of firm records is also unique by (id, firm_id), for its children's keys."""
    return Index(f"uq_{table}_id_firm_id", "id", "firm_id", unique=True)


def same_firm_as(table: str, parent: str, column: str) -> ForeignKeyConstraint:
    """``column`` points at ``parent`` *of the same firm* (STYLE "Confidentiality by
    construction" item 0): the database refuses a question whose meeting is another
    firm's, whatever the code above it does. A null ``column`` is not checked.

    A table pointing at itself gets its key after the table and its (id, firm_id)
    index exist (``use_alter``): PostgreSQL refuses a key without that index.
    """
    return ForeignKeyConstraint(
        [column, "firm_id"],
        [f"{parent}.id", f"{parent}.firm_id"],
        name=f"fk_{table}_{column}_{parent}",
        use_alter=table == parent,
    )


def string_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """An enum stored as its string values with a CHECK: readable in SQL, same on every database."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
