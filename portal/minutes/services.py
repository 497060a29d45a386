"""Writing, publishing and answering a meeting's record (SPEC 7a).

Services add and flush; the view commits. FDA keeps one working copy per meeting
(``MeetingRecord``, FdaOnly); publishing freezes it into a new ``MeetingRecordVersion``,
the only thing the firm's pages read. A revision is a new version beside the earlier
ones, with the sections the portal found changed and FDA's note. The firm's users are
emailed a link on each publication; the email never carries the record's text
(SPEC "Email": minutes stay in the portal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache

from sqlalchemy import Integer, Select, bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from portal.audit import services as audit
from portal.auth.models import Role, User, UserStatus
from portal.auth.queries import active_member_of
from portal.documents import services as documents
from portal.documents.models import DocumentKind
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.mail import queue_email
from portal.meetings.models import Meeting, MeetingStatus
from portal.minutes.models import (
    FOLLOW_UPS_MAX,
    GUESTS_MAX,
    TEXT_MAX,
    MeetingFollowUp,
    MeetingRecord,
    MeetingRecordReply,
    MeetingRecordVersion,
)
from portal.quality import services as quality
from portal.questions.models import Question, QuestionStatus
from portal.timeutil import utcnow
from portal.urls import external_url

COMMENT_MAX = 8000
REPLIES_PER_PAGE = 20

#: The sections of a record, in the order pages show them and "what changed" names them.
SECTIONS = (
    ("attendees", "Attendees"),
    ("guests", "Guests"),
    ("summary", "Summary"),
    ("topics", "Topics"),
    ("questions", "Questions discussed"),
    ("outcomes", "Outcomes"),
    ("follow_ups", "Follow-ups"),
)


def section_label(name: str) -> str:
    """The ``section_label`` filter: a changed section's name as people say it."""
    return dict(SECTIONS).get(name, name)


class RecordError(ValueError):
    """A change the rules refuse; ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Guest:
    name: str
    organization: str = ""
    title: str = ""


@dataclass
class NewFollowUp:
    description: str
    owner_name: str
    due_date: date | None


@dataclass
class RecordText:
    """What FDA writes: the whole working copy, and follow-ups to add to it."""

    attendee_ids: list[int] = field(default_factory=list)
    guests: list[Guest] = field(default_factory=list)
    summary: str = ""
    topics: str = ""
    outcomes: str = ""
    question_ids: list[int] = field(default_factory=list)
    new_follow_ups: list[NewFollowUp] = field(default_factory=list)


# --- who and what may be ticked -------------------------------------------------------------


def possible_attendees(meeting: Meeting) -> list[User]:
    """The firm's active users, then FDA's active staff: the people FDA may tick, one query."""
    return list(db.session.scalars(_attendees_statement(), {"firm_id": meeting.firm_id}))


# The record page's reads are built once per process, the meeting a bound parameter:
# composing a statement and computing SQLAlchemy's cache key cost about as much CPU as
# running it.


@cache
def _attendees_statement() -> Select:
    fda = User.role.in_((Role.FDA_ADMIN, Role.FDA_STAFF)) & (User.status == UserStatus.ACTIVE)
    return (
        select(User)
        .where(or_(active_member_of(bindparam("firm_id", type_=Integer)), fda))
        .order_by(User.firm_id.is_(None), User.full_name, User.id)
    )


def meeting_questions(meeting: Meeting) -> list[Question]:
    """The meeting's questions still asked: the ones that can have been discussed."""
    return list(db.session.scalars(_questions_statement(), {"meeting_id": meeting.id}))


@cache
def _questions_statement() -> Select:
    return (
        select(Question)
        .where(Question.meeting_id == bindparam("meeting_id"), Question.withdrawn_at.is_(None))
        .order_by(Question.submitted_at, Question.id)
    )


def record_of(meeting: Meeting) -> MeetingRecord | None:
    return db.session.scalars(_record_statement(), {"meeting_id": meeting.id}).first()


@cache
def _record_statement() -> Select:
    return select(MeetingRecord).where(MeetingRecord.meeting_id == bindparam("meeting_id"))


# --- FDA writes ---------------------------------------------------------------------------


def _text(value: str, label: str, name: str) -> str:
    value = (value or "").strip()
    if len(value) > TEXT_MAX:
        raise RecordError(f"Keep the {label} under {TEXT_MAX:,} characters.", name)
    return value


