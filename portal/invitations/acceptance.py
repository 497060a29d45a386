"""Accepting an invitation (SPEC 6): the responder, their account, the firm, the engagement.

The rules, in the order they are checked:

* The responder typed an address the letter was sent to before the letter
  showed (the link's gate), so they read that mailbox. Accepting as that
  address lets them set a password here without a second confirmation email.
  A letter to a shared mailbox (quality@...) should not make the mailbox
  someone's personal sign-in, so they may give their own work address
  instead: that account is created "invited" and becomes their sign-in only
  through the activation link emailed to it (issue 16).
* Someone signed in may accept only as themselves (as Notify.gov does): the
  signed-in email must be the responder's email. FDA accounts never accept.
* An existing account must sign in first; only a new one sets a password
  here, by the NIST rules (15+ characters without a second factor), and
  becomes the firm's ``firm_admin``.
* The decision itself is one conditional UPDATE of the invitation: of two
  accepts racing for one link exactly one wins; the other changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.audit import services as audit
from portal.auth import services as accounts
from portal.auth.models import Firm, Role, User
from portal.engagements.models import Engagement
from portal.engagements.services import open_engagement
from portal.extensions import db
from portal.invitations.models import Invitation, InvitationStatus
from portal.invitations.services import claim_decision, notify_fda_of_decision
from portal.mail import queue_email
from portal.security import passwords
from portal.urls import external_url


class AcceptError(ValueError):
    """The acceptance cannot go ahead as given; ``field`` names the form field to blame."""

    def __init__(self, message: str, field: str = "email"):
        super().__init__(message)
        self.field = field


class SignInRequired(AcceptError):
    """An account exists for the responder's email: they accept after signing in with it."""


class AlreadyDecided(Exception):
    """The link was no longer open when the decision was recorded (someone was faster)."""


@dataclass(frozen=True)
class Responder:
    full_name: str
    title: str
    email: str
    password: str = ""


@dataclass(frozen=True)
class Acceptance:
    user: User
    engagement: Engagement
    #: True when the account was created here (the view signs the person in).
    new_account: bool
    #: True when the account waits for its own address to be confirmed by the emailed link.
    confirm_address: bool = False


def identity_problem(invitation: Invitation, email: str, signed_in: User | None) -> str | None:
    """Why this person may not accept this letter as this email, or None."""
    email = accounts.normalize_email(email)
    if signed_in is not None:
        if signed_in.is_fda:
            return (
                "You are signed in with an FDA account. Only someone at the site can accept; "
                "sign out first if you are that person."
            )
        if signed_in.email != email:
            return (
                f"You are signed in as {signed_in.email}, but this acceptance is for {email}. "
                "Accept as the person you are signed in as, or sign out first."
            )
        if email not in invitation.recipient_list:
            return (
                "Use the email address this letter was sent to. To give a colleague access, "
                "accept first and then invite them from the portal's Colleagues page."
            )
    return None


def _is_letter_address(invitation: Invitation, email: str) -> bool:
    return accounts.normalize_email(email) in invitation.recipient_list


def _firm_for(invitation: Invitation, existing: User | None) -> Firm:
    """The firm that answers for the site: the accepting user's, the site's, or a new one."""
    site = invitation.site
    if existing is not None:
        return existing.firm
    if site.firm is not None:
        return site.firm
    firm = Firm(name=site.legal_name[:200])
    db.session.add(firm)
    db.session.flush()
    audit.record("firm.create", firm, firm_id=firm.id, detail="created by accepting an invitation")
    return firm


def _check(invitation: Invitation, responder: Responder, signed_in: User | None) -> User | None:
    """Validate before anything is written; returns the existing account to use, if any."""
    problem = identity_problem(invitation, responder.email, signed_in)
    if problem:
        raise AcceptError(problem)
    existing = signed_in or accounts.find_user_by_email(responder.email)
    if existing is not None:
        if signed_in is None and not _is_letter_address(invitation, responder.email):
            raise AcceptError(
                "There is already a portal account for this address, and the letter was not "
                "sent to it. Give the address this letter was sent to, or another work address "
                "of yours."
            )
        if signed_in is None:
            raise SignInRequired(
                "There is already a portal account for this email address. Sign in with it, "
                "then open the invitation link again to accept. If you never chose a password, "
                'use "Forgotten your password" on the sign-in page.'
            )
        site_firm_id = invitation.site.firm_id
        if site_firm_id is not None and site_firm_id != existing.firm_id:
            raise AcceptError(
                "This site is already linked to another firm's account in the portal. "
                "Write to FDA to sort this out; nothing has been changed."
            )
        return existing
    if not _is_letter_address(invitation, responder.email):
        # Their own address: the password is chosen from the activation link sent to it.
        return None
    if not responder.password:
        raise AcceptError("Choose a password for your new portal account.", field="password")
    local_part = responder.email.split("@", 1)[0]
    weakness = passwords.check_new_password(
        responder.password,
        has_second_factor=False,
        context_words=(local_part, *responder.full_name.split()),
    )
    if weakness:
        raise AcceptError(weakness, field="password")
    return None


def accept_invitation(
    invitation: Invitation, responder: Responder, *, signed_in: User | None
) -> Acceptance:
    """Record the acceptance and open the engagement; the view commits.

    Raises AcceptError (nothing written) or AlreadyDecided (the link had been
    decided, withdrawn, replaced or had expired by the time we got there).
    """
    existing = _check(invitation, responder, signed_in)
    if not claim_decision(
        invitation,
        InvitationStatus.ACCEPTED,
        responder_name=responder.full_name.strip(),
        responder_title=responder.title.strip(),
        responder_email=accounts.normalize_email(responder.email),
    ):
        raise AlreadyDecided
    firm = _firm_for(invitation, existing)
    site = invitation.site
    if site.firm_id is None:
        site.firm_id = firm.id
    confirm_address = existing is None and not _is_letter_address(invitation, responder.email)
    if existing is None:
        user = accounts.create_user(
            email=responder.email,
            full_name=responder.full_name,
            title=responder.title,
            role=Role.FIRM_ADMIN,
            firm=firm,
            send_activation=confirm_address,
        )
        if not confirm_address:
            accounts.activate_with_password(user, responder.password)
    else:
        user = existing
    engagement = open_engagement(invitation, firm)
    audit.record("invitation.accept", invitation, firm_id=firm.id, actor=user)
    notify_fda_of_decision(invitation, firm_id=firm.id)
    queue_email(
        user.email,
        "invitations_welcome",
        "Welcome to FDA's Site Engagement Program",
        firm_id=firm.id,
        user=user,
        site=site,
        link=external_url("firm.engagement", engagement_id=engagement.public_id),
    )
    return Acceptance(
        user=user,
        engagement=engagement,
        new_account=existing is None,
        confirm_address=confirm_address,
    )
