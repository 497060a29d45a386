"""FDA's question pages (SPEC 8): every firm's questions, a status and an answer."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.audiences import Audience, audience_blueprint
from portal.extensions import db
from portal.forms import show_error
from portal.meetings.pages import page_number
from portal.questions import queries, services
from portal.questions.forms import ResponseForm
from portal.questions.models import Question, QuestionRevision, QuestionStatus
from portal.sanitize import editable_text
from portal.security import access
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


@bp.route("/questions/<uuid:question_id>", methods=["GET", "POST"])
@access.fda_staff
def detail(question_id: uuid.UUID):
    question = queries.load_question(
        question_id, selectinload(Question.revisions).joinedload(QuestionRevision.revised_by)
    )
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
            )
        except services.QuestionError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_responded_message(changed), "success")
            return redirect(url_for("meetings.detail", meeting_id=question.meeting.public_id))
    elif question.is_withdrawn and request.method == "POST":
        flash("The firm withdrew this question; it needs no answer.", "error")
    return render_template("questions/detail.html", form=form, question=question)
