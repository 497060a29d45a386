"""The pages an invitation's link opens, for anyone holding the link (SPEC 4-6).

A GET only shows: mail scanners and link previewers open links before people
do, so nothing is ever decided by opening one. Deciding is a POST with the
CSRF token. A link that is not open answers with its own plain page and the
fitting status, and changes nothing. Only an open link's pages name the site.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth import services as accounts
from portal.invitations import links, services
from portal.invitations.acceptance import (
    AcceptError,
    AlreadyDecided,
    Responder,
    SignInRequired,
    accept_invitation,
    identity_problem,
)
from portal.invitations.forms import AcceptForm, DeclineForm
from portal.invitations.letter import letter_blocks
from portal.invitations.views import bp
from portal.security import access, passwords


def link_page(link: links.Link, *, posted: bool = False):
    """The page of a link that is not open (or, after a decision, shows the decision).

    A decision posted to a link already decided is a conflict (409); to one
    expired, withdrawn or replaced, gone (410); to a token that never existed,
    not found (404).
    """
    status = link.state.http_status
    if posted and link.state is links.LinkState.DECIDED:
        status = 409
    return render_template(
        "invitations/public/link_state.html",
        link=link,
        states=links.LinkState,
        replacement_sent_at=links.replacement_sent_at(link.invitation) if link.invitation else None,
    ), status


@bp.route("/invitation/<token>")
@access.public
def respond(token: str):
    link = links.resolve(token)
    if not link.is_open:
        return link_page(link)
    invitation = link.invitation
    return render_template(
        "invitations/public/respond.html",
        invitation=invitation,
        blocks=letter_blocks(invitation.letter_body),
        token=token,
    )


@bp.route("/invitation/<token>/decline", methods=["GET", "POST"])
@access.public
def decline(token: str):
    link = links.resolve(token)
    if not link.is_open:
        return link_page(link, posted=request.method == "POST")
    form = DeclineForm()
    if form.validate_on_submit():
        if not services.decline_invitation(link.invitation, reason=form.reason.data or ""):
            return link_page(links.resolve(token), posted=True)
        return redirect(url_for("invitations.respond", token=token))
    return render_template("invitations/public/decline.html", form=form, token=token)


def _signed_in():
    return current_user._get_current_object() if current_user.is_authenticated else None


@bp.route("/invitation/<token>/accept", methods=["GET", "POST"])
@access.public
def accept(token: str):
    link = links.resolve(token)
    if not link.is_open:
        return link_page(link, posted=request.method == "POST")
    invitation = link.invitation
    signed_in = _signed_in()
    if signed_in is not None:
        problem = identity_problem(invitation, signed_in.email, signed_in)
        if problem:
            return render_template(
                "invitations/public/accept_refused.html", message=problem, token=token
            ), 403
    form = AcceptForm()
    if request.method == "GET" and signed_in is not None:
        form.full_name.data = signed_in.full_name
        form.title.data = signed_in.title
        form.email.data = signed_in.email
    sign_in_needed = None
    if form.validate_on_submit():
        responder = Responder(
            full_name=form.full_name.data,
            title=form.title.data,
            email=form.email.data,
            password="" if signed_in else form.password.data or "",
        )
        try:
            result = accept_invitation(invitation, responder, signed_in=signed_in)
        except SignInRequired as error:
            sign_in_needed = str(error)
        except AcceptError as error:
            getattr(form, error.field).errors = [str(error)]
        except AlreadyDecided:
            return link_page(links.resolve(token), posted=True)
        else:
            if result.new_account:
                accounts.complete_login(result.user)
            flash(
                "Thank you. Your site has joined the Site Engagement Program; FDA has been told "
                "and will be in touch to schedule the first meeting.",
                "success",
            )
            return redirect(url_for("firm.engagement", engagement_id=result.engagement.public_id))
    return render_template(
        "invitations/public/accept.html",
        form=form,
        token=token,
        signed_in=signed_in,
        sign_in_needed=sign_in_needed,
        login_url=url_for("auth.login", next=url_for("invitations.accept", token=token)),
        minimum=passwords.MIN_LENGTH_SINGLE_FACTOR,
    )
