"""The meetings blueprint: FDA pages under /meetings, the firm's under /firm/meetings."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint

from portal.meetings.schedule import describe_time_left
from portal.timeutil import utcnow

bp = Blueprint("meetings", __name__)


@bp.app_template_filter("time_left")
def time_left(deadline: datetime, now: datetime | None = None) -> str:
    """``{{ meeting.question_deadline | time_left(now) }}``: "3 days, 4 hours" or "closed"."""
    return describe_time_left(deadline, now or utcnow())
