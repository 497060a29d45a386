"""Survey templates: the shipped default, editing, and versions that never change once sent."""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.feedback import survey_templates as templates
from portal.feedback.models import (
    FeedbackAnswer,
    MeetingSurvey,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyTemplate,
)
from tests import factories_feedback as ff


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _rating(prompt="How clear was it?", labels=("Not clear", "", "", "", "Very clear")):
    return templates.QuestionSpec(SurveyQuestionKind.RATING, prompt, "", True, list(labels))


# --- the shipped default ----------------------------------------------------------------


def test_default_template_is_created_once_with_the_programs_questions(app):
    first = templates.ensure_default_template()
    second = templates.ensure_default_template()
    db.session.commit()
    assert first.id == second.id
    assert _count(SurveyTemplate) == 1
    assert first.is_default and first.version == 1 and first.lineage == templates.DEFAULT_LINEAGE
    kinds = [q.kind for q in first.questions]
    assert kinds.count(SurveyQuestionKind.RATING) == 2
    assert SurveyQuestionKind.YES_NO in kinds and SurveyQuestionKind.TEXT in kinds
    prompts = " ".join(q.prompt for q in first.questions).lower()
    for topic in ("expectations", "useful", "act on", "differently"):
        assert topic in prompts
    for question in first.questions:
        if question.kind == SurveyQuestionKind.RATING:
            assert all(question.labels), "every point of a shipped rating has a label"


def test_templates_page_creates_the_default_and_is_for_the_program_manager_only(
    app, client, sign_in, fda_admin, fda_staff
):
    sign_in(fda_admin)
    page = client.get("/admin/survey-templates")
    assert page.status_code == 200
    assert "After-meeting feedback" in page.text
    assert _count(SurveyTemplate) == 1
    sign_in(fda_staff)
    assert client.get("/admin/survey-templates").status_code == 403


def test_a_new_template_needs_a_name(app, client, sign_in, fda_admin, no_csrf):
    sign_in(fda_admin)
    page = client.post("/admin/survey-templates", data={"name": "   "})
    assert page.status_code == 200
    assert "Give the template a name" in page.text
    assert _count(SurveyTemplate) == 1  # only the shipped default
    made = client.post("/admin/survey-templates", data={"name": "Short pulse"})
    assert made.status_code == 302
    assert db.session.scalar(select(SurveyTemplate).where(SurveyTemplate.name == "Short pulse"))


# --- editing ----------------------------------------------------------------------------------


def test_an_unused_version_is_edited_in_place(app, fda_admin):
    template = templates.ensure_default_template()
    saved = templates.add_question(template, _rating(), by=fda_admin)
    assert saved.id == template.id and saved.version == 1
    assert [q.position for q in saved.questions] == [1, 2, 3, 4, 5]


def test_editing_a_used_version_makes_a_new_one_and_old_answers_stay_as_given(
    app, client, sign_in, fda_admin, fda_staff, no_csrf
):
    people = ff.engagement_with_people()
    template = templates.ensure_default_template()
    meeting = ff.held_meeting(people.engagement)
    survey = ff.survey(meeting, template)
    ff.respond(survey, people.admin, {1: 4, 2: 5, 3: True, 4: "Clear agenda."})
    old_question = template.questions[0]
    db.session.commit()

    sign_in(fda_admin)
    edited = client.post(
        f"/admin/survey-templates/{template.public_id}/questions/edit?position=1",
        data={
            "prompt": "How clear were FDA's expectations, in one number?",
            "kind": "rating",
            "required": "y",
            "label_1": "Unclear",
            "label_5": "Crystal clear",
        },
    )
    assert edited.status_code == 302
    db.session.expire_all()
    versions = db.session.scalars(
        select(SurveyTemplate)
        .where(SurveyTemplate.lineage == template.lineage)
        .order_by(SurveyTemplate.version)
    ).all()
    assert [v.version for v in versions] == [1, 2]
    old, new = versions
    assert old.superseded_at is not None and not old.is_default
    assert new.is_default and new.superseded_at is None
    assert new.questions[0].prompt == "How clear were FDA's expectations, in one number?"
    # Version 1, the survey and its answers are untouched.
    assert db.session.get(SurveyQuestion, old_question.id).prompt == old_question.prompt
    assert db.session.get(MeetingSurvey, survey.id).template_id == old.id
    answers = db.session.scalars(select(FeedbackAnswer).order_by(FeedbackAnswer.id)).all()
    assert [a.question_id for a in answers] == [q.id for q in old.questions]
    assert answers[0].rating == 4
    assert templates.current_default().id == new.id

    # Still readable, with the wording the firm saw: by FDA, and by the person who answered.
    sign_in(fda_staff)
    fda_page = client.get(f"/feedback/meetings/{survey.public_id}")
    assert str(escape(old_question.prompt)) in fda_page.text and "4 out of 5" in fda_page.text
    sign_in(people.admin)
    firm_page = client.get(f"/firm/feedback/{survey.public_id}")
    assert str(escape(old_question.prompt)) in firm_page.text
    assert "in one number" not in firm_page.text
    # The old version's page says it was replaced, and offers no edits.
    sign_in(fda_admin)
    old_page = client.get(f"/admin/survey-templates/{old.public_id}")
    assert "was replaced" in old_page.text and "Add a question" not in old_page.text


