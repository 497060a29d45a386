"""Writing to the audit log: `record` adds an event to the transaction of its change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context, request
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


@dataclass(frozen=True)
class ViewedRecord:
    """What a request showed, captured when it was loaded (the ORM object may expire later)."""

    action: str
    object_type: str
    object_id: str
    firm_id: int | None
    detail: str


def note_view(
    action: str, obj: Any = None, *, detail: str = "", firm_id: int | None = None
) -> None:
    """Mark the current request as a view of confidential records (SPEC: every view is logged).

    Nothing is written here. One event per request is written: in the commit of
    the request's change when it makes one (`portal.security.hooks._carry_noted_views`),
    otherwise after the response is built (`write_view_audit`), so a view is logged
    once however the page's own session was flushed or committed.
    The first record noted names the event; the others are listed in its detail.
    """
    if not has_request_context():
        return
    object_type = getattr(obj, "__tablename__", type(obj).__name__) if obj is not None else ""
    object_id = str(getattr(obj, "public_id", "") or "") if obj is not None else ""
    if firm_id is None and obj is not None:
        firm_id = getattr(obj, "firm_id", None)
    views = g.setdefault("audit_views", [])
    views.append(ViewedRecord(action, object_type, object_id, firm_id, detail))


def record_view(obj: Any) -> None:
    """A firm record was shown to someone."""
    note_view(f"{getattr(obj, '__tablename__', 'record')}.view", obj)


def noted_views() -> list[ViewedRecord]:
    return list(g.get("audit_views", [])) if has_request_context() else []


def clear_noted_views() -> list[ViewedRecord]:
    return g.pop("audit_views", []) if has_request_context() else []
