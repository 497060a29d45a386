"""What someone typed when their session ended mid-form, kept for their next visit.

The session check (security.hooks) and the CSRF error page save the posted
fields; PortalForm takes them back, once, when the person opens the same page.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from portal.auth.models import FormDraft, User
from portal.extensions import db
from portal.timeutil import utcnow


def draft_payload(form: MultiDict) -> str:
    """Serialize posted fields for a draft, leaving out the spent CSRF token."""
    pairs = [(k, v) for k, v in form.items(multi=True) if k != "csrf_token"]
    return json.dumps(pairs)


def draft_formdata(payload: str) -> MultiDict:
    return MultiDict([tuple(pair) for pair in json.loads(payload)])


def save_draft(user: User, path: str, form: MultiDict) -> None:
    payload = draft_payload(form)
    if payload == "[]":
        return
    db.session.execute(
        delete(FormDraft).where(FormDraft.user_id == user.id, FormDraft.path == path)
    )
    db.session.add(FormDraft(user_id=user.id, path=path[:500], data=payload, created_at=utcnow()))


def take_draft(user: User, path: str) -> MultiDict | None:
    draft = db.session.scalars(
        select(FormDraft).where(FormDraft.user_id == user.id, FormDraft.path == path)
    ).first()
    if draft is None:
        return None
    data = draft_formdata(draft.data)
    db.session.delete(draft)
    return data
