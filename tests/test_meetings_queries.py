"""Every meeting and question page, and each section, issues the same number of SQL queries
with 1 meeting and question as with 50 (CONVENTIONS "Forms and pages")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import login_user

from portal.auth.models import Role, User
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.meetings.models import Meeting, MeetingStatus
from portal.questions.models import QuestionStatus
from tests import factories, sections
from tests.conftest import login_as
from tests.factories_meetings import at

NOW = at("2026-02-02 15:00")


@pytest.fixture
def program(app, firm_a, firm_admin, firm_staff, fda_staff, time_machine):
    """One engagement with one upcoming meeting and one question, and room to grow."""
    time_machine.move_to(NOW, tick=False)
    engagements = [factories.engagement(firm_a, sent_by=fda_staff) for _ in range(3)]
    meeting = factories.meeting(
        engagements[0], starts_at=NOW + timedelta(days=30), scheduled_by=fda_staff
    )
    past = factories.meeting(
        engagements[0],
        starts_at=NOW - timedelta(days=10),
        scheduled_by=fda_staff,
        status=MeetingStatus.SCHEDULED,
    )
    question = factories.question(meeting, firm_staff)
    authors = [firm_admin, firm_staff, factories.user(Role.FIRM_STAFF, firm=firm_a)]
    db.session.commit()
    # Plain values only: the measurements empty the session between requests.
    return {
        "engagements": [(e.id, e.public_id) for e in engagements],
        "meeting": (meeting.id, meeting.public_id),
        "past": past.public_id,
        "question": question.public_id,
        "authors": [a.id for a in authors],
        "fda": fda_staff.id,
    }


def grow(program, count: int) -> None:
    """Add ``count`` more meetings (upcoming, past, this week, over and unmarked) and questions."""
    statuses = list(QuestionStatus)
    fda = db.session.get(User, program["fda"])
    authors = [db.session.get(User, i) for i in program["authors"]]
    engagements = [db.session.get(Engagement, i) for i, _ in program["engagements"]]
    main = db.session.get(Meeting, program["meeting"][0])
    for number in range(count):
        offset = timedelta(days=(number % 40) - 12, hours=number % 5)
        other = factories.meeting(
            engagements[number % 3],
            starts_at=NOW + offset,
            scheduled_by=fda,
            timezone=["America/New_York", "Europe/Berlin", "Asia/Kolkata"][number % 3],
        )
        author = authors[number % 3]
        factories.question(
            main,
            author,
            topic=["quality_system", "data_integrity", "other"][number % 3],
            status=statuses[number % len(statuses)],
            response_html="<p>An answer.</p>" if number % 2 else "",
            responded_by_id=fda.id if number % 2 else None,
            withdrawn_at=NOW if number % 7 == 0 else None,
        )
        factories.question(other, author)
    db.session.commit()


def urls(program) -> tuple[list[str], list[str]]:
    meeting, question = program["meeting"][1], program["question"]
    engagement = program["engagements"][0][1]
    fda = [
        "/meetings",
        "/meetings?when=past",
        f"/meetings/{meeting}",
        f"/meetings/{meeting}/packet",
        f"/meetings/{meeting}/edit",
        f"/meetings/{meeting}/cancel",
        f"/meetings/{meeting}/held",
        f"/meetings/{meeting}/deadline",
        f"/meetings/{meeting}/meeting.ics",
        f"/meetings/new/{engagement}",
        f"/meetings/timeframe/{engagement}",
        "/questions",
        "/questions?show=all",
        f"/questions/{question}",
    ]
    firm = [
        "/firm/meetings",
        "/firm/meetings?when=past",
        f"/firm/meetings/{meeting}",
        f"/firm/meetings/{program['past']}",
        f"/firm/meetings/{meeting}/packet",
        f"/firm/meetings/{meeting}/meeting.ics",
        "/firm/questions",
        "/firm/questions/new",
        f"/firm/questions/new?meeting={meeting}",
        f"/firm/questions/{question}",
        f"/firm/questions/{question}/edit",
        f"/firm/questions/{question}/withdraw",
    ]
    return fda, firm


def measure_pages(app, program, count_queries) -> dict[str, int]:
    fda_urls, firm_urls = urls(program)
    counts = {}
    for person, page_urls in ((program["fda"], fda_urls), (program["authors"][0], firm_urls)):
        client = app.test_client()
        login_as(client, db.session.get(User, person))
        for url in page_urls:
            db.session.commit()
            db.session.expunge_all()  # nothing cached between requests: every load is counted
            with count_queries() as counter:
                response = client.get(url)
            assert response.status_code == 200, url
            counts[url] = counter.count
    return counts


def measure_sections(app, program, count_queries) -> dict[str, int]:
    counts = {}
    engagement_ids = [i for i, _ in program["engagements"]]
    people = {"fda": program["fda"], "firm": program["authors"][0]}
    for viewer, slots in (
        ("fda", ("engagement", "worklist")),
        ("firm", ("firm_home", "engagement")),
    ):
        for slot in slots:
            db.session.commit()
            db.session.expunge_all()
            # A fresh app context, as each request has: nothing cached in g or the session.
            with app.app_context(), app.test_request_context():
                login_user(db.session.get(User, people[viewer]))
                engagements = [db.session.get(Engagement, i) for i in engagement_ids]
                page, arguments = {
                    "fda:engagement": (sections.fda_engagement, (engagements[0],)),
                    "fda:worklist": (sections.worklist, ()),
                    "firm:firm_home": (sections.firm_home, (engagements,)),
                    "firm:engagement": (sections.firm_engagement, (engagements[0],)),
                }[f"{viewer}:{slot}"]
                with count_queries() as counter:
                    html = page(*arguments)
                assert html.strip(), slot
                counts[f"{viewer}:{slot}"] = counter.count
    return counts


def test_pages_issue_a_fixed_number_of_queries(app, program, count_queries):
    with_one = measure_pages(app, program, count_queries)
    grow(program, 49)
    with_fifty = measure_pages(app, program, count_queries)
    assert with_fifty == with_one


def test_sections_issue_a_fixed_number_of_queries(app, program, count_queries):
    with_one = measure_sections(app, program, count_queries)
    grow(program, 49)
    with_fifty = measure_sections(app, program, count_queries)
    assert with_fifty == with_one
