"""Posting and reading an engagement's messages (SPEC 14), shared by FDA's and the firm's pages.

Services add and flush; the view commits. A notice email is queued in the same
transaction as the message for each person who chose immediate notices; the
others hear of it in their daily digest (``portal.messages.digest``). Emails
name the engagement and link to it, never quote the message: confidential
content stays in the portal (SPEC "Email").

Who hears of a message: the firm's active users, and at FDA the staff who have
written in the thread; a thread no FDA person has written in yet goes to the
program managers, who pass it on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from portal.audit import services as audit
from portal.auth.models import Role, User, UserStatus
from portal.documents import services as documents
from portal.documents.models import DocumentKind
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.mail import queue_email
from portal.messages.models import (
    BODY_MAX,
    EngagementMessage,
    MessageNoticePreference,
    MessageReadMarker,
    NoticeMode,
)
from portal.paging import requested_page_or_last
from portal.timeutil import utcnow
from portal.urls import external_url

PER_PAGE = 20


class MessageError(ValueError):
    """A message that cannot be posted; ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = "body"):
        super().__init__(message)
        self.field = field


def clean_body(body: str | None, *, what: str = "message") -> str:
    text = (body or "").strip()
    if not text:
        raise MessageError(f"Write your {what} before sending it.")
    if len(text) > BODY_MAX:
        raise MessageError(f"Keep the {what} under {BODY_MAX:,} characters.")
    return text


def check_may_write(engagement: Engagement, by: User) -> None:
    """Only the engagement's own firm and FDA staff write in its thread, and only while open."""
    if by.is_firm_user and by.firm_id != engagement.firm_id:
        raise MessageError("This engagement belongs to another firm.", None)
    if not (by.is_firm_user or by.is_fda):
        raise MessageError("Only FDA staff and the firm's users can write here.", None)
    if engagement.status != EngagementStatus.ACTIVE:
        raise MessageError("This engagement is closed; its messages can be read but not added to.")


# --- who hears of it ----------------------------------------------------------------------


def firm_people(engagement: Engagement) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.firm_id == engagement.firm_id, User.status == UserStatus.ACTIVE)
            .order_by(User.id)
        )
    )


def fda_people(engagement: Engagement, also: Iterable[int] = ()) -> list[User]:
    """FDA staff who wrote in the thread (and ``also``), or the program managers if none did."""
    writers = select(EngagementMessage.author_id).where(
        EngagementMessage.engagement_id == engagement.id
    )
    fda = User.role.in_((Role.FDA_ADMIN, Role.FDA_STAFF)) & (User.status == UserStatus.ACTIVE)
    people = list(
        db.session.scalars(
            select(User).where(fda, or_(User.id.in_(writers), User.id.in_(list(also))))
        )
    )
    if not people:
        people = list(db.session.scalars(select(User).where(fda, User.role == Role.FDA_ADMIN)))
    return sorted(people, key=lambda person: person.id)


def notice_modes(user_ids: Iterable[int]) -> dict[int, NoticeMode]:
    """Each person's choice; a person who never chose gets immediate notices."""
    ids = list(user_ids)
    chosen = (
        dict(
            db.session.execute(
                select(MessageNoticePreference.user_id, MessageNoticePreference.mode).where(
                    MessageNoticePreference.user_id.in_(ids)
                )
            ).all()
        )
        if ids
        else {}
    )
    return {user_id: chosen.get(user_id, NoticeMode.IMMEDIATE) for user_id in ids}


def notice_mode(user: User) -> NoticeMode:
    return notice_modes([user.id])[user.id]


def set_notice_mode(user: User, mode: str) -> NoticeMode:
    try:
        chosen = NoticeMode(mode)
    except ValueError as error:
        raise MessageError("Choose immediate emails or a daily digest.", "mode") from error
    preference = db.session.scalars(
        select(MessageNoticePreference).where(MessageNoticePreference.user_id == user.id)
    ).first()
    if preference is None:
        db.session.add(MessageNoticePreference(user_id=user.id, mode=chosen, updated_at=utcnow()))
    else:
        preference.mode = chosen
        preference.updated_at = utcnow()
    db.session.flush()
    audit.record("message_notice.preference", user, detail=chosen.value)
    return chosen


def thread_link(engagement: Engagement, person: User) -> str:
    """The thread as this person opens it: FDA's page or the firm's."""
    endpoint = "messages.thread" if person.is_fda else "firm_messages.thread"
    return external_url(endpoint, engagement_id=engagement.public_id)


def queue_immediate_notices(
    engagement: Engagement, people: Iterable[User], *, author: User, internal: bool = False
) -> int:
    """One email per person who wants them now; never the author, never the text."""
    others = [person for person in people if person.id != author.id]
    modes = notice_modes(person.id for person in others)
    count = 0
    for person in others:
        if modes[person.id] != NoticeMode.IMMEDIATE:
            continue
        site = engagement.site
        queue_email(
            person.email,
            "messages_new",
            f"New {'internal note' if internal else 'message'}: "
            f"engagement with {site.legal_name} (FEI {site.fei_number})",
            firm_id=None if person.is_fda else engagement.firm_id,
            user=person,
            engagement=engagement,
            site=site,
            internal=internal,
            link=thread_link(engagement, person),
        )
        count += 1
    return count


