"""What FDA's and the firm's meeting pages share (and the question pages borrow).

Each side loads the meeting its own way (``fda_views.load_meeting``,
``firm_views.load_own_meeting``); from there the pages are built the same.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, render_template, request, url_for
from flask_sqlalchemy.pagination import Pagination

from portal.meetings import calendar, queries, services
from portal.meetings.models import Meeting
from portal.meetings.schedule import utc_to_wall_clock
from portal.paging import requested_page
from portal.questions.queries import group_by_topic
from portal.timeutil import utcnow


def page_number() -> int:
    return requested_page()


def list_page(template: str, fetch: Callable[..., Pagination], *, firm_side: bool) -> str:
    """Upcoming or past (``?when=past``) meetings, a page at a time, with question counts."""
    when = "past" if request.args.get("when") == "past" else "upcoming"
    now = utcnow()
    meetings = fetch(when, page_number(), now)
    counts = queries.question_counts([m.id for m in meetings.items], firm_side=firm_side)
    return render_template(template, meetings=meetings, counts=counts, when=when, now=now)


def ics_response(meeting: Meeting) -> Response:
    """The .ics download."""
    body = calendar.meeting_ics(meeting, services.firm_recipients(meeting.firm_id))
    day = utc_to_wall_clock(meeting.starts_at, meeting.timezone).date().isoformat()
    return Response(
        body,
        mimetype=calendar.CONTENT_TYPE,
        headers={"Content-Disposition": f'attachment; filename="sep-meeting-{day}.ics"'},
    )


def packet_page(meeting: Meeting, detail_endpoint: str, template: str) -> str:
    """The printable packet: the questions still asked, by topic; back to the viewer's page.

    FDA's and the firm's packets are two templates on their audiences' bases.
    """
    questions = queries.meeting_questions(meeting, include_withdrawn=False)
    return render_template(
        template,
        meeting=meeting,
        topics=group_by_topic(questions),
        back_url=url_for(detail_endpoint, meeting_id=meeting.public_id),
    )
