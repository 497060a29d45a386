"""Every blueprint has one audience, and the app refuses to start when a view's policy
belongs to another (docs/LAYOUT.md, "Audiences live apart")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Blueprint, Flask

from portal import create_app
from portal.audiences import Audience, AudienceMismatch, audience_blueprint, audience_of
from portal.home import views as home_views
from portal.security import access
from portal.security.access import policy_of


def _app_with(*blueprints: Blueprint) -> Flask:
    app = Flask(__name__)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app


def test_a_firm_blueprint_refuses_an_fda_view():
    from portal.audiences import check_audiences

    firm_pages = audience_blueprint("firm_pages", __name__, audience=Audience.FIRM)

    @firm_pages.route("/firm/overview")
    @access.fda_staff
    def overview():
        return "FDA-only figures"

    with pytest.raises(AudienceMismatch, match="firm_pages.overview: policy 'fda_staff'"):
        check_audiences(_app_with(firm_pages))


def test_a_blueprint_without_an_audience_is_refused():
    from portal.audiences import check_audiences

    plain = Blueprint("plain", __name__)

    @plain.route("/plain")
    @access.public
    def page():
        return "hello"

    with pytest.raises(AudienceMismatch, match="plain.page: its blueprint has no audience"):
        check_audiences(_app_with(plain))


def test_the_app_does_not_start_with_a_mismatched_view(monkeypatch, database_url):
    """create_app itself runs the check: a public page put on the account blueprint fails."""
    account_pages = audience_blueprint("home", __name__, audience=Audience.ACCOUNT)

    @account_pages.route("/")
    @access.public
    def index():
        return "anyone"

    monkeypatch.setattr(home_views, "bp", account_pages)
    with pytest.raises(AudienceMismatch, match="home.index: policy 'public'"):
        create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url})


def test_every_view_of_the_portal_sits_in_a_blueprint_of_its_audience(app):
    seen: dict[Audience, set[str]] = {audience: set() for audience in Audience}
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        blueprint = app.blueprints[endpoint.rpartition(".")[0]]
        seen[audience_of(blueprint)].add(policy_of(view))
    assert seen == {
        Audience.FDA: {"fda_staff", "fda_admin"},
        Audience.FIRM: {"firm_user", "firm_admin"},
        Audience.PUBLIC: {"public"},
        Audience.ACCOUNT: {"signed_in"},
        Audience.API: {"api_token"},
    }


@pytest.mark.parametrize(
    ("path", "audience"),
    [
        ("/firm/meetings", Audience.FIRM),
        ("/firm/questions", Audience.FIRM),
        ("/firm/quality-actions", Audience.FIRM),
        ("/firm/feedback", Audience.FIRM),
        ("/meetings", Audience.FDA),
        ("/questions", Audience.FDA),
        ("/quality-actions", Audience.FDA),
        ("/feedback", Audience.FDA),
        ("/admin/api-tokens", Audience.FDA),
        ("/login", Audience.PUBLIC),
        ("/invitation/some-token", Audience.PUBLIC),
        ("/account", Audience.ACCOUNT),
        ("/logout", Audience.ACCOUNT),
        ("/api/v1/sites", Audience.API),
    ],
)
def test_pages_that_shared_a_blueprint_now_live_apart(app, path, audience):
    """The URLs stayed; the blueprint behind each is now its audience's alone."""
    adapter = app.url_map.bind("localhost")
    method = "POST" if path == "/logout" else "GET"
    endpoint, _ = adapter.match(path, method=method)
    assert audience_of(app.blueprints[endpoint.rpartition(".")[0]]) is audience


TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
BASES = {f'{{% extends "_bases/{name}.html" %}}' for name in ("fda", "firm", "public", "account")}


def _page_templates() -> list[Path]:
    """Every page: not an email, a macro file, an audience base, base.html or a partial."""
    return [
        path
        for path in sorted(TEMPLATES.rglob("*.html"))
        if not path.name.startswith("_")
        and path.relative_to(TEMPLATES).parts[0] not in {"emails", "_macros", "_bases"}
        and path.name != "base.html"
    ]


def test_every_page_template_extends_exactly_one_audience_base():
    wrong = {}
    for path in _page_templates():
        extends = re.findall(r"{%-? extends [^%]*%}", path.read_text())
        if len(extends) != 1 or extends[0] not in BASES:
            wrong[str(path.relative_to(TEMPLATES))] = extends
    assert len(_page_templates()) > 90
    assert not wrong, wrong


def test_only_the_fda_and_firm_bases_set_the_confidential_marking():
    """Pages no longer mark themselves one by one: their base does. The one exception is
    the invitation letter, a public page that shows the letter once it is unlocked."""
    marking_themselves = {
        str(path.relative_to(TEMPLATES))
        for path in _page_templates()
        if "set confidential" in path.read_text()
    }
    assert marking_themselves == {"invitations/public/respond.html"}
    bases = {path.stem: path.read_text() for path in (TEMPLATES / "_bases").glob("*.html")}
    assert "{% set confidential = True %}" in bases["fda"] and "confidential" in bases["firm"]
    assert "confidential" not in bases["public"] + bases["account"]
