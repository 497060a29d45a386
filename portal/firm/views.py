"""The firm's pages. URLs never carry a firm: it is always the signed-in user's own."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import case
from sqlalchemy.orm import joinedload

from portal.audiences import Audience, audience_blueprint
from portal.auth import services as accounts
from portal.auth.models import User
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.feedback import firm_sections as feedback_sections
from portal.firm import home_cache, services
from portal.firm.forms import InviteColleagueForm
from portal.forms import ConfirmForm
from portal.meetings import firm_sections as meeting_sections
from portal.messages import firm_sections as message_sections
from portal.quality import firm_sections as quality_sections
from portal.questions import firm_sections as question_sections
from portal.security import access
from portal.security.scoping import firm_scoped, get_owned_or_404
from portal.timeutil import program_today

bp = audience_blueprint("firm", __name__, audience=Audience.FIRM, url_prefix="/firm")

COLLEAGUES_PER_PAGE = 50


@bp.route("")
@access.firm_user
def home():
    """The firm's engagements and what comes next, one section per domain, in this order;
    kept per person until a write or the clock changes it (home_cache)."""
    # The person itself, not the proxy: the cache reads several of their attributes.
    return home_cache.page(current_user._get_current_object(), _render_home)


def _render_home(csrf_placeholder: str) -> tuple[str, datetime | None]:
    engagements = db.session.scalars(
        firm_scoped(Engagement, joinedload(Engagement.site)).order_by(
            case((Engagement.status == EngagementStatus.ACTIVE, 0), else_=1),
            Engagement.opened_at.desc(),
        )
    ).all()
    sections = home_sections(engagements)
    html = render_template(
        "firm/home.html",
        engagements=engagements,
        # The kept page must not carry this request's token (see home_cache).
        csrf_token=lambda: csrf_placeholder,
        **sections,
    )
    return html, home_cache.next_change(sections)


def home_sections(engagements: list[Engagement]) -> dict:
    """What comes next across the firm's engagements (templates/firm/_home_sections.html)."""
    ids = [engagement.id for engagement in engagements]
    return {
        "upcoming_meetings": meeting_sections.upcoming_meetings(ids),
        "latest_questions": question_sections.latest_questions(ids),
        "feedback_requests": feedback_sections.open_requests(ids, current_user.id),
        "quality_actions": quality_sections.unfinished_actions(ids, program_today()),
    }


@bp.route("/engagements/<uuid:engagement_id>")
@access.firm_user
def engagement(engagement_id: uuid.UUID):
    engagement = get_owned_or_404(
        Engagement,
        engagement_id,
        joinedload(Engagement.site),
        joinedload(Engagement.invitation),
    )
    return render_template(
        "firm/engagement.html", engagement=engagement, **engagement_sections(engagement)
    )


def engagement_sections(engagement: Engagement) -> dict:
    """This engagement's meetings, questions, feedback and actions, as the firm sees them
    (templates/firm/_engagement_sections.html)."""
    ids = [engagement.id]
    return {
        "upcoming_meetings": meeting_sections.upcoming_meetings(ids),
        "latest_questions": question_sections.latest_questions(ids),
        "feedback_requests": feedback_sections.open_requests(ids, current_user.id),
        "quality_actions": quality_sections.engagement_actions(engagement, program_today()),
        "message_thread": message_sections.engagement_thread(engagement, current_user),
    }


@bp.route("/team", methods=["GET", "POST"])
@access.firm_admin
def team():
    form = InviteColleagueForm()
    if form.validate_on_submit():
        try:
            services.invite_colleague(
                admin=current_user,
                email=form.email.data,
                full_name=form.full_name.data,
                title=form.title.data or "",
            )
        except accounts.AccountError as error:
            form.email.errors = [str(error)]
        else:
            db.session.commit()
            # The same answer whether or not the address had an account elsewhere.
            flash(
                f"{form.full_name.data} has been invited. They will get an email with a link "
                "to choose their password.",
                "success",
            )
            return redirect(url_for("firm.team"))
    page = db.paginate(
        firm_scoped(User).order_by(User.full_name, User.id),
        per_page=COLLEAGUES_PER_PAGE,
        error_out=False,
    )
    return render_template("firm/team.html", form=form, page=page)


def _colleague_or_404(user_id: uuid.UUID) -> User:
    return get_owned_or_404(User, user_id)


def _change_colleague(
    change: Callable[..., object], colleague: User, done: str
) -> ResponseReturnValue:
    """A button on the team page: the service makes the change or says why not; back to the team."""
    try:
        change(colleague, admin=current_user)
    except accounts.AccountError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("firm.team"))


@bp.route("/team/<uuid:user_id>/deactivate", methods=["GET", "POST"])
@access.firm_admin
def deactivate(user_id: uuid.UUID):
    colleague = _colleague_or_404(user_id)
    if colleague.id == current_user.id:
        flash(
            "You cannot deactivate your own account. Ask FDA if you are leaving the firm.", "error"
        )
        return redirect(url_for("firm.team"))
    form = ConfirmForm()
    if form.validate_on_submit():
        return _change_colleague(
            services.deactivate_colleague,
            colleague,
            f"{colleague.full_name} can no longer sign in.",
        )
    return render_template("firm/deactivate.html", colleague=colleague, form=form)


@bp.route("/team/<uuid:user_id>/reactivate", methods=["POST"])
@access.firm_admin
def reactivate(user_id: uuid.UUID):
    colleague = _colleague_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("firm.team"))
    return _change_colleague(
        services.reactivate_colleague, colleague, f"{colleague.full_name} can sign in again."
    )


@bp.route("/team/<uuid:user_id>/resend", methods=["POST"])
@access.firm_admin
def resend(user_id: uuid.UUID):
    colleague = _colleague_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("firm.team"))
    return _change_colleague(
        services.resend_setup_link, colleague, f"A new set-up link has gone to {colleague.email}."
    )
