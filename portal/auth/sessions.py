"""Server-side records of signed-in sessions ("Your sessions" on the account page).

Each sign-in writes a `UserSession` row and keeps a random id for it in the signed
session cookie. A request whose row has ended is signed out, so one browser can be
signed out from another. This works alongside `User.session_version`, which still
ends every session at once (sign-out, password change, deactivation): raising the
version also closes every row (`end_all`).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import and_, bindparam, select, update

from portal import roundtrips
from portal.audit import services as audit
from portal.audit.services import client_address
from portal.auth.models import User, UserSession
from portal.extensions import db
from portal.firm import freshness
from portal.security.tokens import hash_token, looks_like_token, new_token
from portal.timeutil import utcnow

#: The session cookie's key for the record's random id.
SESSION_KEY = "sid"

#: Requests that only ask how long is left: checked, but not "seen" (as the idle timer).
PASSIVE_ENDPOINTS = frozenset({"account.session_status"})


class SessionError(ValueError):
    """A request about a session that cannot be honoured; the message is for the person."""


def start(user: User) -> None:
    """Record a new sign-in of this browser; called by `services.complete_login`."""
    token = create_record(
        user,
        user_agent=request.headers.get("User-Agent", ""),
        address=client_address(),
    )
    session[SESSION_KEY] = token


def create_record(user: User, *, user_agent: str, address: str) -> str:
    """The row for a sign-in; returns the random id that only the cookie holds."""
    token = new_token()
    now = utcnow()
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=hash_token(token),
            user_agent=user_agent[:300],
            address=address[:64],
            created_at=now,
            last_seen_at=now,
        )
    )
    return token


#: How stale "last seen" may get before a request writes it again. It only orders the
#: person's list of sessions and hides idle ones there (minutes); writing it on every
#: request made each page a write and a commit, which serialized a firm's pages on
#: SQLite's one writer under load (issue 15).
TOUCH_EVERY = timedelta(minutes=1)


class SessionCheck(NamedTuple):
    live: bool
    #: Whether the check wrote "last seen" (then the caller has a write to commit).
    touched: bool = False

    def __bool__(self) -> bool:
        # Read as a yes or no (as check_and_touch used to answer), it says whether it is live.
        return self.live


#: Built once: every signed-in request runs it (issue 15).
_LIVE_RECORD = select(UserSession.id, UserSession.last_seen_at).where(
    UserSession.token_hash == bindparam("token_hash"),
    UserSession.user_id == bindparam("user_id"),
    UserSession.ended_at.is_(None),
)


#: The signed-in person with this browser's live record, if any, and their firm home's
#: version (portal.firm.freshness): the user loader's one read.
_USER_WITH_LIVE_RECORD = freshness.with_key(
    select(User, UserSession.id, UserSession.last_seen_at)
    .outerjoin(
        UserSession,
        and_(
            UserSession.user_id == User.id,
            UserSession.token_hash == bindparam("token_hash"),
            UserSession.ended_at.is_(None),
        ),
    )
    .where(User.public_id == bindparam("public_id")),
    User.firm_id,
)

#: Where the user loader leaves the record it read: (user id, token hash, row or None). In
#: the request's environ rather than ``g``, which an application context can carry from
#: one request to the next (the tests' client).
_KEPT_RECORD = "portal.session_record"


def load_user_and_record(public_id: uuid.UUID, token_hash: str) -> User | None:
    """The person by their public id, and this browser's live record read in the same
    statement and kept for ``check_and_touch`` (for this request only)."""
    row = roundtrips.first_read(
        db.session, _USER_WITH_LIVE_RECORD, {"public_id": public_id, "token_hash": token_hash}
    ).first()
    if row is None:
        return None
    user, record_id, last_seen_at, *versions = row
    record = None if record_id is None else _Record(record_id, last_seen_at)
    request.environ[_KEPT_RECORD] = (user.id, token_hash, record)
    freshness.keep_key(user.firm_id, *versions)
    return user


class _Record(NamedTuple):
    id: int
    last_seen_at: datetime


def _live_record(user: User, token_hash: str):
    kept = request.environ.pop(_KEPT_RECORD, None)
    if kept is not None and kept[0] == user.id and kept[1] == token_hash:
        return kept[2]
    return db.session.execute(_LIVE_RECORD, {"token_hash": token_hash, "user_id": user.id}).first()


def check_and_touch(user: User, *, passive: bool) -> SessionCheck:
    """Whether this browser's record is live; marks it seen at most once a minute. One
    read (the user loader's, when it ran for this browser), and a write only when the
    mark is older than TOUCH_EVERY."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not looks_like_token(token):
        return SessionCheck(live=False)
    record = _live_record(user, hash_token(token))
    if record is None:
        return SessionCheck(live=False)
    now = utcnow()
    if not passive and record.last_seen_at <= now - TOUCH_EVERY:
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == record.id, UserSession.ended_at.is_(None))
            .values(last_seen_at=now)
        )
        return SessionCheck(live=True, touched=True)
    return SessionCheck(live=True)


