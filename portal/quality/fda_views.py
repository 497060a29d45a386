"""FDA's quality-action pages: every engagement's actions, comments, verification (SPEC 11)."""

from __future__ import annotations

import uuid

from flask import redirect, url_for
from flask_login import current_user

from portal.engagements.models import Engagement
from portal.quality import pages, services
from portal.quality.blueprint import bp
from portal.quality.forms import CommentForm
from portal.security import access
from portal.security.scoping import get_owned_or_404


@bp.route("/quality-actions")
@access.fda_staff
def index():
    """All firms' actions; filters for status, kind, firm and overdue; paginated."""
    return pages.list_page("quality/index.html", with_firms=True)


@bp.route("/quality-actions/<uuid:quality_action_id>")
@access.fda_staff
def detail(quality_action_id: uuid.UUID):
    return pages.detail_page(
        "quality/detail.html", pages.load_action(quality_action_id), comment_form=CommentForm()
    )


@bp.route("/quality-actions/new/<uuid:engagement_id>", methods=["GET", "POST"])
@access.fda_staff
def new(engagement_id: uuid.UUID):
    """FDA records an action for the firm; the firm's users are emailed."""
    engagement = get_owned_or_404(Engagement, engagement_id)
    return pages.action_form_page(engagement, None, "quality.detail", "quality/form.html")


@bp.route("/quality-actions/<uuid:quality_action_id>/comment", methods=["POST"])
@access.fda_staff
def comment(quality_action_id: uuid.UUID):
    action = pages.load_action(quality_action_id)
    form = CommentForm()
    if form.validate_on_submit() and pages.saved(
        form,
        lambda: services.add_comment(action, form.note.data or "", by=current_user),
        "Comment added; the firm has been emailed.",
    ):
        return redirect(url_for("quality.detail", quality_action_id=action.public_id))
    return pages.detail_page("quality/detail.html", action, comment_form=form)


@bp.route("/quality-actions/<uuid:quality_action_id>/status", methods=["GET", "POST"])
@access.fda_staff
def transition(quality_action_id: uuid.UUID):
    """Verify a completed action, or send it back; ``?to=`` names the new status."""
    return pages.transition_page(
        pages.load_action(quality_action_id), "quality.detail", "quality/transition.html"
    )
