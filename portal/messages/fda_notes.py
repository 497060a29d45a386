"""FDA's internal notes on an engagement's thread (SPEC 14): the firm never sees them.

Kept in their own table, not as a flag on a message, so that no firm page can
show one by forgetting a condition: the table is ``FdaOnly`` (a firm user's
session reads none of it, ``portal.security.tenancy``), and only FDA-side
modules import this one (the firm's modules never do; tests check both).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    Text,
    and_,
    bindparam,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from portal.audit import services as audit
from portal.auth.models import User
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.messages.models import EngagementMessage, MessageReadMarker
from portal.messages.services import (
    MessageError,
    check_may_write,
    clean_body,
    fda_people,
    mark_read,
    marker_of_row,
    newest_after,
    newest_message,
    queue_immediate_notices,
)
from portal.models import (
    FdaOnly,
    FirmOwned,
    PublicIdMixin,
    UTCDateTime,
    firm_key,
    same_firm_as,
)
from portal.paging import requested_page
from portal.timeutil import utcnow

NOTES_PER_PAGE = 10


class EngagementNote(PublicIdMixin, FirmOwned, FdaOnly, db.Model):
    """An FDA colleague's note beside the thread, for FDA only."""

    __tablename__ = "engagement_note"
    __table_args__ = (
        Index("ix_engagement_note_engagement_created", "engagement_id", "created_at"),
        same_firm_as("engagement_note", "engagement", "engagement_id"),
        # Its files (portal.documents.fda_internal) point at it with its firm.
        firm_key("engagement_note"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(nullable=False)
    #: FDA staff only.
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    #: As typed (light formatting); shown through the one sanitizer, on FDA's page only.
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    author = relationship("User")


def note_writers(engagement: Engagement) -> list[int]:
    return list(
        db.session.scalars(
            select(EngagementNote.author_id)
            .where(EngagementNote.engagement_id == engagement.id)
            .distinct()
        )
    )


def post_note(engagement: Engagement, body: str | None, *, by: User) -> EngagementNote:
    """An internal note; FDA colleagues on the thread are told, the firm never is."""
    if not by.is_fda:
        raise MessageError("Internal notes are FDA's.", None)
    check_may_write(engagement, by)
    text = clean_body(body, what="note")
    note = EngagementNote(
        firm_id=engagement.firm_id,
        engagement_id=engagement.id,
        author_id=by.id,
        body=text,
        created_at=utcnow(),
    )
    db.session.add(note)
    db.session.flush()
    mark_read(engagement, by, at=note.created_at)
    audit.record("engagement_note.post", note, detail=f"{len(text)} characters")
    queue_immediate_notices(
        engagement, fda_people(engagement, also=note_writers(engagement)), author=by, internal=True
    )
    return note


def notes_page(engagement: Engagement, raw_page: str | None):
    """The engagement's notes, newest first (a note is context, read from the top)."""
    stmt = (
        select(EngagementNote)
        .where(EngagementNote.engagement_id == engagement.id)
        .options(joinedload(EngagementNote.author))
        .order_by(EngagementNote.created_at.desc(), EngagementNote.id.desc())
    )
    return db.paginate(
        stmt, page=requested_page(raw_page or "1"), per_page=NOTES_PER_PAGE, error_out=False
    )


def _posts():
    """Messages and notes alike, as (engagement, author, when): what FDA may have unread."""
    return union_all(
        select(
            EngagementMessage.engagement_id.label("engagement_id"),
            EngagementMessage.author_id.label("author_id"),
            EngagementMessage.created_at.label("created_at"),
        ),
        select(EngagementNote.engagement_id, EngagementNote.author_id, EngagementNote.created_at),
    ).subquery("post")


def unread_posts(person: User):
    """(subquery of posts, clause) for what this FDA person has not read: a scan of every
    post, fit for the daily digest, not for pages."""
    post = _posts()
    marker = (
        select(MessageReadMarker.read_at)
        .where(
            MessageReadMarker.engagement_id == post.c.engagement_id,
            MessageReadMarker.user_id == person.id,
        )
        .scalar_subquery()
    )
    unread = and_(post.c.author_id != person.id, or_(marker.is_(None), post.c.created_at > marker))
    return post, unread


def newest_note():
    return (
        select(func.max(EngagementNote.created_at))
        .where(EngagementNote.engagement_id == Engagement.id)
        .scalar_subquery()
    )


def fda_unread_thread_clause(person: User):
    """An engagement whose newest message or newest note is past this FDA person's marker."""
    marker = marker_of_row(person)
    return or_(newest_after(newest_message(), marker), newest_after(newest_note(), marker))


def fda_unread_thread_count(person: User) -> int:
    """Threads with a message or an internal note this FDA person has not read (one query)."""
    return (
        db.session.scalar(select(func.count(Engagement.id)).where(fda_unread_thread_clause(person)))
        or 0
    )


def unread_posts_in(engagement: Engagement, person: User) -> int:
    """How many messages and notes of one engagement this FDA person has not read."""
    params = {"engagement_id": engagement.id, "person_id": person.id}
    return db.session.scalar(_unread_posts_statement(), params) or 0


@cache
def _unread_posts_statement():
    # Built once per process, the engagement and the person bound parameters: composing it
    # and computing SQLAlchemy's cache key cost about as much CPU as running it.
    engagement_id = bindparam("engagement_id", type_=Integer)
    person_id = bindparam("person_id", type_=Integer)
    marker = (
        select(MessageReadMarker.read_at)
        .where(
            MessageReadMarker.engagement_id == engagement_id,
            MessageReadMarker.user_id == person_id,
        )
        .scalar_subquery()
    )

    def unread(model):
        return (
            select(func.count())
            .where(
                model.engagement_id == engagement_id,
                model.author_id != person_id,
                or_(marker.is_(None), model.created_at > marker),
            )
            .scalar_subquery()
        )

    return select(unread(EngagementMessage) + unread(EngagementNote))
