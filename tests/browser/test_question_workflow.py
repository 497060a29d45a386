"""FDA's question workflow in a real browser (issue 12): FDA names the engagement's lead,
assigns a firm's question to a colleague and leaves an internal note; the colleague finds
it under "My questions" on the work list and answers it; a person makes a calendar feed
address on their account page. Every new page passes axe (WCAG 2.1 A and AA)."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth.models import Role
from portal.extensions import db
from portal.questions import services
from portal.questions.models import Question, QuestionNote, QuestionStatus
from tests import factories
from tests.browser.helpers import assert_accessible, sign_in, sign_out


def checked(page, label: str) -> None:
    page.wait_for_load_state()
    assert_accessible(page, label)


def test_fda_assigns_a_firm_question_to_a_colleague_who_answers_it(
    page, fda_staff, firm_admin, firm_a
):
    colleague = factories.user(
        Role.FDA_STAFF, email="cora@fda.example.gov", full_name="Cora Colleague"
    )
    engagement = factories.engagement(firm_a, sent_by=fda_staff)
    meeting = factories.meeting(engagement, scheduled_by=fda_staff)
    db.session.commit()
    question = services.submit_question(
        meeting, firm_admin, subject="Hold times for bulk solution", topic="other", body="How long?"
    )
    db.session.commit()

    # FDA names a lead on the engagement page, then hands the question to a colleague.
    sign_in(page, fda_staff, factories.PASSWORD)
    page.goto(f"/engagements/{engagement.public_id}")
    checked(page, "FDA engagement page with the lead form")
    page.get_by_role("combobox", name="FDA lead").select_option(label="Sam Staff")
    page.get_by_role("button", name="Save the FDA lead").click()
    page.get_by_text("Sam Staff now leads the engagement for FDA.").wait_for()
    page.goto(f"/questions/{question.public_id}")
    checked(page, "FDA question page with assignment and notes")
    page.get_by_role("combobox", name="Assigned to").select_option(label="Cora Colleague")
    page.get_by_role("button", name="Assign", exact=True).click()
    page.get_by_text("The question is assigned to Cora Colleague.").wait_for()
    page.get_by_role("textbox", name="Internal note").fill("Cora knows their hold-time study.")
    page.get_by_role("button", name="Add the note").click()
    page.get_by_text("Cora knows their hold-time study.").wait_for()
    checked(page, "FDA question page with a note")
    sign_out(page)

    # The colleague finds it on the work list and answers it.
    sign_in(page, colleague, factories.PASSWORD)
    page.goto("/work")
    page.get_by_role("heading", name="My questions (1)").wait_for()
    checked(page, "work list with my questions")
    page.get_by_role("link", name="My questions", exact=True).click()
    checked(page, "my questions")
    page.get_by_role("link", name="Hold times for bulk solution").click()
    page.get_by_role("radio", name="Answered in writing").check()
    page.get_by_role("textbox", name="Written response").fill("Validate it with three batches.")
    page.get_by_role("button", name="Save and tell the firm when answered").click()
    page.wait_for_load_state()
    page.goto("/questions/mine")
    page.get_by_text("No question is assigned to you").wait_for()
    checked(page, "my questions, empty")

    # A personal calendar feed address, made on the account page.
    page.goto("/account")
    checked(page, "account page with the calendar feed")
    page.get_by_role("button", name="Make a feed address").click()
    page.get_by_role("heading", name="Your calendar feed address").wait_for()
    assert page.get_by_label("Feed address").input_value().startswith("http")
    assert page.get_by_role("link", name="Subscribe").get_attribute("href").startswith("webcal://")
    checked(page, "calendar feed address")
    sign_out(page)

    db.session.expire_all()
    answered = db.session.get(Question, question.id)
    assert answered.assigned_to_id == colleague.id
    assert answered.status == QuestionStatus.ANSWERED_IN_WRITING
    assert answered.responded_by_id == colleague.id
    assert db.session.scalars(select(QuestionNote)).one().author_id == fda_staff.id

    # The firm reads the answer; neither the note nor the colleague's name is on its page.
    sign_in(page, firm_admin, factories.PASSWORD)
    page.goto(f"/firm/questions/{question.public_id}")
    text = page.inner_text("main")
    assert "Validate it with three batches." in text
    assert "hold-time study" not in page.content() and "Cora" not in page.content()
