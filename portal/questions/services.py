"""Questions a firm sends before a meeting, and FDA's answers (SPEC 8).

The deadline rule lives here, checked against the clock at the moment of the
change: a question is accepted, edited or withdrawn only while
``now < question_deadline(meeting)``, so one second before the deadline it is
taken and at the deadline it is refused, whatever the form showed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from portal.audit import services as audit
from portal.auth.models import Role, User
from portal.auth.queries import active_member_of
from portal.documents import services as documents
from portal.documents.models import DocumentKind
from portal.extensions import db
from portal.mail import queue_email
from portal.meetings.models import Meeting, MeetingStatus
from portal.meetings.schedule import accepts_questions, question_deadline
from portal.questions.models import (
    CGMP_TOPIC_LABELS,
    Question,
    QuestionNote,
    QuestionRevision,
    QuestionStatus,
)
from portal.sanitize import clean_html, plain_text
from portal.timeutil import format_local, utcnow
from portal.urls import external_url

SUBJECT_MAX = 200
BODY_MAX = 8000

#: Statuses that tell the firm something it should read: each sends the author a notice.
NOTIFYING_STATUSES = frozenset({QuestionStatus.ANSWERED_IN_WRITING, QuestionStatus.FOR_DISCUSSION})


@dataclass(frozen=True)
class Responded:
    """What `respond` did: whether anything changed, and who at the firm was emailed.

    True when something changed, so callers that only ask "did it change?" keep working;
    the page names the people emailed instead of a bare "Saved." (issue 16).
    """

    changed: bool
    emailed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.changed


class QuestionError(ValueError):
    """A change the rules do not allow; ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def closed_message(meeting: Meeting, zone_name: str) -> str:
    """Why questions for ``meeting`` are no longer taken, naming the deadline in the
    reader's zone (SPEC 8)."""
    if meeting.status != MeetingStatus.SCHEDULED:
        return f"This meeting was {meeting.status.value}; it takes no more questions."
    deadline = format_local(question_deadline(meeting), zone_name)
    return f"Questions for this meeting closed at {deadline}."


def _check_open(
    meeting: Meeting, person: User, now: datetime, field: str | None = "meeting"
) -> None:
    if not accepts_questions(meeting, now):
        raise QuestionError(closed_message(meeting, person.timezone), field)


def _check_firm(meeting: Meeting, person: User) -> None:
    """A firm user works on their own firm's meetings only (confidentiality, SPEC)."""
    if not person.is_firm_user or person.firm_id != meeting.firm_id:
        raise QuestionError("You can only send questions for your own firm's meetings.")


def _clean_fields(subject: str, topic: str, body: str) -> tuple[str, str, str]:
    subject = subject.strip()
    if not subject:
        raise QuestionError("Give the question a short subject.", "subject")
    if len(subject) > SUBJECT_MAX:
        raise QuestionError(f"Keep the subject to {SUBJECT_MAX} characters.", "subject")
    if topic not in CGMP_TOPIC_LABELS:
        raise QuestionError("Choose the CGMP topic from the list.", "topic")
    if len(body) > BODY_MAX:
        raise QuestionError(f"Keep the question to {BODY_MAX:,} characters.", "body")
    body_html = clean_html(body)
    if not plain_text(body_html):
        raise QuestionError("Write the question itself.", "body")
    return subject, topic, body_html


def _vet(files, question: Question | None, kind: DocumentKind) -> list[documents.Upload]:
    """The files judged before anything is written: a refused file leaves no change."""
    already = documents.count_on(question_id=question.id, kind=kind) if question else 0
    try:
        return documents.vet(files, already=already)
    except documents.DocumentError as error:
        raise QuestionError(str(error), error.field) from error


def _store(uploads, question: Question, kind: DocumentKind, by: User) -> None:
    documents.store(uploads, firm_id=question.firm_id, kind=kind, by=by, question_id=question.id)


def _firm_admins(firm_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(active_member_of(firm_id), User.role == Role.FIRM_ADMIN)
        )
    )


def _default_assignee_id(meeting: Meeting, follows: Question | None) -> int | None:
    """Who prepares FDA's answer unless FDA chooses otherwise (SPEC 8): a follow-up goes
    to whoever has the earlier question, anything else to the engagement's FDA lead."""
    if follows is not None and follows.assigned_to_id is not None:
        return follows.assigned_to_id
    return meeting.engagement.fda_lead_id