def _guests(guests: list[Guest]) -> list[dict]:
    cleaned = []
    for guest in guests:
        name, organization, title = (
            guest.name.strip(),
            guest.organization.strip(),
            guest.title.strip(),
        )
        if not (name or organization or title):
            continue
        if not name:
            raise RecordError("Give each guest's name (organization and title too).", "guests")
        if not organization:
            raise RecordError(f"Give the organization {name} came from.", "guests")
        if max(len(name), len(organization), len(title)) > 200:
            raise RecordError("Keep each guest's name, organization and title short.", "guests")
        cleaned.append({"name": name, "organization": organization, "title": title})
    if len(cleaned) > GUESTS_MAX:
        raise RecordError(f"A record names at most {GUESTS_MAX} guests.", "guests")
    return cleaned


def _check_follow_ups(follow_ups: list[NewFollowUp]) -> list[NewFollowUp]:
    kept = []
    for item in follow_ups:
        description, owner = item.description.strip(), item.owner_name.strip()
        if not (description or owner or item.due_date):
            continue
        if not description:
            raise RecordError("Say what each follow-up is.", "follow_ups")
        if not owner or len(owner) > 120:
            raise RecordError(
                f"Name who owns the follow-up \u201c{description[:60]}\u201d.", "follow_ups"
            )
        if item.due_date is None:
            raise RecordError(f"Give the date \u201c{description[:60]}\u201d is due.", "follow_ups")
        if len(description) > 2000:
            raise RecordError("Keep each follow-up under 2,000 characters.", "follow_ups")
        kept.append(NewFollowUp(description, owner, item.due_date))
    return kept


def save_record(meeting: Meeting, text: RecordText, *, by: User) -> MeetingRecord:
    """Write FDA's working copy of a held meeting's record; a draft until published.

    The questions ticked become "discussed at the meeting" (SPEC 7a); the firm sees
    that status on its question pages at once, as it sees any status FDA sets.
    """
    if meeting.status != MeetingStatus.HELD:
        raise RecordError("Mark the meeting held first: a record is written after the meeting.")
    allowed_people = {person.id for person in possible_attendees(meeting)}
    attendee_ids = list(dict.fromkeys(text.attendee_ids))
    if not set(attendee_ids) <= allowed_people:
        raise RecordError("Tick only the firm's and FDA's people listed.", "attendees")
    questions = {question.id: question for question in meeting_questions(meeting)}
    question_ids = list(dict.fromkeys(text.question_ids))
    if not set(question_ids) <= set(questions):
        raise RecordError("Tick only this meeting's questions.", "questions")
    values = {
        "attendee_ids": attendee_ids,
        "guests": _guests(text.guests),
        "summary": _text(text.summary, "summary", "summary"),
        "topics": _text(text.topics, "topics", "topics"),
        "outcomes": _text(text.outcomes, "outcomes", "outcomes"),
        "question_ids": question_ids,
    }
    follow_ups = _check_follow_ups(text.new_follow_ups)
    record = record_of(meeting)
    created = record is None
    if created:
        record = MeetingRecord(
            firm_id=meeting.firm_id, meeting_id=meeting.id, created_by_id=by.id, **values
        )
        db.session.add(record)
        db.session.flush()
        changed = [name for name, _ in SECTIONS if name != "follow_ups"]
    else:
        changed = [name for name, value in values.items() if getattr(record, name) != value]
        for name in changed:
            setattr(record, name, values[name])
    existing_follow_ups = len(record.follow_ups)
    if existing_follow_ups + len(follow_ups) > FOLLOW_UPS_MAX:
        raise RecordError(f"A record has at most {FOLLOW_UPS_MAX} follow-ups.", "follow_ups")
    for item in follow_ups:
        db.session.add(
            MeetingFollowUp(
                firm_id=meeting.firm_id,
                record_id=record.id,
                record=record,
                description=item.description,
                owner_name=item.owner_name,
                due_date=item.due_date,
            )
        )
    if follow_ups:
        changed.append("follow_ups")
    for question_id in question_ids:
        question = questions[question_id]
        if question.status != QuestionStatus.DISCUSSED:
            question.status = QuestionStatus.DISCUSSED
            audit.record("question.status", question, detail="discussed at the meeting", actor=by)
    if changed:
        record.updated_at = utcnow()
        record.has_unpublished_changes = True
    db.session.flush()
    audit.record(
        "meeting_record.create" if created else "meeting_record.update",
        record,
        detail=f"changed {', '.join(changed) or 'nothing'}",
        actor=by,
    )
    return record


