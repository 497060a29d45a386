"""Quality actions (SPEC 11): the corrective and preventive actions an engagement leads to.

Who may move an action from which status to which is written down once, in
TRANSITIONS below, and every status change goes through ``change_status``,
which checks it, keeps the change as history (QualityActionEvent) and audits it:

    from          to            who    note
    planned       in_progress   firm   optional: what is being done first
    in_progress   completed     firm   required: what was done, and the evidence
    planned       closed        firm   required: why it will not be completed
    in_progress   closed        firm   required: why it will not be completed
    completed     verified      FDA    optional: what FDA checked
    completed     in_progress   FDA    required: what is still missing ("send back")

Verified and closed are final. Firm users also record and edit their firm's
actions (while planned or in progress) and add dated evidence notes; FDA staff
record actions for an engagement and comment on any action.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update

from portal.audit import services as audit
from portal.auth.models import User
from portal.auth.queries import active_firm_users
from portal.documents import services as documents
from portal.documents.models import DocumentKind
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.mail import queue_email
from portal.meetings.models import Meeting
from portal.quality.models import (
    ActionKind,
    ActionStatus,
    EventKind,
    QualityAction,
    QualityActionEvent,
)
from portal.questions.models import Question
from portal.timeutil import program_today, to_local, utcnow
from portal.urls import external_url
from portal.wording import lower_first

DESCRIPTION_MAX = 4000
NOTE_MAX = 4000
OWNER_MAX = 120


class Side(enum.StrEnum):
    FIRM = "firm"
    FDA = "fda"


@dataclass(frozen=True)
class Transition:
    source: ActionStatus
    target: ActionStatus
    side: Side
    #: The button, e.g. "Send back to the firm".
    verb: str
    #: What the note field asks for.
    note_label: str
    note_required: bool


P, W, C, V, X = (
    ActionStatus.PLANNED,
    ActionStatus.IN_PROGRESS,
    ActionStatus.COMPLETED,
    ActionStatus.VERIFIED,
    ActionStatus.CLOSED,
)
_CLOSE_NOTE = "Why the action will not be completed"
TRANSITIONS: tuple[Transition, ...] = (
    Transition(P, W, Side.FIRM, "Start work", "What is being done first", False),
    Transition(W, C, Side.FIRM, "Mark completed", "What was done, and the evidence", True),
    Transition(P, X, Side.FIRM, "Close without completing", _CLOSE_NOTE, True),
    Transition(W, X, Side.FIRM, "Close without completing", _CLOSE_NOTE, True),
    Transition(C, V, Side.FDA, "Verify", "What FDA checked", False),
    Transition(C, W, Side.FDA, "Send back to the firm", "What is still missing", True),
)
TRANSITION_BY_KEY = {(t.source, t.target): t for t in TRANSITIONS}


class QualityError(ValueError):
    """A change to a quality action that cannot be made; ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def side_of(user: User) -> Side:
    return Side.FDA if user.is_fda else Side.FIRM


def local_today(user: User) -> date:
    """Today where the person is: a date they type (evidence) is judged by their calendar."""
    return to_local(utcnow(), user.timezone).date()


def transitions_for(action: QualityAction, user: User) -> list[Transition]:
    """The status changes this person may make to this action now."""
    side = side_of(user)
    return [t for t in TRANSITIONS if t.source == action.status and t.side == side]


def _check_firm(action_or_engagement, by: User) -> None:
    if by.is_firm_user and by.firm_id != action_or_engagement.firm_id:
        raise QualityError("This record belongs to another firm.")
    if not (by.is_firm_user or by.is_fda):
        raise QualityError("Only FDA staff and the firm's users can change quality actions.")


def _event(action: QualityAction, by: User, kind: EventKind, **values) -> QualityActionEvent:
    event = QualityActionEvent(
        firm_id=action.firm_id, action_id=action.id, by_id=by.id, kind=kind.value, **values
    )
    db.session.add(event)
    return event


def _notify_firm(action: QualityAction, what: str, note: str = "") -> None:
    """Tell the firm's users when FDA records, verifies, sends back or comments on an action."""
    link = external_url("firm_quality.detail", quality_action_id=action.public_id)
    for user in active_firm_users(action.firm_id):
        queue_email(
            user.email,
            "quality_fda_update",
            f"FDA {what} a quality action of your engagement",
            firm_id=action.firm_id,
            user=user,
            action=action,
            what=what,
            note=note,
            link=link,
        )


