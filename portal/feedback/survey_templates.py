"""Survey templates: the questions firms answer after a meeting, versioned (SPEC 10).

The program manager edits templates; a survey already sent, and every answer
already given, must keep reading exactly as the firm saw it. So a version that
a survey has used is never changed: the first edit after that copies it into
version N+1 (same ``lineage``), marks N ``superseded_at`` and moves the default
flag over. A version no survey has used yet is still a draft in practice and
is edited in place, so that ten small edits do not make ten versions.
"""

from __future__ import annotations

import json
import uuid

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError

from portal.audit import services as audit
from portal.auth.models import User
from portal.extensions import db
from portal.feedback.models import (
    MeetingSurvey,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyTemplate,
)
from portal.feedback.shipped import DEFAULT_QUESTIONS, QuestionSpec
from portal.timeutil import utcnow
from portal.transaction import savepoint
from portal.upsert import insert_unless_exists

#: The lineage of the template the portal ships; fixed, so that creating it is idempotent.
DEFAULT_LINEAGE = uuid.UUID("5e9f0c1e-7a3b-4d0e-9c51-5e95e0f0d001")
DEFAULT_NAME = "After-meeting feedback"

PROMPT_MAX = 300
HELP_MAX = 1000
LABEL_MAX = 60


class TemplateError(ValueError):
    """An edit of a survey template that cannot be made; the message is for the program manager.

    ``field`` names the form field the message belongs beside, when there is one.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- reading -----------------------------------------------------------------------


def current_default() -> SurveyTemplate | None:
    """The version new surveys are made from: the default, not yet replaced."""
    return db.session.scalars(
        select(SurveyTemplate)
        .where(SurveyTemplate.is_default.is_(True), SurveyTemplate.superseded_at.is_(None))
        .order_by(SurveyTemplate.id)
        .limit(1)
    ).first()


def is_in_use(template: SurveyTemplate) -> bool:
    """Has a survey been sent with this version? Then it is never changed again."""
    return bool(db.session.scalar(select(exists().where(MeetingSurvey.template_id == template.id))))


def versions_of(template: SurveyTemplate) -> list[SurveyTemplate]:
    return list(
        db.session.scalars(
            select(SurveyTemplate)
            .where(SurveyTemplate.lineage == template.lineage)
            .order_by(SurveyTemplate.version.desc())
        )
    )


# --- creating --------------------------------------------------------------------------


def _add_questions(template: SurveyTemplate, specs) -> None:
    for position, spec in enumerate(specs, start=1):
        db.session.add(_question_from_spec(template, position, spec))


def _spec_columns(spec: QuestionSpec) -> dict:
    """A question's columns from the form; only a rating question keeps scale labels."""
    return {
        "kind": spec.kind,
        "prompt": spec.prompt,
        "help_text": spec.help_text,
        "required": spec.required,
        "rating_labels": json.dumps(spec.labels if spec.kind == SurveyQuestionKind.RATING else []),
    }


def _question_from_spec(template: SurveyTemplate, position: int, spec: QuestionSpec):
    return SurveyQuestion(template_id=template.id, position=position, **_spec_columns(spec))


def ensure_default_template() -> SurveyTemplate:
    """The current default template, creating the shipped one the first time it is needed.

    Made on first use rather than by a migration, so the wording lives in code
    that can be read and tested. Safe when two requests need it at once: the
    fixed lineage makes the second insert a no-op (see portal.upsert).
    """
    template = current_default()
    if template is not None:
        return template
    now = utcnow()
    inserted = insert_unless_exists(
        SurveyTemplate,
        public_id=uuid.uuid4(),
        lineage=DEFAULT_LINEAGE,
        version=1,
        name=DEFAULT_NAME,
        is_default=True,
        created_at=now,
        updated_at=now,
    )
    template = db.session.scalars(
        select(SurveyTemplate).where(
            SurveyTemplate.lineage == DEFAULT_LINEAGE, SurveyTemplate.version == 1
        )
    ).one()
    if inserted:
        _add_questions(template, DEFAULT_QUESTIONS)
        audit.record("survey_template.create", template, detail="the shipped default template")
        db.session.flush()
        db.session.expire(template, ["questions"])
    return current_default() or template


