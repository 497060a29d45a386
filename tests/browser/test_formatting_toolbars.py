"""The one toolbar on every formatted text area (issue 16): keyboard, preview, axe."""

from __future__ import annotations

from portal.extensions import db
from tests import factories
from tests import factories_feedback as ff
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories_invitations import site_ready_for_letter


def test_quality_action_form_toolbar_works_from_the_keyboard(page, app):
    people = ff.engagement_with_people()
    db.session.commit()
    sign_in(page, people.admin, factories.PASSWORD)
    page.goto(f"/firm/quality-actions/new/{people.engagement.public_id}")
    toolbar = page.get_by_role("toolbar", name="Formatting: What will be done")
    for name in ("Bold", "Italic", "Bulleted list", "Numbered list", "Link", "Preview"):
        assert toolbar.get_by_role("button", name=name).is_visible(), name
    area = page.get_by_role("textbox", name="What will be done")
    area.fill("revise SOP-207")
    area.select_text()
    toolbar.get_by_role("button", name="Bold").focus()
    page.keyboard.press("Enter")
    assert area.input_value() == "**revise SOP-207**"
    toolbar.get_by_role("button", name="Preview").click()
    preview = page.locator("#description-preview")
    preview.locator("strong").wait_for()
    assert preview.inner_html() == "<p><strong>revise SOP-207</strong></p>"
    assert_accessible(page, "quality action form with its preview")


def test_the_letter_paragraph_toolbar_offers_no_lists(page, app):
    fda = factories.user(factories.Role.FDA_STAFF)
    site = site_ready_for_letter(fda)
    db.session.commit()
    sign_in(page, fda, factories.PASSWORD)
    page.goto(f"/sites/{site.public_id}/invitations/new")
    toolbar = page.get_by_role("toolbar", name="Formatting: FDA's own paragraph")
    toolbar.get_by_role("button", name="Bold").wait_for()
    assert toolbar.get_by_role("button", name="Link").is_visible()
    assert toolbar.get_by_role("button", name="Bulleted list").count() == 0
    assert toolbar.get_by_role("button", name="Numbered list").count() == 0
    assert_accessible(page, "letter compose form")
