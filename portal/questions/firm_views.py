"""The firm's question pages (SPEC 8): ask, edit, withdraw, follow up.

Under /firm/questions; the firm is always current_user.firm, never a URL part.
"""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.audiences import Audience, audience_blueprint
from portal.documents import pages as document_pages
from portal.documents import queries as document_queries
from portal.documents import services as document_services
from portal.extensions import db
from portal.forms import ConfirmForm, choices, show_error
from portal.meetings.models import Meeting, MeetingStatus
from portal.meetings.pages import page_number
from portal.meetings.schedule import accepts_questions, describe_time_left, question_deadline
from portal.questions import queries, services
from portal.questions.forms import AskQuestionForm, EditQuestionForm
from portal.questions.models import Question
from portal.sanitize import editable_text
from portal.security import access
from portal.security.scoping import firm_scoped, get_owned_or_404
from portal.templating import local_datetime
from portal.timeutil import utcnow

bp = audience_blueprint("firm_questions", __name__, audience=Audience.FIRM)


def meeting_label(meeting: Meeting, now) -> str:
    """Short enough for a select list; the table above it gives the deadline and time left."""
    return (
        f"{local_datetime(meeting.starts_at)} "
        f"({describe_time_left(question_deadline(meeting), now)} left to ask)"
    )


def closed_page(meeting: Meeting | None, now, *, question: Question | None = None):
    """The form is closed: say so, name the deadline, offer the next meeting still open.

    A question FDA has taken up is closed whatever the deadline: the page offers
    a follow-up instead (SPEC 8).
    """
    if question is not None and services.can_follow_up(question):
        return render_template(
            "questions/closed.html",
            meeting=meeting,
            question=question,
            next_open=None,
            message=services.taken_up_message(question),
            now=now,
        )
    open_list = queries.open_meetings(now)
    next_open = next((m for m in open_list if meeting is None or m.id != meeting.id), None)
    return render_template(
        "questions/closed.html",
        meeting=meeting,
        question=question,
        next_open=next_open,
        message=services.closed_message(meeting, current_user.timezone) if meeting else None,
        now=now,
    )


@bp.route("/firm/questions")
@access.firm_user
def index():
    return render_template(
        "questions/firm_index.html", questions=queries.firm_questions(page_number())
    )


@bp.route("/firm/questions/new", methods=["GET", "POST"])
@access.firm_user
def new():
    requested = request.args.get("meeting")
    return _ask(get_owned_or_404(Meeting, requested) if requested else None)


@bp.route("/firm/questions/<uuid:question_id>/follow-up", methods=["GET", "POST"])
@access.firm_user
def follow_up(question_id: uuid.UUID):
    """A new question linked to an earlier one, which FDA may have taken up (SPEC 8)."""
    return _ask(None, follows=queries.load_question(question_id))


def _ask(chosen: Meeting | None, *, follows: Question | None = None):
    now = utcnow()
    if chosen is not None and not accepts_questions(chosen, now):
        return closed_page(chosen, now)
    open_list = queries.open_meetings(now)
    if not open_list and request.method == "GET":
        return closed_page(None, now)
    form = AskQuestionForm()
    form.meeting.choices = choices(
        [("", "Choose a meeting")] + [(m.public_id, meeting_label(m, now)) for m in open_list]
    )
    if request.method == "GET" and (chosen or len(open_list) == 1):
        form.meeting.data = str((chosen or open_list[0]).public_id)
    if form.validate_on_submit():
        meeting = _firm_meeting(form.meeting.data)
        if meeting is None:
            form.meeting.errors = [*form.meeting.errors, "Choose one of your meetings."]
        else:
            try:
                question = services.submit_question(
                    meeting,
                    current_user._get_current_object(),
                    follows=follows,
                    **form.question_text(),
                )
            except services.QuestionError as error:
                show_error(form, error)
            else:
                db.session.commit()
                flash("Your question has been sent to FDA. A receipt is on its way.", "success")
                return redirect(url_for("firm_questions.detail", question_id=question.public_id))
    return render_template(
        "questions/new.html",
        form=form,
        open_meetings=open_list,
        now=now,
        follows=follows,
        document_limits=document_pages.limits(),
    )


def _firm_meeting(public_id: str) -> Meeting | None:
    """The chosen meeting if it is one of the viewer's firm's scheduled meetings."""
    try:
        wanted = uuid.UUID(public_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalars(
        firm_scoped(Meeting).where(
            Meeting.public_id == wanted, Meeting.status == MeetingStatus.SCHEDULED
        )
    ).first()


@bp.route("/firm/questions/<uuid:question_id>")
@access.firm_user
def detail(question_id: uuid.UUID):
    question = queries.load_question(question_id)
    now = utcnow()
    return render_template(
        "questions/firm_detail.html",
        question=question,
        changeable=services.can_change(question, now),
        follow_up=services.can_follow_up(question),
        taken_up_message=services.taken_up_message(question),
        documents=document_queries.firm_question_documents(question),
        may_withdraw=_may_withdraw,
        now=now,
    )


def _may_withdraw(document) -> bool:
    return document_services.may_withdraw(document, current_user)


@bp.route("/firm/questions/<uuid:question_id>/edit", methods=["GET", "POST"])
@access.firm_user
def edit(question_id: uuid.UUID):
    question = queries.load_question(question_id)
    now = utcnow()
    if not services.can_change(question, now):
        return closed_page(question.meeting, now, question=question)
    form = EditQuestionForm(
        subject=question.subject, topic=question.topic, body=editable_text(question.body_html)
    )
    if form.validate_on_submit():
        try:
            changed = services.edit_question(
                question, current_user._get_current_object(), **form.question_text()
            )
        except services.QuestionError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash("Your changes are saved." if changed else "Nothing had changed.", "success")
            return redirect(url_for("firm_questions.detail", question_id=question.public_id))
    return render_template(
        "questions/edit.html",
        form=form,
        question=question,
        now=now,
        document_limits=document_pages.limits(),
    )


@bp.route("/firm/questions/<uuid:question_id>/withdraw", methods=["GET", "POST"])
@access.firm_user
def withdraw(question_id: uuid.UUID):
    question = queries.load_question(question_id)
    now = utcnow()
    if not services.can_change(question, now):
        return closed_page(question.meeting, now, question=question)
    form = ConfirmForm()
    form.submit.label.text = "Withdraw the question"
    if form.validate_on_submit():
        try:
            services.withdraw_question(question, current_user._get_current_object())
        except services.QuestionError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("The question is withdrawn. FDA will not take it up.", "success")
            return redirect(url_for("firm_questions.detail", question_id=question.public_id))
    return render_template("questions/withdraw.html", form=form, question=question, now=now)
