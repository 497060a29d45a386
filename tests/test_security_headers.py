"""Every response carries the protective headers, error pages included; errors never leak."""

from __future__ import annotations

import pytest

from portal.security import access
from tests.conftest import login_as


@pytest.fixture
def app_with_faults(make_app):
    app = make_app()

    @app.route("/_fault")
    @access.public
    def fault():
        raise RuntimeError("secret internals: password=hunter2")

    @app.route("/_upload", methods=["POST"])
    @access.public
    def upload():
        return "ok"

    return app


def assert_protected(response, *, dynamic=True):
    headers = response.headers
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] in {"same-origin", "no-referrer"}
    if dynamic:
        assert headers["Cache-Control"] == "no-store"


def test_headers_on_pages_errors_and_files(app_with_faults, fda_staff):
    from portal.extensions import db

    db.session.commit()
    client = app_with_faults.test_client()
    responses = {
        "login": client.get("/login"),
        "404": client.get("/no/such/page"),
        "405": client.get("/logout"),
        "400 csrf": client.post("/login", data={"email": "x"}),
        "413": client.post(
            "/_upload",
            data=b"x" * (11 * 1024 * 1024),
            content_type="application/x-www-form-urlencoded",
        ),
        "500": client.get("/_fault"),
    }
    signed_in = app_with_faults.test_client()
    login_as(signed_in, fda_staff)
    responses["403"] = signed_in.get("/admin/users")
    responses["signed in"] = signed_in.get("/account")
    expected = {
        "login": 200,
        "404": 404,
        "405": 405,
        "400 csrf": 400,
        "413": 413,
        "500": 500,
        "403": 403,
        "signed in": 200,
    }
    for name, response in responses.items():
        assert response.status_code == expected[name], name
        assert_protected(response)
        if response.status_code >= 400:
            body = response.get_data(as_text=True)
            assert 'class="usa-banner"' in body, f"{name} page is not in the site's layout"
            assert "Traceback" not in body and "hunter2" not in body
    static = client.get("/static/css/portal.css")
    assert_protected(static, dynamic=False)
    static.close()


def test_too_many_requests_page_has_the_headers(make_app):
    app = make_app(WTF_CSRF_ENABLED=False, LOGIN_LIMIT_PER_ACCOUNT="1 per minute")
    client = app.test_client()
    with app.app_context():
        from portal.extensions import limiter

        limiter.reset()
        client.post("/login", data={"email": "a@example.com", "password": "wrong wrong wrong"})
        response = client.post("/login", data={"email": "a@example.com", "password": "wrong"})
    assert response.status_code == 429
    assert_protected(response)


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://portal.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_production_cookies_are_secure(make_app):
    app = make_app(PORTAL_ENV="production", SECRET_KEY="x" * 64)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
