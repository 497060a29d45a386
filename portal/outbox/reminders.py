"""Each reminder at most once (SPEC 9): the one way every reminder job claims what it sends.

A job claims a reminder by writing its SentReminder row with ``ON CONFLICT DO
NOTHING`` in the same transaction as the email. A second run, even one running
at the same moment, finds the row (or waits for the first run's row) and
claims nothing, so it queues nothing; no IntegrityError ever spoils the rest of
its transaction.
"""

from __future__ import annotations

from portal.outbox.models import SentReminder
from portal.timeutil import utcnow
from portal.upsert import insert_unless_exists


def claim_reminder(*, kind: str, user_id: int, subject_key: str, due_key: str) -> bool:
    """Record that this reminder is being sent; False when another run already has."""
    return insert_unless_exists(
        SentReminder,
        kind=kind,
        user_id=user_id,
        subject_key=subject_key,
        due_key=due_key,
        sent_at=utcnow(),
    )
