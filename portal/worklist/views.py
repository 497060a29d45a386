"""FDA staff's home page: what needs doing next (SPEC 3-6, 13)."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portal.audiences import Audience, audience_blueprint
from portal.meetings import fda_sections as meeting_sections
from portal.messages import fda_sections as message_sections
from portal.quality import fda_sections as quality_sections
from portal.questions import fda_sections as question_sections
from portal.security import access
from portal.timeutil import program_today
from portal.worklist import queries

bp = audience_blueprint("worklist", __name__, audience=Audience.FDA, url_prefix="/work")


@bp.route("")
@access.fda_staff
def index():
    return render_template(
        "worklist/index.html",
        not_contacted=queries.eligible_not_contacted(),
        no_letter=queries.contacted_no_letter(),
        awaiting=queries.awaiting_reply(),
        decisions=queries.recent_decisions(),
        flagged=queries.flagged_engagements(),
        days_left=queries.days_left,
        recent_days=queries.RECENT_DAYS,
        **worklist_sections(),
    )


def worklist_sections() -> dict:
    """What the meeting, question and quality domains need done
    (templates/worklist/_sections.html)."""
    today = program_today()
    return {
        "week_meetings": meeting_sections.worklist_meetings(current_user.timezone),
        "my_questions": question_sections.my_questions(current_user.id),
        "awaiting_questions": question_sections.awaiting_response(),
        "quality_lists": (
            quality_sections.awaiting_verification(today),
            quality_sections.overdue_actions(today),
        ),
        "unread_messages": message_sections.unread_threads(current_user),
    }