def test_a_second_edit_goes_into_the_new_unused_version(app, fda_admin):
    people = ff.engagement_with_people()
    template = templates.ensure_default_template()
    ff.survey(ff.held_meeting(people.engagement), template)
    v2 = templates.add_question(template, _rating("First addition"), by=fda_admin)
    v2_again = templates.add_question(v2, _rating("Second addition"), by=fda_admin)
    assert v2.version == 2 and v2_again.id == v2.id
    with pytest.raises(templates.TemplateError, match="replaced"):
        templates.add_question(template, _rating("From the old page"), by=fda_admin)


def test_removing_a_question_keeps_it_in_the_earlier_version(
    app, client, sign_in, fda_admin, no_csrf
):
    template = templates.ensure_default_template()
    prompt = template.questions[1].prompt
    db.session.commit()
    sign_in(fda_admin)
    url = f"/admin/survey-templates/{template.public_id}/questions/remove?position=2"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Remove this question?" in confirm.text
    assert client.post(url).status_code == 302
    db.session.expire_all()
    old = db.session.get(SurveyTemplate, template.id)
    new = templates.current_default()
    assert new.version == 2 and old.superseded_at is not None
    assert prompt in [q.prompt for q in old.questions]
    assert prompt not in [q.prompt for q in new.questions]
    assert [q.position for q in new.questions] == [1, 2, 3]


def test_the_last_question_cannot_be_removed(app, fda_admin):
    template = templates.create_template("One question", by=fda_admin)
    template = templates.add_question(template, _rating(), by=fda_admin)
    with pytest.raises(templates.TemplateError, match="at least one question"):
        templates.remove_question(template, 1, by=fda_admin)


def test_questions_move_up_and_down_without_javascript(app, client, sign_in, fda_admin, no_csrf):
    template = templates.ensure_default_template()
    first, second = template.questions[0].prompt, template.questions[1].prompt
    db.session.commit()
    sign_in(fda_admin)
    url = f"/admin/survey-templates/{template.public_id}/questions/move"
    assert client.post(url, data={"position": "2", "direction": "up"}).status_code == 302
    db.session.expire_all()
    assert [q.prompt for q in templates.current_default().questions][:2] == [second, first]
    refused = client.post(url, data={"position": "1", "direction": "up"}, follow_redirects=True)
    assert "already the first" in refused.text


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"prompt": "", "kind": "rating", "label_1": "a", "label_5": "b"}, "Write the question"),
        ({"prompt": "Clear?", "kind": "rating", "label_5": "Very"}, "Say what 1 means"),
        ({"prompt": "Clear?", "kind": "rating", "label_1": "Not"}, "Say what 5 means"),
        ({"prompt": "Clear?", "kind": "essay"}, "Not a valid choice"),
        ({"prompt": "x" * 301, "kind": "text"}, "the most this field takes is 300"),
    ],
)
def test_a_question_must_be_complete(app, client, sign_in, fda_admin, no_csrf, posted, message):
    template = templates.ensure_default_template()
    db.session.commit()
    sign_in(fda_admin)
    page = client.post(f"/admin/survey-templates/{template.public_id}/questions/new", data=posted)
    assert page.status_code == 200
    assert message in page.text
    db.session.expire_all()
    assert len(templates.current_default().questions) == 4


def test_labels_are_kept_for_each_point(app, fda_admin):
    template = templates.create_template("Labelled", by=fda_admin)
    labels = ["Poor", "Fair", "Good", "Very good", "Excellent"]
    saved = templates.add_question(template, _rating("Overall?", labels), by=fda_admin)
    assert saved.questions[0].labels == labels
    text = templates.add_question(
        saved,
        templates.QuestionSpec(SurveyQuestionKind.TEXT, "Anything else?", "", False, labels),
        by=fda_admin,
    )
    assert text.questions[1].labels == [""] * 5, "labels mean nothing on a written answer"


def test_make_default_moves_the_flag_and_needs_questions(app, client, sign_in, fda_admin, no_csrf):
    shipped = templates.ensure_default_template()
    empty = templates.create_template("Empty", by=fda_admin)
    with pytest.raises(templates.TemplateError, match="at least one question"):
        templates.make_default(empty, by=fda_admin)
    filled = templates.add_question(empty, _rating(), by=fda_admin)
    db.session.commit()
    sign_in(fda_admin)
    assert client.post(f"/admin/survey-templates/{filled.public_id}/default").status_code == 302
    db.session.expire_all()
    assert templates.current_default().id == filled.id
    assert not db.session.get(SurveyTemplate, shipped.id).is_default
    assert db.session.scalar(
        select(func.count()).where(AuditEvent.action == "survey_template.make_default")
    )


def test_edit_page_without_a_question_goes_back_to_the_template(app, client, sign_in, fda_admin):
    template = templates.ensure_default_template()
    db.session.commit()
    sign_in(fda_admin)
    for path in ("edit", "remove"):
        response = client.get(f"/admin/survey-templates/{template.public_id}/questions/{path}")
        assert response.status_code == 302
        assert str(template.public_id) in response.headers["Location"]
        missing = client.get(
            f"/admin/survey-templates/{template.public_id}/questions/{path}?position=99"
        )
        assert missing.status_code == 302
