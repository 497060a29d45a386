"""Throttling of sign-in and emailed links (Flask-Limiter).

Limits count failures only, per account (the email typed, known or not, so the
answer never reveals which accounts exist) and per client address. With Redis
as the store (RATELIMIT_STORAGE_URI) the counts are shared by all workers.
"""

from __future__ import annotations

from flask import current_app, g, request, session
from flask_limiter.util import get_remote_address


def login_account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def login_address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def email_link_limit() -> str:
    return current_app.config["EMAIL_LINK_LIMIT_PER_ADDRESS"]


def login_account_key() -> str:
    return "account:" + request.form.get("email", "").strip().lower()[:254]


def pending_user_key() -> str:
    """The second-factor step is throttled per person, whatever address they come from."""
    return "pending:" + str(session.get("pending_uid") or get_remote_address())


def login_failed(response) -> bool:
    return bool(g.get("login_failed"))
