"""FDA's side of the engagement threads: the thread with its internal notes, and the list."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import case
from sqlalchemy.orm import contains_eager, joinedload

from portal.audiences import Audience, audience_blueprint
from portal.auth.models import Firm
from portal.documents import fda_internal
from portal.documents import pages as document_pages
from portal.documents import queries as document_queries
from portal.documents import services as document_services
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.forms import show_error
from portal.messages import fda_notes, queries, services
from portal.messages.forms import MessageForm, NoteForm
from portal.security import access
from portal.security.scoping import firm_scoped, get_owned_or_404

bp = audience_blueprint("messages", __name__, audience=Audience.FDA)

THREADS_PER_PAGE = 25
#: The note form shares the page with the message form: its fields get their own ids.
NOTE_PREFIX = "note"


@bp.app_template_global("fda_unread_threads")
def fda_unread_threads() -> int:
    """The header's count on FDA pages (templates/_bases/fda.html): threads with a message
    or an internal note this person has not read. Registered by FDA's blueprint, so the
    modules firm pages import never reach the notes."""
    return fda_notes.fda_unread_thread_count(current_user)


def _engagement(engagement_id: uuid.UUID) -> Engagement:
    return get_owned_or_404(
        Engagement, engagement_id, joinedload(Engagement.site), joinedload(Engagement.firm)
    )


def _thread(engagement: Engagement, message_form: MessageForm, note_form: NoteForm):
    read_before = services.marker_of(engagement, current_user)
    if request.method == "GET":
        # Reading the page is reading the thread: the marker is bookkeeping, like "last
        # seen", committed before the page loads what it shows (a commit expires it).
        services.mark_read(engagement, current_user)
        db.session.commit()
    page = services.thread_page(engagement)
    notes = fda_notes.notes_page(engagement, request.args.get("notes_page"))
    return render_template(
        "messages/fda_thread.html",
        engagement=engagement,
        page=page,
        notes=notes,
        read_before=read_before,
        message_form=message_form,
        note_form=note_form,
        documents=document_queries.message_documents([m.id for m in page.items]),
        note_documents=fda_internal.engagement_note_documents([n.id for n in notes.items]),
        may_withdraw=_may_withdraw,
        document_limits=document_pages.limits(),
    )


def _may_withdraw(document) -> bool:
    return document_services.may_withdraw(document, current_user)


@bp.route("/engagements/<uuid:engagement_id>/messages", methods=["GET", "POST"])
@access.fda_staff
def thread(engagement_id: uuid.UUID):
    engagement = _engagement(engagement_id)
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
            flash("Message sent.", "success")
            return redirect(url_for("messages.thread", engagement_id=engagement.public_id))
    return _thread(engagement, form, NoteForm(formdata=None, prefix=NOTE_PREFIX))


@bp.route("/engagements/<uuid:engagement_id>/messages/notes", methods=["POST"])
@access.fda_staff
def note(engagement_id: uuid.UUID):
    engagement = _engagement(engagement_id)
    form = NoteForm(prefix=NOTE_PREFIX)
    if form.validate_on_submit():
        try:
            fda_internal.post_engagement_note(
                engagement, form.body.data, by=current_user, files=form.documents.data
            )
        except services.MessageError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash("Internal note added. The firm does not see it.", "success")
            return redirect(url_for("messages.thread", engagement_id=engagement.public_id))
    return _thread(engagement, MessageForm(formdata=None), form)


@bp.route("/messages")
@access.fda_staff
def index():
    """Every engagement's thread, the most recently active first, with this person's unread."""
    stmt = (
        firm_scoped(Engagement)
        .join(Engagement.site)
        .join(Engagement.firm)
        .options(contains_eager(Engagement.site), contains_eager(Engagement.firm))
        .order_by(
            case((Engagement.status == EngagementStatus.ACTIVE, 0), else_=1),
            queries.last_message_at().desc().nulls_last(),
            Firm.name,
            Engagement.id,
        )
    )
    page = db.paginate(stmt, per_page=THREADS_PER_PAGE, error_out=False)
    figures = queries.thread_figures([e.id for e in page.items], current_user)
    return render_template(
        "messages/fda_index.html", page=page, figures=figures, empty=queries.ThreadFigures()
    )