def snapshot(
    record: MeetingRecord,
    *,
    attendees: list[User] | None = None,
    asked: list[Question] | None = None,
) -> dict:
    """The record as the firm will read it: names and texts, frozen at publication.

    ``attendees`` (``possible_attendees``) and ``asked`` (``meeting_questions``) are what
    the record's page has already loaded; only the people and questions the record names
    beyond them are read here (one query each, whatever they number).
    """
    if attendees is None:
        attendees = possible_attendees(record.meeting)
    people = {person.id: person for person in attendees}
    people.update(
        (person.id, person)
        for person in db.session.scalars(
            select(User).where(User.id.in_([i for i in record.attendee_ids if i not in people]))
        )
    )
    questions = {question.id: question for question in asked or ()}
    questions.update(
        (question.id, question)
        for question in db.session.scalars(
            select(Question).where(
                Question.id.in_([i for i in record.question_ids if i not in questions])
            )
        )
    )
    return {
        "attendees": [
            {"name": people[i].full_name, "side": "FDA" if people[i].is_fda else "firm"}
            for i in record.attendee_ids
            if i in people
        ],
        "guests": list(record.guests),
        "summary": record.summary,
        "topics": record.topics,
        "outcomes": record.outcomes,
        "questions": [
            {"public_id": str(questions[i].public_id), "subject": questions[i].subject}
            for i in record.question_ids
            if i in questions
        ],
        "follow_ups": [
            {
                "description": item.description,
                "owner": item.owner_name,
                "due": item.due_date.isoformat(),
                "quality_action": str(item.quality_action.public_id)
                if item.quality_action
                else None,
            }
            for item in record.follow_ups
        ],
    }


def version_loads() -> tuple:
    """A version's meeting with its site and firm, in the version's own query."""
    engagement = joinedload(MeetingRecordVersion.meeting).joinedload(Meeting.engagement)
    return (engagement.joinedload(Engagement.site), engagement.joinedload(Engagement.firm))


def latest_version(meeting: Meeting) -> MeetingRecordVersion | None:
    return db.session.scalars(
        select(MeetingRecordVersion)
        .where(MeetingRecordVersion.meeting_id == meeting.id)
        .order_by(MeetingRecordVersion.number.desc())
        .limit(1)
    ).first()


def publish(record: MeetingRecord, note: str, *, by: User, files=()) -> MeetingRecordVersion:
    """Publish the working copy to the firm as a new version; earlier versions stay.

    A revision names the sections it changed, and FDA says why; the firm's active
    users are emailed either way. ``files`` are published with the version (SPEC 15):
    a document exists only on a published version, so a draft's files never reach a
    firm. A revision may add documents alone.
    """
    note = (note or "").strip()
    if len(note) > 2000:
        raise RecordError("Keep the note under 2,000 characters.", "note")
    try:
        uploads = documents.vet(files)
    except documents.DocumentError as error:
        raise RecordError(str(error), error.field) from error
    content = snapshot(record)
    previous = latest_version(record.meeting)
    if previous is None:
        changed = []
    else:
        changed = [name for name, _ in SECTIONS if previous.content.get(name) != content[name]]
        if not changed and not uploads:
            raise RecordError("Nothing has changed since the published version.")
        if not note:
            raise RecordError("Say what changed and why; the firm reads your note.", "note")
    if not (content["summary"] or content["outcomes"]):
        raise RecordError("Write the summary or the outcomes before publishing.")
    version = MeetingRecordVersion(
        firm_id=record.firm_id,
        record_id=record.id,
        meeting_id=record.meeting_id,
        number=(previous.number + 1) if previous else 1,
        content=content,
        change_note=note,
        changed_sections=changed,
        published_by_id=by.id,
        published_at=utcnow(),
    )
    db.session.add(version)
    record.published_number = version.number
    record.has_unpublished_changes = False
    db.session.flush()
    documents.store(
        uploads,
        firm_id=record.firm_id,
        kind=DocumentKind.MEETING_RECORD,
        by=by,
        record_version_id=version.id,
    )
    audit.record(
        "meeting_record.publish",
        record,
        detail=f"version {version.number}" + (f": changed {', '.join(changed)}" if changed else ""),
        actor=by,
    )
    _notify_firm(version, record.meeting, revised=previous is not None)
    return version


def _notify_firm(version: MeetingRecordVersion, meeting: Meeting, *, revised: bool) -> None:
    """A link to the record for each active user; the record's text stays in the portal."""
    link = external_url("firm_minutes.record", meeting_record_version_id=version.public_id)
    subject = (
        "FDA has revised the record of your meeting"
        if revised
        else "FDA has published the record of your meeting"
    )
    people = db.session.scalars(
        select(User).where(active_member_of(meeting.firm_id)).order_by(User.id)
    )
    for person in people:
        queue_email(
            person.email,
            "minutes_published",
            subject,
            firm_id=meeting.firm_id,
            user=person,
            meeting=meeting,
            revised=revised,
            link=link,
        )


