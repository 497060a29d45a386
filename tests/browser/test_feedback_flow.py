"""Feedback and quality improvement from both sides, in a real browser (issue 5).

FDA marks a meeting held; the firm's quality lead follows the emailed link, signs in,
answers the survey (after being told what is missing), changes an answer, and records a
quality action that they carry to completed with evidence; FDA verifies it and reads
the feedback results. Every page on the way passes axe (WCAG 2.1 A and AA).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.feedback.models import FeedbackResponse, MeetingSurvey
from portal.mail import deliver_outbox
from portal.quality.models import ActionStatus, QualityAction
from portal.timeutil import utcnow
from tests import factories
from tests.browser.helpers import assert_accessible, sign_in, sign_out


def checked(page, label: str) -> None:
    page.wait_for_load_state()
    assert_accessible(page, label)


def test_feedback_and_a_quality_action_from_both_sides(
    page, smtp, fda_staff, firm_admin, firm_a, live_server
):
    engagement = factories.engagement(firm_a, sent_by=fda_staff)
    meeting = factories.meeting(
        engagement, starts_at=utcnow() - timedelta(hours=2), scheduled_by=fda_staff
    )
    db.session.commit()

    # FDA marks the meeting held, through the meetings page: the survey opens.
    sign_in(page, fda_staff, factories.PASSWORD)
    page.goto(f"/meetings/{meeting.public_id}/held")
    checked(page, "mark held")
    page.get_by_role("button", name="Mark held and ask for feedback").click()
    page.wait_for_load_state()
    sign_out(page)
    survey = db.session.scalars(select(MeetingSurvey)).one()

    # The firm's quality lead gets the email and follows its link, signing in on the way.
    assert deliver_outbox().sent >= 1
    emails = [m for m in smtp.wait_for(1) if firm_admin.email in m["To"]]
    request = next(m for m in emails if "Your feedback" in m["Subject"])
    body = request.get_body(("plain",)).get_content()
    link = re.search(r"http://\S+/firm/feedback/\S+", body).group(0)
    assert link == f"{live_server.url}/firm/feedback/{survey.public_id}"
    page.goto(link)
    checked(page, "sign-in page from the emailed link")
    page.get_by_label("Email address").fill(firm_admin.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=re.compile("Your feedback on the meeting")).wait_for()
    checked(page, "survey")

    clear = page.get_by_role("group", name=re.compile("How clear were FDA"))
    clear.get_by_label("4 – Clear", exact=True).check()
    page.get_by_role("button", name="Save your answers").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    summary = page.locator(".error-summary").inner_text()
    assert "How useful was the meeting" in summary and "Will your site act" in summary
    checked(page, "survey with missing answers")

    useful = page.get_by_role("group", name=re.compile("How useful was the meeting"))
    useful.get_by_label("3 – Moderately useful").check()
    act = page.get_by_role("group", name=re.compile("Will your site act"))
    act.get_by_label("Yes").check()
    page.get_by_role("textbox", name=re.compile("What should FDA do differently")).fill(
        "Share slides before."
    )
    page.get_by_role("button", name="Save your answers").click()
    page.get_by_text("Thank you. Your answers are saved").wait_for()
    checked(page, "survey answered")

    # ...and changes an answer.
    page.get_by_role("group", name=re.compile("How useful was the meeting")).get_by_label(
        "5 – Very useful"
    ).check()
    page.get_by_role("button", name="Save your answers").click()
    page.get_by_text("Thank you. Your answers are saved").wait_for()
    response = db.session.scalars(select(FeedbackResponse)).one()
    db.session.refresh(response)
    ratings = sorted(a.rating for a in response.answers if a.rating is not None)
    assert ratings == [4, 5]
    page.goto("/firm/feedback")
    checked(page, "firm feedback list")

    # The lead records a quality action that came out of the meeting...
    page.goto("/firm/quality-actions")
    checked(page, "firm quality actions, none yet")
    page.get_by_role("link", name="Record a quality action").click()
    checked(page, "record a quality action")
    page.get_by_label("Corrective: fixes a problem that has happened").check()
    page.get_by_role("textbox", name="What will be done").fill(
        "Add hold-time studies to the bulk solution SOP."
    )
    page.get_by_label("Owner at the firm").fill("Lee Lead, Quality")
    page.get_by_label("Target date").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_label("Meeting it arose from").select_option(str(meeting.public_id))
    page.get_by_role("button", name="Save the action").click()
    page.get_by_text("Quality action recorded.").wait_for()
    checked(page, "firm quality action page")

    # ...starts it, adds evidence, and marks it completed.
    page.get_by_role("link", name="Start work").click()
    checked(page, "start work")
    page.get_by_role("button", name="Start work").click()
    page.get_by_text("The action is now in progress.").wait_for()
    page.get_by_label("Date of the evidence").fill(date.today().isoformat())
    page.get_by_role("textbox", name="Evidence", exact=True).fill("SOP-207 revision 2 approved.")
    page.get_by_role("button", name="Add the evidence note").click()
    page.get_by_text("Evidence note added.").wait_for()
    page.get_by_role("link", name="Mark completed").click()
    page.get_by_role("button", name="Mark completed").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    checked(page, "mark completed without a note")
    page.get_by_role("textbox", name="What was done, and the evidence").fill(
        "Study HS-12 done; SOP updated."
    )
    page.get_by_role("button", name="Mark completed").click()
    page.get_by_text("The action is now completed by the firm.").wait_for()
    checked(page, "completed action")
    page.goto("/firm")
    home = page.inner_text("main")
    assert "Feedback requests" in home and "Add hold-time studies" in home
    checked(page, "firm home with the feedback and quality sections")
    sign_out(page)

    # FDA verifies it...
    action = db.session.scalars(select(QualityAction)).one()
    sign_in(page, fda_staff, factories.PASSWORD)
    page.goto("/work")
    assert "Quality actions awaiting verification" in page.inner_text("main")
    checked(page, "FDA work list")
    page.goto(f"/engagements/{engagement.public_id}")
    assert "Feedback surveys" in page.inner_text("main")
    checked(page, "FDA engagement page with its sections")
    page.goto("/quality-actions?status=completed")
    checked(page, "FDA quality actions")
    page.get_by_role("link", name=re.compile("Add hold-time studies")).click()
    checked(page, "FDA quality action page")
    page.get_by_role("link", name="Verify", exact=True).click()
    checked(page, "verify")
    page.get_by_role("textbox", name=re.compile("What FDA checked")).fill(
        "Reviewed HS-12 and SOP-207."
    )
    page.get_by_role("button", name="Verify").click()
    page.get_by_text("The action is now verified by FDA.").wait_for()
    db.session.expire_all()
    assert db.session.get(QualityAction, action.id).status == ActionStatus.VERIFIED

    # ...and reads the feedback, across the program and for the meeting.
    page.goto("/feedback")
    checked(page, "feedback results")
    assert "Share slides before." in page.inner_text("main")
    page.get_by_role("link", name="By meeting").click()
    checked(page, "feedback by meeting")
    page.locator(f'main a[href="/feedback/meetings/{survey.public_id}"]').click()
    checked(page, "one meeting's feedback")
    assert "5 out of 5 (Very useful)" in page.inner_text("main")
    assert firm_admin.full_name in page.inner_text("main")


def test_the_program_manager_edits_the_survey_template(page, fda_admin):
    db.session.commit()
    sign_in(page, fda_admin, factories.PASSWORD)
    page.goto("/admin")
    page.get_by_role("link", name="Survey templates").click()
    checked(page, "survey templates")
    page.get_by_role("link", name="After-meeting feedback").click()
    checked(page, "template page")
    page.get_by_role("button", name="Move down").first.click()
    page.get_by_text("Question moved.").wait_for()
    page.get_by_role("link", name="Add a question").click()
    checked(page, "add a question")
    page.get_by_label("Question", exact=True).fill("How well did FDA listen?")
    page.get_by_label("Kind of answer").select_option("rating")
    page.get_by_role("button", name="Save question").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    checked(page, "question with missing labels")
    page.get_by_label("Label for 1 (lowest)").fill("Not at all")
    page.get_by_label("Label for 5 (highest)").fill("Very well")
    page.get_by_role("button", name="Save question").click()
    page.get_by_text("Question added.").wait_for()
    page.get_by_role("heading", name="How well did FDA listen?").wait_for()
    checked(page, "template with the new question")
    page.get_by_role("link", name="Remove question 5").click()
    checked(page, "remove a question")
    page.get_by_role("button", name="Remove the question").click()
    page.get_by_text("Saved as version 2").wait_for()
    checked(page, "version 2")
