"""The pages an invitation's link opens, for anyone holding the link (SPEC 4-6).

A GET only shows: mail scanners and link previewers open links before people
do, so nothing is ever decided by opening one. Deciding is a POST with the
CSRF token. A link that is not open answers with its own plain page and the
fitting status, and changes nothing.

A link may be forwarded or leak, so holding it is not enough to read the
letter (SPEC "Who uses it"): the page first asks for the email address the
letter was sent to. Wrong addresses all get one neutral message and are
throttled per link and per client address; the right one unlocks the letter
and the two choices for this browser session, and that view of the letter is
logged like any view of a firm record.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal.audiences import Audience, audience_blueprint
from portal.audit import services as audit
from portal.auth import services as accounts
from portal.extensions import db, limiter
from portal.invitations import links, logredact, services
from portal.invitations.acceptance import (
    AcceptError,
    AlreadyDecided,
    Responder,
    SignInRequired,
    accept_invitation,
    identity_problem,
)
from portal.invitations.forms import AcceptForm, DeclineForm, LetterAddressForm
from portal.invitations.letter import letter_blocks
from portal.security import access, passwords
from portal.security.limits import (
    invitation_address_wrong,
    invitation_gate_address_limit,
    invitation_gate_link_limit,
    invitation_link_key,
)
from portal.security.tokens import hash_token

#: Session key: {token hash: the address typed} for the links this browser has unlocked.
UNLOCKED = "invitation_unlocked"
#: Session key: the token hash of a link just declined here, for the confirmation.
JUST_DECLINED = "invitation_just_declined"

bp = audience_blueprint("invitation_links", __name__, audience=Audience.PUBLIC)


@bp.record_once
def _keep_tokens_out_of_logs(_state) -> None:
    logredact.install()


@bp.after_request
def _no_referrer(response):
    """The link pages carry a token in their URL: never pass it on to another site."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


WRONG_ADDRESS = (
    "This address does not open this letter. Type the address FDA's email reached you at, "
    "exactly as it appears in that email."
)


def unlocked_email(token: str) -> str | None:
    """The address typed at this link's gate in this session, or None."""
    return (session.get(UNLOCKED) or {}).get(hash_token(token))


def _unlock(token: str, email: str) -> None:
    unlocked = dict(session.get(UNLOCKED) or {})
    unlocked[hash_token(token)] = accounts.normalize_email(email)
    # A few links at most: the cookie stays small.
    session[UNLOCKED] = dict(list(unlocked.items())[-3:])


def _to_gate(token: str):
    return redirect(url_for("invitation_links.respond", token=token))


def link_page(link: links.Link, *, posted: bool = False):
    """The page of a link that is not open (or, after a decision, shows the decision).

    A decision posted to a link already decided is a conflict (409); to one
    expired, withdrawn or replaced, gone (410); to a token that never existed,
    not found (404).
    """
    status = link.state.http_status
    if posted and link.state is links.LinkState.DECIDED:
        status = 409
    just_declined = (
        link.invitation is not None
        and session.pop(JUST_DECLINED, None) == link.invitation.token_hash
    )
    return render_template(
        "invitations/public/link_state.html",
        link=link,
        states=links.LinkState,
        just_declined=just_declined,
        replacement_sent_at=links.replacement_sent_at(link.invitation) if link.invitation else None,
    ), status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@access.public
@limiter.limit(
    invitation_gate_link_limit,
    key_func=invitation_link_key,
    methods=["POST"],
    deduct_when=invitation_address_wrong,
    scope="invitation-gate-link",
)
@limiter.limit(
    invitation_gate_address_limit,
    methods=["POST"],
    deduct_when=invitation_address_wrong,
    scope="invitation-gate-address",
)
def respond(token: str):
    link = links.resolve(token)
    if not link.is_open:
        return link_page(link)
    invitation = link.invitation
    if unlocked_email(token) is None:
        form = LetterAddressForm()
        if form.validate_on_submit():
            if links.opens(invitation, form.email.data):
                _unlock(token, form.email.data)
                return _to_gate(token)
            g.invitation_address_wrong = True
            form.email.errors = [WRONG_ADDRESS]
        return render_template("invitations/public/gate.html", form=form, token=token)
    if request.method == "POST":
        return _to_gate(token)
    audit.record_view(invitation)
    return render_template(
        "invitations/public/respond.html",
        invitation=invitation,
        blocks=letter_blocks(invitation.letter_body, invitation.fda_paragraph),
        token=token,
    )


@bp.route("/invitation/<token>/decline", methods=["GET", "POST"])
@access.public
def decline(token: str):
    link = links.resolve(token)
    if not link.is_open:
        return link_page(link, posted=request.method == "POST")
    if unlocked_email(token) is None:
        return _to_gate(token)
    form = DeclineForm()
    if form.validate_on_submit():
        if not services.decline_invitation(link.invitation, reason=form.reason.data or ""):
            return link_page(links.resolve(token), posted=True)
        db.session.commit()
        session[JUST_DECLINED] = link.invitation.token_hash
        return _to_gate(token)
    return render_template("invitations/public/decline.html", form=form, token=token)


def _signed_in():
    return current_user._get_current_object() if current_user.is_authenticated else None


@bp.route("/invitation/<token>/accept", methods=["GET", "POST"])
@access.public
def accept(token: str):
    link = links.resolve(token)
    if not link.is_open:
        return link_page(link, posted=request.method == "POST")
    typed = unlocked_email(token)
    if typed is None:
        return _to_gate(token)
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
    elif request.method == "GET":
        form.email.data = typed
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
            db.session.commit()
            if result.confirm_address:
                flash(
                    "Thank you. Your site has joined the Site Engagement Program; FDA has been "
                    f"told. We have emailed {result.user.email} a link: open it to confirm the "
                    "address and choose your password, then sign in.",
                    "success",
                )
                return _to_gate(token)
            if result.new_account:
                accounts.complete_login(result.user)
                db.session.commit()
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
        login_url=url_for("auth.login", next=url_for("invitation_links.accept", token=token)),
        minimum=passwords.MIN_LENGTH_SINGLE_FACTOR,
    )
