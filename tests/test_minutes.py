"""The meeting record (SPEC 7a): FDA's draft, publication, revisions, the firm's replies."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.models import Role
from portal.extensions import db
from portal.meetings import services as meeting_services
from portal.meetings.models import Meeting, MeetingMode, MeetingStatus
from portal.minutes.models import (
    MeetingFollowUp,
    MeetingRecord,
    MeetingRecordReply,
    MeetingRecordVersion,
)
from portal.quality.models import QualityAction
from portal.questions.models import QuestionStatus
from portal.timeutil import utcnow
from tests import factories
from tests import factories_feedback as ff
from tests.conftest import csrf_token_from, login_as, outbox
from tests.sweep import get_pages

CANARY = "Canary-draft-7a9f: the firm must never read this"


@pytest.fixture
def alpha(app):
    people = ff.engagement_with_people()
    people.meeting = ff.held_meeting(people.engagement, scheduled_by=people.fda)
    people.question = factories.question(people.meeting, people.admin, subject="Hold times")
    db.session.commit()
    return people


def _client(app, user):
    client = app.test_client()
    login_as(client, user)
    return client


def _record_url(people) -> str:
    return f"/meetings/{people.meeting.public_id}/record"


def _version(number: int | None = None) -> MeetingRecordVersion:
    stmt = select(MeetingRecordVersion).order_by(MeetingRecordVersion.number.desc())
    if number is not None:
        stmt = stmt.where(MeetingRecordVersion.number == number)
    return db.session.scalars(stmt).first()


def _firm_url(version: MeetingRecordVersion) -> str:
    return f"/firm/meeting-records/{version.public_id}"


def _post(client, page_url: str, data: dict, action: str | None = None):
    token = csrf_token_from(client.get(page_url).get_data(as_text=True))
    return client.post(action or page_url, data={**data, "csrf_token": token})


def _write(fda, people, **extra):
    data = {
        "attendees": [str(people.admin.id), str(people.fda.id)],
        "guests": "Dana Ortiz; Ortiz Consulting; Validation advisor",
        "summary": f"We discussed **hold times**. {CANARY}",
        "topics": "- Cleaning validation",
        "questions": [str(people.question.id)],
        "outcomes": "The firm will revise its SOP.",
        "follow_up_1_description": "Send the revised cleaning SOP",
        "follow_up_1_owner": "Alpha QA lead",
        "follow_up_1_due": (date.today() + timedelta(days=30)).isoformat(),
        **extra,
    }
    return _post(fda, _record_url(people), data)


def _publish(fda, people, note: str = ""):
    return _post(fda, _record_url(people), {"note": note}, _record_url(people) + "/publish")


def test_fda_writes_a_draft_the_firm_cannot_reach(app, alpha):
    fda, firm = _client(app, alpha.fda), _client(app, alpha.admin)
    assert _write(fda, alpha).status_code == 302
    page = fda.get(_record_url(alpha)).get_data(as_text=True)
    assert "<strong>hold times</strong>" in page and "Draft" in page
    assert "Dana Ortiz" in page and "Send the revised cleaning SOP" in page

    assert _version() is None  # a draft has no firm URL at all
    assert "Read FDA's record" not in firm.get(
        f"/firm/meetings/{alpha.meeting.public_id}"
    ).get_data(as_text=True)
    assert outbox("minutes_published") == []


def test_a_draft_is_on_no_firm_page(app, alpha):
    """Every firm GET page, walked from the URL map with this meeting's ids: no draft text."""
    fda = _client(app, alpha.fda)
    _write(fda, alpha)
    records = {
        Meeting: alpha.meeting,
        type(alpha.engagement): alpha.engagement,
        type(alpha.question): alpha.question,
    }
    world = type("W", (), {"records": records})()
    firm = _client(app, alpha.admin)
    pages = get_pages(app, world, "firm_admin")
    assert f"/firm/meetings/{alpha.meeting.public_id}" in pages
    # Even FDA's own id for the draft opens nothing on the firm's side.
    draft = db.session.scalars(select(MeetingRecord)).one()
    assert firm.get(f"/firm/meeting-records/{draft.public_id}").status_code == 404
    for url in pages:
        response = firm.get(url)
        assert CANARY not in response.get_data(as_text=True), url
        assert response.status_code in (200, 302, 404), url


