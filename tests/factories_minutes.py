"""A meeting's record (SPEC 7a) made directly: FDA's working copy, a follow-up, a version."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from portal.auth.models import User
from portal.meetings.models import Meeting
from portal.minutes.models import MeetingFollowUp, MeetingRecord, MeetingRecordVersion
from portal.timeutil import utcnow
from tests import factories


def published_record(meeting: Meeting, by: User, *, summary: str = "We met.") -> SimpleNamespace:
    """A held meeting's record with one follow-up, published once (no emails)."""
    record = factories._save(
        MeetingRecord(
            firm_id=meeting.firm_id,
            meeting_id=meeting.id,
            created_by_id=by.id,
            summary=summary,
            outcomes="Agreed next steps.",
            published_number=1,
            has_unpublished_changes=False,
        )
    )
    follow_up = factories._save(
        MeetingFollowUp(
            firm_id=meeting.firm_id,
            record_id=record.id,
            description="Send the revised SOP",
            owner_name="QA lead",
            due_date=date.today() + timedelta(days=30),
        )
    )
    version = factories._save(
        MeetingRecordVersion(
            firm_id=meeting.firm_id,
            record_id=record.id,
            meeting_id=meeting.id,
            number=1,
            content={
                "attendees": [],
                "guests": [],
                "summary": summary,
                "topics": "",
                "outcomes": "Agreed next steps.",
                "questions": [],
                "follow_ups": [],
            },
            published_by_id=by.id,
            published_at=utcnow(),
        )
    )
    return SimpleNamespace(record=record, follow_up=follow_up, version=version)
