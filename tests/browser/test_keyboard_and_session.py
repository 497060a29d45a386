"""Keyboard use and the idle-timeout warning, in a real browser."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from tests import factories
from tests.browser.helpers import assert_accessible


def test_signing_in_by_keyboard_alone(page, firm_admin):
    db.session.commit()
    page.goto("/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    # Following an in-page link updates the address after the key event returns.
    page.wait_for_url("**#main-content")
    # From the main content, the next stops are the two fields and the button.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type(firm_admin.email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def test_errors_are_announced_and_focused(page):
    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("domcontentloaded")
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "email"


def test_the_idle_warning_offers_to_stay_signed_in(page, live_server, firm_admin):
    # Warn from the first poll: the timeout is barely longer than the warning period.
    live_server.app.config["IDLE_TIMEOUT"] = timedelta(seconds=125)
    live_server.app.config["IDLE_WARNING"] = timedelta(seconds=120)
    db.session.commit()
    page.goto("/login")
    page.get_by_label("Email address").fill(firm_admin.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    dialog = page.get_by_role("alertdialog")
    dialog.wait_for(state="visible", timeout=15_000)
    assert "signed out" in dialog.inner_text()
    assert page.evaluate("document.activeElement.textContent") == "Stay signed in"
    assert_accessible(page, "idle warning")
    page.keyboard.press("Enter")
    dialog.wait_for(state="hidden")
    remaining = page.evaluate(
        "fetch('/session/status', {headers: {Accept: 'application/json'}})"
        ".then(r => r.json()).then(j => j.remaining)"
    )
    assert remaining > 120
