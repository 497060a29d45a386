"""FDA's question pages (SPEC 8): every firm's questions, a status and an answer."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from portal.audiences import Audience, audience_blueprint
from portal.documents import fda_internal
from portal.documents import pages as document_pages
from portal.documents import queries as document_queries
from portal.documents import services as document_services
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.forms import show_error
from portal.meetings.models import Meeting
from portal.meetings.pages import page_number
from portal.questions import queries, services
from portal.questions.forms import (
    AssignForm,
    NoteForm,
    ResponseForm,
    chosen_colleague,
    colleague_choices,
)
from portal.questions.models import (
    ANSWER_DUE_BEFORE_MEETING,
    Question,
    QuestionRevision,
    QuestionStatus,
)
from portal.sanitize import editable_text
from portal.security import access
from portal.timeutil import utcnow
from portal.wording import join_names

bp = audience_blueprint("questions", __name__, audience=Audience.FDA)


@bp.route("/questions")
@access.fda_staff
def index():
    shown = request.args.get("show", "awaiting")
    if shown not in queries.FDA_FILTERS:
        shown = "awaiting"
    return render_template(
        "questions/index.html",
        questions=queries.fda_questions(shown, page_number()),
        shown=shown,
        filters=queries.FDA_FILTERS,
    )


def _responded_message(result: services.Responded) -> str:
    """Say what saving did, including who at the firm now has an email (issue 16)."""
    if not result.changed:
        return "Nothing had changed, so nothing was saved or sent."
    if result.emailed:
        return f"Saved. The firm's users were emailed: {join_names(result.emailed)}."
    return (
        "Saved. Nobody at the firm was emailed: they are told when a question is answered "
        "in writing or put down for discussion at the meeting."
    )


@bp.route("/questions/mine")
@access.fda_staff
def mine():
    """The questions assigned to the viewer, the soonest answer due first (SPEC 8)."""
    return render_template(
        "questions/mine.html",
        questions=queries.my_questions(current_user.id, page_number()),
        due_days=ANSWER_DUE_BEFORE_MEETING.days,
        now=utcnow(),
    )


def _load(question_id: uuid.UUID) -> Question:
    return queries.load_question(
        question_id,
        selectinload(Question.revisions).joinedload(QuestionRevision.revised_by),
        joinedload(Question.assigned_to),
        joinedload(Question.meeting).joinedload(Meeting.engagement).joinedload(Engagement.fda_lead),
    )


def _detail_page(question: Question, *, form=None, assign_form=None, note_form=None):
    """FDA's page for a question: its text, earlier texts, assignment, notes, response."""
    colleagues = queries.fda_colleagues()
    if form is None:
        form = ResponseForm(
            formdata=None,
            status=question.status.value,
            response=editable_text(question.response_html),
        )
    if assign_form is None:
        assignee = question.assigned_to or question.meeting.engagement.fda_lead
        assign_form = AssignForm(
            formdata=None, assignee=str(assignee.public_id) if assignee else ""
        )
    assign_form.assignee.choices = colleague_choices(colleagues, "Nobody yet")
    notes = queries.question_notes(question)
    return render_template(
        "questions/detail.html",
        form=form,
        assign_form=assign_form,
        note_form=note_form or NoteForm(formdata=None),
        question=question,
        revisions=services.revision_changes(question),
        notes=notes,
        note_documents=fda_internal.question_note_documents([n.id for n in notes]),
        documents=document_queries.fda_question_documents(question),
        may_withdraw=_may_withdraw,
        document_limits=document_pages.limits(),
    )


def _may_withdraw(document) -> bool:
    return document_services.may_withdraw(document, current_user)


@bp.route("/questions/<uuid:question_id>/assign", methods=["POST"])
@access.fda_staff
def assign(question_id: uuid.UUID):
    question = _load(question_id)
    form = AssignForm()
    colleagues = queries.fda_colleagues()
    form.assignee.choices = colleague_choices(colleagues, "Nobody yet")
    if form.validate_on_submit():
        assignee = chosen_colleague(colleagues, form.assignee.data)
        if form.assignee.data and assignee is None:
            form.assignee.errors = ["Choose one of FDA's active staff."]
        else:
            try:
                changed = services.assign(question, assignee, by=current_user._get_current_object())
            except services.QuestionError as error:
                show_error(form, error)
            else:
                db.session.commit()
                if not changed:
                    flash("Nothing had changed.", "info")
                elif assignee is None:
                    flash("The question is no longer assigned to anyone.", "success")
                else:
                    flash(f"The question is assigned to {assignee.display_name}.", "success")
                return redirect(url_for("questions.detail", question_id=question.public_id))
    return _detail_page(question, assign_form=form), 400


@bp.route("/questions/<uuid:question_id>/notes", methods=["POST"])
@access.fda_staff
def add_note(question_id: uuid.UUID):
    question = _load(question_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            fda_internal.add_question_note(
                question,
                form.body.data,
                by=current_user._get_current_object(),
                files=form.note_documents.data,
            )
        except services.QuestionError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash("Your note is added. The firm does not see it.", "success")
            return redirect(
                url_for("questions.detail", question_id=question.public_id, _anchor="notes")
            )
    return _detail_page(question, note_form=form), 400


@bp.route("/questions/<uuid:question_id>", methods=["GET", "POST"])
@access.fda_staff
def detail(question_id: uuid.UUID):
    question = _load(question_id)
    form = ResponseForm(
        status=question.status.value, response=editable_text(question.response_html)
    )
    if not question.is_withdrawn and form.validate_on_submit():
        try:
            changed = services.respond(
                question,
                status=QuestionStatus(form.status.data),
                response=form.response.data or "",
                by=current_user._get_current_object(),
                files=form.documents.data,
            )
        except services.QuestionError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_responded_message(changed), "success")
            return redirect(url_for("meetings.detail", meeting_id=question.meeting.public_id))
    elif question.is_withdrawn and request.method == "POST":
        flash("The firm withdrew this question; it needs no answer.", "error")
    return _detail_page(question, form=form)
