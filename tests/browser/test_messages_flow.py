"""Engagement messages in a real browser (SPEC 14): FDA and the firm's lead write to each
other by keyboard alone, the header counts what each has not read, FDA's internal note
stays on FDA's page, and every page on the way passes axe (WCAG 2.1 A and AA)."""

from __future__ import annotations

from portal.extensions import db
from tests import factories
from tests.browser.helpers import assert_accessible, sign_in, sign_out


def checked(page, label: str) -> None:
    page.wait_for_load_state()
    assert_accessible(page, label)


def write_by_keyboard(page, label: str, text: str, button: str) -> None:
    """Focus the field, type, then Tab to the button and press Enter: no mouse."""
    page.get_by_label(label, exact=True).focus()
    page.keyboard.type(text)
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.value")
        if focused == button:
            break
    else:
        raise AssertionError(f"Tab never reached the button {button!r}")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_fda_and_the_firm_lead_exchange_messages(page, fda_staff, firm_admin, firm_a):
    engagement = factories.engagement(firm_a, sent_by=fda_staff)
    db.session.commit()
    fda_thread = f"/engagements/{engagement.public_id}/messages"
    firm_thread = f"/firm/engagements/{engagement.public_id}/messages"

    # FDA opens the empty thread from the engagement page and writes first.
    sign_in(page, fda_staff, factories.PASSWORD)
    page.goto(f"/engagements/{engagement.public_id}")
    page.get_by_role("link", name="The thread with the firm, and internal notes").click()
    assert "No messages yet" in page.inner_text("main")
    checked(page, "FDA thread, empty")
    write_by_keyboard(
        page,
        "Your message",
        "Please send the **draft protocol** before the meeting.",
        "Send the message",
    )
    assert "Message sent." in page.inner_text("main")
    write_by_keyboard(
        page,
        "Internal note",
        "Ask the district office for the inspection report.",
        "Add the internal note",
    )
    main = page.inner_text("main")
    assert "Ask the district office" in main and "draft protocol" in main
    checked(page, "FDA thread with a message and a note")
    page.goto("/messages")
    checked(page, "FDA thread list")
    sign_out(page)

    # The firm's lead sees the count in the header, reads, and answers.
    sign_in(page, firm_admin, factories.PASSWORD)
    page.goto("/firm")
    header = page.locator(".usa-header__messages")
    assert header.inner_text() == "1 unread message thread"
    header.click()
    page.get_by_role("link", name=engagement.site.legal_name).click()
    assert page.url.endswith(firm_thread)
    main = page.inner_text("main")
    assert "draft protocol" in main and "New" in main
    assert "district office" not in page.content()
    checked(page, "firm thread")
    write_by_keyboard(
        page, "Your message", "VP-0231 is attached to our questions.", "Send the message"
    )
    assert "VP-0231" in page.inner_text("main")
    assert page.locator(".usa-header__messages").count() == 0  # all read now
    checked(page, "firm thread after writing")
    page.goto("/firm/messages")
    checked(page, "firm thread list")
    page.goto("/account/message-notices")
    checked(page, "message notices")
    page.get_by_role(
        "radio", name="One email a day listing the engagements with new messages"
    ).check()
    page.get_by_role("button", name="Save").click()
    assert "Saved" in page.inner_text("main")
    sign_out(page)

    # FDA sees the reply counted on the work list and in the header.
    sign_in(page, fda_staff, factories.PASSWORD)
    page.goto("/work")
    assert "Unread message threads (1)" in page.inner_text("main")
    assert page.locator(".usa-header__messages").inner_text() == "1 unread message thread"
    checked(page, "work list with an unread thread")
    page.goto(fda_thread)
    assert "VP-0231" in page.inner_text("main")
