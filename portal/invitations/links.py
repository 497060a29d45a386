"""What an invitation link's token leads to (SPEC 4).

A token is looked up only by its SHA-256 hash; the token itself is never
stored, logged or audited. Every way a link can be unusable has its own state,
so the page can say plainly what happened and which HTTP status fits.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select

from portal.extensions import db
from portal.invitations.models import Invitation, InvitationStatus
from portal.security.tokens import hash_token, looks_like_token
from portal.timeutil import utcnow


class LinkState(enum.Enum):
    #: Malformed, tampered with, or never issued.
    INVALID = "invalid"
    #: Awaiting the site's decision: the letter and the two choices.
    OPEN = "open"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    #: Re-sent: a newer letter holds the live link.
    REPLACED = "replaced"
    #: Accepted or declined: the link shows the recorded decision.
    DECIDED = "decided"

    @property
    def http_status(self) -> int:
        """For a GET. A decision posted to a link that is not open gets 409 or 410 instead."""
        return _GET_STATUS[self]


_GET_STATUS = {
    LinkState.INVALID: 404,
    LinkState.OPEN: 200,
    LinkState.EXPIRED: 410,
    LinkState.WITHDRAWN: 410,
    LinkState.REPLACED: 410,
    LinkState.DECIDED: 200,
}

_STATE_OF_STATUS = {
    InvitationStatus.ACCEPTED: LinkState.DECIDED,
    InvitationStatus.DECLINED: LinkState.DECIDED,
    InvitationStatus.WITHDRAWN: LinkState.WITHDRAWN,
    InvitationStatus.REPLACED: LinkState.REPLACED,
    InvitationStatus.EXPIRED: LinkState.EXPIRED,
}


@dataclass(frozen=True)
class Link:
    state: LinkState
    invitation: Invitation | None = None

    @property
    def is_open(self) -> bool:
        return self.state is LinkState.OPEN


def state_of(invitation: Invitation) -> LinkState:
    """A sent letter past its expiry is expired even before `flask invitations expire` runs."""
    if invitation.status == InvitationStatus.SENT:
        return LinkState.OPEN if invitation.expires_at > utcnow() else LinkState.EXPIRED
    return _STATE_OF_STATUS[invitation.status]


def resolve(token: str) -> Link:
    """The invitation a link token belongs to, and what state its link is in."""
    if not looks_like_token(token):
        return Link(LinkState.INVALID)
    invitation = db.session.scalars(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    ).first()
    if invitation is None:
        return Link(LinkState.INVALID)
    return Link(state_of(invitation), invitation)


def opens(invitation: Invitation, email: str) -> bool:
    """Whether a typed address is one the letter was sent to (the link page's gate)."""
    return email.strip().lower() in invitation.recipient_list


def replacement_sent_at(invitation: Invitation):
    """When the newer letter that replaced this one was sent, or None."""
    if invitation.replaced_by_id is None:
        return None
    return db.session.scalar(
        select(Invitation.sent_at).where(Invitation.id == invitation.replaced_by_id)
    )
