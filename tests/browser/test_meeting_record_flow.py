"""Issue 12's whole walk in a real browser: FDA records a held meeting (attendees, a
guest, a question discussed, a follow-up made a quality action) and publishes it; the
firm's lead reads it, acknowledges and comments by keyboard; FDA reads the comment;
they exchange a message; FDA assigns the firm's question to a colleague who answers
it. Every new page passes axe (WCAG 2.1 A and AA)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.auth.models import Role
from portal.extensions import db
from portal.minutes.models import MeetingRecordVersion
from portal.questions import services as questions
from portal.questions.models import Question, QuestionStatus
from tests import factories
from tests import factories_feedback as ff
from tests.browser.helpers import assert_accessible, sign_in, sign_out


def checked(page, label: str) -> None:
    page.wait_for_load_state()
    assert_accessible(page, label)


def tab_to_button_and_press(page, button: str) -> None:
    """From the focused field, Tab to the named button and press Enter: no mouse."""
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "document.activeElement && (document.activeElement.value || "
            "document.activeElement.innerText)"
        )
        if focused and focused.strip().startswith(button):
            break
    else:
        raise AssertionError(f"Tab never reached the button {button!r}")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_meeting_record_walk(page, fda_staff, firm_admin, firm_a):
    colleague = factories.user(
        Role.FDA_STAFF, email="cora@fda.example.gov", full_name="Cora Colleague"
    )
    engagement = factories.engagement(firm_a, sent_by=fda_staff)
    upcoming = factories.meeting(engagement, scheduled_by=fda_staff)
    held = ff.held_meeting(engagement, scheduled_by=fda_staff)
    discussed = factories.question(held, firm_admin, subject="Cleaning of shared lines")
    db.session.commit()
    asked = questions.submit_question(
        upcoming, firm_admin, subject="Hold times for bulk solution", topic="other", body="How?"
    )
    db.session.commit()

    # FDA writes the record of the held meeting from the meeting's page.
    sign_in(page, fda_staff, factories.PASSWORD)
    page.goto(f"/meetings/{held.public_id}")
    page.get_by_role("link", name="The meeting's record").click()
    checked(page, "FDA record page, not started")
    page.get_by_role("checkbox", name="Lee Lead (Alpha Pharmaceuticals)").check()
    page.get_by_role("checkbox", name="Sam Staff (FDA)").check()
    page.get_by_label("Guests without a portal account").fill(
        "Dana Ortiz; Ortiz Consulting; Validation advisor"
    )
    page.locator("#summary").fill("We reviewed the **cleaning validation** program.")
    page.get_by_role("checkbox", name="Cleaning of shared lines").check()
    page.locator("#outcomes").fill("The site extends its hold-time study.")
    page.get_by_label("Follow-up 1: what").fill("Send the revised cleaning SOP")
    page.get_by_label("Follow-up 1: owner").fill("Lee Lead")
    page.get_by_label("Follow-up 1: due").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Save the draft").click()
    page.get_by_text("Draft saved.").wait_for()
    checked(page, "FDA record page, draft")
    page.locator("form[action*='/quality-action'] button").click()
    page.get_by_text("Quality action recorded").wait_for()
    page.goto(f"/meetings/{held.public_id}/record")
    page.get_by_role("button", name="Publish to the firm").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_text("Version 1 published.").wait_for()
    checked(page, "FDA record page, published")
    page.get_by_role("link", name="Printable record").click()
    checked(page, "FDA printable record")
    sign_out(page)

    # The firm's lead reads it from the meeting page, acknowledges and comments.
    sign_in(page, firm_admin, factories.PASSWORD)
    page.goto(f"/firm/meetings/{held.public_id}")
    page.get_by_role("link", name="Read FDA's record of the meeting").click()
    main = page.inner_text("main")
    assert "cleaning validation" in main and "Dana Ortiz, Ortiz Consulting" in main
    assert "Tracked as a quality action" in main
    checked(page, "firm record page")
    page.get_by_role("button", name="I have read version 1").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_text("You acknowledged version 1").wait_for()
    page.get_by_role("textbox", name="Your comment").focus()
    page.keyboard.type("Thank you; the SOP follows next week.")
    tab_to_button_and_press(page, "Send the comment to FDA")
    page.get_by_text("Comment sent.").wait_for()
    checked(page, "firm record page with a comment")
    page.get_by_role("link", name="Printable record").click()
    checked(page, "firm printable record")
    # A message to FDA about it, on the existing thread page.
    page.goto(f"/firm/engagements/{engagement.public_id}/messages")
    page.get_by_label("Your message", exact=True).fill("We acknowledged the record.")
    page.get_by_role("button", name="Send the message").click()
    page.get_by_text("Message sent.").wait_for()
    sign_out(page)

    # FDA reads the comment and answers the message; then hands the question on.
    sign_in(page, fda_staff, factories.PASSWORD)
    page.goto(f"/meetings/{held.public_id}/record")
    main = page.inner_text("main")
    assert "acknowledged the record" in main and "the SOP follows next week" in main
    page.goto(f"/engagements/{engagement.public_id}/messages")
    assert "We acknowledged the record." in page.inner_text("main")
    page.get_by_label("Your message", exact=True).fill("Thank you, received.")
    page.get_by_role("button", name="Send the message").click()
    page.get_by_text("Message sent.").wait_for()
    page.goto(f"/questions/{asked.public_id}")
    page.get_by_role("combobox", name="Assigned to").select_option(label="Cora Colleague")
    page.get_by_role("button", name="Assign", exact=True).click()
    page.get_by_text("The question is assigned to Cora Colleague.").wait_for()
    sign_out(page)

    sign_in(page, colleague, factories.PASSWORD)
    page.goto("/questions/mine")
    page.get_by_role("link", name="Hold times for bulk solution").click()
    page.get_by_role("radio", name="Answered in writing").check()
    page.get_by_role("textbox", name="Written response").fill("Validate it with three batches.")
    page.get_by_role("button", name="Save and tell the firm when answered").click()
    page.wait_for_load_state()
    sign_out(page)

    db.session.expire_all()
    assert db.session.get(Question, discussed.id).status == QuestionStatus.DISCUSSED
    answered = db.session.get(Question, asked.id)
    assert answered.status == QuestionStatus.ANSWERED_IN_WRITING
    assert answered.responded_by_id == colleague.id
    assert db.session.scalars(select(MeetingRecordVersion)).one().number == 1
