"""Forwarded headers are believed only from configured proxy addresses (issue 9, item 9)."""

from __future__ import annotations

import runpy

from portal import ROOT
from portal.security import access
from portal.security.limits import per_process_store_warning


def _remote_addr(make_app, headers, remote, **config):
    app = make_app(**config)

    @app.get("/_who")
    @access.public
    def who():
        from flask import request

        return request.remote_addr or ""

    return (
        app.test_client().get("/_who", headers=headers, environ_base={"REMOTE_ADDR": remote}).text
    )


FORWARDED = {"X-Forwarded-For": "198.51.100.1"}


def test_without_proxy_addresses_forwarded_for_is_ignored(make_app):
    assert _remote_addr(make_app, FORWARDED, "10.0.0.9", TRUSTED_PROXY_COUNT=1) == "10.0.0.9"


def test_forwarded_for_is_believed_from_a_listed_proxy_only(make_app):
    config = {"TRUSTED_PROXY_COUNT": 1, "TRUSTED_PROXY_ADDRESSES": "10.0.0.0/24"}
    assert _remote_addr(make_app, FORWARDED, "10.0.0.9", **config) == "198.51.100.1"
    assert _remote_addr(make_app, FORWARDED, "10.0.1.9", **config) == "10.0.1.9"


def test_shipped_gunicorn_settings_trust_no_forwarded_header():
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["forwarded_allow_ips"] == ""
    assert settings["proxy_allow_ips"] == ""


def test_per_process_store_warning_only_where_it_matters():
    production = {"PORTAL_ENV": "production", "RATELIMIT_STORAGE_URI": "memory://"}
    assert per_process_store_warning(production, 2)
    assert per_process_store_warning(production, 1) is None
    assert (
        per_process_store_warning({**production, "RATELIMIT_STORAGE_URI": "redis://r"}, 4) is None
    )
    assert per_process_store_warning({**production, "PORTAL_ENV": "development"}, 4) is None
