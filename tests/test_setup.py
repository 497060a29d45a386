"""What `make run` relies on: configuration, the secret key, demo data and demo sign-ins."""

from __future__ import annotations

import os
import stat

import pyotp
from sqlalchemy import func, select

from portal.auth.models import User
from portal.config import load_or_create_secret_key, normalize_database_url
from portal.demo import DEMO_PASSWORD, DEMO_TOTP
from portal.extensions import db


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = load_or_create_secret_key(str(tmp_path))
    second = load_or_create_secret_key(str(tmp_path))
    assert first == second and len(first) == 64
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_postgres_urls_use_psycopg_3():
    assert normalize_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_demo_data_loads_once(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded." in first.output
    assert "admin@fda.example.gov" in first.output and DEMO_PASSWORD in first.output
    counts = {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "already present" in second.output
    again = {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }
    assert again == counts
    assert counts["user_account"] == 6 and counts["firm"] >= 2


def test_demo_accounts_sign_in_with_the_printed_credentials(app, runner, no_csrf):
    runner.invoke(args=["seed-demo"])
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "admin@fda.example.gov", "password": DEMO_PASSWORD}
    )
    assert response.headers["Location"] == "/login/code"
    code = pyotp.TOTP(DEMO_TOTP["admin@fda.example.gov"]).now()
    assert client.post("/login/code", data={"code": code}).status_code == 302
    assert client.get("/admin").status_code == 200
    firm_client = app.test_client()
    response = firm_client.post(
        "/login",
        data={"email": "quality.lead@northwind-pharma.example.com", "password": DEMO_PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_the_code_command_works_in_development_only(make_app, runner):
    development = make_app(PORTAL_ENV="development")
    with development.app_context():
        from portal.demo import seed

        seed()
        result = development.test_cli_runner().invoke(args=["totp-code", "admin@fda.example.gov"])
        assert result.exit_code == 0
        assert result.output.strip() == pyotp.TOTP(DEMO_TOTP["admin@fda.example.gov"]).now()
    refused = runner.invoke(args=["totp-code", "admin@fda.example.gov"])
    assert refused.exit_code != 0 and "Only in development" in refused.output
    with development.app_context():
        from tests.conftest import _empty_all_tables

        _empty_all_tables()


def test_every_demo_person_exists_once(app, runner):
    runner.invoke(args=["seed-demo"])
    emails = db.session.scalars(select(User.email)).all()
    assert len(emails) == len(set(emails)) == 6


def test_foreign_keys_are_enforced_on_every_database(app, firm_a):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from tests import factories

    engagement = factories.engagement(firm_a)
    db.session.commit()
    engagement.site_id = 999_999
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