def test_publish_emails_a_link_without_the_text_and_the_firm_reads_it(app, alpha):
    fda, firm = _client(app, alpha.fda), _client(app, alpha.admin)
    _write(fda, alpha)
    assert _publish(fda, alpha).status_code == 302

    emails = outbox("minutes_published")
    recipients = {e.recipients for e in emails}
    assert recipients == {alpha.admin.email, alpha.staff[0].email}
    for email in emails:
        assert f"/firm/meeting-records/{_version().public_id}" in email.body_text
        for text in (CANARY, "hold times", "revise its SOP", "Dana Ortiz", "cleaning SOP"):
            assert text not in email.body_text and text not in email.body_html

    page = firm.get(_firm_url(_version())).get_data(as_text=True)
    assert CANARY in page and "Dana Ortiz, Ortiz Consulting, Validation advisor" in page
    assert "Version 1" in page and "Send the revised cleaning SOP" in page
    assert firm.get(_firm_url(_version()) + "/print").status_code == 200
    assert "Read FDA's record" in firm.get(f"/firm/meetings/{alpha.meeting.public_id}").get_data(
        as_text=True
    )


def test_discussed_questions_change_status(app, alpha):
    _write(_client(app, alpha.fda), alpha)
    db.session.expire_all()
    assert alpha.question.status == QuestionStatus.DISCUSSED
    page = _client(app, alpha.admin).get(f"/firm/questions/{alpha.question.public_id}")
    assert "Discussed at the meeting" in page.get_data(as_text=True)


def test_the_firm_acknowledges_and_comments_and_fda_sees_it(app, alpha):
    fda, firm = _client(app, alpha.fda), _client(app, alpha.admin)
    _write(fda, alpha)
    _publish(fda, alpha)
    url = _firm_url(_version())
    assert _post(firm, url, {}, url + "/acknowledge").status_code == 302
    _post(firm, url, {}, url + "/acknowledge")  # twice is still once
    assert (
        _post(firm, url, {"body": "We agree, *with thanks*."}, url + "/comments").status_code == 302
    )
    assert _post(firm, url, {"body": "  "}, url + "/comments").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(MeetingRecordReply)) == 2
    page = fda.get(_record_url(alpha)).get_data(as_text=True)
    assert "acknowledged the record" in page and "<em>with thanks</em>" in page
    assert "You acknowledged version 1" in firm.get(url).get_data(as_text=True)
    (notice,) = outbox("minutes_commented")
    assert notice.recipients == alpha.fda.email
    assert f"/meetings/{alpha.meeting.public_id}/record" in notice.body_text
    assert "with thanks" not in notice.body_text and "with thanks" not in notice.body_html


def test_a_revision_keeps_earlier_versions_says_what_changed_and_tells_the_firm(app, alpha):
    fda, firm = _client(app, alpha.fda), _client(app, alpha.admin)
    _write(fda, alpha)
    _publish(fda, alpha)
    # Nothing changed: nothing to publish.
    assert "Nothing has changed" in _publish(fda, alpha, "again").get_data(as_text=True)
    no_new_follow_up = {
        "follow_up_1_description": "",
        "follow_up_1_owner": "",
        "follow_up_1_due": "",
    }
    _write(fda, alpha, outcomes="The firm will revise its SOP by March.", **no_new_follow_up)
    refused = _publish(fda, alpha)
    assert "Say what changed" in refused.get_data(as_text=True)
    assert _publish(fda, alpha, "Added the agreed month.").status_code == 302

    versions = db.session.scalars(select(MeetingRecordVersion).order_by("number")).all()
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].content["outcomes"] == "The firm will revise its SOP."
    assert versions[1].changed_sections == ["outcomes"]
    page = firm.get(_firm_url(versions[1])).get_data(as_text=True)
    assert "Changed: Outcomes" in page and "Added the agreed month." in page
    old = firm.get(_firm_url(versions[0])).get_data(as_text=True)
    assert "The firm will revise its SOP." in old and "by March" not in old
    assert "This is an earlier version" in old
    subjects = [e.subject for e in outbox("minutes_published")]
    assert subjects.count("FDA has revised the record of your meeting") == 2


