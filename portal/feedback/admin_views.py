"""Survey templates, for the SEP program manager (SPEC 10: "a template the fda_admin edits")."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, selectinload

from portal.extensions import db
from portal.feedback import survey_templates as templates
from portal.feedback.blueprint import bp
from portal.feedback.forms import NewTemplateForm, PositionForm, QuestionForm, TemplateNameForm
from portal.feedback.models import MeetingSurvey, SurveyQuestion, SurveyQuestionKind, SurveyTemplate
from portal.feedback.shipped import KIND_LABELS
from portal.forms import ConfirmForm, show_error
from portal.security import access
from portal.security.scoping import get_fda_record_or_404


def _template_or_404(survey_template_id: uuid.UUID) -> SurveyTemplate:
    return get_fda_record_or_404(
        SurveyTemplate, survey_template_id, selectinload(SurveyTemplate.questions)
    )


def _saved(before: SurveyTemplate, after: SurveyTemplate, what: str) -> None:
    db.session.commit()
    if after.id != before.id:
        flash(
            f"{what} Saved as version {after.version}: surveys already sent keep "
            f"version {before.version}, and their answers read as they were given.",
            "success",
        )
    else:
        flash(what, "success")


def _to_detail(template: SurveyTemplate):
    return redirect(url_for("feedback.template_detail", survey_template_id=template.public_id))


@bp.route("/admin/survey-templates", methods=["GET", "POST"], endpoint="templates")
@access.fda_admin
def templates_index():
    """Every template's current version, and a form to start a new one."""
    templates.ensure_default_template()
    form = NewTemplateForm()
    if form.validate_on_submit():
        try:
            created = templates.create_template(form.name.data, by=current_user)
        except templates.TemplateError as error:
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash("Template created. Add its questions.", "success")
            return _to_detail(created)
    db.session.commit()  # the shipped default, if this was its first use
    current = aliased(SurveyTemplate, name="current")
    sent = (
        select(func.count(MeetingSurvey.id))
        .join(SurveyTemplate, SurveyTemplate.id == MeetingSurvey.template_id)
        .where(SurveyTemplate.lineage == current.lineage)
        .correlate(current)
        .scalar_subquery()
    )
    questions = (
        select(func.count(SurveyQuestion.id))
        .where(SurveyQuestion.template_id == current.id)
        .correlate(current)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(current, questions.label("questions"), sent.label("sent"))
        .where(current.superseded_at.is_(None))
        .order_by(current.is_default.desc(), current.name)
    ).all()
    return render_template("feedback/templates.html", rows=rows, form=form)


@bp.route("/admin/survey-templates/<uuid:survey_template_id>", methods=["GET", "POST"])
@access.fda_admin
def template_detail(survey_template_id: uuid.UUID):
    template = _template_or_404(survey_template_id)
    form = TemplateNameForm(data={"name": template.name} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            saved = templates.rename_template(template, form.name.data, by=current_user)
        except templates.TemplateError as error:
            form.name.errors = [str(error)]
        else:
            _saved(template, saved, "Name saved.")
            return _to_detail(saved)
    return render_template(
        "feedback/template_detail.html",
        template=template,
        versions=templates.versions_of(template),
        in_use=templates.is_in_use(template),
        form=form,
        confirm_form=ConfirmForm(),
        kind_labels=KIND_LABELS,
    )


def _spec(form: QuestionForm) -> templates.QuestionSpec:
    return templates.QuestionSpec(
        kind=SurveyQuestionKind(form.kind.data),
        prompt=form.prompt.data or "",
        help_text=form.help_text.data or "",
        required=bool(form.required.data),
        labels=form.labels,
    )


def _question_form_page(template: SurveyTemplate, form: QuestionForm, position: int | None):
    return render_template(
        "feedback/question_form.html", template=template, form=form, position=position
    )


def _chosen_question(template: SurveyTemplate) -> SurveyQuestion | None:
    """The question at ``?position=`` in this version of the template, if there is one."""
    position = request.args.get("position", type=int)
    return next((q for q in template.questions if q.position == position), None)


@bp.route(
    "/admin/survey-templates/<uuid:survey_template_id>/questions/new", methods=["GET", "POST"]
)
@access.fda_admin
def question_new(survey_template_id: uuid.UUID):
    template = _template_or_404(survey_template_id)
    form = QuestionForm()
    if request.method == "GET":
        form.required.data = True
    if form.validate_on_submit():
        try:
            saved = templates.add_question(template, _spec(form), by=current_user)
        except templates.TemplateError as error:
            show_error(form, error, fallback="prompt")
        else:
            _saved(template, saved, "Question added.")
            return _to_detail(saved)
    return _question_form_page(template, form, None)


@bp.route(
    "/admin/survey-templates/<uuid:survey_template_id>/questions/edit", methods=["GET", "POST"]
)
@access.fda_admin
def question_edit(survey_template_id: uuid.UUID):
    template = _template_or_404(survey_template_id)
    question = _chosen_question(template)
    if question is None:
        flash("Choose a question of this template to change.", "info")
        return _to_detail(template)
    form = QuestionForm()
    if request.method == "GET":
        form.fill_from(question)
    elif form.validate_on_submit():
        try:
            saved = templates.update_question(
                template, question.position, _spec(form), by=current_user
            )
        except templates.TemplateError as error:
            show_error(form, error, fallback="prompt")
        else:
            _saved(template, saved, "Question saved.")
            return _to_detail(saved)
    return _question_form_page(template, form, question.position)


@bp.route("/admin/survey-templates/<uuid:survey_template_id>/questions/move", methods=["POST"])
@access.fda_admin
def question_move(survey_template_id: uuid.UUID):
    template = _template_or_404(survey_template_id)
    form = PositionForm()
    if not form.validate_on_submit() or form.position.data is None:
        flash("Choose a question to move.", "error")
        return _to_detail(template)
    try:
        saved = templates.move_question(
            template, form.position.data, form.direction.data or "", by=current_user
        )
    except templates.TemplateError as error:
        flash(str(error), "error")
        return _to_detail(template)
    _saved(template, saved, "Question moved.")
    return _to_detail(saved)


@bp.route(
    "/admin/survey-templates/<uuid:survey_template_id>/questions/remove", methods=["GET", "POST"]
)
@access.fda_admin
def question_remove(survey_template_id: uuid.UUID):
    """Confirm, then leave the question out of the next version."""
    template = _template_or_404(survey_template_id)
    question = _chosen_question(template)
    if question is None:
        flash("Choose a question of this template to remove.", "info")
        return _to_detail(template)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            saved = templates.remove_question(template, question.position, by=current_user)
        except templates.TemplateError as error:
            flash(str(error), "error")
            return _to_detail(template)
        _saved(template, saved, "Question removed.")
        return _to_detail(saved)
    return render_template(
        "feedback/question_remove.html", template=template, question=question, form=form
    )


@bp.route("/admin/survey-templates/<uuid:survey_template_id>/default", methods=["POST"])
@access.fda_admin
def template_make_default(survey_template_id: uuid.UUID):
    template = _template_or_404(survey_template_id)
    if ConfirmForm().validate_on_submit():
        try:
            templates.make_default(template, by=current_user)
        except templates.TemplateError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"New surveys will use “{template.name}”.", "success")
    return _to_detail(template)
