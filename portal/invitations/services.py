"""Sending, re-sending, withdrawing, expiring and declining invitation letters (SPEC 3-5).

Every change is a conditional UPDATE on the invitation's status, so a link
decides once however many requests race for it, and FDA cannot withdraw a
letter the site answered a moment before. Emails are queued in the same
transaction as the change that causes them (SPEC "Email").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.audit import services as audit
from portal.auth.models import Role, User, UserStatus
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.invitations.letter import (
    LETTER_TIMEZONE,
    compose_letter,
    letter_blocks,
    letter_problem,
)
from portal.invitations.models import Invitation, InvitationStatus
from portal.mail import queue_email
from portal.program.settings import get_setting
from portal.security.tokens import hash_token, new_token
from portal.sites.models import Site, SiteContact
from portal.sites.services import letter_blocker
from portal.timeutil import utcnow
from portal.transaction import savepoint
from portal.urls import external_url

#: The subject line of the letter's email. It names no site: mail gets forwarded.
LETTER_SUBJECT = "Invitation to FDA's Site Engagement Program"


class InvitationError(ValueError):
    """A request about an invitation that cannot be honoured; the message is for the person."""


# --- when a letter may go ------------------------------------------------------------


def open_invitation(site: Site) -> Invitation | None:
    """The site's letter still awaiting a reply (sent and not past its expiry)."""
    return db.session.scalars(
        select(Invitation).where(Invitation.site_id == site.id, Invitation.awaiting_reply(utcnow()))
    ).first()


def active_engagement(site: Site) -> Engagement | None:
    return db.session.scalars(
        select(Engagement).where(
            Engagement.site_id == site.id, Engagement.status == EngagementStatus.ACTIVE
        )
    ).first()


def send_blockers(
    site: Site,
    *,
    resending: Invitation | None = None,
    known: tuple[list[Invitation], list[Engagement]] | None = None,
) -> list[str]:
    """Every reason the site cannot be sent a letter now; empty when it can (SPEC 3-4).

    ``known``: every invitation and engagement of the site, when the caller has already
    loaded them (the site page lists them); the rules are then read from those lists
    instead of asked of the database again.
    """
    reasons = []
    if site.archived_at is not None:
        reasons.append("The site is archived. Restore it before writing to it.")
    blocker = letter_blocker(site)
    if blocker:
        reasons.append(blocker)
    if known is None:
        pending, active = open_invitation(site), active_engagement(site)
    else:
        now = utcnow()
        letters, engagements = known
        pending = next((letter for letter in letters if letter.awaiting_reply(now)), None)
        active = next((e for e in engagements if e.status == EngagementStatus.ACTIVE), None)
    if pending is not None and (resending is None or pending.id != resending.id):
        reasons.append(
            "A letter to this site is still awaiting a reply. Withdraw it or re-send it "
            "instead of writing a second one."
        )
    if active is not None:
        reasons.append("The site already has an active engagement; there is nothing to invite.")
    return reasons


def site_page_url(site: Site) -> str | None:
    """FDA's page of the site, once the sites domain serves it (links from letters' pages)."""
    if "sites.detail" in current_app.view_functions:
        return url_for("sites.detail", site_id=site.public_id)
    return None


# --- sending -------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterLinks:
    letter: str
    accept: str
    decline: str


def links_for(token: str) -> LetterLinks:
    return LetterLinks(
        letter=external_url("invitation_links.respond", token=token),
        accept=external_url("invitation_links.accept", token=token),
        decline=external_url("invitation_links.decline", token=token),
    )


def eligible_recipients(site: Site) -> list[SiteContact]:
    """The site's current contacts that have an email address, by name."""
    return [c for c in site.contacts if c.archived_at is None and c.email]


def _check_recipients(site: Site, contacts: Sequence[SiteContact]) -> list[str]:
    if not contacts:
        raise InvitationError("Choose at least one site contact to send the letter to.")
    allowed = {c.id for c in eligible_recipients(site)}
    if any(c.id not in allowed for c in contacts):
        raise InvitationError("Choose only current contacts of this site who have an email.")
    return sorted({c.email.strip().lower() for c in contacts})


def _issue(
    site: Site, *, recipients: list[str], addressee: str, by: User, paragraph: str = ""
) -> tuple[Invitation, str]:
    """A new invitation with a fresh token, its email queued; flushed, not committed."""
    token = new_token()
    now = utcnow()
    expires_at = now + timedelta(days=get_setting("invitation_expiry_days"))
    invitation = Invitation(
        site_id=site.id,
        recipients=",".join(recipients),
        addressee=addressee,
        token_hash=hash_token(token),
        status=InvitationStatus.SENT,
        sent_at=now,
        expires_at=expires_at,
        sent_by_id=by.id,
        letter_body=compose_letter(
            site,
            addressee=addressee,
            sender=by,
            sent_at=now,
            expires_at=expires_at,
            paragraph=paragraph,
        ),
        fda_paragraph=paragraph,
    )
    try:
        with savepoint():
            db.session.add(invitation)
    except IntegrityError as error:
        # uq_invitation_one_open_per_site: someone sent a letter a moment ago. Only the
        # savepoint is undone; the caller decides what becomes of its own work.
        raise InvitationError(
            "Another letter to this site was sent a moment ago. Reload the site page to see it."
        ) from error
    queue_email(
        recipients,
        "invitations_letter",
        LETTER_SUBJECT,
        invitation=invitation,
        blocks=letter_blocks(invitation.letter_body, invitation.fda_paragraph),
        links=links_for(token),
        expires_at=expires_at,
        zone=LETTER_TIMEZONE,
    )
    return invitation, token


