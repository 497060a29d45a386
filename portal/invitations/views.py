"""FDA's invitation pages: write, preview, send, read, withdraw and re-send a letter (SPEC 4).

The site's own pages (the link in the email) are in ``public.py`` on the same
blueprint.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.audiences import Audience, audience_blueprint
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.forms import ConfirmForm, choices
from portal.invitations import links, services
from portal.invitations.forms import LetterForm, WithdrawForm
from portal.invitations.letter import compose_letter, letter_blocks, letter_problem
from portal.invitations.models import Invitation, InvitationStatus
from portal.program.settings import get_setting
from portal.security import access
from portal.security.scoping import get_fda_record_or_404
from portal.sites.models import Site, SiteContact
from portal.timeutil import utcnow

bp = audience_blueprint("invitations", __name__, audience=Audience.FDA)


def _site_or_404(site_id: uuid.UUID) -> Site:
    return get_fda_record_or_404(Site, site_id, selectinload(Site.contacts))


def _invitation_or_404(invitation_id: uuid.UUID) -> Invitation:
    return get_fda_record_or_404(
        Invitation,
        invitation_id,
        joinedload(Invitation.site),
        joinedload(Invitation.sent_by),
        joinedload(Invitation.withdrawn_by),
        joinedload(Invitation.replaced_by),
    )


def _letter_form(site: Site) -> tuple[LetterForm, list[SiteContact]]:
    contacts = services.eligible_recipients(site)
    form = LetterForm()
    form.recipients.choices = choices(
        (str(contact.public_id), f"{contact.name} ({contact.email})") for contact in contacts
    )
    return form, contacts


def _chosen(form: LetterForm, contacts: list[SiteContact]) -> list[SiteContact]:
    wanted = set(form.recipients.data or [])
    return [contact for contact in contacts if str(contact.public_id) in wanted]


def _compose_page(site: Site, form: LetterForm, contacts, blockers, status: int = 200):
    return render_template(
        "invitations/compose.html",
        site=site,
        form=form,
        contacts=contacts,
        blockers=blockers,
        site_url=services.site_page_url(site),
        add_contact_url=_add_contact_url(site) if not contacts else None,
    ), status


def _add_contact_url(site: Site) -> str | None:
    """Adding a contact with an email address, then straight back to this letter (issue 16)."""
    if "sites.new_contact" not in current_app.view_functions:
        return None
    back = url_for("invitations.compose", site_id=site.public_id)
    return url_for("sites.new_contact", site_id=site.public_id, next=back)


@bp.route("/sites/<uuid:site_id>/invitations/new", methods=["GET", "POST"])
@access.fda_staff
def compose(site_id: uuid.UUID):
    """Choose the recipients, then preview the letter exactly as it will go."""
    site = _site_or_404(site_id)
    form, contacts = _letter_form(site)
    blockers = services.send_blockers(site)
    if request.method == "GET" and not form.addressee.data and contacts:
        form.addressee.data = contacts[0].name
    if request.method == "GET" and len(contacts) == 1:
        # One contact is the only possible choice: ticked, not left for FDA to tick.
        form.recipients.data = [str(contacts[0].public_id)]
    if request.method == "POST" and form.step.data == "edit":
        return _compose_page(site, form, contacts, blockers)
    if not blockers and form.validate_on_submit():
        if problem := letter_problem(site, form.paragraph.data or ""):
            form.paragraph.errors = [*form.paragraph.errors, problem]
            return _compose_page(site, form, contacts, blockers)
        now = utcnow()
        letter = compose_letter(
            site,
            addressee=form.addressee.data,
            sender=current_user,
            sent_at=now,
            expires_at=now + timedelta(days=get_setting("invitation_expiry_days")),
            paragraph=form.paragraph.data or "",
        )
        return render_template(
            "invitations/preview.html",
            site=site,
            form=form,
            chosen=_chosen(form, contacts),
            blocks=letter_blocks(letter, form.paragraph.data or ""),
            expiry_days=get_setting("invitation_expiry_days"),
        )
    return _compose_page(site, form, contacts, blockers)


@bp.route("/sites/<uuid:site_id>/invitations", methods=["POST"])
@access.fda_staff
def send(site_id: uuid.UUID):
    """The confirmed send. Every rule is checked again here, whatever the preview said."""
    site = _site_or_404(site_id)
    form, contacts = _letter_form(site)
    if not form.validate_on_submit():
        return _compose_page(site, form, contacts, services.send_blockers(site), 400)
    chosen = _chosen(form, contacts)
    try:
        invitation = services.send_invitation(
            site,
            contacts=chosen,
            addressee=form.addressee.data,
            by=current_user,
            paragraph=form.paragraph.data or "",
        )
    except services.InvitationError as error:
        return _compose_page(site, form, contacts, [str(error)], 409)
    db.session.commit()
    people = len(invitation.recipient_list)
    flash(
        f"The letter has been emailed to {people} {'person' if people == 1 else 'people'}. "
        "You will be told when the site answers.",
        "success",
    )
    return redirect(url_for("invitations.detail", invitation_id=invitation.public_id))


@bp.route("/invitations/<uuid:invitation_id>")
@access.fda_staff
def detail(invitation_id: uuid.UUID):
    """The letter as sent (printable) and what has become of it."""
    invitation = _invitation_or_404(invitation_id)
    engagement = db.session.scalars(
        select(Engagement).where(Engagement.invitation_id == invitation.id)
    ).first()
    return render_template(
        "invitations/detail.html",
        invitation=invitation,
        state=links.state_of(invitation),
        blocks=letter_blocks(invitation.letter_body, invitation.fda_paragraph),
        engagement=engagement,
        site_url=services.site_page_url(invitation.site),
        statuses=InvitationStatus,
    )


@bp.route("/invitations/<uuid:invitation_id>/withdraw", methods=["GET", "POST"])
@access.fda_staff
def withdraw(invitation_id: uuid.UUID):
    invitation = _invitation_or_404(invitation_id)
    if invitation.status != InvitationStatus.SENT:
        flash("Only a letter awaiting a reply can be withdrawn.", "info")
        return redirect(url_for("invitations.detail", invitation_id=invitation.public_id))
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_invitation(invitation, reason=form.reason.data, by=current_user)
        except services.InvitationError as error:
            form.reason.errors = [str(error)]
        else:
            db.session.commit()
            flash("The invitation is withdrawn. Its link now says so.", "success")
            return redirect(url_for("invitations.detail", invitation_id=invitation.public_id))
    return render_template("invitations/withdraw.html", invitation=invitation, form=form)


@bp.route("/invitations/<uuid:invitation_id>/resend", methods=["GET", "POST"])
@access.fda_staff
def resend(invitation_id: uuid.UUID):
    """Confirm, then send a new letter and link to the same people; the old link is void."""
    invitation = _invitation_or_404(invitation_id)
    resendable = invitation.status in (InvitationStatus.SENT, InvitationStatus.EXPIRED)
    blockers = services.send_blockers(invitation.site, resending=invitation) if resendable else []
    form = ConfirmForm()
    if resendable and not blockers and form.validate_on_submit():
        try:
            new = services.resend_invitation(invitation, by=current_user)
        except services.InvitationError as error:
            blockers = [str(error)]
        else:
            db.session.commit()
            flash("A new letter with a new link has been emailed. The old link no longer works.")
            return redirect(url_for("invitations.detail", invitation_id=new.public_id))
    return render_template(
        "invitations/resend.html",
        invitation=invitation,
        form=form,
        resendable=resendable,
        blockers=blockers,
        expiry_days=get_setting("invitation_expiry_days"),
    ), (409 if request.method == "POST" and (blockers or not resendable) else 200)
