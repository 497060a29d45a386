"""Every API list pages by keyset on an index: complete, stable, cheap at any depth.

Walking all pages of a list sees each record exactly once, records written during
the walk come after it, a cursor the list did not give out is a 400 naming the
parameter, and the statement that picks a page reads its (moment, public_id)
index from the cursor on, with no sort of the whole table.
"""

from __future__ import annotations

import uuid

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import event, select, text

from portal.auth.models import Firm
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.feedback.models import MeetingSurvey
from portal.meetings.models import Meeting
from portal.quality.models import QualityAction
from portal.questions.models import Question
from portal.sites.models import Site
from tests import factories, factories_metrics
from tests.factories_metrics import at

LISTS = {
    "sites": (Site, "ix_site_changed_at_public_id"),
    "engagements": (Engagement, "ix_engagement_changed_at_public_id"),
    "meetings": (Meeting, "ix_meeting_updated_at_public_id"),
    "questions": (Question, "ix_question_updated_at_public_id"),
    "quality-actions": (QualityAction, "ix_quality_action_updated_at_public_id"),
    "feedback-summaries": (MeetingSurvey, "ix_meeting_survey_changed_at_public_id"),
}


@pytest.fixture
def token(app, fda_admin):
    _record, plain = factories.api_token(fda_admin)
    db.session.commit()
    return plain


def get(app, path: str, token: str):
    return app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})


def walk(app, token: str, resource: str, between_pages=None) -> list[str]:
    seen, cursor = [], None
    while True:
        query = f"/api/v1/{resource}?limit=2" + (f"&cursor={cursor}" if cursor else "")
        response = get(app, query, token)
        assert response.status_code == 200, response.json
        seen += [record["id"] for record in response.json["data"]]
        cursor = response.json["next_cursor"]
        if between_pages is not None:
            between_pages()
            between_pages = None
        if cursor is None:
            return seen


def public_ids(model) -> set[str]:
    return {str(value) for value in db.session.scalars(select(model.public_id))}


@pytest.mark.parametrize("resource", LISTS)
def test_walking_every_page_sees_each_record_once_and_later_writes_at_the_end(
    app, token, time_machine, resource
):
    model, _index = LISTS[resource]
    time_machine.move_to(at(2025, 2, 1, 12), tick=False)
    factories_metrics.add_volume(7, at(2025, 1, 15, 12))
    db.session.commit()
    before = public_ids(model)
    assert len(before) >= 7

    def meanwhile():
        # Written after the first page, at a later moment: the walk must still reach them.
        time_machine.move_to(at(2025, 2, 2, 12), tick=False)
        factories_metrics.add_volume(2, at(2025, 1, 20, 12))
        db.session.commit()

    seen = walk(app, token, resource, meanwhile)
    after = public_ids(model)
    assert len(seen) == len(set(seen)), "a record was listed twice"
    assert set(seen) == after
    assert len(after) > len(before)
    assert set(seen[-len(after - before) :]) == after - before


def test_a_site_action_moves_an_engagement_even_one_opened_after_it(
    app, token, time_machine, firm_a
):
    """The engagement's key is the later of its own change and its site's actions', kept by
    triggers whatever the order the rows were written in."""
    time_machine.move_to(at(2025, 1, 1, 12), tick=False)
    site = factories.site()
    factories.regulatory_action(site)
    db.session.commit()
    # An engagement written with an older moment than the action already on its site.
    time_machine.move_to(at(2024, 6, 1, 12), tick=False)
    engagement = factories.engagement(firm_a, site=site)
    db.session.commit()
    moments = {
        record["id"]: record["updated_at"]
        for record in get(app, "/api/v1/engagements", token).json["data"]
    }
    assert moments[str(engagement.public_id)] == "2025-01-01T12:00:00+00:00"
    time_machine.move_to(at(2025, 3, 1, 12), tick=False)
    factories.regulatory_action(site, action_date=at(2025, 3, 1, 12).date())
    db.session.commit()
    (moved,) = get(app, "/api/v1/engagements?updated_since=2025-02-01T00:00:00Z", token).json[
        "data"
    ]
    assert (moved["id"], moved["updated_at"]) == (
        str(engagement.public_id),
        "2025-03-01T12:00:00+00:00",
    )


