"""Throttling of sign-in and emailed links (Flask-Limiter).

Failures only are counted, so that a stranger cannot lock the owner out
(SPEC "Sign-in", NIST SP 800-63B-4 section 3.2.2):

* per account *and* client address (LOGIN_LIMIT_PER_ACCOUNT, 5 per 15 minutes):
  someone guessing from one address is slowed, while the owner, who signs in
  from another, is not;
* per client address (LOGIN_LIMIT_PER_ADDRESS, 30 per 15 minutes): one address
  guessing at many accounts;
* per account alone only at LOGIN_FAILURE_CEILING (100) consecutive failures,
  counted from every address; the owner is emailed when it is reached, and a
  successful sign-in or a password reset starts the count again.

The account is the email typed, known or not, so the answers never reveal
which accounts exist. With Redis as the store (RATELIMIT_STORAGE_URI) the
counts are shared by all workers.
"""

from __future__ import annotations

from flask import current_app, g, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from portal.extensions import limiter
from portal.security.tokens import hash_token


def login_account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def login_address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def email_link_limit() -> str:
    return current_app.config["EMAIL_LINK_LIMIT_PER_ADDRESS"]


def typed_email() -> str:
    return request.form.get("email", "").strip().lower()[:254]


def login_pair_key() -> str:
    """The account typed together with the address it is typed from."""
    return f"pair:{typed_email()}|{get_remote_address()}"


def pending_user_key() -> str:
    """The code step: the person who gave the password, from this address only, so that
    someone else's wrong codes elsewhere do not lock a fresh sign-in of the owner."""
    return f"pending:{session.get('pending_uid') or '-'}|{get_remote_address()}"


def login_failed(response) -> bool:
    return bool(g.get("login_failed"))


def invitation_gate_link_limit() -> str:
    return current_app.config["INVITATION_GATE_LIMIT_PER_LINK"]


def invitation_gate_address_limit() -> str:
    return current_app.config["INVITATION_GATE_LIMIT_PER_ADDRESS"]


def invitation_link_key() -> str:
    """Per link, by its token's hash (the token itself is never stored, not even here)."""
    return "invitation:" + hash_token(str((request.view_args or {}).get("token", "")))


def invitation_address_wrong(response) -> bool:
    return bool(g.get("invitation_address_wrong"))


# --- the per-account ceiling ---------------------------------------------------------


def _ceiling_key(email: str) -> str:
    return "sep/login-ceiling/" + email.strip().lower()[:254]


def failure_ceiling() -> int:
    return int(current_app.config["LOGIN_FAILURE_CEILING"])


def account_failures(email: str) -> int:
    """Consecutive failed sign-ins (password or code) on this account, from every address."""
    return limiter.storage.get(_ceiling_key(email))


def at_ceiling(email: str) -> bool:
    return account_failures(email) >= failure_ceiling()


def count_account_failure(email: str) -> int:
    """Count one more failure; the new total."""
    expiry = int(current_app.config["LOGIN_FAILURE_WINDOW"].total_seconds())
    return limiter.storage.incr(_ceiling_key(email), expiry)


def clear_account_failures(email: str) -> None:
    """After a successful sign-in or a password reset the count starts again (consecutive)."""
    limiter.storage.clear(_ceiling_key(email))


def per_process_store_warning(config, workers: int) -> str | None:
    """The start-up warning for a production server whose workers each count on their own.

    With memory:// every worker keeps its own counts, so N workers let N times the
    configured failures through (issue 9: 2 workers let 10 and 60 through instead of 5 and 30).
    """
    if config.get("PORTAL_ENV") != "production" or workers <= 1:
        return None
    if not str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        return None
    return (
        f"RATELIMIT_STORAGE_URI is memory:// with {workers} workers: each worker counts failed "
        f"sign-ins on its own, so the limits let {workers} times as many through. "
        "Set RATELIMIT_STORAGE_URI=redis://... (README, 'Running in production')."
    )


# --- calendar feeds (SPEC 7) -----------------------------------------------------------


def calendar_feed_limit() -> str:
    return current_app.config["CALENDAR_FEED_LIMIT_PER_FEED"]


def calendar_feed_address_limit() -> str:
    return current_app.config["CALENDAR_FEED_LIMIT_PER_ADDRESS"]


def calendar_feed_key() -> str:
    """Per feed address, by its token's hash (the token itself is kept nowhere)."""
    return "calendar-feed:" + hash_token(str((request.view_args or {}).get("token", "")))


def skip_request_check_without_app_wide_limits(app, extension: Limiter = limiter) -> None:
    """Take Flask-Limiter's per-request check off every page when nothing app-wide needs it.

    Every limit here is on its own view (``limiter.limit`` on the function), and those are
    checked by the view's own wrapper. The extension's before-request check only adds the
    default, application-wide and blueprint limits, of which the portal sets none, yet it
    worked out that answer on every page (issue 15: 4 % of a kept firm page). Called once
    the blueprints are registered; a default, application or blueprint limit added later
    keeps the check.
    """
    manager = extension.limit_manager
    if (
        manager.default_limits
        or manager.application_limits
        or manager._blueprint_limits
        or extension._meta_limits
    ):
        return
    app.before_request_funcs[None] = [
        hook for hook in app.before_request_funcs[None] if hook != extension._check_request_limit
    ]