def submit_question(
    meeting: Meeting,
    author: User,
    *,
    subject: str,
    topic: str,
    body: str,
    follows: Question | None = None,
    files=(),
) -> Question:
    """A firm user asks FDA something before a meeting; they get a receipt.

    ``follows`` is the firm's earlier question this one follows up (SPEC 8); ``files``
    are documents attached to it (SPEC 15).
    """
    _check_firm(meeting, author)
    if follows is not None and follows.firm_id != meeting.firm_id:
        raise QuestionError("A follow-up can only follow one of your own firm's questions.")
    now = utcnow()
    _check_open(meeting, author, now)
    subject, topic, body_html = _clean_fields(subject, topic, body)
    uploads = _vet(files, None, DocumentKind.QUESTION)
    question = Question(
        firm_id=meeting.firm_id,
        meeting_id=meeting.id,
        meeting=meeting,
        engagement_id=meeting.engagement_id,
        author_id=author.id,
        author=author,
        subject=subject,
        topic=topic,
        body_html=body_html,
        status=QuestionStatus.RECEIVED,
        submitted_at=now,
        follows_id=follows.id if follows is not None else None,
        assigned_to_id=_default_assignee_id(meeting, follows),
    )
    db.session.add(question)
    db.session.flush()
    detail = f"follows {follows.public_id}" if follows is not None else ""
    audit.record("question.submit", question, detail=detail, actor=author)
    _store(uploads, question, DocumentKind.QUESTION, author)
    queue_email(
        author.email,
        "questions_receipt",
        "We have your question for your FDA meeting",
        firm_id=question.firm_id,
        user=author,
        question=question,
        meeting=meeting,
        link=external_url("firm_questions.detail", question_id=question.public_id),
    )
    return question


TAKEN_UP_MESSAGE = (
    "FDA has begun work on this question (its status is \u201c{status}\u201d), so it can no "
    "longer be changed or withdrawn. To add to it or correct it, ask a follow-up question."
)


def taken_up_message(question: Question) -> str:
    return TAKEN_UP_MESSAGE.format(status=question.status.label)


def _check_changeable(question: Question, person: User, now: datetime) -> None:
    _check_firm(question.meeting, person)
    if question.is_withdrawn:
        raise QuestionError("This question was withdrawn; it can no longer be changed.")
    if question.taken_up:
        raise QuestionError(taken_up_message(question))
    _check_open(question.meeting, person, now, field=None)


def _hold_untaken(question: Question) -> None:
    """Refuse the change if FDA took the question up since it was loaded.

    A conditional UPDATE re-reads the status inside the writing transaction and
    keeps the row locked until commit, so FDA's status change and the firm's
    change cannot cross (the page the firm loaded may be minutes old).
    """
    held = db.session.execute(
        update(Question)
        .where(
            Question.id == question.id,
            Question.status == QuestionStatus.RECEIVED,
            Question.withdrawn_at.is_(None),
        )
        .values(status=QuestionStatus.RECEIVED)
        .execution_options(synchronize_session=False)
    )
    if held.rowcount != 1:
        db.session.refresh(question)
        if question.is_withdrawn:
            raise QuestionError("This question was withdrawn; it can no longer be changed.")
        raise QuestionError(taken_up_message(question))


def can_change(question: Question, now: datetime) -> bool:
    """Whether the firm may still edit or withdraw it: not withdrawn, not yet taken up by FDA,
    deadline not reached."""
    return (
        not question.is_withdrawn
        and not question.taken_up
        and accepts_questions(question.meeting, now)
    )


def can_follow_up(question: Question) -> bool:
    """A question FDA has taken up is followed up rather than changed (SPEC 8)."""
    return not question.is_withdrawn and question.taken_up


def edit_question(
    question: Question, editor: User, *, subject: str, topic: str, body: str, files=()
) -> bool:
    """Until the deadline, and while FDA has not taken it up, the firm may reword its
    question and attach more documents; the text it replaces is kept for FDA. Returns
    False if nothing changed."""
    now = utcnow()
    _check_changeable(question, editor, now)
    subject, topic, body_html = _clean_fields(subject, topic, body)
    uploads = _vet(files, question, DocumentKind.QUESTION)
    changed = [
        name
        for name, value in (("subject", subject), ("topic", topic), ("body_html", body_html))
        if getattr(question, name) != value
    ]
    if not changed and not uploads:
        return False
    _hold_untaken(question)
    _store(uploads, question, DocumentKind.QUESTION, editor)
    if not changed:
        return True
    db.session.add(
        QuestionRevision(
            firm_id=question.firm_id,
            question_id=question.id,
            subject=question.subject,
            topic=question.topic,
            body_html=question.body_html,
            revised_at=now,
            revised_by_id=editor.id,
        )
    )
    question.subject, question.topic, question.body_html = subject, topic, body_html
    audit.record("question.edit", question, detail=f"changed {', '.join(changed)}", actor=editor)
    return True


def withdraw_question(question: Question, person: User) -> None:
    """Withdrawn, not deleted: FDA's record of what was asked stays (SPEC "Confidentiality")."""
    _check_changeable(question, person, utcnow())
    _hold_untaken(question)
    question.withdrawn_at = utcnow()
    audit.record("question.withdraw", question, actor=person)


