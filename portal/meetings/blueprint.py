"""The meetings blueprint: FDA pages under /meetings, the firm's under /firm/meetings."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint

from portal.meetings import schedule
from portal.meetings.schedule import describe_time_left
from portal.timeutil import utcnow

bp = Blueprint("meetings", __name__)


@bp.app_template_filter("time_left")
def time_left(deadline: datetime, now: datetime | None = None) -> str:
    """``{{ question_deadline(meeting) | time_left(now) }}``: "3 days, 4 hours" or "closed"."""
    return describe_time_left(deadline, now or utcnow())


# The deadline depends on a program setting, so pages and emails ask the schedule
# for it rather than the model: ``{{ question_deadline(meeting) | local_time }}``.
bp.add_app_template_global(schedule.question_deadline, "question_deadline")
bp.add_app_template_global(schedule.meeting_normal_deadline, "meeting_normal_deadline")
bp.add_app_template_global(schedule.accepts_questions, "accepts_questions")
