"""Request hooks that hold for every page: sessions, policies, headers, audit commits."""

from __future__ import annotations

import logging
import time
import uuid

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_login import logout_user
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import User, UserStatus
from portal.extensions import db, login_manager
from portal.security.access import policy_of

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

#: Requests that must not count as activity (the warning script asks how long is left).
PASSIVE_ENDPOINTS = frozenset({"auth.session_status", "static"})


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Accept a session only if its version is the user's current one (see User.get_id)."""
    public_part, _, version_part = user_id.partition(":")
    try:
        public_id = uuid.UUID(public_part)
        version = int(version_part)
    except ValueError:
        return None
    user = db.session.scalars(select(User).where(User.public_id == public_id)).first()
    if user is None or user.status != UserStatus.ACTIVE or user.session_version != version:
        return None
    return user


def _session_expiry_reason(now: float) -> str | None:
    config = current_app.config
    seen_at = session.get("seen_at")
    login_at = session.get("login_at")
    if seen_at is None or login_at is None:
        return "invalid"
    if now - login_at > config["ABSOLUTE_TIMEOUT"].total_seconds():
        return "absolute"
    if now - seen_at > config["IDLE_TIMEOUT"].total_seconds():
        return "idle"
    return None


_EXPIRY_MESSAGES = {
    "idle": "You were signed out after {minutes} minutes without activity.",
    "absolute": "You were signed out because you had been signed in for {hours} hours.",
    "invalid": "Please sign in again.",
}


def enforce_session_lifetime():
    """Idle and absolute timeouts, enforced here rather than trusted to the cookie."""
    if request.endpoint in (None, "static") or "_user_id" not in session:
        return None
    now = time.time()
    reason = _session_expiry_reason(now)
    if reason is None:
        if request.endpoint not in PASSIVE_ENDPOINTS:
            session["seen_at"] = now
        return None
    user = load_user(session["_user_id"])
    kept = False
    view = current_app.view_functions.get(request.endpoint)
    public_page = view is not None and policy_of(view) == "public"
    if user is not None and request.method == "POST" and request.form and not public_page:
        from portal.auth.services import save_draft

        save_draft(user, request.path, request.form)
        kept = True
    logout_user()
    session.clear()
    config = current_app.config
    message = _EXPIRY_MESSAGES[reason].format(
        minutes=int(config["IDLE_TIMEOUT"].total_seconds() // 60),
        hours=int(config["ABSOLUTE_TIMEOUT"].total_seconds() // 3600),
    )
    if kept:
        message += " What you had typed has been kept: sign in to finish."
    if reason != "invalid":
        flash(message, "warning")
    if request.endpoint in PASSIVE_ENDPOINTS or request.endpoint == "auth.keep_alive":
        abort(401)
    if public_page and request.method == "GET":
        return None
    target = request.path if request.method == "POST" else request.full_path.rstrip("?")
    return redirect(url_for("auth.login", next=target))


def enforce_policy_declared():
    """Deny by default: a view that forgot its policy decorator is not served."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and policy_of(view) is None:
        log.error("view %s has no access policy; refusing", request.endpoint)
        abort(404)
    return None


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        # Pages carry confidential records: no copy in any cache, the browser's included.
        headers["Cache-Control"] = "no-store"
        headers.setdefault("Pragma", "no-cache")
    return response


def commit_view_audit(response):
    """Commit audit events of a read-only request (views of firm records).

    Only when the audit events are all that is pending: anything else a view
    left uncommitted is a bug and is rolled back at teardown.
    """
    pending = list(db.session.new) + list(db.session.dirty) + list(db.session.deleted)
    if pending and response.status_code < 400 and all(isinstance(o, AuditEvent) for o in pending):
        db.session.commit()
    return response


def register(app: Flask) -> None:
    app.before_request(enforce_policy_declared)
    app.before_request(enforce_session_lifetime)
    app.after_request(commit_view_audit)
    app.after_request(set_security_headers)
