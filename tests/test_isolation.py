"""Confidentiality by construction (STYLE), checked over every route the app has.

No route is listed here by hand: the tests walk ``app.url_map``, so a new page
is covered the moment it exists. URL ids are named ``<uuid:<model>_id>`` after
the model's class in snake case (``meeting_id``, ``quality_action_id``, ...);
the sweep fills them with firm A's records and asks as firm B.
"""

from __future__ import annotations

import re
import uuid

import pytest

from portal.security.access import ANONYMOUS_POLICIES, policy_of
from tests.conftest import login_as

SESSION_POLICIES = {"signed_in", "fda_staff", "fda_admin", "firm_user", "firm_admin"}
KNOWN_POLICIES = SESSION_POLICIES | ANONYMOUS_POLICIES | {"api_token"}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule, app.view_functions[rule.endpoint]


def record_for_argument(world, argument: str):
    """Firm A's record for a URL argument such as ``meeting_id``."""
    if not argument.endswith("_id"):
        return None
    wanted = argument[: -len("_id")]
    for model, record in world.records.items():
        if _snake(model.__name__) == wanted:
            return record
    return None


def build_url(app, rule, world) -> str | None:
    values = {}
    for argument in rule.arguments:
        record = record_for_argument(world, argument)
        if record is None:
            return None
        values[argument] = record.public_id
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def test_every_view_declares_exactly_one_known_policy(app):
    missing = [rule.rule for rule, view in routes(app) if policy_of(view) is None]
    assert not missing, f"views without an access policy decorator: {missing}"
    unknown = {
        rule.rule: policy_of(view)
        for rule, view in routes(app)
        if policy_of(view) not in KNOWN_POLICIES
    }
    assert not unknown, f"unknown policies: {unknown}"


def test_a_view_without_policy_is_refused_at_request_time(make_app):
    app = make_app()

    @app.route("/forgotten-policy")
    def forgotten():
        return "secret"

    assert app.test_client().get("/forgotten-policy").status_code == 404


def test_every_id_argument_names_a_model(app, world):
    unresolved = set()
    for rule, view in routes(app):
        if policy_of(view) in ANONYMOUS_POLICIES:
            continue
        for argument in rule.arguments:
            if record_for_argument(world, argument) is None:
                unresolved.add((rule.rule, argument))
    assert not unresolved, (
        "URL arguments must be <uuid:<model>_id>, and the world fixture must hold a record of "
        f"that model: {sorted(unresolved)}"
    )


def test_another_firms_records_answer_404_on_every_id_route(app, world, no_csrf):
    client = app.test_client()
    login_as(client, world.by_firm["b"].admin)
    checked = 0
    failures = []
    for rule, view in routes(app):
        if not rule.arguments or policy_of(view) in ANONYMOUS_POLICIES:
            continue
        url = build_url(app, rule, world)
        assert url is not None, rule.rule
        expected = {401} if policy_of(view) == "api_token" else {404}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={})
            response.close()
            checked += 1
            if response.status_code not in expected:
                failures.append((method, rule.rule, response.status_code))
    assert not failures, f"firm B reached firm A's records: {failures}"
    assert checked > 0


def test_own_firm_reaches_its_records_on_firm_routes(app, world):
    """The control for the test above: the ids used there are real, live records."""
    client = app.test_client()
    login_as(client, world.by_firm["a"].admin)
    failures = []
    for rule, view in routes(app):
        if not rule.arguments or policy_of(view) not in {"firm_user", "firm_admin"}:
            continue
        if "GET" not in rule.methods:
            continue
        url = build_url(app, rule, world)
        response = client.get(url)
        response.close()
        if response.status_code == 404:
            failures.append(rule.rule)
    assert not failures, f"firm A cannot open its own records: {failures}"