def current_token_hash() -> str | None:
    token = session.get(SESSION_KEY)
    return hash_token(token) if isinstance(token, str) and looks_like_token(token) else None


def live_sessions(user: User) -> list[UserSession]:
    """Most recently used first; sessions past the idle or absolute timeout are not listed,
    as their cookies no longer work (portal.security.hooks)."""
    config = current_app.config
    now = utcnow()
    return list(
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.ended_at.is_(None),
                UserSession.last_seen_at > now - config["IDLE_TIMEOUT"],
                UserSession.created_at > now - config["ABSOLUTE_TIMEOUT"],
            )
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def _end(where, now: datetime) -> int:
    return db.session.execute(
        update(UserSession).where(UserSession.ended_at.is_(None), *where).values(ended_at=now)
    ).rowcount


def end_all(user: User) -> None:
    """Part of raising the session version: every record of the person ends with it."""
    _end((UserSession.user_id == user.id,), utcnow())


def end_one(user: User, public_id: str) -> None:
    """Sign out one of the person's own sessions; someone else's is "not found"."""
    row = db.session.scalars(
        select(UserSession).where(
            UserSession.user_id == user.id,
            UserSession.public_id == _uuid_or_none(public_id),
            UserSession.ended_at.is_(None),
        )
    ).first()
    if row is None:
        raise SessionError("That session has already ended.")
    row.ended_at = utcnow()
    audit.record("auth.session_ended", row, actor=user)


def end_others(user: User) -> int:
    """Sign out all other sessions: every record but this browser's ends."""
    mine = current_token_hash()
    where = [UserSession.user_id == user.id]
    if mine is not None:
        where.append(UserSession.token_hash != mine)
    ended = _end(where, utcnow())
    audit.record("auth.other_sessions_ended", user, actor=user, detail=f"count={ended}")
    return ended


def _uuid_or_none(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    (re.compile(r"iPhone|iPad|iPod"), "iOS"),
    (re.compile(r"Android"), "Android"),
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"Mac OS X|Macintosh"), "macOS"),
    (re.compile(r"CrOS"), "ChromeOS"),
    (re.compile(r"Linux"), "Linux"),
)


def device_label(user_agent: str) -> str:
    """Like "Firefox on Windows": enough for a person to recognise their own device."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for pattern, name in _SYSTEMS if pattern.search(user_agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"


def register_hooks(bp: Blueprint) -> None:
    """Sign out a browser whose record has ended (after the idle/absolute checks)."""

    @bp.before_app_request
    def _refuse_ended_sessions():
        endpoint = request.endpoint
        if endpoint in (None, "static") or "_user_id" not in session:
            return None
        user = current_user._get_current_object()
        if not user.is_authenticated:
            return None
        passive = endpoint in PASSIVE_ENDPOINTS
        live, touched = check_and_touch(user, passive=passive)
        if touched:
            # This hook is the start of the request, not a service: the touch is saved now,
            # so no write lock is held while the page works (SQLite has one writer). Only
            # then: a commit expires the signed-in user, whom the page would read again.
            db.session.commit()
        if live:
            return None
        logout_user()
        session.clear()
        flash("You were signed out of this browser from another session.", "info")
        if passive:
            abort(401)
        return redirect(url_for("auth.login"))
