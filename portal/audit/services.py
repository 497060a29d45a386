"""Writing to the audit log. Every service calls `record` in its own transaction."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from portal.audit.models import AuditEvent
from portal.extensions import db


def _actor() -> tuple[int | None, str, str]:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.email, str(current_user.role)
    return None, "", ""


def client_address() -> str:
    if has_request_context():
        return (request.remote_addr or "")[:64]
    return ""


def record(
    action: str,
    obj: Any = None,
    *,
    detail: str = "",
    firm_id: int | None = None,
    actor: Any = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (committed with the change it describes).

    ``obj`` is any model with a ``public_id``; its firm is taken from ``firm_id``
    when it has one. ``actor`` overrides the signed-in user (e.g. at sign-in,
    before the session knows who it is).
    """
    if actor is not None:
        actor_id, actor_email, actor_role = actor.id, actor.email, str(actor.role)
    else:
        actor_id, actor_email, actor_role = _actor()
    object_type = ""
    object_id = ""
    if obj is not None:
        object_type = getattr(obj, "__tablename__", type(obj).__name__)
        object_id = str(getattr(obj, "public_id", "") or "")
        if firm_id is None:
            firm_id = getattr(obj, "firm_id", None)
    event = AuditEvent(
        actor_id=actor_id,
        actor_email=actor_email,
        actor_role=actor_role,
        firm_id=firm_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        client_address=client_address(),
        detail=detail[:2000],
    )
    db.session.add(event)
    return event


def record_view(obj: Any) -> None:
    """A firm record was shown to someone (SPEC: every view is logged).

    Committed by the request's teardown hook (see portal.security.hooks), so a
    page that only reads still leaves its trace.
    """
    record(f"{getattr(obj, '__tablename__', 'record')}.view", obj)