def create_template(name: str, *, by: User) -> SurveyTemplate:
    """A new, empty template (version 1 of a new lineage); questions are added next."""
    name = _clean_name(name)
    template = SurveyTemplate(
        lineage=uuid.uuid4(), version=1, name=name, is_default=False, created_by_id=by.id
    )
    db.session.add(template)
    db.session.flush()
    audit.record("survey_template.create", template, detail=name)
    return template


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise TemplateError(
            "Give the template a name, for example “After-meeting feedback”.", "name"
        )
    if len(name) > 200:
        raise TemplateError("Keep the name under 200 characters.", "name")
    return name


# --- versioning ---------------------------------------------------------------------------


def editable_version(
    template: SurveyTemplate, *, by: User, leave_out: int | None = None
) -> SurveyTemplate:
    """The version an edit goes into: this one while unused, otherwise a new copy.

    ``leave_out`` (a question's position) always makes the copy, without that
    question: removing a question never deletes it from a version. Refuses a
    replaced version: edits start from the current one, so two people cannot
    branch a template's history.
    """
    if template.superseded_at is not None:
        raise TemplateError(
            f"Version {template.version} has been replaced by a newer version. "
            "Open the current version to make changes."
        )
    # Lock the version row (PostgreSQL) so that a survey being opened and an edit
    # cannot interleave: the survey either gets the old version or the new one.
    db.session.execute(
        select(SurveyTemplate.id).where(SurveyTemplate.id == template.id).with_for_update()
    )
    if leave_out is None and not is_in_use(template):
        return template
    successor = SurveyTemplate(
        lineage=template.lineage,
        version=template.version + 1,
        name=template.name,
        is_default=template.is_default,
        created_by_id=by.id,
    )
    try:
        with savepoint():
            db.session.add(successor)
            template.superseded_at = utcnow()
            template.is_default = False
    except IntegrityError as error:
        # Only the savepoint is undone: the caller's earlier work is the caller's to keep.
        raise TemplateError(
            "Someone else changed this template at the same moment. Reload the page and try again."
        ) from error
    kept = [q for q in _questions(template) if q.position != leave_out]
    for position, question in enumerate(kept, start=1):
        db.session.add(
            SurveyQuestion(
                template_id=successor.id,
                position=position,
                kind=question.kind,
                prompt=question.prompt,
                help_text=question.help_text,
                required=question.required,
                rating_labels=question.rating_labels,
            )
        )
    db.session.flush()
    audit.record(
        "survey_template.new_version",
        successor,
        detail=f"version {successor.version} replaces version {template.version}, "
        "which surveys already sent keep",
    )
    return successor


def _questions(template: SurveyTemplate) -> list[SurveyQuestion]:
    db.session.expire(template, ["questions"])
    return list(template.questions)


def _refreshed(template: SurveyTemplate) -> SurveyTemplate:
    """Write pending changes and reload the question list, so callers see the edit."""
    db.session.flush()
    db.session.expire(template, ["questions"])
    return template


def _question_at(template: SurveyTemplate, position: int) -> SurveyQuestion:
    for question in _questions(template):
        if question.position == position:
            return question
    raise TemplateError("That question is not in this version of the template any more.")


# --- editing ---------------------------------------------------------------------------------