# --- the action's details ------------------------------------------------------------------


@dataclass
class ActionDetails:
    """What a person fills in to record or edit an action."""

    kind: str
    description: str
    owner_name: str
    target_date: date | None
    #: Public ids (as text) of a meeting or question of the same engagement, or "".
    meeting: str = ""
    question: str = ""


def _linked(model, engagement: Engagement, public_id: str, field: str):
    """The meeting or question chosen, which must be the same engagement's (SPEC 11)."""
    if not public_id:
        return None
    try:
        wanted = uuid.UUID(public_id)
    except ValueError:
        wanted = None
    record = None
    if wanted is not None:
        record = db.session.scalars(
            select(model).where(model.engagement_id == engagement.id, model.public_id == wanted)
        ).first()
    if record is None:
        raise QualityError(f"Choose a {field} of this engagement, or none.", field)
    return record


def _validated(details: ActionDetails, engagement: Engagement, by: User, *, was: date | None):
    try:
        kind = ActionKind(details.kind)
    except ValueError as error:
        raise QualityError("Choose corrective or preventive.", "kind") from error
    description = (details.description or "").strip()
    if not description:
        raise QualityError("Describe the action: what will be changed, and why.", "description")
    if len(description) > DESCRIPTION_MAX:
        raise QualityError(
            f"Keep the description under {DESCRIPTION_MAX:,} characters.", "description"
        )
    owner = (details.owner_name or "").strip()
    if not owner:
        raise QualityError("Name the person at the firm who owns the action.", "owner_name")
    if len(owner) > OWNER_MAX:
        raise QualityError(f"Keep the owner's name under {OWNER_MAX} characters.", "owner_name")
    if details.target_date is None:
        raise QualityError("Give the date the action should be completed by.", "target_date")
    # Judged by the program's day, as "overdue" is: a new target is never already overdue.
    if details.target_date != was and details.target_date < program_today():
        raise QualityError("The target date cannot be in the past.", "target_date")
    meeting = _linked(Meeting, engagement, details.meeting, "meeting")
    question = _linked(Question, engagement, details.question, "question")
    return kind, description, owner, meeting, question


def create_action(engagement: Engagement, details: ActionDetails, *, by: User) -> QualityAction:
    """Record a new action, planned; FDA's new actions are emailed to the firm."""
    _check_firm(engagement, by)
    if engagement.status != EngagementStatus.ACTIVE:
        raise QualityError("This engagement is closed; new quality actions cannot be recorded.")
    kind, description, owner, meeting, question = _validated(details, engagement, by, was=None)
    action = QualityAction(
        firm_id=engagement.firm_id,
        engagement_id=engagement.id,
        kind=kind,
        description=description,
        owner_name=owner,
        target_date=details.target_date,
        meeting_id=meeting.id if meeting else None,
        question_id=question.id if question else None,
        status=ActionStatus.PLANNED,
        created_by_id=by.id,
    )
    db.session.add(action)
    db.session.flush()
    _event(action, by, EventKind.STATUS, from_status="", to_status=ActionStatus.PLANNED.value)
    audit.record("quality_action.create", action, detail=f"{kind.value}: {description[:200]}")
    if by.is_fda:
        _notify_firm(action, "recorded")
    return action


def update_action(action: QualityAction, details: ActionDetails, *, by: User) -> QualityAction:
    """The firm corrects an action's details while it is still being worked on."""
    _check_firm(action, by)
    if by.is_fda:
        raise QualityError("The firm keeps its actions' details; comment to ask for a change.")
    if not action.status.is_open:
        raise QualityError(
            f"This action is {lower_first(action.status.label)}; its details can no longer change."
        )
    engagement = db.session.get(Engagement, action.engagement_id)
    kind, description, owner, meeting, question = _validated(
        details, engagement, by, was=action.target_date
    )
    changed = []
    for name, value in (
        ("kind", kind),
        ("description", description),
        ("owner_name", owner),
        ("target_date", details.target_date),
        ("meeting_id", meeting.id if meeting else None),
        ("question_id", question.id if question else None),
    ):
        if getattr(action, name) != value:
            setattr(action, name, value)
            changed.append(name.removesuffix("_id").replace("_", " "))
    if changed:
        summary = "Changed: " + ", ".join(changed) + "."
        _event(action, by, EventKind.EDIT, note=summary)
        audit.record("quality_action.update", action, detail=summary)
    return action


