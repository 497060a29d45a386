"""Factories for the meetings and questions tests, on top of tests/factories.py."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from portal.auth.models import Firm, Role, User
from portal.engagements.models import Engagement
from portal.meetings.models import Meeting
from portal.questions.models import Question
from tests import factories


def at(text: str, zone_name: str = "UTC") -> datetime:
    """An aware moment from "2026-03-20 10:00" read as wall-clock time in ``zone_name``."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone_name))


def meeting_at(
    engagement: Engagement,
    wall_clock: str,
    zone_name: str = "America/New_York",
    *,
    scheduled_by: User | None = None,
    **values,
) -> Meeting:
    """A scheduled meeting starting at ``wall_clock`` in ``zone_name``."""
    return factories.meeting(
        engagement,
        starts_at=at(wall_clock, zone_name),
        timezone=zone_name,
        scheduled_by=scheduled_by,
        **values,
    )


def questions(meeting: Meeting, author: User, count: int, **values) -> list[Question]:
    return [
        factories.question(meeting, author, topic=topic, **values)
        for topic, _ in zip(
            ["quality_system", "data_integrity", "laboratory_controls"] * count,
            range(count),
            strict=False,
        )
    ]


def firm_with_people(name: str | None = None) -> tuple[Firm, User, User]:
    """A firm, its quality lead and a member of its quality staff."""
    firm = factories.firm(name)
    lead = factories.user(Role.FIRM_ADMIN, firm=firm)
    staff = factories.user(Role.FIRM_STAFF, firm=firm)
    return firm, lead, staff