def send_invitation(
    site: Site,
    *,
    contacts: Sequence[SiteContact],
    addressee: str,
    by: User,
    paragraph: str = "",
) -> Invitation:
    """Email the letter to the chosen contacts (SPEC 4), once a call has reached the site."""
    reasons = send_blockers(site)
    if reasons:
        raise InvitationError(reasons[0])
    paragraph = " ".join((paragraph or "").split())
    if problem := letter_problem(site, paragraph):
        raise InvitationError(problem)
    recipients = _check_recipients(site, contacts)
    expire_overdue(site_id=site.id)
    invitation, _token = _issue(
        site, recipients=recipients, addressee=addressee, by=by, paragraph=paragraph
    )
    audit.record("invitation.send", invitation, detail=f"recipients={len(recipients)}")
    return invitation


def resend_invitation(old: Invitation, *, by: User) -> Invitation:
    """A new letter and link to the same people; the old link then says it was replaced."""
    if old.status not in (InvitationStatus.SENT, InvitationStatus.EXPIRED):
        raise InvitationError(
            f"This letter was {old.status.value}; only a letter awaiting a reply or expired "
            "can be re-sent. Write a new letter from the site page instead."
        )
    reasons = send_blockers(old.site, resending=old)
    if reasons:
        raise InvitationError(reasons[0])
    if problem := letter_problem(old.site, old.fda_paragraph):
        raise InvitationError(problem)
    replaced = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == old.id,
            Invitation.status.in_([InvitationStatus.SENT, InvitationStatus.EXPIRED]),
        )
        .values(status=InvitationStatus.REPLACED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if replaced != 1:
        raise InvitationError("The site answered this letter a moment ago; it cannot be re-sent.")
    new, _token = _issue(
        old.site,
        recipients=old.recipient_list,
        addressee=old.addressee,
        by=by,
        paragraph=old.fda_paragraph,
    )
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == old.id)
        .values(replaced_by_id=new.id)
        .execution_options(synchronize_session=False)
    )
    audit.record("invitation.replaced", old, detail=f"replaced by {new.public_id}")
    audit.record("invitation.send", new, detail=f"re-send of {old.public_id}")
    db.session.flush()
    db.session.refresh(old)
    return new


def withdraw_invitation(invitation: Invitation, *, reason: str, by: User) -> None:
    """FDA takes the letter back (SPEC 4); its link then says so. Nothing is deleted."""
    if not reason.strip():
        raise InvitationError("Say why the invitation is withdrawn; the reason is kept.")
    withdrawn = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.status == InvitationStatus.SENT)
        .values(
            status=InvitationStatus.WITHDRAWN,
            withdrawn_at=utcnow(),
            withdrawn_by_id=by.id,
            withdrawal_reason=reason.strip(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if withdrawn != 1:
        raise InvitationError("Only a letter awaiting a reply can be withdrawn.")
    audit.record("invitation.withdraw", invitation, detail=reason.strip()[:500])
    db.session.flush()
    db.session.refresh(invitation)


def expire_overdue(*, site_id: int | None = None) -> int:
    """Mark sent letters past their expiry EXPIRED; returns how many. Not committed."""
    now = utcnow()
    stmt = select(Invitation).where(
        Invitation.status == InvitationStatus.SENT, Invitation.expires_at <= now
    )
    if site_id is not None:
        stmt = stmt.where(Invitation.site_id == site_id)
    count = 0
    for invitation in db.session.scalars(stmt).all():
        changed = db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.status == InvitationStatus.SENT)
            .values(status=InvitationStatus.EXPIRED)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed:
            audit.record("invitation.expire", invitation)
            count += 1
    return count


# --- the site's answer -------------------------------------------------------------------


def fda_recipients(invitation: Invitation) -> list[str]:
    """Who at FDA hears of a decision: the sender and the program managers (SPEC 5-6)."""
    managers = db.session.scalars(
        select(User.email).where(User.role == Role.FDA_ADMIN, User.status == UserStatus.ACTIVE)
    ).all()
    people = set(managers)
    if invitation.sent_by.status == UserStatus.ACTIVE:
        people.add(invitation.sent_by.email)
    return sorted(people)


def notify_fda_of_decision(invitation: Invitation, *, firm_id: int | None = None) -> None:
    verb = "accepted" if invitation.status == InvitationStatus.ACCEPTED else "declined"
    recipients = fda_recipients(invitation)
    if not recipients:
        return
    queue_email(
        recipients,
        "invitations_decided",
        f"Site Engagement Program: FEI {invitation.site.fei_number} {verb} the invitation",
        firm_id=firm_id,
        invitation=invitation,
        site=invitation.site,
        verb=verb,
        zone=invitation.sent_by.timezone,
        link=external_url("invitations.detail", invitation_id=invitation.public_id),
    )


def claim_decision(invitation: Invitation, status: InvitationStatus, **values: str) -> bool:
    """Record the site's decision if, and only if, the link is still open.

    One conditional UPDATE: of two requests racing for one link, exactly one
    changes the row; the other gets False and shows the recorded decision.
    Not committed; a False changed nothing, and its caller commits nothing.
    """
    now = utcnow()
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.status == InvitationStatus.SENT,
            Invitation.expires_at > now,
        )
        .values(status=status, decided_at=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(invitation)  # the decision recorded, ours or the other request's
    return claimed == 1


def decline_invitation(invitation: Invitation, *, reason: str) -> bool:
    """The site says no (SPEC 5). False if the link was no longer open."""
    if not claim_decision(invitation, InvitationStatus.DECLINED, decline_reason=reason.strip()):
        return False
    audit.record("invitation.decline", invitation, detail="declined through the letter's link")
    notify_fda_of_decision(invitation)
    return True
