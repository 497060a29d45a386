"""The daily digest of new messages, for those who chose it (SPEC 14).

Run by ``flask messages digest`` (cron, any number of times a day, several at
once): each person gets at most one digest per calendar day of their own time
zone. The claim is the unique key (person, day) of ``MessageDigest``, inserted
in the same transaction as the email: of two runs, one inserts, the other meets
the key and sends nothing. A digest lists the engagements with something the
person has not read since their previous digest, and links to each thread;
it never quotes a message.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.auth.models import User, UserStatus
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.mail import queue_email
from portal.messages import fda_notes
from portal.messages.models import (
    EngagementMessage,
    MessageDigest,
    MessageNoticePreference,
    NoticeMode,
)
from portal.messages.services import fda_people, thread_link, unread_messages_clause
from portal.timeutil import to_local

#: How far back the first digest looks, for someone who never had one.
FIRST_LOOK_BACK = timedelta(days=1)


def digest_readers() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(MessageNoticePreference, MessageNoticePreference.user_id == User.id)
            .where(
                MessageNoticePreference.mode == NoticeMode.DIGEST,
                User.status == UserStatus.ACTIVE,
            )
            .order_by(User.id)
        )
    )


def _previous_digest(person: User) -> datetime | None:
    return db.session.scalar(
        select(MessageDigest.sent_at)
        .where(MessageDigest.user_id == person.id)
        .order_by(MessageDigest.sent_at.desc())
        .limit(1)
    )


def _new_threads(person: User, since: datetime) -> list[Engagement]:
    """Engagements with something new for this person since ``since``, still unread."""
    if person.is_fda:
        post, unread = fda_notes.unread_posts(person)
        ids = set(
            db.session.scalars(
                select(post.c.engagement_id).where(unread, post.c.created_at > since).distinct()
            )
        )
    else:
        ids = set(
            db.session.scalars(
                select(EngagementMessage.engagement_id)
                .where(
                    EngagementMessage.firm_id == person.firm_id,
                    unread_messages_clause(person),
                    EngagementMessage.created_at > since,
                )
                .distinct()
            )
        )
    if not ids:
        return []
    engagements = db.session.scalars(
        select(Engagement).where(Engagement.id.in_(ids)).order_by(Engagement.id)
    ).all()
    if person.is_fda:
        # The same people as the immediate notices: FDA staff who wrote in the thread.
        engagements = [
            engagement
            for engagement in engagements
            if person.id
            in {p.id for p in fda_people(engagement, also=fda_notes.note_writers(engagement))}
        ]
    return list(engagements)


def queue_digest(person: User, now: datetime) -> bool:
    """Claim today's digest for ``person`` and queue it, in the caller's transaction.

    False when there is nothing new, or when today's digest is already claimed.
    """
    day = to_local(now, person.timezone).date()
    claimed = db.session.scalar(
        select(MessageDigest.id).where(MessageDigest.user_id == person.id, MessageDigest.day == day)
    )
    if claimed is not None:
        return False
    since = _previous_digest(person) or now - FIRST_LOOK_BACK
    engagements = _new_threads(person, since)
    if not engagements:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(MessageDigest(user_id=person.id, day=day, sent_at=now))
    except IntegrityError:
        return False  # another run claimed it a moment ago
    queue_email(
        person.email,
        "messages_digest",
        "New messages in your Site Engagement Program engagements",
        firm_id=person.firm_id,
        user=person,
        threads=[(engagement, thread_link(engagement, person)) for engagement in engagements],
    )
    return True