def test_a_follow_up_becomes_a_quality_action_in_one_step(app, alpha):
    fda = _client(app, alpha.fda)
    _write(fda, alpha)
    follow_up = db.session.scalars(select(MeetingFollowUp)).one()
    url = f"/meeting-records/follow-ups/{follow_up.public_id}/quality-action"
    assert _post(fda, _record_url(alpha), {"kind": "corrective"}, url).status_code == 302
    action = db.session.scalars(select(QualityAction)).one()
    assert action.description == "Send the revised cleaning SOP"
    assert action.owner_name == "Alpha QA lead" and action.meeting_id == alpha.meeting.id
    _post(fda, _record_url(alpha), {"kind": "corrective"}, url)  # never twice
    assert db.session.scalar(select(func.count()).select_from(QualityAction)) == 1


def test_bad_input_gets_a_message_not_a_500(app, alpha):
    fda = _client(app, alpha.fda)
    stranger = factories.user(Role.FIRM_STAFF, firm=factories.firm("Other"))
    db.session.commit()
    for extra, message in (
        ({"attendees": [str(stranger.id)]}, "Tick only"),
        ({"attendees": ["x"]}, "Who attended"),
        ({"guests": "; Some Org"}, "name"),
        ({"follow_up_1_owner": ""}, "Name who owns"),
        ({"follow_up_1_due": "soon"}, "Enter the date"),
        ({"summary": "bad \x00 byte"}, "Summary"),
    ):
        response = _write(fda, alpha, **extra)
        assert response.status_code == 200, extra
        assert message in response.get_data(as_text=True), extra


def test_a_record_needs_a_held_meeting(app, alpha):
    upcoming = factories.meeting(alpha.engagement, scheduled_by=alpha.fda)
    db.session.commit()
    fda = _client(app, alpha.fda)
    page = fda.get(f"/meetings/{upcoming.public_id}/record").get_data(as_text=True)
    assert "Mark it held" in page and 'name="summary"' not in page
    assert _write(fda, alpha).status_code == 302  # the held one takes a record
    alpha.meeting = upcoming
    assert _write(fda, alpha).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(MeetingRecord)) == 1


def test_another_firm_reaches_nothing(app, alpha):
    fda = _client(app, alpha.fda)
    _write(fda, alpha)
    _publish(fda, alpha)
    beta = ff.engagement_with_people("Beta Labs")
    db.session.commit()
    other = _client(app, beta.admin)
    for url in (_firm_url(_version()), _firm_url(_version()) + "/print"):
        assert other.get(url).status_code == 404


# --- a meeting held outside the portal -------------------------------------------------------


def test_fda_records_a_meeting_held_outside_the_portal(app, alpha):
    fda = _client(app, alpha.fda)
    url = f"/meetings/past/{alpha.engagement.public_id}"
    last_week = utcnow() - timedelta(days=7)
    response = _post(
        fda,
        url,
        {
            "start_date": last_week.date().isoformat(),
            "start_time": "10:00",
            "timezone": "UTC",
            "duration_minutes": "60",
            "mode": "teleconference",
        },
    )
    assert response.status_code == 302 and response.location.endswith("/record")
    meeting = db.session.scalars(
        select(Meeting).where(Meeting.id != alpha.meeting.id).order_by(Meeting.id.desc())
    ).first()
    assert meeting.status == MeetingStatus.HELD and meeting.starts_at.date() == last_week.date()
    assert outbox("meetings_scheduled") == []


def test_a_past_meeting_cannot_be_scheduled_and_a_future_one_cannot_be_recorded(app, alpha):
    from datetime import datetime

    past = meeting_services.MeetingDetails(
        starts_local=datetime.now().replace(microsecond=0) - timedelta(days=2),
        timezone="UTC",
        duration_minutes=60,
        mode=MeetingMode.VIDEO,
        join_details="https://meet.example.gov/x",
    )
    with pytest.raises(meeting_services.MeetingError, match="must be in the future"):
        meeting_services.schedule_meeting(alpha.engagement, past, by=alpha.fda)
    future = meeting_services.MeetingDetails(
        starts_local=datetime.now().replace(microsecond=0) + timedelta(days=2),
        timezone="UTC",
        duration_minutes=60,
        mode=MeetingMode.VIDEO,
    )
    with pytest.raises(meeting_services.MeetingError, match="schedule the meeting instead"):
        meeting_services.record_past_meeting(alpha.engagement, future, by=alpha.fda)
    held = meeting_services.record_past_meeting(alpha.engagement, past, by=alpha.fda)
    assert held.status == MeetingStatus.HELD


