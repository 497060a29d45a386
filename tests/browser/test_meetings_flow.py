"""A meeting from both sides, in a real browser (issue 4): FDA schedules it, the firm gets
the email with its .ics, asks a question and rewords it, FDA answers, the firm reads the answer.
Every page on the way passes axe (WCAG 2.1 A and AA)."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from portal.extensions import db
from portal.mail import deliver_outbox
from portal.meetings.models import Meeting
from portal.questions.models import Question, QuestionStatus
from portal.timeutil import to_local, utcnow
from tests import factories
from tests.browser.helpers import assert_accessible, sign_in, sign_out


def checked(page, label: str) -> None:
    """The page as it is now passes axe; ``label`` names it in the failure message."""
    page.wait_for_load_state()
    assert_accessible(page, label)


def test_fda_schedules_the_firm_asks_fda_answers(page, smtp, fda_staff, firm_admin, firm_a):
    engagement = factories.engagement(firm_a, sent_by=fda_staff)
    db.session.commit()
    day = to_local(utcnow() + timedelta(days=30), "America/New_York").date()

    # FDA schedules the meeting.
    sign_in(page, fda_staff, factories.PASSWORD)
    page.goto(f"/meetings/new/{engagement.public_id}")
    checked(page, "schedule a meeting")
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("Start time").fill("14:30")
    assert page.get_by_label("Time zone", exact=True).input_value() == "America/New_York"
    page.get_by_label("Length in minutes").fill("90")
    page.get_by_role("radio", name="Video call").check()
    page.get_by_label("How to join").fill("https://meet.example.gov/sep-77")
    page.get_by_role("textbox", name="Agenda").fill("Introductions\nYour questions")
    page.get_by_role("button", name="Schedule the meeting and tell the firm").click()
    page.get_by_role("heading", name=f"Meeting with {engagement.site.legal_name}").wait_for()
    assert "have been emailed an invitation" in page.inner_text("main")
    checked(page, "FDA meeting page")
    page.get_by_role("link", name="Printable meeting packet").click()
    checked(page, "FDA meeting packet")
    page.goto("/meetings")
    checked(page, "FDA meetings list")
    sign_out(page)

    meeting = db.session.scalars(select(Meeting)).one()
    assert to_local(meeting.starts_at, "America/New_York").strftime("%H:%M") == "14:30"

    # The firm's quality lead gets the email with the calendar entry.
    report = deliver_outbox()
    assert report.sent >= 1
    messages = [m for m in smtp.wait_for(1) if firm_admin.email in m["To"]]
    assert len(messages) == 1
    invitation = messages[0]
    assert invitation["Subject"] == "FDA has scheduled a meeting with your site"
    attachments = list(invitation.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["sep-meeting.ics"]
    assert attachments[0].get_content_type() == "text/calendar"
    calendar = Calendar.from_ical(attachments[0].get_payload(decode=True))
    event = calendar.walk("VEVENT")[0]
    assert str(event["uid"]) == f"{meeting.public_id}@sep-portal.fda.gov"
    assert event.decoded("dtstart") == meeting.starts_at
    assert str(calendar["method"]) == "REQUEST"
    assert f"/firm/meetings/{meeting.public_id}" in invitation.get_body(("plain",)).get_content()

    # The firm asks a question, then rewords it.
    sign_in(page, firm_admin, factories.PASSWORD)
    page.goto("/firm/meetings")
    checked(page, "firm meetings list")
    page.locator(f'main a[href="/firm/meetings/{meeting.public_id}"]').first.click()
    checked(page, "firm meeting page")
    page.get_by_role("link", name="Ask a question").click()
    checked(page, "ask a question")
    page.get_by_label("Subject").fill("Hold times for bulk solution")
    page.get_by_label("CGMP topic").select_option("production_process")
    page.get_by_label("Your question", exact=True).fill(
        "What evidence supports a <strong>72-hour</strong> hold?\n\n<script>alert(1)</script>"
    )
    page.get_by_role("button", name="Send the question to FDA").click()
    page.get_by_role("heading", name="Hold times for bulk solution").wait_for()
    checked(page, "firm question page")
    page.get_by_role("link", name="Change the question").click()
    checked(page, "change the question")
    page.get_by_label("Your question", exact=True).fill("What evidence supports a 48-hour hold?")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("What evidence supports a 48-hour hold?").wait_for()
    page.goto("/firm/questions")
    checked(page, "firm questions list")
    sign_out(page)

    question = db.session.scalars(select(Question)).one()
    assert question.body_html == "<p>What evidence supports a 48-hour hold?</p>"

    # FDA answers in writing.
    sign_in(page, fda_staff, factories.PASSWORD)
    page.goto(f"/meetings/{meeting.public_id}")
    page.get_by_role("link", name="Hold times for bulk solution").click()
    checked(page, "FDA question page")
    page.get_by_role("radio", name="Answered in writing").check()
    page.get_by_role("textbox", name="Written response").fill(
        "Validate the hold with three batches at the longest time."
    )
    page.get_by_role("button", name="Save and tell the firm when answered").click()
    page.get_by_role("heading", name=f"Meeting with {engagement.site.legal_name}").wait_for()
    checked(page, "FDA meeting page with an answered question")
    sign_out(page)

    db.session.expire_all()
    assert db.session.get(Question, question.id).status == QuestionStatus.ANSWERED_IN_WRITING

    # The firm reads the answer.
    sign_in(page, firm_admin, factories.PASSWORD)
    page.goto("/firm/questions")
    page.get_by_role("link", name="Hold times for bulk solution").click()
    answer = page.locator(".response")
    answer.wait_for()
    assert "Validate the hold with three batches" in answer.inner_text()
    assert "Answered in writing" in page.inner_text("main")
    checked(page, "firm reads the answer")
    page.goto(f"/firm/meetings/{meeting.public_id}/packet")
    assert "Validate the hold with three batches" in page.inner_text("main")
    checked(page, "firm meeting packet")
