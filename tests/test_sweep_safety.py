"""Sweeps over every route: GET changes nothing, POST needs CSRF, bad input never breaks a page.

Like tests/test_isolation.py, nothing is listed by hand: a new page is covered
as soon as it exists.
"""

from __future__ import annotations

import pytest

from portal.security.access import policy_of
from tests.conftest import login_as
from tests.sweep import (
    ACTIVITY_TABLES,
    ROLE_POLICIES,
    forms_on,
    get_pages,
    people,
    snapshot,
    url_for_rule,
)

ROLES = ["anonymous", "fda_admin", "fda_staff", "firm_admin", "firm_staff"]


def client_for(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        login_as(client, people(world)[role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_get_requests_change_nothing_but_the_audit_log(app, world, role):
    client = client_for(app, world, role)
    before = snapshot()
    pages = get_pages(app, world, role)
    assert pages
    failures = []
    for url in pages:
        response = client.get(url)
        response.close()
        if response.status_code >= 500:
            failures.append((url, response.status_code))
    after = snapshot()
    changed = [name for name in before if before[name] != after[name]]
    assert not failures, failures
    assert not changed, f"GET requests as {role} changed tables: {changed}"


@pytest.mark.parametrize("role", ROLES)
def test_every_post_without_a_csrf_token_is_refused(app, world, role):
    client = client_for(app, world, role)
    allowed = ROLE_POLICIES[role]
    before = snapshot(ACTIVITY_TABLES | {"form_draft"})
    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint == "static":
            continue
        if policy_of(app.view_functions[rule.endpoint]) not in allowed:
            continue
        url = url_for_rule(app, rule, world)
        if url is None:  # public token routes: a made-up token
            url = rule.rule.replace("<token>", "x" * 43)
        response = client.post(url, data={"anything": "at all"})
        checked.append(url)
        if response.status_code == 302:
            # A signed-in person's text is kept and they are sent back to the form.
            with client.session_transaction() as session:
                flashes = [message for _category, message in session.pop("_flashes", [])]
            assert any("was not saved yet" in m for m in flashes), (url, flashes)
        else:
            assert response.status_code == 400, (url, response.status_code)
    assert snapshot(ACTIVITY_TABLES | {"form_draft"}) == before
    if role != "anonymous":
        assert checked


BAD_VALUES = {
    "NUL byte": "before\x00after",
    "10,000 characters": "x" * 10_000,
    "bidirectional override": "invoice\u202egnp.exe",
    "control character": "bell\x07here",
}


@pytest.mark.parametrize("role", ["anonymous", "fda_admin", "firm_admin"])
def test_bad_text_in_every_form_field_gets_a_form_error(make_app, database_url, role):
    app = make_app(
        WTF_CSRF_ENABLED=False,
        LOGIN_LIMIT_PER_ACCOUNT="10000 per minute",
        LOGIN_LIMIT_PER_ADDRESS="10000 per minute",
        EMAIL_LINK_LIMIT_PER_ADDRESS="10000 per minute",
    )
    from portal.extensions import db, limiter
    from tests.conftest import _empty_all_tables, build_world

    with app.app_context():
        limiter.reset()
        _empty_all_tables()
        world = build_world()
        client = client_for(app, world, role)
        before = snapshot(ACTIVITY_TABLES | {"form_draft"})
        fuzzed = 0
        failures = []
        for page_url in get_pages(app, world, role):
            page = client.get(page_url)
            if page.status_code != 200 or "text/html" not in page.content_type:
                page.close()
                continue
            for form in forms_on(page.get_data(as_text=True)):
                if form.method != "post":
                    continue
                action = form.action or page_url
                for target in form.text_fields():
                    for label, bad in BAD_VALUES.items():
                        data = form.baseline()
                        data[target["name"]] = bad
                        response = client.post(action, data=data)
                        fuzzed += 1
                        body = response.get_data(as_text=True)
                        if response.status_code >= 500:
                            failures.append((action, target["name"], label, "server error"))
                        elif f'id="{target["id"]}-error"' not in body:
                            failures.append(
                                (
                                    action,
                                    target["name"],
                                    label,
                                    f"no error beside the field ({response.status_code})",
                                )
                            )
        after = snapshot(ACTIVITY_TABLES | {"form_draft"})
        _empty_all_tables()
        db.session.remove()
    assert fuzzed > 0
    assert not failures, failures
    assert before == after