def test_a_new_response_moves_its_feedback_summary(app, token, time_machine):
    time_machine.move_to(at(2025, 2, 1, 12), tick=False)
    factories_metrics.add_volume(2, at(2025, 1, 15, 12))
    db.session.commit()
    survey = db.session.scalars(select(MeetingSurvey).order_by(MeetingSurvey.id)).first()
    time_machine.move_to(at(2025, 2, 10, 12), tick=False)
    colleague = factories.user(firm=db.session.get(Firm, survey.firm_id))
    factories.feedback_response(survey, colleague, rating=5)
    db.session.commit()
    (moved,) = get(
        app, "/api/v1/feedback-summaries?updated_since=2025-02-05T00:00:00Z", token
    ).json["data"]
    assert moved["id"] == str(survey.public_id)
    assert moved["updated_at"] == "2025-02-10T12:00:00+00:00"


def signed(app, resource: str, payload) -> str:
    """A cursor signed with the portal's key but holding something the portal never issues."""
    return URLSafeSerializer(app.config["SECRET_KEY"], salt=f"api-cursor:{resource}").dumps(payload)


@pytest.mark.parametrize("resource", LISTS)
def test_a_cursor_the_list_did_not_give_out_is_a_400_naming_it(app, token, resource):
    other = "meetings" if resource != "meetings" else "sites"
    refused = [
        "not-a-cursor",
        "",
        "é" * 40,
        "x" * 5000,
        signed(app, other, ["2025-01-01T12:00:00+00:00", str(uuid.uuid4())]),
        signed(app, resource, "2025-01-01T12:00:00+00:00"),
        signed(app, resource, ["2025-01-01T12:00:00+00:00"]),
        signed(app, resource, ["yesterday", str(uuid.uuid4())]),
        signed(app, resource, ["2025-01-01T12:00:00+00:00", "not-a-uuid"]),
        signed(app, resource, ["2025-01-01T12:00:00", str(uuid.uuid4())]),  # no offset
        signed(app, resource, [None, None]),
        signed(app, resource, {"at": 1}),
    ]
    for cursor in refused:
        response = get(app, f"/api/v1/{resource}?cursor={cursor}", token)
        assert response.status_code == 400, (cursor[:40], response.status_code)
        assert response.json["parameter"] == "cursor"
        assert "next_cursor" in response.json["message"]


@pytest.mark.parametrize("resource", LISTS)
def test_a_page_deep_in_the_list_is_an_index_range_read(app, token, time_machine, resource):
    model, index = LISTS[resource]
    time_machine.move_to(at(2025, 2, 1, 12), tick=True)
    factories_metrics.add_volume(6, at(2025, 1, 15, 12))
    db.session.commit()
    first = get(app, f"/api/v1/{resource}?limit=3", token).json
    assert first["next_cursor"]

    captured = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if "ORDER BY" in statement and "LIMIT" in statement:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        deep = get(app, f"/api/v1/{resource}?limit=3&cursor={first['next_cursor']}", token)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert deep.status_code == 200 and deep.json["data"]
    (statement, parameters), *_ = captured  # the keys of the page come first

    postgresql = db.engine.dialect.name == "postgresql"
    connection = db.session.connection()
    if postgresql:
        # A small table is cheaper to sort than to walk in order: make the planner show
        # whether the index *can* give the order (with a computed key it could not).
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            connection.execute(text(f"SET LOCAL {setting} = off"))
    prefix = "EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN "
    plan = connection.exec_driver_sql(prefix + statement, parameters).fetchall()
    plan_text = "\n".join(str(row[0] if postgresql else row[-1]) for row in plan)
    assert index in plan_text, plan_text
    assert ("Sort" if postgresql else "TEMP B-TREE") not in plan_text, plan_text
    assert model.__tablename__ in statement
    db.session.rollback()