# --- fixed number of queries -----------------------------------------------------------------


def _grow(app, people, fda) -> None:
    for _ in range(9):
        factories.question(people.meeting, people.admin)
    extra = [factories.user(Role.FIRM_STAFF, firm=people.firm) for _ in range(9)]
    db.session.commit()
    _write(
        fda,
        people,
        attendees=[str(u.id) for u in (*extra, people.admin)],
        follow_up_2_description="Another",
        follow_up_2_owner="QA",
        follow_up_2_due=(date.today() + timedelta(days=9)).isoformat(),
        follow_up_3_description="Third",
        follow_up_3_owner="QA",
        follow_up_3_due=(date.today() + timedelta(days=9)).isoformat(),
    )
    _publish(fda, people, "More of everything.")
    firm = _client(app, people.staff[0])
    url = _firm_url(_version())
    for _ in range(5):
        _post(firm, url, {"body": "More"}, url + "/comments")


def test_record_pages_issue_a_fixed_number_of_queries(app, alpha, count_queries):
    fda, firm = _client(app, alpha.fda), _client(app, alpha.admin)
    _write(fda, alpha)
    _publish(fda, alpha)
    record = db.session.scalars(select(MeetingRecord)).one()
    first = _firm_url(_version(1))
    urls = {
        "fda": (
            fda,
            [
                _record_url(alpha),
                f"/meeting-records/{record.public_id}/print",
                f"/meeting-records/versions/{_version(1).public_id}",
            ],
        ),
        "firm": (firm, [first, first + "/print"]),
    }

    def measure():
        counts = {}
        for client, pages in urls.values():
            for url in pages:
                with count_queries() as counter:
                    assert client.get(url).status_code == 200, url
                counts[url] = counter.count
        return counts

    before = measure()
    _grow(app, alpha, fda)
    after = measure()
    assert before == after
    print("queries per page:", before)


def test_replies_come_a_page_at_a_time(app, alpha):
    fda, firm = _client(app, alpha.fda), _client(app, alpha.admin)
    _write(fda, alpha)
    _publish(fda, alpha)
    url = _firm_url(_version())
    for n in range(22):
        _post(firm, url, {"body": f"Comment number {n:02d}"}, url + "/comments")
    first = fda.get(_record_url(alpha)).get_data(as_text=True)
    assert "Comment number 00" in first and "Comment number 21" not in first
    assert "Page 1 of 2" in first
    last = fda.get(_record_url(alpha) + "?page=99").get_data(as_text=True)
    assert "Comment number 21" in last and "Comment number 00" not in last
    assert "Comment number 21" in firm.get(url + "?page=2").get_data(as_text=True)


def test_the_draft_names_people_and_questions_beyond_the_forms_choices(app, alpha):
    """The draft's preview reuses the form's choices (active people, standing questions) and
    reads only what the record names beyond them: a deactivated attendee, a withdrawn question."""
    from portal.auth.models import UserStatus

    gone = factories.user(
        Role.FIRM_STAFF,
        firm=alpha.firm,
        email="gone@alpha.example.com",
        full_name="Gone Person",
        status=UserStatus.DEACTIVATED,
    )
    withdrawn = factories.question(
        alpha.meeting, alpha.admin, subject="Withdrawn one", withdrawn_at=utcnow()
    )
    factories._save(
        MeetingRecord(
            firm_id=alpha.meeting.firm_id,
            meeting_id=alpha.meeting.id,
            created_by_id=alpha.fda.id,
            summary="We met.",
            attendee_ids=[alpha.admin.id, gone.id, alpha.fda.id],
            question_ids=[alpha.question.id, withdrawn.id],
        )
    )
    other = ff.held_meeting(alpha.engagement, scheduled_by=alpha.fda)
    db.session.commit()
    fda = _client(app, alpha.fda)
    page = fda.get(_record_url(alpha)).get_data(as_text=True)
    preview = page[page.index('id="preview-heading"') : page.index('id="write-heading"')]
    for name in (alpha.admin.full_name, "Gone Person", alpha.fda.full_name):
        assert name in preview
    assert "Hold times" in preview and "Withdrawn one" in preview
    # Another meeting's page reads its own record (none yet): no preview.
    assert 'id="preview-heading"' not in fda.get(f"/meetings/{other.public_id}/record").text
