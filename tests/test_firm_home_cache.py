"""The firm's home page is kept per person until a write or the clock changes it (issue 15).

A kept page costs the request's own reads and its audit event, not the page's queries.
Every kind of write the page shows appears on the next view; a write to another firm
leaves the page kept and shows nothing of that firm; one person's page is never another's.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from portal.engagements.models import EngagementStatus
from portal.extensions import db
from portal.firm.models import PROGRAM_ROW, FirmVersion
from portal.program.settings import update_settings
from portal.quality.models import ActionStatus
from portal.questions.models import QuestionStatus
from portal.sites.models import Site
from tests import factories
from tests import factories_messages as fm
from tests.conftest import csrf_token_from, login_as
from tests.factories_feedback import engagement_with_people

#: The statements of a kept page: the person with their session record and the versions
#: (one read), and the view's audit event.
KEPT = 2


@pytest.fixture
def alpha(app):
    team = engagement_with_people("Alpha Pharmaceuticals")
    db.session.commit()
    return team


@pytest.fixture
def lead(app, alpha):
    client = app.test_client()
    login_as(client, alpha.admin)
    return client


def view(client, count_queries) -> tuple[str, int]:
    with count_queries() as counter:
        response = client.get("/firm")
        page = response.get_data(as_text=True)
    assert response.status_code == 200
    return page, counter.count


def kept(client, count_queries) -> str:
    """Views the page twice: the second is served from the kept copy."""
    view(client, count_queries)
    page, statements = view(client, count_queries)
    assert statements == KEPT, statements
    return page


def test_a_second_view_is_served_from_the_kept_page_with_its_own_audit_event(
    lead, alpha, count_queries
):
    from portal.audit.models import AuditEvent

    first, first_count = view(lead, count_queries)
    second, second_count = view(lead, count_queries)
    assert second_count == KEPT < first_count
    strip = re.compile(r'name="csrf_token" value="[^"]*"')
    assert strip.sub("", first) == strip.sub("", second)
    events = db.session.query(AuditEvent).filter_by(actor_id=alpha.admin.id).all()
    assert [event.action for event in events] == ["page.view", "page.view"]


def test_the_kept_page_carries_this_requests_csrf_token(lead, alpha, count_queries):
    page = kept(lead, count_queries)
    assert "csrf-placeholder" not in page
    response = lead.post("/logout", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert lead.get("/firm").status_code == 302  # signed out


def _message_from_fda(alpha):
    fm.message(alpha.engagement, alpha.fda, "FDA writes.")


def _meeting_scheduled(alpha):
    factories.meeting(alpha.engagement, starts_at=datetime(2031, 3, 4, 15, tzinfo=UTC))


def _question_answered(alpha):
    meeting = factories.meeting(alpha.engagement, starts_at=datetime(2031, 3, 4, 15, tzinfo=UTC))
    question = factories.question(meeting, alpha.admin, subject="Hold times for buffers")
    db.session.commit()
    return question


def _engagement_closed(alpha):
    alpha.engagement.status = EngagementStatus.CLOSED
    alpha.engagement.closed_at = datetime.now(UTC)


def _action_recorded(alpha):
    factories.quality_action(alpha.engagement, alpha.admin, description="Requalify the autoclave")


def _site_renamed(alpha):
    db.session.get(Site, alpha.engagement.site_id).legal_name = "Alpha Renamed Sterile Plant"


def _firm_renamed(alpha):
    alpha.firm.name = "Alpha Holdings"


def _person_renamed(alpha):
    alpha.admin.full_name = "Dana Renamed"


@pytest.mark.parametrize(
    ("write", "shows"),
    [
        (_message_from_fda, 'data-unread-threads="1"'),
        (_meeting_scheduled, "2031"),
        (_engagement_closed, "Closed"),
        (_action_recorded, "Requalify the autoclave"),
        (_site_renamed, "Alpha Renamed Sterile Plant"),
        (_firm_renamed, "Alpha Holdings"),
        (_person_renamed, "Dana Renamed"),
    ],
)
def test_each_kind_of_write_shows_on_the_next_view(lead, alpha, count_queries, write, shows):
    assert shows not in kept(lead, count_queries)
    write(alpha)
    db.session.commit()
    page, statements = view(lead, count_queries)
    assert shows in page
    assert statements > KEPT


def test_a_meeting_moved_and_a_question_answered_show_on_the_next_view(lead, alpha, count_queries):
    question = _question_answered(alpha)
    page = kept(lead, count_queries)
    assert "Hold times for buffers" in page and "Answered in writing" not in page
    question.status = QuestionStatus.ANSWERED_IN_WRITING
    question.meeting.starts_at = datetime(2032, 5, 6, 15, tzinfo=UTC)
    db.session.commit()
    page, _statements = view(lead, count_queries)
    assert "Answered in writing" in page and "2032" in page and "2031" not in page


def test_a_feedback_request_shows_on_the_next_view(lead, alpha, count_queries):
    from tests import factories_feedback as ff

    held = ff.held_meeting(alpha.engagement)
    db.session.commit()
    assert "Not answered" not in kept(lead, count_queries)
    ff.survey(held, factories.survey_template())
    db.session.commit()
    assert "Not answered" in view(lead, count_queries)[0]


def test_a_bulk_update_through_the_session_shows_on_the_next_view(lead, alpha, count_queries):
    kept(lead, count_queries)
    db.session.execute(
        update(Site).where(Site.id == alpha.engagement.site_id).values(legal_name="Bulk Name")
    )
    db.session.commit()
    assert "Bulk Name" in view(lead, count_queries)[0]


def test_a_program_setting_moves_the_deadline_on_the_next_view(lead, alpha, count_queries):
    factories.meeting(alpha.engagement, starts_at=datetime.now(UTC) + timedelta(days=40))
    db.session.commit()
    page = kept(lead, count_queries)
    assert "25 days" in page or "26 days" in page
    update_settings({"question_deadline_days": 20}, by_user=alpha.fda)
    db.session.commit()
    page, _statements = view(lead, count_queries)
    assert "19 days" in page or "20 days" in page


def test_a_write_to_another_firm_keeps_the_page_and_shows_nothing_of_it(
    app, lead, alpha, count_queries
):
    bravo = engagement_with_people("Bravo Laboratories")
    db.session.commit()
    kept(lead, count_queries)
    fm.message(bravo.engagement, bravo.fda, "FDA writes to Bravo.")
    factories.quality_action(bravo.engagement, bravo.admin, description="Bravo action ninety")
    bravo.firm.name = "Bravo Renamed"
    db.session.commit()
    page, statements = view(lead, count_queries)
    assert statements == KEPT
    assert "Bravo" not in page
    # Bravo's lead sees Bravo's page, not Alpha's kept one.
    other = app.test_client()
    login_as(other, bravo.admin)
    bravo_page = other.get("/firm").get_data(as_text=True)
    assert "Bravo action ninety" in bravo_page and "Alpha" not in bravo_page


def test_colleagues_never_get_each_others_page(app, lead, alpha, count_queries):
    kept(lead, count_queries)
    colleague = app.test_client()
    login_as(colleague, alpha.staff[0])
    page = colleague.get("/firm").get_data(as_text=True)
    assert alpha.staff[0].full_name in page and alpha.admin.full_name not in page
    assert alpha.admin.full_name in view(lead, count_queries)[0]


def test_each_write_bumps_only_its_firms_version_and_the_program_row(app, alpha):
    bravo = engagement_with_people("Bravo Laboratories")
    db.session.commit()

    def counters():
        db.session.expire_all()
        return {row.firm_id: row.counter for row in db.session.query(FirmVersion)}

    before = counters()
    factories.quality_action(alpha.engagement, alpha.admin)
    db.session.commit()
    after = counters()
    assert after[alpha.firm.id] == before[alpha.firm.id] + 1
    assert after[bravo.firm.id] == before[bravo.firm.id]
    assert after[PROGRAM_ROW] == before[PROGRAM_ROW]
    # A row no firm owns (a site not yet any firm's) may show on any firm's page.
    factories.site()
    db.session.commit()
    assert counters()[PROGRAM_ROW] == after[PROGRAM_ROW] + 1


def test_the_time_left_and_overdue_actions_follow_the_clock(
    app, alpha, count_queries, time_machine
):
    start = datetime(2030, 1, 2, 8, 30, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    # Questions close 14 days before the meeting: on 2030-01-05 at 15:00 UTC.
    factories.meeting(alpha.engagement, starts_at=datetime(2030, 1, 19, 15, tzinfo=UTC))
    factories.quality_action(
        alpha.engagement,
        alpha.admin,
        target_date=datetime(2030, 1, 3).date(),
        status=ActionStatus.IN_PROGRESS,
    )
    db.session.commit()
    lead = app.test_client()
    login_as(lead, alpha.admin)
    page = kept(lead, count_queries)
    assert "(3 days, 6 hours left)" in page and "overdue-row" not in page

    time_machine.move_to(start + timedelta(minutes=10), tick=False)
    assert "(3 days, 6 hours left)" in kept(lead, count_queries)
    time_machine.move_to(start + timedelta(hours=1), tick=False)
    login_as(lead, alpha.admin)
    assert "(3 days, 5 hours left)" in view(lead, count_queries)[0]

    time_machine.move_to(datetime(2030, 1, 5, 14, 58, 30, tzinfo=UTC), tick=False)
    login_as(lead, alpha.admin)
    page = kept(lead, count_queries)
    assert "(1 minute left)" in page and "overdue-row" in page
    time_machine.move_to(datetime(2030, 1, 5, 14, 59, 30, tzinfo=UTC), tick=False)
    assert "(less than a minute left)" in view(lead, count_queries)[0]
    time_machine.move_to(datetime(2030, 1, 5, 15, 0, tzinfo=UTC), tick=False)
    assert "Closed at" in view(lead, count_queries)[0]


def test_the_store_keeps_one_page_per_person_and_drops_the_least_recently_viewed(monkeypatch):
    from portal.firm import home_cache

    monkeypatch.setattr(home_cache, "MAX_ENTRIES", 2)
    store = home_cache.PageCache()
    now = datetime(2030, 1, 1, tzinfo=UTC)
    store.put(1, ("v1",), "one at v1", None)
    store.put(1, ("v2",), "one at v2", now + timedelta(minutes=1))
    assert store.get(1, ("v1",), now) is None  # replaced, and a stale key drops the entry
    store.put(1, ("v2",), "one at v2", now + timedelta(minutes=1))
    assert store.get(1, ("v2",), now) == "one at v2"
    assert store.get(1, ("v2",), now + timedelta(minutes=1)) is None  # expired
    store.put(1, ("v2",), "one", None)
    store.put(2, ("v2",), "two", None)
    store.get(1, ("v2",), now)
    store.put(3, ("v2",), "three", None)
    assert store.get(2, ("v2",), now) is None  # the least recently viewed went
    assert store.get(1, ("v2",), now) == "one" and store.get(3, ("v2",), now) == "three"
