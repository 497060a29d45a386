"""FDA's engagement pages: the list, one engagement, closing it (SPEC 6, 13)."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from portal.audiences import Audience, audience_blueprint
from portal.auth.models import Firm, User
from portal.engagements import services
from portal.engagements.forms import CloseEngagementForm, EngagementFilterForm, FdaLeadForm
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.feedback import fda_sections as feedback_sections
from portal.invitations.services import site_page_url
from portal.meetings import fda_sections as meeting_sections
from portal.messages import fda_sections as message_sections
from portal.quality import fda_sections as quality_sections
from portal.questions import fda_sections as question_sections
from portal.questions import queries as question_queries
from portal.questions.forms import chosen_colleague, colleague_choices
from portal.security import access
from portal.security.scoping import firm_scoped, get_owned_or_404
from portal.sites.models import Site
from portal.timeutil import program_today

bp = audience_blueprint("engagements", __name__, audience=Audience.FDA, url_prefix="/engagements")

PER_PAGE = 25


def _filtered(form: EngagementFilterForm):
    stmt = (
        firm_scoped(Engagement)
        .join(Engagement.site)
        .join(Engagement.firm)
        .options(
            contains_eager(Engagement.site),
            contains_eager(Engagement.firm),
            services.with_regulatory_flag(),
        )
    )
    status = form.status.data if not form.status.errors else "active"
    if status in (EngagementStatus.ACTIVE.value, EngagementStatus.CLOSED.value):
        stmt = stmt.where(Engagement.status == EngagementStatus(status))
    if form.flagged.data:
        stmt = stmt.where(services.regulatory_flag_expression())
    if form.q.data and not form.q.errors:
        text = form.q.data
        stmt = stmt.where(
            or_(
                Site.legal_name.icontains(text, autoescape=True),
                Site.fei_number.icontains(text, autoescape=True),
                Firm.name.icontains(text, autoescape=True),
            )
        )
    return stmt.order_by(Engagement.opened_at.desc(), Engagement.id.desc())


@bp.route("")
@access.fda_staff
def index():
    form = EngagementFilterForm(formdata=request.args)
    form.validate()
    page = db.paginate(_filtered(form), per_page=PER_PAGE, error_out=False)
    filters = {
        "q": form.q.data or "",
        "status": form.status.data or "active",
        "flagged": "y" if form.flagged.data else "",
    }
    return render_template("engagements/index.html", form=form, page=page, filters=filters)


def _engagement_or_404(engagement_id: uuid.UUID) -> Engagement:
    return get_owned_or_404(
        Engagement,
        engagement_id,
        joinedload(Engagement.site),
        joinedload(Engagement.firm),
        joinedload(Engagement.invitation),
        joinedload(Engagement.fda_lead),
        services.with_regulatory_flag(),
    )


@bp.route("/<uuid:engagement_id>")
@access.fda_staff
def detail(engagement_id: uuid.UUID):
    return _detail_page(_engagement_or_404(engagement_id))


def _detail_page(engagement: Engagement, lead_form: FdaLeadForm | None = None):
    colleagues = question_queries.fda_colleagues()
    if lead_form is None:
        lead = engagement.fda_lead
        lead_form = FdaLeadForm(formdata=None, lead=str(lead.public_id) if lead else "")
    lead_form.lead.choices = colleague_choices(colleagues, "No FDA lead")
    people = db.session.scalars(
        select(User).where(User.firm_id == engagement.firm_id).order_by(User.full_name)
    ).all()
    return render_template(
        "engagements/detail.html",
        engagement=engagement,
        actions=services.flagging_actions(engagement) if engagement.regulatory_flag else [],
        people=people,
        site_url=site_page_url(engagement.site),
        lead_form=lead_form,
        **engagement_sections(engagement),
    )


@bp.route("/<uuid:engagement_id>/lead", methods=["POST"])
@access.fda_staff
def set_lead(engagement_id: uuid.UUID):
    """FDA names the engagement's FDA lead, who receives its new questions (SPEC 8)."""
    engagement = _engagement_or_404(engagement_id)
    form = FdaLeadForm()
    colleagues = question_queries.fda_colleagues()
    form.lead.choices = colleague_choices(colleagues, "No FDA lead")
    if form.validate_on_submit():
        lead = chosen_colleague(colleagues, form.lead.data)
        if form.lead.data and lead is None:
            form.lead.errors = ["Choose one of FDA's active staff."]
        else:
            try:
                changed = services.set_fda_lead(
                    engagement, lead, by=current_user._get_current_object()
                )
            except services.EngagementError as error:
                form.lead.errors = [str(error)]
            else:
                db.session.commit()
                if not changed:
                    flash("Nothing had changed.", "info")
                elif lead is None:
                    flash("The engagement has no FDA lead now.", "success")
                else:
                    flash(f"{lead.display_name} now leads the engagement for FDA.", "success")
                return redirect(url_for("engagements.detail", engagement_id=engagement.public_id))
    return _detail_page(engagement, form), 400


def engagement_sections(engagement: Engagement) -> dict:
    """The engagement's meetings, questions, surveys and actions, as FDA sees them
    (templates/engagements/_sections.html)."""
    return {
        "engagement_meetings": meeting_sections.engagement_meetings(engagement),
        "engagement_questions": question_sections.engagement_questions(engagement),
        "feedback_surveys": feedback_sections.engagement_surveys(engagement),
        "quality_actions": quality_sections.engagement_actions(engagement, program_today()),
        "message_thread": message_sections.engagement_thread(engagement, current_user),
    }


@bp.route("/<uuid:engagement_id>/close", methods=["GET", "POST"])
@access.fda_staff
def close(engagement_id: uuid.UUID):
    engagement = _engagement_or_404(engagement_id)
    if engagement.status != EngagementStatus.ACTIVE:
        flash("This engagement is already closed.", "info")
        return redirect(url_for("engagements.detail", engagement_id=engagement.public_id))
    form = CloseEngagementForm()
    if form.validate_on_submit():
        try:
            services.close_engagement(engagement, reason=form.reason.data, by=current_user)
        except services.EngagementError as error:
            form.reason.errors = [str(error)]
        else:
            db.session.commit()
            flash("The engagement is closed. The firm's portal users have been emailed.", "success")
            return redirect(url_for("engagements.detail", engagement_id=engagement.public_id))
    return render_template("engagements/close.html", engagement=engagement, form=form)
