"""FDA's meetings blueprint (/meetings); the firm's pages have their own (``firm_views``)."""

from __future__ import annotations

from datetime import datetime

from portal.audiences import Audience, audience_blueprint
from portal.meetings import schedule
from portal.meetings.schedule import describe_time_left
from portal.timeutil import utcnow

bp = audience_blueprint("meetings", __name__, audience=Audience.FDA)


@bp.app_template_filter("time_left")
def time_left(deadline: datetime, now: datetime | None = None) -> str:
    """``{{ question_deadline(meeting) | time_left(now) }}``: "3 days, 4 hours" or "closed"."""
    return describe_time_left(deadline, now or utcnow())


# The deadline depends on a program setting, so pages and emails ask the schedule
# for it rather than the model: ``{{ question_deadline(meeting) | local_time }}``.
bp.add_app_template_global(schedule.question_deadline, "question_deadline")
bp.add_app_template_global(schedule.meeting_normal_deadline, "meeting_normal_deadline")
bp.add_app_template_global(schedule.accepts_questions, "accepts_questions")
