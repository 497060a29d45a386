"""Each role signs in through the real forms and every page its menu reaches passes axe."""

from __future__ import annotations

import pytest

from portal.auth.models import Role
from portal.extensions import db
from tests import factories
from tests.browser.helpers import assert_accessible, sign_in, sign_out


def test_anonymous_pages_are_accessible(page):
    for path in ("/login", "/password/forgot", "/no-such-page"):
        page.goto(path)
        assert_accessible(page, path)
    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").first.is_visible()
    assert_accessible(page, "login with errors")


# The two administrators' pages, every one of them, are checked by test_axe_every_page.py;
# the staff roles see the same pages with fewer controls, so they are walked here.
@pytest.mark.parametrize("role", [Role.FDA_STAFF, Role.FIRM_STAFF])
def test_each_role_signs_in_and_its_pages_pass_axe(page, app, role):
    world = __import__("tests.conftest", fromlist=["build_world"]).build_world()
    person = {
        Role.FDA_ADMIN: world.fda_admin,
        Role.FDA_STAFF: world.fda_staff,
        Role.FIRM_ADMIN: world.by_firm["a"].admin,
        Role.FIRM_STAFF: world.by_firm["a"].staff,
    }[role]
    db.session.commit()
    sign_in(page, person, factories.PASSWORD)
    assert_accessible(page, f"{role} home")
    links = page.locator("nav[aria-label=Main] a")
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    targets += ["/account", "/account/password", "/account/two-step"]
    for target in dict.fromkeys(targets):
        response = page.goto(target)
        assert response.status < 400, target
        assert_accessible(page, f"{role} {target}")
        # One level further: the first link in the page's main content (a detail page).
        first_detail = page.locator("main table a").first
        if first_detail.count():
            first_detail.click()
            page.wait_for_load_state()
            assert_accessible(page, f"{role} {target} -> {page.url}")
    page.goto("/")
    sign_out(page)
    assert_accessible(page, "signed out")


def test_the_accessibility_check_can_fail(page):
    """Guard against a harness that passes everything: a page with known violations fails."""
    page.set_content("<html><body><img src='x.png'><input type='text'></body></html>")
    with pytest.raises(AssertionError, match="axe"):
        assert_accessible(page)
