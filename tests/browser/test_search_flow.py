"""Search in a real browser (issue 13): FDA finds a word that appears only in a question's
body and opens the question; the firm's lead searches on a phone-sized screen by keyboard;
the forms, the results with highlighted words and the empty answer all pass axe."""

from __future__ import annotations

from portal.extensions import db
from tests import factories
from tests.browser.helpers import assert_accessible, sign_in, sign_out


def search_by_keyboard(page, words: str) -> None:
    page.get_by_label("Words to find").focus()
    page.keyboard.type(words)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()


def test_fda_finds_a_word_in_a_question_body_and_opens_it(
    page, fda_staff, firm_admin, firm_a, firm_b, other_firm_admin
):
    engagement = factories.engagement(firm_a, sent_by=fda_staff)
    meeting = factories.meeting(engagement, scheduled_by=fda_staff)
    question = factories.question(
        meeting,
        firm_admin,
        subject="Environmental monitoring",
        body_html="<p>Do settle plates in grade A need <strong>nephelometer</strong> checks?</p>",
    )
    other = factories.meeting(factories.engagement(firm_b, sent_by=fda_staff))
    factories.question(
        other, other_firm_admin, subject="Bravo only", body_html="<p>nephelometry at Bravo</p>"
    )
    db.session.commit()

    sign_in(page, fda_staff, factories.PASSWORD)
    page.get_by_role("link", name="Search", exact=True).click()
    page.wait_for_load_state()
    assert_accessible(page, "FDA search, empty form")
    search_by_keyboard(page, "Nephelometer")
    main = page.inner_text("main")
    assert "1 result, newest first" in main
    assert page.locator("mark", has_text="nephelometer").count() == 1
    assert "Alpha Pharmaceuticals" in main and "Bravo only" not in main
    assert_accessible(page, "FDA search results")
    page.get_by_role("link", name="Environmental monitoring").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/questions/{question.public_id}")
    assert "nephelometer" in page.inner_text("main")

    page.goto("/search?q=%22%2A%2A%2A%22")
    assert "Type a word to search for" in page.inner_text("main")
    assert_accessible(page, "FDA search, refused words")
    sign_out(page)

    # The firm's lead, on a phone-sized screen: the same search, its own firm only.
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, firm_admin, factories.PASSWORD)
    page.goto("/firm/search")
    search_by_keyboard(page, "nephelo")
    main = page.inner_text("main")
    assert "1 result, newest first" in main and "Bravo" not in main
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert_accessible(page, "firm search results on a phone")
    page.goto("/firm/search?q=nothingmatchesthis")
    assert "Nothing matches" in page.inner_text("main")
    assert_accessible(page, "firm search, nothing found")