def respond(
    question: Question, *, status: QuestionStatus, response: str, by: User, files=()
) -> Responded:
    """FDA sets a question's status and may write a response and attach documents to
    it; falsy if nothing changed. The firm sees the answer's documents once it sees the
    answer (``Question.answer_shown``).

    "Answered in writing" needs the written answer. The author, and the
    firm's quality lead, hear when a question is answered or put down for
    discussion at the meeting, and again when a written answer is revised.
    """
    if not by.is_fda:
        raise QuestionError("Only FDA staff answer questions.")
    if question.is_withdrawn:
        raise QuestionError("The firm withdrew this question; it needs no answer.")
    if len(response) > BODY_MAX:
        raise QuestionError(f"Keep the response to {BODY_MAX:,} characters.", "response")
    response_html = clean_html(response)
    if status == QuestionStatus.ANSWERED_IN_WRITING and not plain_text(response_html):
        raise QuestionError("Write the answer before marking the question answered.", "response")
    uploads = _vet(files, question, DocumentKind.ANSWER)
    _store(uploads, question, DocumentKind.ANSWER, by)
    status_changed = status != question.status
    response_changed = response_html != question.response_html
    if not (status_changed or response_changed):
        return Responded(changed=bool(uploads))
    previous = question.status
    question.status = status
    if response_changed:
        question.response_html = response_html
        question.responded_at = utcnow() if response_html else None
        question.responded_by_id = by.id if response_html else None
    audit.record(
        "question.respond",
        question,
        detail=f"status {previous.value} -> {status.value}"
        + ("; response written" if response_changed else ""),
        actor=by,
    )
    revised_answer = status == QuestionStatus.ANSWERED_IN_WRITING and response_changed
    if status in NOTIFYING_STATUSES and (status_changed or revised_answer):
        emailed = _notify_answer(question, revised=not status_changed)
        return Responded(changed=True, emailed=emailed)
    return Responded(changed=True)


def _notify_answer(question: Question, *, revised: bool) -> tuple[str, ...]:
    recipients = {question.author.id: question.author} if question.author.is_active else {}
    for admin in _firm_admins(question.firm_id):
        recipients.setdefault(admin.id, admin)
    answered = question.status == QuestionStatus.ANSWERED_IN_WRITING
    template = "questions_answered" if answered else "questions_for_discussion"
    if answered:
        subject = "FDA has revised its answer" if revised else "FDA has answered your question"
    else:
        subject = "FDA will discuss your question at the meeting"
    link = external_url("firm_questions.detail", question_id=question.public_id)
    for person in recipients.values():
        queue_email(
            person.email,
            template,
            subject,
            firm_id=question.firm_id,
            user=person,
            question=question,
            meeting=question.meeting,
            revised=revised,
            link=link,
        )
    return tuple(sorted(person.display_name for person in recipients.values()))


NOTE_MAX = 8000


def _check_fda_colleague(person: User | None, field: str) -> None:
    if person is not None and not (person.is_fda and person.is_active):
        raise QuestionError("Choose one of FDA's active staff.", field)


def assign(question: Question, assignee: User | None, *, by: User) -> bool:
    """FDA gives the question to a colleague to answer, or to nobody (SPEC 8).

    FDA-only: firms are never told who at FDA holds their question; the colleague is
    emailed unless they took it themselves. False if nothing changed.
    """
    if not by.is_fda:
        raise QuestionError("Only FDA staff assign questions.")
    _check_fda_colleague(assignee, "assignee")
    new_id = assignee.id if assignee is not None else None
    if new_id == question.assigned_to_id:
        return False
    question.assigned_to_id = new_id
    question.assigned_to = assignee
    audit.record(
        "question.assign",
        question,
        detail=f"assigned to {assignee.email}" if assignee is not None else "unassigned",
        actor=by,
    )
    if assignee is not None and assignee.id != by.id:
        # An FDA email: it names the question and links to FDA's page; notes stay in the portal.
        queue_email(
            assignee.email,
            "questions_assigned",
            "A firm's question is assigned to you",
            user=assignee,
            assigned_by=by,
            question=question,
            link=external_url("questions.detail", question_id=question.public_id),
        )
    return True


def add_note(question: Question, body: str, *, by: User) -> QuestionNote:
    """An FDA-internal note on a question (SPEC 8). Its own table, read by FDA pages only;
    the audit trail names the note, never its text."""
    if not by.is_fda:
        raise QuestionError("Only FDA staff keep notes on questions.")
    if len(body) > NOTE_MAX:
        raise QuestionError(f"Keep the note to {NOTE_MAX:,} characters.", "body")
    body_html = clean_html(body)
    if not plain_text(body_html):
        raise QuestionError("Write the note.", "body")
    note = QuestionNote(
        firm_id=question.firm_id,
        question_id=question.id,
        author_id=by.id,
        body_html=body_html,
        created_at=utcnow(),
    )
    db.session.add(note)
    db.session.flush()
    audit.record("question.note", question, detail=f"note {note.public_id}", actor=by)
    return note


def revision_changes(question: Question) -> list[tuple[QuestionRevision, list[str]]]:
    """Each earlier text with what the firm changed in it (SPEC 8: who changed what, when).

    Revisions are newest first; each was replaced by the one before it in the list, the
    newest by the question's present text.
    """
    labels = (("subject", "subject"), ("topic", "topic"), ("body_html", "question"))
    result = []
    replacement: Question | QuestionRevision = question
    for revision in question.revisions:
        changed = [
            label for name, label in labels if getattr(revision, name) != getattr(replacement, name)
        ]
        result.append((revision, changed))
        replacement = revision
    return result