def make_quality_action(follow_up: MeetingFollowUp, kind: str, *, by: User):
    """A follow-up becomes a quality action in one step (SPEC 11), linked to the meeting."""
    if follow_up.quality_action_id is not None:
        raise RecordError("This follow-up is already a quality action.")
    meeting = follow_up.record.meeting
    try:
        action = quality.create_action(
            meeting.engagement,
            quality.ActionDetails(
                kind=kind,
                description=follow_up.description,
                owner_name=follow_up.owner_name,
                target_date=follow_up.due_date,
                meeting=str(meeting.public_id),
            ),
            by=by,
        )
    except quality.QualityError as error:
        raise RecordError(str(error)) from error
    follow_up.quality_action_id = action.id
    follow_up.quality_action = action
    follow_up.record.has_unpublished_changes = True
    db.session.flush()
    return action


# --- the firm answers ----------------------------------------------------------------------


def acknowledged_by(version: MeetingRecordVersion, user: User) -> MeetingRecordReply | None:
    return db.session.scalars(
        select(MeetingRecordReply).where(
            MeetingRecordReply.version_id == version.id,
            MeetingRecordReply.author_id == user.id,
            MeetingRecordReply.body == "",
        )
    ).first()


def acknowledge(version: MeetingRecordVersion, *, by: User) -> MeetingRecordReply:
    """The firm user has read this version; once per person per version."""
    if not by.is_firm_user or by.firm_id != version.firm_id:
        raise RecordError("Only the firm's users acknowledge its meeting record.")
    existing = acknowledged_by(version, by)
    if existing is not None:
        return existing
    reply = MeetingRecordReply(
        firm_id=version.firm_id,
        version_id=version.id,
        meeting_id=version.meeting_id,
        author_id=by.id,
        body="",
    )
    db.session.add(reply)
    db.session.flush()
    audit.record("meeting_record.acknowledge", version, detail=f"version {version.number}")
    return reply


def comment(version: MeetingRecordVersion, body: str, *, by: User) -> MeetingRecordReply:
    """The firm's comment on the record; FDA reads it on its record page."""
    if not by.is_firm_user or by.firm_id != version.firm_id:
        raise RecordError("Only the firm's users comment on its meeting record.")
    body = (body or "").strip()
    if not body:
        raise RecordError("Write your comment before sending it.", "body")
    if len(body) > COMMENT_MAX:
        raise RecordError(f"Keep the comment under {COMMENT_MAX:,} characters.", "body")
    reply = MeetingRecordReply(
        firm_id=version.firm_id,
        version_id=version.id,
        meeting_id=version.meeting_id,
        author_id=by.id,
        body=body,
    )
    db.session.add(reply)
    db.session.flush()
    audit.record("meeting_record.comment", version, detail=f"version {version.number}")
    # The FDA person who published this version hears of it; the comment stays in the portal.
    publisher = db.session.get(User, version.published_by_id)
    if publisher is not None and publisher.status == UserStatus.ACTIVE:
        queue_email(
            publisher.email,
            "minutes_commented",
            "The firm has commented on a meeting record",
            user=publisher,
            meeting=version.meeting,
            commenter=by,
            link=external_url("minutes.record", meeting_id=version.meeting.public_id),
        )
    return reply


def replies(meeting: Meeting):
    """The firm's acknowledgements and comments on every version, oldest first, a page at a
    time (``?page=``, portal.paging)."""
    return db.paginate(
        select(MeetingRecordReply)
        .where(MeetingRecordReply.meeting_id == meeting.id)
        .options(joinedload(MeetingRecordReply.author), joinedload(MeetingRecordReply.version))
        .order_by(MeetingRecordReply.created_at, MeetingRecordReply.id),
        per_page=REPLIES_PER_PAGE,
    )


def versions(meeting: Meeting) -> list[MeetingRecordVersion]:
    return list(db.session.scalars(_versions_statement(), {"meeting_id": meeting.id}))


@cache
def _versions_statement() -> Select:
    return (
        select(MeetingRecordVersion)
        .where(MeetingRecordVersion.meeting_id == bindparam("meeting_id"))
        .options(joinedload(MeetingRecordVersion.published_by))
        .order_by(MeetingRecordVersion.number.desc())
    )


def count_versions(meeting: Meeting) -> int:
    return db.session.scalar(
        select(func.count()).where(MeetingRecordVersion.meeting_id == meeting.id)
    )
