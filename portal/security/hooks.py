"""Request hooks that hold for every page: sessions, policies, headers, the view audit."""

from __future__ import annotations

import logging
import time
import uuid

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    has_app_context,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from sqlalchemy import bindparam, event, insert, inspect, select

from portal import roundtrips
from portal.audit import services as audit
from portal.audit.models import AuditEvent
from portal.auth import sessions
from portal.auth.models import User, UserStatus
from portal.extensions import db, login_manager
from portal.security import tenancy
from portal.security.access import policy_of
from portal.timeutil import utcnow

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
PASSIVE_ENDPOINTS = frozenset({"account.session_status", "static"})

#: How old the cookie's "seen at" may get, as a share of the idle timeout, before a page
#: writes it again (30 s of the default 15 minutes). Written on every page, it made every
#: page re-sign and re-send the cookie (issue 15: 8 % of a kept firm page's work). The
#: idle timeout counts from the written time, so a person is signed out up to this long
#: before the full idle time after their last page, never after it. "Stay signed in"
#: always writes it.
SEEN_AT_STEP = 1 / 30


#: Built once: every signed-in request runs these (issue 15).
_USER_BY_PUBLIC_ID = select(User).where(User.public_id == bindparam("public_id"))
#: Inline: no RETURNING of the new id, which nothing reads.
_INSERT_AUDIT_EVENT = insert(AuditEvent.__table__).inline()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Accept a session only if its version is the user's current one (see User.get_id).

    The browser's session record is read in the same statement (one round trip fewer on
    every signed-in request, issue 15); ``sessions.check_and_touch`` judges it.
    """
    public_part, _, version_part = user_id.partition(":")
    try:
        public_id = uuid.UUID(public_part)
        version = int(version_part)
    except ValueError:
        return None
    token_hash = sessions.current_token_hash()
    if token_hash is None:
        user = db.session.scalars(_USER_BY_PUBLIC_ID, {"public_id": public_id}).first()
    else:
        user = sessions.load_user_and_record(public_id, token_hash)
    if user is None or user.status != UserStatus.ACTIVE or user.session_version != version:
        return None
    return user


def _session_expiry_reason(now: float, config, cookie_session) -> str | None:
    seen_at = cookie_session.get("seen_at")
    login_at = cookie_session.get("login_at")
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


def _seen_at_is_stale(now: float, config, cookie_session) -> bool:
    step = config["IDLE_TIMEOUT"].total_seconds() * SEEN_AT_STEP
    return now - cookie_session["seen_at"] >= step


def enforce_session_lifetime():
    """Idle and absolute timeouts, enforced here rather than trusted to the cookie."""
    # The objects behind Flask's proxies, each looked up once (issue 15: a lookup through
    # a proxy cost as much as the check it served).
    endpoint = request.endpoint
    cookie_session = session._get_current_object()
    if endpoint in (None, "static") or "_user_id" not in cookie_session:
        return None
    now = time.time()
    config = current_app.config
    reason = _session_expiry_reason(now, config, cookie_session)
    if reason is None:
        if endpoint not in PASSIVE_ENDPOINTS and _seen_at_is_stale(now, config, cookie_session):
            cookie_session["seen_at"] = now
        return None
    user = load_user(session["_user_id"])
    kept = False
    view = current_app.view_functions.get(request.endpoint)
    public_page = view is not None and policy_of(view) == "public"
    if user is not None and request.method == "POST" and request.form and not public_page:
        from portal.auth.drafts import save_draft

        save_draft(user, request.path, request.form)
        # Nothing of the request has run yet: the draft is all this commit carries.
        db.session.commit()
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
    if request.endpoint in PASSIVE_ENDPOINTS or request.endpoint == "account.keep_alive":
        abort(401)
    if public_page and request.method == "GET":
        return None
    target = request.path if request.method == "POST" else request.full_path.rstrip("?")
    return redirect(url_for("auth.login", next=target))


def enforce_policy_declared():
    """Deny by default: a view that forgot its policy decorator is not served."""
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static":
        return None
    view = current_app.view_functions.get(endpoint)
    if view is not None and policy_of(view) is None:
        log.error("view %s has no access policy; refusing", endpoint)
        abort(404)
    return None


#: Sent with every answer unless the view set its own (a download's stricter policy).
_SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def set_security_headers(response):
    headers = response.headers
    served = request._get_current_object()
    # One pass over what the view set: asking the headers for each missing name in turn
    # raised and caught an exception per name, on every answer (issue 15).
    present = {name.lower() for name, _value in headers}
    for name, value in _SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    if served.is_secure and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if served.endpoint != "static":
        # Pages carry confidential records: no copy in any cache, the browser's included.
        headers["Cache-Control"] = "no-store"
        if "pragma" not in present:
            headers.add("Pragma", "no-cache")
    return response


#: Answers that showed nothing: a redirect, a refusal without content, an error.
_NOTHING_SHOWN = frozenset({401, 403, 404, 405})


def _shown(response) -> bool:
    status = response.status_code
    return status < 300 or (400 <= status < 500 and status not in _NOTHING_SHOWN)


def write_view_audit(response):
    """Write one audit event for a request that showed records (SPEC "Confidentiality").

    Every signed-in page view, list, export, calendar file or API read is
    logged once, naming the first record it loaded (`audit.note_view`); an
    anonymous page only when it noted a record (an invitation's letter).

    A request that changed something wrote its event already, in the commit of
    the change (`_carry_noted_views`): the view, the change and its email are
    saved together or not at all. What is left is written here: pages that
    changed nothing. Whatever the view did not commit is not meant to be kept
    (the view commits a change once it has succeeded), so it is rolled back
    first rather than smuggled in with the event. A page that wrote nothing (no
    flush, no insert/update/delete through the session, no change pending) has
    nothing to roll back: its event is committed with the transaction it read in.
    """
    views = audit.clear_noted_views()
    if g.pop("view_event_committed", False):
        return response
    endpoint = request.endpoint
    if endpoint in PASSIVE_ENDPOINTS or endpoint is None:
        return response
    if not _shown(response):
        return response
    viewer = _signed_in_viewer()
    token = g.get("api_token")
    if not views and not (request.method in ("GET", "HEAD") and (viewer or token)):
        return response
    if not _has_unsaved_writes(db.session):
        # Nothing uncommitted to leave out: the event is written in the transaction the
        # page read in, without a rollback and a new transaction first (issue 15). On the
        # connection: nothing is pending to flush, and no cache's version follows this table.
        committed = roundtrips.insert_row(
            db.session, _INSERT_AUDIT_EVENT, _view_event_values(views, viewer, token)
        )
        if not committed:
            db.session.commit()
        # Committed by itself, the event leaves the session nothing to commit: its
        # transaction, which holds no writes and nothing open in the database, ends with
        # the request (end_transaction), without a commit's work first (issue 15).
        return response
    values = None
    if not (viewer and inspect(viewer).modified):
        # Made before the rollback, which expires the signed-in user: made after it,
        # the event would read the user's row again (issue 15). A user the view changed
        # and did not commit is read after it, as it is saved.
        values = _view_event_values(views, viewer, token)
    db.session.rollback()
    # A plain insert, not an ORM object: every page pays for this write, and a flush of
    # one object cost more than the rest of a cached page's work (issue 15).
    db.session.execute(_INSERT_AUDIT_EVENT, values or _view_event_values(views, viewer, token))
    db.session.commit()
    return response


#: ``session.info`` key: the transaction under way has written something (a flush, or an
#: insert, update or delete run through the session).
_WROTE = "portal.wrote"


def _note_flush(session, _context) -> None:
    session.info[_WROTE] = True


def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def _forget_writes(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


def _has_unsaved_writes(session) -> bool:
    """Whether committing now would save anything besides the audit event: a write sent
    in this transaction, or a change still waiting for its flush."""
    return bool(session.info.get(_WROTE) or session.new or session.deleted or session.dirty)


def _carry_noted_views(session) -> None:
    """Add the request's view event to the commit of its change (see write_view_audit).

    Only the outermost commit carries it: a savepoint's may still be undone by
    the transaction around it.
    """
    if not has_request_context() or session.in_nested_transaction():
        return
    if g.get("view_event_committed") or g.get("view_event_pending"):
        return
    views = audit.noted_views()
    if not views:
        return
    session.add(_view_event(views, _signed_in_viewer(), g.get("api_token")))
    g.view_event_pending = True


def _view_event_saved(session) -> None:
    if has_request_context() and g.pop("view_event_pending", False):
        g.view_event_committed = True


def _view_event_undone(session, previous_transaction=None) -> None:
    """A rolled-back commit took its view event with it: write_view_audit writes it instead."""
    if has_request_context() and not session.in_transaction():
        g.pop("view_event_pending", None)


def _signed_in_viewer() -> User | None:
    user = current_user._get_current_object()
    return user if user.is_authenticated else None


def _view_event(views: list, viewer, token) -> AuditEvent:
    return AuditEvent(**_view_event_values(views, viewer, token))


def _view_event_values(views: list, viewer, token) -> dict:
    """The audit row's values; ``viewer`` is the signed-in person, or None."""
    path = request.full_path.rstrip("?")[:500]
    first = views[0] if views else None
    others = ", ".join(f"{v.object_type} {v.object_id}".strip() for v in views[1:])
    parts = [first.detail if first and first.detail else "", f"also {others}" if others else ""]
    if first is None or not first.detail:
        parts.append(path)
    detail = "; ".join(part for part in parts if part)
    firm_id = first.firm_id if first else None
    # A request authenticated by a link's token rather than a session (a calendar feed)
    # names the token's owner as the viewer.
    actor = g.get("view_actor") or viewer
    if actor is not None and actor.is_firm_user:
        firm_id = actor.firm_id
    if first is None and token is not None:
        object_type, object_id = "api_token", str(token.public_id)
    else:
        object_type = first.object_type if first else ""
        object_id = first.object_id if first else ""
    return {
        "occurred_at": utcnow(),
        "actor_id": actor.id if actor is not None else None,
        "actor_email": actor.email if actor is not None else "",
        "actor_role": str(actor.role) if actor is not None else "",
        "firm_id": firm_id,
        "action": first.action if first else "page.view",
        "object_type": object_type,
        "object_id": object_id,
        "client_address": audit.client_address(),
        "detail": detail[:2000],
    }


#: The scope of a signed-in person who belongs to no firm and is not FDA: nothing.
_NO_FIRM = tenancy.Scope(firm_id=0)


def declare_tenancy():
    """Firm users' requests read their own firm only; FDA's read the whole program."""
    if request.endpoint in (None, "static"):
        return
    user = current_user._get_current_object()
    if not user.is_authenticated:
        # Public pages reach records only through a link's token; API requests
        # declare the program scope once their token is checked.
        tenancy.declare(db.session, _NO_FIRM)
    elif user.is_fda:
        tenancy.declare(db.session, tenancy.PROGRAM)
    else:
        tenancy.declare(db.session, tenancy.Scope(firm_id=user.firm_id or 0))


def forget_tenancy(_error=None):
    tenancy.declare(db.session, None)


def end_transaction(_error=None):
    """What the request did not commit ends with it (the request owns the transaction).

    A request with an application context of its own (every request under a server)
    leaves it to the context's end, a moment later: Flask-SQLAlchemy then removes the
    session, whose close gives the connection back rolled back. Rolling back here
    first, which also expires every loaded object, was 5 % of a kept firm page (issue
    15). When the application context outlives the request (the tests' client), the
    session stays, so its transaction is rolled back here.
    """
    if request.environ.get(_OWN_APP_CONTEXT):
        return
    db.session.rollback()


#: WSGI environ key: True when the request's application context is its own, pushed and
#: popped with it (every request under a server).
_OWN_APP_CONTEXT = "portal.own_app_context"


def _note_own_app_context(app: Flask) -> None:
    """Mark each request that brings its own application context (see end_transaction):
    Flask pushes one unless the request runs inside a context of the same app."""
    inner = app.wsgi_app

    def wsgi_app(environ, start_response):
        environ[_OWN_APP_CONTEXT] = (
            not has_app_context() or current_app._get_current_object() is not app
        )
        return inner(environ, start_response)

    app.wsgi_app = wsgi_app


def register(app: Flask) -> None:
    _note_own_app_context(app)
    app.before_request(enforce_policy_declared)
    app.before_request(enforce_session_lifetime)
    app.before_request(declare_tenancy)
    app.teardown_request(forget_tenancy)
    app.teardown_request(end_transaction)
    app.after_request(write_view_audit)
    for name, listener in (
        ("before_commit", _carry_noted_views),
        ("after_commit", _view_event_saved),
        ("after_soft_rollback", _view_event_undone),
        ("after_flush", _note_flush),
        ("do_orm_execute", _note_statement),
        ("after_transaction_end", _forget_writes),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
    app.after_request(set_security_headers)
