"""Engagement messages (SPEC 14): both sides post and read, newest last, unread per person."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.messages.models import EngagementMessage, MessageReadMarker
from portal.timeutil import utcnow
from tests import factories_feedback as ff
from tests import factories_messages as fm
from tests.conftest import csrf_token_from, login_as


@pytest.fixture
def alpha(app):
    people = ff.engagement_with_people()
    db.session.commit()
    return people


def _thread_url(people, side: str) -> str:
    prefix = "/firm" if side == "firm" else ""
    return f"{prefix}/engagements/{people.engagement.public_id}/messages"


def _post(client, url: str, body: str, action: str | None = None):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(action or url, data={"body": body, "csrf_token": token})


def _client(app, user):
    client = app.test_client()
    login_as(client, user)
    return client


def test_the_firm_writes_fda_reads_and_answers_and_the_firm_reads_it(app, alpha):
    firm, fda = _client(app, alpha.admin), _client(app, alpha.fda)

    response = _post(firm, _thread_url(alpha, "firm"), "Could we discuss **aseptic** filling?")
    assert response.status_code == 302
    page = fda.get(_thread_url(alpha, "fda")).get_data(as_text=True)
    assert "Could we discuss <strong>aseptic</strong> filling?" in page
    assert "Alpha Pharmaceuticals Lead" in page

    assert _post(fda, _thread_url(alpha, "fda"), "Yes, at the next meeting.").status_code == 302
    page = firm.get(_thread_url(alpha, "firm")).get_data(as_text=True)
    assert page.index("aseptic") < page.index("Yes, at the next meeting.")  # newest last
    assert db.session.scalar(select(func.count()).select_from(EngagementMessage)) == 2


def test_text_goes_through_the_one_sanitizer(app, alpha):
    firm = _client(app, alpha.admin)
    _post(firm, _thread_url(alpha, "firm"), "<script>alert(1)</script> [x](javascript:alert(2))")
    page = firm.get(_thread_url(alpha, "firm")).get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert 'href="javascript:' not in page


def test_posting_needs_the_csrf_token(app, alpha):
    firm = _client(app, alpha.admin)
    response = firm.post(_thread_url(alpha, "firm"), data={"body": "No token"})
    # Refused; the text is kept as a draft and the person sent back to the form.
    assert response.status_code == 302
    assert "No token" in firm.get(response.location).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(EngagementMessage)) == 0


@pytest.mark.parametrize("body", ["", "   ", "x" * 8001])
def test_an_empty_or_overlong_message_is_refused_beside_the_field(app, alpha, body):
    firm = _client(app, alpha.admin)
    response = _post(firm, _thread_url(alpha, "firm"), body)
    assert response.status_code == 200
    assert 'id="body-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(EngagementMessage)) == 0


def test_a_closed_engagement_is_read_but_not_written(app, alpha):
    from portal.engagements.models import EngagementStatus
    from portal.messages import services

    alpha.engagement.status = EngagementStatus.CLOSED
    db.session.commit()
    with pytest.raises(services.MessageError):
        services.post_message(alpha.engagement, "Late", by=alpha.admin)
    page = _client(app, alpha.admin).get(_thread_url(alpha, "firm")).get_data(as_text=True)
    assert "can be read but not added to" in page
    assert 'name="body"' not in page


def test_another_firm_gets_404_reading_or_writing(app, alpha):
    bravo = ff.engagement_with_people("Bravo Laboratories")
    db.session.commit()
    intruder = _client(app, bravo.admin)
    assert intruder.get(_thread_url(alpha, "firm")).status_code == 404
    own = intruder.get(_thread_url(bravo, "firm")).get_data(as_text=True)
    token = csrf_token_from(own)
    response = intruder.post(_thread_url(alpha, "firm"), data={"body": "Hi", "csrf_token": token})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(EngagementMessage)) == 0
    # A firm user never reaches FDA's page of a thread, its own firm's included.
    assert _client(app, alpha.admin).get(_thread_url(alpha, "fda")).status_code == 404


def test_the_thread_opens_on_its_newest_page_and_pages_back(app, alpha):
    start = utcnow() - timedelta(hours=2)
    for n in range(45):
        fm.message(
            alpha.engagement, alpha.admin, f"Message number {n:02d}.", start + timedelta(minutes=n)
        )
    db.session.commit()
    fda = _client(app, alpha.fda)
    newest = fda.get(_thread_url(alpha, "fda")).get_data(as_text=True)
    assert "Message number 44." in newest and "Message number 00." not in newest
    assert "Page 3 of 3" in newest
    oldest = fda.get(_thread_url(alpha, "fda") + "?page=1").get_data(as_text=True)
    assert "Message number 00." in oldest and "Message number 44." not in oldest
    past_the_end = fda.get(_thread_url(alpha, "fda") + "?page=99999999999999999999")
    assert "Message number 44." in past_the_end.get_data(as_text=True)
    nonsense = fda.get(_thread_url(alpha, "fda") + "?page=%C2%B2")
    assert "Message number 00." in nonsense.get_data(as_text=True)


def test_an_empty_thread_says_so(app, alpha):
    page = _client(app, alpha.admin).get(_thread_url(alpha, "firm")).get_data(as_text=True)
    assert "No messages yet" in page
    page = _client(app, alpha.fda).get(_thread_url(alpha, "fda")).get_data(as_text=True)
    assert "No messages yet" in page and "No internal notes" in page


def _header_count(page: str) -> int:
    found = re.search(r'data-unread-threads="(\d+)"', page)
    return int(found.group(1)) if found else 0


def test_unread_threads_are_counted_per_person_in_the_header_and_on_the_work_list(app, alpha):
    second = ff.engagement_with_people("Bravo Laboratories")
    db.session.commit()
    lead, colleague = _client(app, alpha.admin), _client(app, alpha.staff[0])
    fda = _client(app, alpha.fda)
    _post(fda, _thread_url(alpha, "fda"), "FDA writes to Alpha.")
    fm.message(second.engagement, second.admin, "Bravo writes to FDA.")
    db.session.commit()

    assert _header_count(lead.get("/firm").get_data(as_text=True)) == 1
    assert _header_count(colleague.get("/firm").get_data(as_text=True)) == 1
    # The author has read their own message; Bravo's thread is unread for FDA.
    worklist = fda.get("/work").get_data(as_text=True)
    assert _header_count(worklist) == 1
    assert "Unread message threads (1)" in worklist

    lead.get(_thread_url(alpha, "firm"))
    assert _header_count(lead.get("/firm").get_data(as_text=True)) == 0
    assert _header_count(colleague.get("/firm").get_data(as_text=True)) == 1  # still theirs
    fda.get(_thread_url(second, "fda"))
    worklist = fda.get("/work").get_data(as_text=True)
    assert _header_count(worklist) == 0 and "Unread message threads (0)" in worklist

    # Bravo's users are not told of Alpha's thread.
    assert _header_count(_client(app, second.admin).get("/firm").get_data(as_text=True)) == 0


def test_a_new_message_marks_the_thread_unread_again_and_is_flagged_new(app, alpha):
    lead = _client(app, alpha.admin)
    fm.message(alpha.engagement, alpha.fda, "First.", utcnow() - timedelta(minutes=5))
    db.session.commit()
    lead.get(_thread_url(alpha, "firm"))
    fm.message(alpha.engagement, alpha.fda, "Second.")
    db.session.commit()
    assert _header_count(lead.get("/firm").get_data(as_text=True)) == 1
    page = lead.get(_thread_url(alpha, "firm")).get_data(as_text=True)
    assert page.count("message--new") == 1
    assert page.index("message--new") > page.index("First.")


def test_a_read_marker_only_moves_forward_and_stays_one_row(app, alpha):
    from portal.messages import services

    later, earlier = utcnow(), utcnow() - timedelta(days=1)
    services.mark_read(alpha.engagement, alpha.admin, at=later)
    services.mark_read(alpha.engagement, alpha.admin, at=earlier)
    db.session.commit()
    markers = db.session.scalars(select(MessageReadMarker)).all()
    assert len(markers) == 1 and markers[0].read_at == later.replace(microsecond=later.microsecond)


def test_thread_lists_show_each_engagement_and_its_unread(app, alpha):
    fm.message(alpha.engagement, alpha.fda, "Hello Alpha.")
    db.session.commit()
    firm_list = _client(app, alpha.admin).get("/firm/messages").get_data(as_text=True)
    assert alpha.engagement.site.legal_name in firm_list and "<strong>1</strong>" in firm_list
    fda_list = _client(app, alpha.fda).get("/messages").get_data(as_text=True)
    assert alpha.engagement.site.legal_name in fda_list and "Alpha Pharmaceuticals" in fda_list


def test_the_engagement_pages_link_to_the_thread(app, alpha):
    fm.message(alpha.engagement, alpha.fda, "Hello.")
    db.session.commit()
    page = _client(app, alpha.admin).get(f"/firm/engagements/{alpha.engagement.public_id}")
    assert _thread_url(alpha, "firm") in page.get_data(as_text=True)
    page = _client(app, alpha.fda).get(f"/engagements/{alpha.engagement.public_id}")
    assert _thread_url(alpha, "fda") in page.get_data(as_text=True)


def test_pages_issue_the_same_queries_with_1_or_10_times_the_messages(app, alpha, count_queries):
    lead, fda = _client(app, alpha.admin), _client(app, alpha.fda)
    pages = {
        lead: [
            _thread_url(alpha, "firm"),
            "/firm/messages",
            "/firm",
            f"/firm/engagements/{alpha.engagement.public_id}",
        ],
        fda: [
            _thread_url(alpha, "fda"),
            "/messages",
            "/work",
            f"/engagements/{alpha.engagement.public_id}",
        ],
    }

    def counts():
        found = {}
        for client, urls in pages.items():
            for url in urls:
                client.get(url)
                with count_queries() as counter:
                    assert client.get(url).status_code == 200, url
                found[url] = counter.count
        return found

    def add(n):
        for i in range(n):
            fm.message(alpha.engagement, alpha.admin if i % 2 else alpha.fda, f"Message {i}")
            fm.note(alpha.engagement, alpha.fda, f"Note {i}")
        db.session.commit()

    add(3)
    once = counts()
    add(27)
    assert counts() == once