def test_anonymous_visitors_are_sent_to_sign_in(app, world, no_csrf):
    client = app.test_client()
    failures = []
    for rule, view in routes(app):
        policy = policy_of(view)
        if policy in ANONYMOUS_POLICIES or policy == "api_token":
            continue
        url = build_url(app, rule, world) if rule.arguments else rule.rule
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={})
            response.close()
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not location.startswith("/login"):
                failures.append((method, rule.rule, response.status_code, location))
    assert not failures, failures


def test_api_routes_refuse_sessions(app, world):
    client = app.test_client()
    login_as(client, world.fda_admin)
    for rule, view in routes(app):
        if policy_of(view) != "api_token":
            continue
        url = build_url(app, rule, world) if rule.arguments else rule.rule
        response = client.get(url)
        response.close()
        assert response.status_code == 401, rule.rule


@pytest.mark.parametrize(
    ("person", "allowed"),
    [
        ("fda_admin", {"signed_in", "fda_staff", "fda_admin"}),
        ("fda_staff", {"signed_in", "fda_staff"}),
        ("firm_admin", {"signed_in", "firm_user", "firm_admin"}),
        ("firm_staff", {"signed_in", "firm_user"}),
    ],
)
def test_each_role_reaches_its_pages_and_no_other(app, world, person, allowed):
    user = {
        "fda_admin": world.fda_admin,
        "fda_staff": world.fda_staff,
        "firm_admin": world.by_firm["a"].admin,
        "firm_staff": world.by_firm["a"].staff,
    }[person]
    client = app.test_client()
    login_as(client, user)
    failures = []
    for rule, view in routes(app):
        policy = policy_of(view)
        if policy not in SESSION_POLICIES or "GET" not in rule.methods:
            continue
        url = build_url(app, rule, world) if rule.arguments else rule.rule
        response = client.get(url)
        response.close()
        status = response.status_code
        reached = status < 400
        if reached != (policy in allowed):
            failures.append((rule.rule, policy, status))
    assert not failures, failures


def test_uuid_routes_answer_404_for_unknown_ids(app, world):
    client = app.test_client()
    login_as(client, world.fda_admin)
    for rule, view in routes(app):
        if not rule.arguments or "GET" not in rule.methods:
            continue
        if policy_of(view) not in {"fda_staff", "fda_admin", "signed_in"}:
            continue
        url = build_url(app, rule, world)
        for argument in rule.arguments:
            record = record_for_argument(world, argument)
            url = url.replace(str(record.public_id), str(uuid.uuid4()))
        response = client.get(url)
        response.close()
        assert response.status_code == 404, rule.rule


@pytest.mark.parametrize(
    ("person", "audience"),
    [("fda_admin", "fda"), ("firm_admin", "firm"), ("firm_admin", "account")],
)
def test_every_page_wears_its_blueprints_audience(app, world, person, audience):
    """A page renders on its audience's base template (templates/_bases/): FDA and firm
    pages carry the confidential marking, account pages never show it. A firm page put on
    an FDA base, or the reverse, fails here."""
    from portal.audiences import audience_of

    user = {"fda_admin": world.fda_admin, "firm_admin": world.by_firm["a"].admin}[person]
    client = app.test_client()
    login_as(client, user)
    marking = 'class="cci-marking"'
    failures, checked = [], 0
    for rule, _view in routes(app):
        blueprint = app.blueprints[rule.endpoint.rpartition(".")[0]]
        if audience_of(blueprint).value != audience or "GET" not in rule.methods:
            continue
        url = build_url(app, rule, world) if rule.arguments else rule.rule
        if url is None:
            continue
        response = client.get(url)
        response.close()
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        checked += 1
        html = response.get_data(as_text=True)
        if f'data-audience="{audience}"' not in html:
            failures.append((rule.rule, "not on its audience's base"))
        if (marking in html) != (audience in ("fda", "firm")):
            failures.append((rule.rule, "confidential marking wrong"))
    assert checked > 0
    assert not failures, failures
