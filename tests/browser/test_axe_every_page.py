"""axe-core on every page of the portal, as the role that may open it (WCAG 2.1 AA).

The pages come from the URL map, like the isolation sweep: a new page is
checked as soon as it exists. The program manager sees every FDA page, the
firm's quality lead every firm page.
"""

from __future__ import annotations

import pytest

from portal.extensions import db
from tests import factories
from tests.browser.helpers import assert_accessible, sign_in, sign_out
from tests.conftest import build_world
from tests.sweep import get_pages, is_a_page, people


@pytest.mark.parametrize("role", ["anonymous", "fda_admin", "firm_admin"])
def test_every_page_passes_axe(page, app, role):
    world = build_world()
    db.session.commit()
    if role != "anonymous":
        sign_in(page, people(world)[role], factories.PASSWORD)
    checked = 0
    for url in get_pages(app, world, role):
        if not is_a_page(url):
            continue
        response = page.goto(url)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        assert response.status < 500, url
        assert_accessible(page, f"{role} {url}")
        checked += 1
    assert checked >= 3
    if role != "anonymous":
        page.goto("/")
        sign_out(page)
        assert_accessible(page, f"{role} signed out")
