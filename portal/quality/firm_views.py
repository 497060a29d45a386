"""The firm's quality-action pages: its own actions only, recorded and updated by its staff."""

from __future__ import annotations

import uuid

from flask import flash, redirect, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.audiences import Audience, audience_blueprint
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.quality import pages, services
from portal.quality.forms import EvidenceForm
from portal.security import access
from portal.security.scoping import firm_scoped, get_owned_or_404
from portal.wording import lower_first

bp = audience_blueprint("firm_quality", __name__, audience=Audience.FIRM)


@bp.route("/firm/quality-actions")
@access.firm_user
def index():
    """The firm's actions, and a way to record a new one for each active engagement."""
    engagements = db.session.scalars(
        firm_scoped(Engagement, joinedload(Engagement.site)).where(
            Engagement.status == EngagementStatus.ACTIVE
        )
    ).all()
    return pages.list_page("quality/firm_index.html", with_firms=False, engagements=engagements)


@bp.route("/firm/quality-actions/<uuid:quality_action_id>")
@access.firm_user
def detail(quality_action_id: uuid.UUID):
    return pages.detail_page(
        "quality/firm_detail.html",
        pages.load_action(quality_action_id),
        evidence_form=EvidenceForm(),
    )


@bp.route("/firm/quality-actions/new/<uuid:engagement_id>", methods=["GET", "POST"])
@access.firm_user
def new(engagement_id: uuid.UUID):
    engagement = get_owned_or_404(Engagement, engagement_id)
    return pages.action_form_page(engagement, None, "firm_quality.detail", "quality/firm_form.html")


@bp.route("/firm/quality-actions/<uuid:quality_action_id>/edit", methods=["GET", "POST"])
@access.firm_user
def edit(quality_action_id: uuid.UUID):
    action = pages.load_action(quality_action_id)
    if not action.status.is_open:
        flash(
            f"This action is {lower_first(action.status.label)}; its details can no longer change.",
            "info",
        )
        return redirect(url_for("firm_quality.detail", quality_action_id=action.public_id))
    return pages.action_form_page(
        action.engagement, action, "firm_quality.detail", "quality/firm_form.html"
    )


@bp.route("/firm/quality-actions/<uuid:quality_action_id>/status", methods=["GET", "POST"])
@access.firm_user
def transition(quality_action_id: uuid.UUID):
    """Start, complete or close an action; ``?to=`` names the new status."""
    return pages.transition_page(
        pages.load_action(quality_action_id), "firm_quality.detail", "quality/firm_transition.html"
    )


@bp.route("/firm/quality-actions/<uuid:quality_action_id>/evidence", methods=["POST"])
@access.firm_user
def evidence(quality_action_id: uuid.UUID):
    action = pages.load_action(quality_action_id)
    form = EvidenceForm()
    if form.validate_on_submit() and pages.saved(
        form,
        lambda: services.add_evidence(
            action,
            form.note.data or "",
            form.evidence_date.data,
            by=current_user,
            files=form.documents.data,
        ),
        "Evidence note added.",
    ):
        return redirect(url_for("firm_quality.detail", quality_action_id=action.public_id))
    return pages.detail_page("quality/firm_detail.html", action, evidence_form=form)
