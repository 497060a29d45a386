"""FDA's question workflow (SPEC 8, issue 12): assignment with the engagement's FDA lead as
default, "my questions" with due dates, internal notes firms never see, follow-ups of the
same firm only, and earlier texts with who changed what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.audit.models import AuditEvent
from portal.auth.models import Role, UserStatus
from portal.extensions import db
from portal.questions import services
from portal.questions.models import ANSWER_DUE_BEFORE_MEETING, Question, QuestionStatus
from portal.timeutil import format_local, utcnow
from tests import factories
from tests.conftest import csrf_token_from
from tests.sweep import get_pages

NOTE_CANARY = "Internal only: zebra-quokka-1729 check their CAPA file"


@pytest.fixture
def colleague(app):
    return factories.user(Role.FDA_STAFF, email="cora@fda.example.gov", full_name="Cora Colleague")


@pytest.fixture
def engagement(app, firm_a, fda_staff):
    return factories.engagement(firm_a, sent_by=fda_staff)


@pytest.fixture
def meeting(engagement, fda_staff):
    created = factories.meeting(engagement, scheduled_by=fda_staff)
    db.session.commit()
    return created


def _ask(meeting, author, subject="Hold times", follows=None) -> Question:
    question = services.submit_question(
        meeting, author, subject=subject, topic="other", body="What do you expect?", follows=follows
    )
    db.session.commit()
    return question


def _post(client, url, data):
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


# --- assignment ----------------------------------------------------------------------------


def test_a_new_question_goes_to_the_engagements_fda_lead(
    engagement, meeting, firm_staff, fda_staff, colleague
):
    assert _ask(meeting, firm_staff, "Before a lead").assigned_to_id is None
    services_engagements().set_fda_lead(engagement, colleague, by=fda_staff)
    db.session.commit()
    assert _ask(meeting, firm_staff, "After a lead").assigned_to_id == colleague.id


def test_a_follow_up_goes_to_whoever_has_the_earlier_question(
    engagement, meeting, firm_staff, fda_staff, colleague
):
    services_engagements().set_fda_lead(engagement, fda_staff, by=fda_staff)
    earlier = _ask(meeting, firm_staff)
    services.assign(earlier, colleague, by=fda_staff)
    services.respond(earlier, status=QuestionStatus.UNDER_REVIEW, response="", by=fda_staff)
    db.session.commit()
    follow_up = _ask(meeting, firm_staff, "And also", follows=earlier)
    assert follow_up.assigned_to_id == colleague.id


def services_engagements():
    from portal.engagements import services as engagement_services

    return engagement_services


def test_fda_sets_the_lead_on_the_engagement_page_and_the_form_proposes_them(
    sign_in, engagement, meeting, firm_staff, fda_staff, colleague
):
    client = sign_in(fda_staff)
    response = _post(
        client, f"/engagements/{engagement.public_id}/lead", {"lead": str(colleague.public_id)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert engagement.fda_lead_id == colleague.id
    assert (
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "engagement.fda_lead"))
        .one()
        .detail
        == "FDA lead cora@fda.example.gov"
    )
    page = client.get(f"/engagements/{engagement.public_id}").get_data(as_text=True)
    assert "Cora Colleague" in page
    # A question nobody has yet: its page proposes the lead in the assignment form.
    db.session.execute(update(Question).values(assigned_to_id=None))
    question = factories.question(meeting, firm_staff)
    db.session.commit()
    page = client.get(f"/questions/{question.public_id}").get_data(as_text=True)
    assert f'<option selected value="{colleague.public_id}">' in page or (
        f'value="{colleague.public_id}" selected' in page
    )


def test_only_active_fda_staff_can_lead_or_be_assigned(
    sign_in, engagement, meeting, firm_staff, fda_staff, colleague
):
    question = _ask(meeting, firm_staff)
    with pytest.raises(services.QuestionError):
        services.assign(question, firm_staff, by=fda_staff)
    with pytest.raises(services.QuestionError):
        services.assign(question, colleague, by=firm_staff)
    colleague.status = UserStatus.DEACTIVATED
    db.session.commit()
    with pytest.raises(services.QuestionError):
        services.assign(question, colleague, by=fda_staff)
    with pytest.raises(services_engagements().EngagementError):
        services_engagements().set_fda_lead(engagement, firm_staff, by=fda_staff)
    client = sign_in(fda_staff)
    response = _post(
        client, f"/questions/{question.public_id}/assign", {"assignee": str(firm_staff.public_id)}
    )
    assert response.status_code == 400
    assert "Choose one of FDA" in response.get_data(as_text=True)
    db.session.expire_all()
    assert question.assigned_to_id is None


def test_fda_assigns_a_question_to_a_colleague_and_the_firm_is_not_told(
    sign_in, client, meeting, firm_staff, fda_staff, colleague
):
    question = _ask(meeting, firm_staff)
    sign_in(fda_staff)
    response = _post(
        client, f"/questions/{question.public_id}/assign", {"assignee": str(colleague.public_id)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert question.assigned_to_id == colleague.id
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "question.assign")
    ).one()
    assert event.actor_id == fda_staff.id and "cora@fda.example.gov" in event.detail
    sign_in(firm_staff)
    page = client.get(f"/firm/questions/{question.public_id}").get_data(as_text=True)
    assert "Cora Colleague" not in page


def test_firm_users_cannot_assign_nor_set_a_lead(
    sign_in, engagement, meeting, firm_admin, colleague
):
    question = _ask(meeting, firm_admin)
    client = sign_in(firm_admin)
    assert (
        _post(
            client,
            f"/questions/{question.public_id}/assign",
            {"assignee": str(colleague.public_id)},
        ).status_code
        == 404
    )
    assert (
        _post(
            client, f"/engagements/{engagement.public_id}/lead", {"lead": str(colleague.public_id)}
        ).status_code
        == 404
    )
    db.session.expire_all()
    assert question.assigned_to_id is None and engagement.fda_lead_id is None


# --- my questions --------------------------------------------------------------------------


def test_my_questions_lists_mine_still_to_answer_with_the_due_date(
    sign_in, engagement, meeting, firm_staff, fda_staff, colleague
):
    mine = _ask(meeting, firm_staff, "Mine to answer")
    answered = _ask(meeting, firm_staff, "Mine but answered")
    theirs = _ask(meeting, firm_staff, "A colleague's")
    for question in (mine, answered):
        services.assign(question, fda_staff, by=fda_staff)
    services.assign(theirs, colleague, by=fda_staff)
    services.respond(
        answered, status=QuestionStatus.ANSWERED_IN_WRITING, response="Yes.", by=fda_staff
    )
    db.session.commit()
    client = sign_in(fda_staff)
    page = client.get("/questions/mine").get_data(as_text=True)
    assert "Mine to answer" in page
    assert "Mine but answered" not in page and "A colleague&#39;s" not in page
    due = meeting.starts_at - ANSWER_DUE_BEFORE_MEETING
    assert due < meeting.starts_at
    assert format_local(due, fda_staff.timezone) in page
    work_list = client.get("/work").get_data(as_text=True)
    assert "My questions (1)" in work_list and "Mine to answer" in work_list
    assert "answer due" in work_list


def test_each_colleague_sees_their_own_questions_on_the_work_list(
    sign_in, engagement, meeting, firm_staff, fda_staff, colleague
):
    """The panel's statement is built once per process, the person a parameter of each run:
    two people signed in one after the other each see their own."""
    mine = _ask(meeting, firm_staff, "Mine to answer")
    theirs = _ask(meeting, firm_staff, "Theirs to answer")
    services.assign(mine, fda_staff, by=fda_staff)
    services.assign(theirs, colleague, by=fda_staff)
    db.session.commit()
    for person, own, other in ((fda_staff, mine, theirs), (colleague, theirs, mine)):
        work_list = sign_in(person).get("/work").get_data(as_text=True)
        start = work_list.index("My questions (1)")
        panel = work_list[start : work_list.index("</section>", start)]
        assert own.subject in panel and other.subject not in panel


def test_my_questions_has_an_empty_state(sign_in, fda_staff):
    page = sign_in(fda_staff).get("/questions/mine").get_data(as_text=True)
    assert "No question is assigned to you" in page


def test_an_overdue_answer_is_marked(sign_in, engagement, firm_staff, fda_staff):
    soon = factories.meeting(engagement, starts_at=utcnow() + timedelta(days=1))
    question = factories.question(soon, firm_staff, assigned_to_id=fda_staff.id)
    db.session.commit()
    page = sign_in(fda_staff).get("/questions/mine").get_data(as_text=True)
    assert question.subject in page and "Overdue" in page


# --- internal notes ------------------------------------------------------------------------


def test_internal_notes_are_kept_for_fda_and_no_firm_page_shows_them(app, sign_in, client, world):
    a = world.by_firm["a"]
    sign_in(world.fda_staff)
    response = _post(client, f"/questions/{a.question.public_id}/notes", {"body": NOTE_CANARY})
    assert response.status_code == 302
    fda_page = client.get(f"/questions/{a.question.public_id}").get_data(as_text=True)
    assert NOTE_CANARY in fda_page
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "question.note")).one()
    assert "zebra" not in event.detail
    for role, person in (("firm_admin", a.admin), ("firm_staff", a.staff)):
        sign_in(person)
        pages = get_pages(app, world, role)
        assert any("/firm/questions/" in url for url in pages)
        for url in pages:
            body = client.get(url).get_data(as_text=True)
            assert "zebra-quokka" not in body, url
    from portal.outbox.models import OutboxMessage

    for message in db.session.scalars(select(OutboxMessage)):
        assert "zebra-quokka" not in repr(message.__dict__)


def test_an_empty_note_is_refused_with_a_message(sign_in, meeting, firm_staff, fda_staff):
    question = _ask(meeting, firm_staff)
    client = sign_in(fda_staff)
    response = _post(client, f"/questions/{question.public_id}/notes", {"body": "   "})
    assert response.status_code == 400
    assert "Write the note." in response.get_data(as_text=True)
    with pytest.raises(services.QuestionError):
        services.add_note(question, "From the firm", by=firm_staff)


def test_a_firm_user_cannot_post_a_note(sign_in, meeting, firm_admin):
    question = _ask(meeting, firm_admin)
    client = sign_in(firm_admin)
    assert _post(client, f"/questions/{question.public_id}/notes", {"body": "x"}).status_code == 404


# --- follow-ups and earlier texts ---------------------------------------------------------


def test_the_database_refuses_a_follow_up_of_another_firms_question(app, world):
    a, b = world.by_firm["a"], world.by_firm["b"]
    with pytest.raises(IntegrityError):
        db.session.execute(
            update(Question).where(Question.id == a.question.id).values(follows_id=b.question.id)
        )
        db.session.flush()
    db.session.rollback()


def test_fda_sees_who_changed_what_and_when_and_the_firm_does_not(
    sign_in, client, meeting, firm_staff, fda_staff
):
    question = _ask(meeting, firm_staff, "First subject")
    services.edit_question(
        question, firm_staff, subject="Second subject", topic="other", body="What do you expect?"
    )
    db.session.commit()
    services.edit_question(
        question, firm_staff, subject="Second subject", topic="other", body="A better question?"
    )
    db.session.commit()
    sign_in(fda_staff)
    page = client.get(f"/questions/{question.public_id}").get_data(as_text=True)
    assert "Earlier texts" in page and "First subject" in page
    assert "Changed: question." in page and "Changed: subject." in page
    assert f"by {firm_staff.full_name}" in page
    sign_in(firm_staff)
    firm_page = client.get(f"/firm/questions/{question.public_id}").get_data(as_text=True)
    assert "Earlier texts" not in firm_page and "First subject" not in firm_page


# --- fixed numbers of queries --------------------------------------------------------------


def _count(client, url, count_queries) -> int:
    with count_queries() as counter:
        response = client.get(url)
        assert response.status_code == 200, url
    return counter.count


def test_the_new_pages_issue_a_fixed_number_of_queries(
    sign_in, count_queries, engagement, meeting, firm_staff, fda_staff, colleague
):
    question = _ask(meeting, firm_staff)
    services.edit_question(question, firm_staff, subject="Edited", topic="other", body="Body")
    services.assign(question, fda_staff, by=fda_staff)
    services.add_note(question, "One note", by=fda_staff)
    db.session.commit()
    client = sign_in(fda_staff)
    urls = ["/questions/mine", f"/questions/{question.public_id}", "/work"]
    before = {url: _count(client, url, count_queries) for url in urls}
    for number in range(10):
        more = factories.question(meeting, firm_staff, assigned_to_id=fda_staff.id)
        services.add_note(question, f"Note {number}", by=colleague if number % 2 else fda_staff)
        # Each edit keeps an earlier text: the page lists them all.
        services.edit_question(
            question, firm_staff, subject=f"Subject {number}", topic="other", body="Body"
        )
        assert more.id
    db.session.commit()
    after = {url: _count(client, url, count_queries) for url in urls}
    assert before == after


def test_the_colleague_is_emailed_once_with_the_link_and_no_note(
    meeting, firm_staff, fda_staff, colleague
):
    question = _ask(meeting, firm_staff)
    services.add_note(question, NOTE_CANARY, by=fda_staff)
    services.assign(question, fda_staff, by=fda_staff)  # taking it oneself sends nothing
    services.assign(question, colleague, by=fda_staff)
    services.assign(question, colleague, by=fda_staff)  # unchanged: nothing again
    db.session.commit()
    from tests.conftest import outbox

    sent = outbox("questions_assigned")
    assert [m.recipients for m in sent] == [colleague.email]
    assert f"http://portal.test/questions/{question.public_id}" in sent[0].body_text
    assert "Sam Staff" in sent[0].body_text and "zebra" not in sent[0].body_text + sent[0].body_html
    assert sent[0].firm_id is None
