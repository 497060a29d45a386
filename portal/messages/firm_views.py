"""The firm's side of its engagements' threads. Never imports FDA's notes (SPEC 14)."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import case
from sqlalchemy.orm import joinedload

from portal.audiences import Audience, audience_blueprint
from portal.documents import pages as document_pages
from portal.documents import queries as document_queries
from portal.documents import services as document_services
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.forms import show_error
from portal.messages import queries, services
from portal.messages.forms import MessageForm
from portal.security import access
from portal.security.scoping import firm_scoped, get_owned_or_404

bp = audience_blueprint("firm_messages", __name__, audience=Audience.FIRM, url_prefix="/firm")

THREADS_PER_PAGE = 25


@bp.app_template_global("firm_unread_threads")
def firm_unread_threads() -> int:
    """The header's count on firm pages (templates/_bases/firm.html): the firm's threads
    with a message this person has not read."""
    return services.unread_thread_count(current_user)


@bp.route("/engagements/<uuid:engagement_id>/messages", methods=["GET", "POST"])
@access.firm_user
def thread(engagement_id: uuid.UUID):
    engagement = get_owned_or_404(Engagement, engagement_id, joinedload(Engagement.site))
    form = MessageForm()
    if form.validate_on_submit():
        try:
            services.post_message(
                engagement, form.body.data, by=current_user, files=form.documents.data
            )
        except services.MessageError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash("Message sent. FDA has been told.", "success")
            return redirect(url_for("firm_messages.thread", engagement_id=engagement.public_id))
    read_before = services.marker_of(engagement, current_user)
    if not form.is_submitted():
        # Reading the page is reading the thread: the marker is bookkeeping, like "last
        # seen", committed before the page loads what it shows (a commit expires it).
        services.mark_read(engagement, current_user)
        db.session.commit()
    page = services.thread_page(engagement)
    return render_template(
        "messages/firm_thread.html",
        engagement=engagement,
        page=page,
        read_before=read_before,
        form=form,
        documents=document_queries.message_documents([m.id for m in page.items]),
        may_withdraw=_may_withdraw,
        document_limits=document_pages.limits(),
    )


def _may_withdraw(document) -> bool:
    return document_services.may_withdraw(document, current_user)


@bp.route("/messages")
@access.firm_user
def index():
    """The firm's engagements' threads, with what this person has not read yet."""
    stmt = firm_scoped(Engagement, joinedload(Engagement.site)).order_by(
        case((Engagement.status == EngagementStatus.ACTIVE, 0), else_=1),
        queries.last_message_at().desc().nulls_last(),
        Engagement.id,
    )
    page = db.paginate(stmt, per_page=THREADS_PER_PAGE, error_out=False)
    figures = queries.thread_figures([e.id for e in page.items], current_user)
    return render_template(
        "messages/firm_index.html", page=page, figures=figures, empty=queries.ThreadFigures()
    )