# --- writing and reading ------------------------------------------------------------------


def post_message(
    engagement: Engagement, body: str | None, *, by: User, files=()
) -> EngagementMessage:
    """Add a message to the thread, with any documents; the author has read it; the others
    are told (SPEC 14, 15). A refused file refuses the message: nothing is posted."""
    check_may_write(engagement, by)
    text = clean_body(body)
    try:
        uploads = documents.vet(files)
    except documents.DocumentError as error:
        raise MessageError(str(error), error.field) from error
    message = EngagementMessage(
        firm_id=engagement.firm_id,
        engagement_id=engagement.id,
        author_id=by.id,
        body=text,
        created_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    mark_read(engagement, by, at=message.created_at)
    audit.record("engagement_message.post", message, detail=f"{len(text)} characters")
    documents.store(
        uploads, firm_id=message.firm_id, kind=DocumentKind.MESSAGE, by=by, message_id=message.id
    )
    queue_immediate_notices(
        engagement, [*firm_people(engagement), *fda_people(engagement)], author=by
    )
    return message


def marker_of(engagement: Engagement, person: User) -> datetime | None:
    return db.session.scalar(
        select(MessageReadMarker.read_at).where(
            MessageReadMarker.engagement_id == engagement.id,
            MessageReadMarker.user_id == person.id,
        )
    )


def mark_read(engagement: Engagement, person: User, *, at: datetime | None = None) -> None:
    """Move the person's marker forward to ``at`` (now), never back.

    One statement whether or not the marker exists (INSERT ... ON CONFLICT, which
    SQLite and PostgreSQL share), so two tabs at once make one marker and a first
    visit costs the page no more queries than the next one.
    """
    at = at or utcnow()
    table = MessageReadMarker.__table__
    insert = sqlite_insert if db.engine.dialect.name == "sqlite" else postgresql_insert
    stmt = insert(table).values(
        firm_id=engagement.firm_id, engagement_id=engagement.id, user_id=person.id, read_at=at
    )
    db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c.user_id, table.c.engagement_id],
            set_={"read_at": stmt.excluded.read_at},
            where=table.c.read_at < stmt.excluded.read_at,
        )
    )


def thread_page(engagement: Engagement):
    """The thread, oldest first, on the page asked for; the newest page when none is."""
    stmt = (
        select(EngagementMessage)
        .where(EngagementMessage.engagement_id == engagement.id)
        .options(joinedload(EngagementMessage.author).joinedload(User.firm))
        .order_by(EngagementMessage.created_at, EngagementMessage.id)
    )
    return db.paginate(stmt, page=requested_page_or_last(), per_page=PER_PAGE, error_out=False)


def unread_messages_clause(person: User):
    """Messages this person has not seen: by someone else, after their marker on that thread."""
    marker = (
        select(MessageReadMarker.read_at)
        .where(
            MessageReadMarker.engagement_id == EngagementMessage.engagement_id,
            MessageReadMarker.user_id == person.id,
        )
        .scalar_subquery()
    )
    return and_(
        EngagementMessage.author_id != person.id,
        or_(marker.is_(None), EngagementMessage.created_at > marker),
    )


def marker_of_row(person: User):
    """The person's marker on the engagement of the enclosing query's row (SQL), or NULL."""
    return (
        select(MessageReadMarker.read_at)
        .where(
            MessageReadMarker.engagement_id == Engagement.id,
            MessageReadMarker.user_id == person.id,
        )
        .scalar_subquery()
    )


def newest_after(newest, marker):
    """SQL: ``newest`` (a post's time, NULL without posts) is past ``marker`` (NULL: never read)."""
    return and_(newest.is_not(None), or_(marker.is_(None), newest > marker))


def newest_message():
    """The newest message of the enclosing query's engagement: an index lookup, not a scan."""
    return (
        select(func.max(EngagementMessage.created_at))
        .where(EngagementMessage.engagement_id == Engagement.id)
        .scalar_subquery()
    )


def unread_thread_clause(person: User):
    """An engagement whose newest message is past the person's marker.

    Writing marks the thread read for its author (``post_message``), so the newest
    message alone decides, and each engagement costs two index lookups however
    long its thread is.
    """
    return newest_after(newest_message(), marker_of_row(person))


def unread_thread_count(person: User) -> int:
    """Threads with a message this person has not read: one query, for the header.

    In a firm user's request the session narrows it to their firm's engagements.
    """
    return (
        db.session.scalar(select(func.count(Engagement.id)).where(unread_thread_clause(person)))
        or 0
    )