def validate_question(spec: QuestionSpec) -> QuestionSpec:
    """The question as it will be stored, or TemplateError naming the field to fix."""
    try:
        kind = SurveyQuestionKind(spec.kind)
    except ValueError as error:
        raise TemplateError(
            "Choose the kind of answer: rating, yes or no, or written.", "kind"
        ) from error
    prompt = (spec.prompt or "").strip()
    if not prompt:
        raise TemplateError("Write the question as firms will read it.", "prompt")
    if len(prompt) > PROMPT_MAX:
        raise TemplateError(f"Keep the question under {PROMPT_MAX} characters.", "prompt")
    help_text = (spec.help_text or "").strip()
    if len(help_text) > HELP_MAX:
        raise TemplateError(f"Keep the help text under {HELP_MAX} characters.", "help_text")
    labels = [(label or "").strip() for label in (list(spec.labels or []) + [""] * 5)[:5]]
    if kind == SurveyQuestionKind.RATING:
        if not labels[0]:
            raise TemplateError("Say what 1 means, for example “Not clear at all”.", "label_1")
        if not labels[4]:
            raise TemplateError("Say what 5 means, for example “Very clear”.", "label_5")
        for number, label in enumerate(labels, start=1):
            if len(label) > LABEL_MAX:
                raise TemplateError(
                    f"Keep the label for {number} under {LABEL_MAX} characters.", f"label_{number}"
                )
    else:
        labels = [""] * 5
    return QuestionSpec(kind, prompt, help_text, bool(spec.required), labels)


def rename_template(template: SurveyTemplate, name: str, *, by: User) -> SurveyTemplate:
    name = _clean_name(name)
    target = editable_version(template, by=by)
    target.name = name
    audit.record("survey_template.rename", target, detail=name)
    return target


def add_question(template: SurveyTemplate, spec: QuestionSpec, *, by: User) -> SurveyTemplate:
    spec = validate_question(spec)
    target = editable_version(template, by=by)
    position = len(_questions(target)) + 1
    db.session.add(_question_from_spec(target, position, spec))
    audit.record("survey_template.add_question", target, detail=f"{position}. {spec.prompt}")
    return _refreshed(target)


def update_question(
    template: SurveyTemplate, position: int, spec: QuestionSpec, *, by: User
) -> SurveyTemplate:
    spec = validate_question(spec)
    _question_at(template, position)
    target = editable_version(template, by=by)
    question = _question_at(target, position)
    for column, value in _spec_columns(spec).items():
        setattr(question, column, value)
    audit.record("survey_template.edit_question", target, detail=f"{position}. {spec.prompt}")
    return _refreshed(target)


def move_question(
    template: SurveyTemplate, position: int, direction: str, *, by: User
) -> SurveyTemplate:
    """Swap a question with its neighbour above ("up") or below ("down")."""
    if direction not in ("up", "down"):
        raise TemplateError("Choose to move the question up or down.")
    count = len(_questions(template))
    other = position - 1 if direction == "up" else position + 1
    _question_at(template, position)
    if not 1 <= other <= count:
        raise TemplateError(f"That question is already the {'first' if other < 1 else 'last'}.")
    target = editable_version(template, by=by)
    moving, neighbour = _question_at(target, position), _question_at(target, other)
    moving.position, neighbour.position = other, position
    audit.record("survey_template.move_question", target, detail=f"{position} -> {other}")
    return _refreshed(target)


def remove_question(template: SurveyTemplate, position: int, *, by: User) -> SurveyTemplate:
    """Leave a question out of the template from now on.

    Nothing is deleted (SPEC "Confidentiality"): the next version is made
    without the question, and this version, with it, stays readable.
    """
    removed = _question_at(template, position)
    if len(_questions(template)) == 1:
        raise TemplateError("A survey needs at least one question. Add another one first.")
    target = editable_version(template, by=by, leave_out=position)
    audit.record("survey_template.remove_question", target, detail=f"{position}. {removed.prompt}")
    return _refreshed(target)


def make_default(template: SurveyTemplate, *, by: User) -> SurveyTemplate:
    """New surveys will use this template's current version."""
    if template.superseded_at is not None:
        raise TemplateError("Only the current version of a template can be the default.")
    question_count = db.session.scalar(
        select(func.count(SurveyQuestion.id)).where(SurveyQuestion.template_id == template.id)
    )
    if not question_count:
        raise TemplateError("Add at least one question before making this template the default.")
    db.session.execute(
        update(SurveyTemplate)
        .where(SurveyTemplate.is_default.is_(True), SurveyTemplate.id != template.id)
        .values(is_default=False)
    )
    template.is_default = True
    audit.record("survey_template.make_default", template, detail=template.name)
    return template
