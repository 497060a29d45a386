"""Phone-sized screens and paper (issue 16): no page scrolls sideways at 375 px, the main
menu collapses without JavaScript, and printing a letter or a packet prints only that."""

from __future__ import annotations

import pytest

from portal.extensions import db
from tests import factories
from tests.browser.helpers import assert_accessible, sign_in
from tests.conftest import build_world
from tests.sweep import get_pages, is_a_page, people

PHONE = {"width": 375, "height": 740}


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _widest(page) -> list[str]:
    """The innermost elements that stick out past the screen's right edge, to name in a failure."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .filter(e => !Array.from(e.children).some(
                c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
            .slice(0, 3)
            .map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' +
                 Math.round(e.getBoundingClientRect().right))"""
    )


@pytest.mark.parametrize("role", ["firm_admin", "fda_admin"])
def test_no_page_scrolls_sideways_on_a_phone(page, app, role):
    world = build_world()
    db.session.commit()
    sign_in(page, people(world)[role], factories.PASSWORD)
    page.set_viewport_size(PHONE)
    wide = []
    checked = 0
    for url in get_pages(app, world, role):
        if not is_a_page(url):
            continue
        response = page.goto(url)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        checked += 1
        if _overflow(page) > 0:
            wide.append((url, _overflow(page), _widest(page)))
    assert checked >= 5
    assert not wide, f"pages wider than a 375 px screen (url, extra px): {wide}"


def test_main_menu_collapses_on_a_phone_and_opens_without_javascript(browser, live_server):
    world = build_world()
    db.session.commit()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, world.by_firm["a"].admin, factories.PASSWORD)
        page.set_viewport_size(PHONE)
        page.goto("/firm")
        menu = page.locator("summary", has_text="Menu")
        assert menu.is_visible()
        assert not page.locator(".usa-nav--bar").is_visible()
        assert not page.locator(".usa-nav-menu nav").is_visible()
        menu.click()
        assert (
            page.locator(".usa-nav-menu").get_by_role("link", name="Quality actions").is_visible()
        )
        page.set_viewport_size({"width": 1280, "height": 800})
        assert not menu.is_visible()
        assert (
            page.locator(".usa-nav--bar").get_by_role("link", name="Quality actions").is_visible()
        )
    finally:
        context.close()
    # axe needs JavaScript to run: the open menu is checked again where it runs.
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    try:
        sign_in(page, world.by_firm["a"].admin, factories.PASSWORD)
        page.set_viewport_size(PHONE)
        page.goto("/firm")
        page.locator("summary", has_text="Menu").click()
        assert_accessible(page, "firm home on a phone, menu open")
    finally:
        context.close()


def test_printing_the_letter_prints_only_the_letter(page, app):
    from tests.factories_invitations import open_letter

    fda = factories.user(factories.Role.FDA_STAFF)
    letter = open_letter(fda)
    db.session.commit()
    sign_in(page, fda, factories.PASSWORD)
    page.goto(f"/invitations/{letter.invitation.public_id}")
    assert page.locator(".usa-header").is_visible()
    page.emulate_media(media="print")
    assert page.locator(".letter").is_visible()
    for hidden in (
        ".usa-header",
        ".usa-banner",
        ".cci-marking",
        ".usa-footer",
        "h1",
        ".letter-meta",
    ):
        assert not page.locator(hidden).first.is_visible(), f"{hidden} is printed with the letter"


def test_printing_the_packet_prints_only_the_packet_and_its_marking(page, app):
    world = build_world()
    db.session.commit()
    sign_in(page, world.by_firm["a"].admin, factories.PASSWORD)
    page.goto(f"/firm/meetings/{world.by_firm['a'].meeting.public_id}/packet")
    page.emulate_media(media="print")
    assert page.locator("article.packet h1").is_visible()
    assert page.locator(".cci-marking").is_visible(), "the packet keeps its confidentiality marking"
    for hidden in (".usa-header", ".usa-banner", ".usa-footer", ".usa-nav-menu"):
        assert not page.locator(hidden).first.is_visible(), f"{hidden} is printed with the packet"


def test_toolbar_writes_marks_and_previews_through_the_sanitizer(page, app):
    world = build_world()
    db.session.commit()
    sign_in(page, world.by_firm["a"].admin, factories.PASSWORD)
    page.goto("/firm/questions/new")
    area = page.get_by_label("Your question", exact=True)
    area.fill("hold times")
    area.select_text()
    page.get_by_role("button", name="Bold").click()
    assert area.input_value() == "**hold times**"
    page.get_by_role("button", name="Numbered list").click()
    assert area.input_value() == "1. **hold times**"
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#body-preview")
    preview.locator("strong").wait_for()
    assert preview.inner_html() == "<ol><li><strong>hold times</strong></li></ol>"
    assert not area.is_visible()
    assert_accessible(page, "question form with the preview shown")
    page.get_by_role("button", name="Back to editing").click()
    assert area.is_visible()