# --- status, evidence, comments ----------------------------------------------------------------


def _clean_note(note: str, *, required: bool, label: str) -> str:
    note = (note or "").strip()
    if required and not note:
        raise QualityError(f"{label}: this is needed for this change.", "note")
    if len(note) > NOTE_MAX:
        raise QualityError(f"Keep the note under {NOTE_MAX:,} characters.", "note")
    return note


def change_status(
    action: QualityAction, target: ActionStatus, *, by: User, note: str = ""
) -> QualityActionEvent:
    """Move ``action`` to ``target`` if TRANSITIONS lets this person; history and audit kept."""
    _check_firm(action, by)
    source = action.status
    transition = TRANSITION_BY_KEY.get((source, target))
    if transition is None:
        raise QualityError(
            f"An action that is {lower_first(source.label)} "
            f"cannot become {lower_first(target.label)}."
        )
    if transition.side != side_of(by):
        who = "FDA staff" if transition.side == Side.FDA else "the firm"
        raise QualityError(f"Only {who} can {transition.verb.lower()} this action.")
    note = _clean_note(note, required=transition.note_required, label=transition.note_label)
    now = utcnow()
    values: dict = {"status": target, "updated_at": now}
    if target == ActionStatus.COMPLETED:
        values["completed_at"] = now
    elif target == ActionStatus.VERIFIED:
        values.update(verified_at=now, verified_by_id=by.id)
    elif target == ActionStatus.CLOSED:
        values["closed_reason"] = note
    elif source == ActionStatus.COMPLETED:  # sent back: no longer completed
        values["completed_at"] = None
    # Conditional on the status still being the one the person saw: of two
    # simultaneous changes, the second finds nothing to update.
    result = db.session.execute(
        update(QualityAction)
        .where(QualityAction.id == action.id, QualityAction.status == source)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        # Nothing was written; the page shows the status the other person set.
        db.session.refresh(action)
        raise QualityError("Someone changed this action a moment ago. Reload the page to see it.")
    db.session.refresh(action)
    event = _event(
        action, by, EventKind.STATUS, from_status=source.value, to_status=target.value, note=note
    )
    audit.record(
        "quality_action.status", action, detail=f"{source.value} -> {target.value}: {note[:300]}"
    )
    if transition.side == Side.FDA:
        _notify_firm(action, "verified" if target == ActionStatus.VERIFIED else "sent back", note)
    return event


def add_evidence(
    action: QualityAction, note: str, evidence_date: date | None, *, by: User, files=()
) -> QualityActionEvent:
    """The firm's dated note of what was done: a procedure revised, a batch record, training;
    with the documents that show it (SPEC 15), which FDA reads beside it."""
    _check_firm(action, by)
    if by.is_fda:
        raise QualityError("Evidence notes are the firm's; FDA adds comments.")
    if action.status in (ActionStatus.VERIFIED, ActionStatus.CLOSED):
        raise QualityError(
            f"This action is {lower_first(action.status.label)}; it takes no more evidence."
        )
    note = _clean_note(note, required=True, label="Evidence")
    if evidence_date is None:
        raise QualityError("Give the date the evidence is from.", "evidence_date")
    if evidence_date > local_today(by):
        raise QualityError("The evidence's date cannot be in the future.", "evidence_date")
    try:
        uploads = documents.vet(files)
    except documents.DocumentError as error:
        raise QualityError(str(error), error.field) from error
    event = _event(action, by, EventKind.EVIDENCE, note=note, evidence_date=evidence_date)
    audit.record("quality_action.evidence", action, detail=note[:300])
    db.session.flush()
    documents.store(
        uploads,
        firm_id=action.firm_id,
        kind=DocumentKind.EVIDENCE,
        by=by,
        evidence_event_id=event.id,
    )
    return event


def add_comment(action: QualityAction, note: str, *, by: User) -> QualityActionEvent:
    """FDA's remark on an action, in its history; the firm is emailed."""
    if not by.is_fda:
        raise QualityError("Comments are FDA's; add an evidence note instead.")
    note = _clean_note(note, required=True, label="Comment")
    event = _event(action, by, EventKind.COMMENT, note=note)
    audit.record("quality_action.comment", action, detail=note[:300])
    _notify_firm(action, "commented on", note)
    return event
