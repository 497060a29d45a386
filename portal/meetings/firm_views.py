"""The firm's meeting pages. The firm is always current_user.firm, never a URL part (STYLE)."""

from __future__ import annotations

import uuid

from flask import render_template

from portal.audiences import Audience, audience_blueprint
from portal.meetings import pages, queries
from portal.meetings.models import Meeting
from portal.meetings.schedule import accepts_questions
from portal.minutes.services import latest_version
from portal.questions.queries import open_meetings
from portal.security import access
from portal.security.scoping import get_owned_or_404
from portal.timeutil import utcnow

bp = audience_blueprint("firm_meetings", __name__, audience=Audience.FIRM)


def load_own_meeting(meeting_id: uuid.UUID) -> Meeting:
    return get_owned_or_404(Meeting, meeting_id, *queries.with_engagement())


@bp.route("/firm/meetings")
@access.firm_user
def index():
    return pages.list_page("meetings/firm_index.html", queries.firm_meetings, firm_side=True)


@bp.route("/firm/meetings/<uuid:meeting_id>")
@access.firm_user
def detail(meeting_id: uuid.UUID):
    meeting = load_own_meeting(meeting_id)
    now = utcnow()
    is_open = accepts_questions(meeting, now)
    next_open = None
    if not is_open:
        next_open = next(iter(open_meetings(now)), None)
    return render_template(
        "meetings/firm_detail.html",
        meeting=meeting,
        questions=queries.meeting_questions(meeting),
        is_open=is_open,
        next_open=next_open,
        # Published versions only: FDA's draft is not in any table the firm reads.
        record_version=latest_version(meeting),
        now=now,
    )


@bp.route("/firm/meetings/<uuid:meeting_id>/meeting.ics")
@access.firm_user
def ics(meeting_id: uuid.UUID):
    return pages.ics_response(load_own_meeting(meeting_id))


@bp.route("/firm/meetings/<uuid:meeting_id>/packet")
@access.firm_user
def packet(meeting_id: uuid.UUID):
    return pages.packet_page(
        load_own_meeting(meeting_id), "firm_meetings.detail", "meetings/firm_packet.html"
    )
