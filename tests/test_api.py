"""The read-only API for FDA information systems: tokens, refusals, paging, filters, audit."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.api.models import ApiToken
from portal.audit.models import AuditEvent
from portal.extensions import db
from tests import factories, factories_metrics
from tests.conftest import login_as
from tests.factories_metrics import NOW, at


@pytest.fixture
def token(app, fda_admin):
    _, plain = factories.api_token(fda_admin)
    db.session.commit()
    return plain


def bearer(plain: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plain}"}


def get(app, path: str, plain: str):
    return app.test_client().get(path, headers=bearer(plain))


def audit_events(prefix: str) -> list[AuditEvent]:
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    return [e for e in events if e.action.startswith(prefix)]


# --- tokens --------------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_stored_only_as_a_hash(app, sign_in, fda_admin, no_csrf):
    client = sign_in(fda_admin)
    page = client.post("/admin/api-tokens/new", data={"name": "Data warehouse"}).get_data(
        as_text=True
    )
    record = db.session.scalars(select(ApiToken)).one()
    shown = page.split('id="api-token">')[1].split("<")[0]
    assert record.token_hash == hashlib.sha256(shown.encode()).hexdigest()
    assert record.prefix == shown[:8] and record.scope == "read"
    assert shown not in client.get("/admin/api-tokens").get_data(as_text=True)
    issued = audit_events("api_token.issue")
    assert len(issued) == 1 and shown not in issued[0].detail
    assert issued[0].object_id == str(record.public_id)
    assert get(app, "/api/v1/sites", shown).status_code == 200


def test_a_token_needs_a_name(app, sign_in, fda_admin, no_csrf):
    response = sign_in(fda_admin).post("/admin/api-tokens/new", data={"name": "  "})
    assert "Name the system that will use the token." in response.get_data(as_text=True)
    assert db.session.scalars(select(ApiToken)).all() == []


def test_revoking_asks_first_then_the_api_refuses_the_token(
    app, sign_in, fda_admin, token, no_csrf
):
    record = db.session.scalars(select(ApiToken)).one()
    client = sign_in(fda_admin)
    url = f"/admin/api-tokens/{record.public_id}/revoke"
    confirm = client.get(url).get_data(as_text=True)
    assert "Revoke the token for FDA data warehouse?" in confirm
    db.session.refresh(record)
    assert record.revoked_at is None
    assert client.post(url).status_code == 302
    db.session.refresh(record)
    assert record.revoked_at is not None and record.revoked_by_id == fda_admin.id
    assert len(audit_events("api_token.revoke")) == 1
    refused = get(app, "/api/v1/sites", token)
    assert refused.status_code == 401 and refused.json["error"] == "unauthorized"
    assert "already revoked" in client.get(url).get_data(as_text=True)


def test_only_the_program_manager_manages_tokens(app, sign_in, fda_staff, firm_admin, token):
    record = db.session.scalars(select(ApiToken)).one()
    staff = sign_in(fda_staff)
    assert staff.get("/admin/api-tokens").status_code == 403
    assert staff.post(f"/admin/api-tokens/{record.public_id}/revoke").status_code in (400, 403)
    assert sign_in(firm_admin).get("/admin/api-tokens").status_code == 404


# --- who may read ---------------------------------------------------------------------------------


def test_requests_without_a_live_token_are_refused(app, fda_admin, firm_admin, token, time_machine):
    client = app.test_client()
    none = client.get("/api/v1/engagements")
    assert none.status_code == 401 and none.headers["WWW-Authenticate"].startswith("Bearer")
    assert none.json["error"] == "unauthorized"
    for header in (
        "Bearer " + "x" * 43,
        "Basic " + token,
        token,
        "Bearer " + token[:-1] + ("A" if token[-1] != "A" else "B"),
    ):
        assert (
            client.get("/api/v1/engagements", headers={"Authorization": header}).status_code == 401
        )
    for person in (fda_admin, firm_admin):
        session = app.test_client()
        login_as(session, person)
        assert session.get("/api/v1/engagements").status_code == 401
        assert session.get("/api/v1/openapi.json").status_code == 401


def test_the_last_use_is_recorded_and_each_read_audited(app, token, time_machine):
    time_machine.move_to(NOW, tick=False)
    record = db.session.scalars(select(ApiToken)).one()
    assert record.last_used_at is None
    assert get(app, "/api/v1/quality-actions?limit=3", token).status_code == 200
    db.session.refresh(record)
    assert record.last_used_at == NOW
    (event,) = audit_events("api.")
    assert event.action == "api.quality-actions.list"
    assert event.object_id == str(record.public_id)
    assert "FDA data warehouse" in event.detail and "limit=3" in event.detail


# --- paging and filters ---------------------------------------------------------------------------


def _all_pages(app, token, path: str, limit: int, between_pages=None) -> list[dict]:
    seen, cursor, pages = [], None, 0
    while True:
        query = f"limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        body = get(app, f"{path}?{query}", token).json
        seen += body["data"]
        pages += 1
        cursor = body["next_cursor"]
        if between_pages and pages == 1:
            between_pages()
        if cursor is None:
            return seen


def test_cursor_paging_is_complete_and_stable(app, token, time_machine):
    time_machine.move_to(NOW, tick=True)
    created = [factories.site() for _ in range(23)]
    db.session.commit()
    late = []

    def meanwhile():
        late.append(factories.site())  # added after the first page
        created[0].legal_name = "Renamed"  # already seen: it moves to the end
        db.session.commit()

    seen = _all_pages(app, token, "/api/v1/sites", 5, meanwhile)
    ids = [item["id"] for item in seen]
    everyone = {str(s.public_id) for s in created + late}
    assert set(ids) == everyone
    unchanged = [i for i in ids if i != str(created[0].public_id)]
    assert len(unchanged) == len(set(unchanged)) == 23  # each seen exactly once
    # The new site and the changed one come last.
    assert set(ids[-2:]) == {str(late[0].public_id), str(created[0].public_id)}


def test_a_cursor_works_only_for_its_own_list(app, token):
    for _ in range(3):
        factories.site()
    db.session.commit()
    cursor = get(app, "/api/v1/sites?limit=1", token).json["next_cursor"]
    assert cursor
    refused = get(app, f"/api/v1/meetings?cursor={cursor}", token)
    assert refused.status_code == 400 and refused.json["parameter"] == "cursor"


def test_updated_since_returns_what_changed_from_that_moment(app, token, time_machine, firm_a):
    time_machine.move_to(at(2025, 1, 1, 12), tick=False)
    old = factories.site()
    engagement = factories.engagement(firm_a)
    db.session.commit()
    time_machine.move_to(at(2025, 3, 1, 12), tick=False)
    new = factories.site()
    # An action recorded on the engaged site changes the engagement's regulatory flag.
    factories.regulatory_action(engagement.site, action_date=date(2025, 3, 1))
    db.session.commit()
    since = "2025-02-01T00:00:00-05:00"
    sites = {s["id"] for s in get(app, f"/api/v1/sites?updated_since={since}", token).json["data"]}
    assert str(new.public_id) in sites and str(old.public_id) not in sites
    assert str(engagement.site.public_id) in sites  # its eligibility changed with the action
    (flagged,) = get(app, f"/api/v1/engagements?updated_since={since}", token).json["data"]
    assert flagged["id"] == str(engagement.public_id) and flagged["regulatory_flag"] is True
    assert flagged["updated_at"] == "2025-03-01T12:00:00+00:00"
    exact = get(app, "/api/v1/sites?updated_since=2025-03-01T12:00:00Z", token).json["data"]
    assert str(new.public_id) in {s["id"] for s in exact}  # "at or after"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("/sites?limit=0", "limit"),
        ("/sites?limit=201", "limit"),
        ("/sites?limit=ten", "limit"),
        ("/sites?updated_since=2024-10-01", "updated_since"),
        ("/sites?updated_since=2024-10-01T00:00:00", "updated_since"),
        ("/sites?updated_since=yesterday", "updated_since"),
        ("/sites?updated_since=0001-01-01T00:00:00%2B14:00", "updated_since"),
        ("/sites?cursor=not-a-cursor", "cursor"),
        ("/questions?include_bodies=maybe", "include_bodies"),
        ("/metrics?fiscal_year=nineteen", "fiscal_year"),
        ("/metrics?date_from=2024-01-01", "date_from"),
    ],
)
def test_wrong_parameters_get_a_json_400_naming_them(app, token, query, parameter):
    response = get(app, f"/api/v1{query}", token)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.json["parameter"] == parameter
    assert parameter in response.json["message"]


def test_unknown_api_paths_and_methods_answer_in_json(app, token):
    client = app.test_client()
    missing = client.get("/api/v1/firms", headers=bearer(token))
    assert missing.status_code == 404 and missing.json["error"] == "not_found"
    posted = client.post("/api/v1/sites", headers=bearer(token))
    assert posted.status_code == 405 and posted.json["error"] == "method_not_allowed"
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


# --- what the records say -------------------------------------------------------------------


def _ids_are_public(value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "id" or key.endswith("_id"):
                assert item is None or uuid.UUID(item), (key, item)
            _ids_are_public(item)
    elif isinstance(value, list):
        for item in value:
            _ids_are_public(item)


@pytest.mark.parametrize(
    "path",
    ["sites", "engagements", "meetings", "questions", "feedback-summaries", "quality-actions"],
)
def test_only_public_ids_appear(app, world, token, path):
    body = get(app, f"/api/v1/{path}", token).json
    assert body["data"]
    _ids_are_public(body)


def test_question_bodies_only_when_asked(app, world, token):
    plain = get(app, "/api/v1/questions", token).json["data"]
    assert plain and all("body_html" not in q for q in plain)
    full = get(app, "/api/v1/questions?include_bodies=true", token).json["data"]
    assert full[0]["body_html"].startswith("<p>") and "response_html" in full[0]


def test_the_metrics_are_the_dashboards(app, token, time_machine):
    time_machine.move_to(NOW, tick=False)
    factories_metrics.build()
    db.session.commit()
    body = get(app, "/api/v1/metrics?fiscal_year=2025", token).json
    assert body["period"] == {
        "first_day": "2024-10-01",
        "last_day": "2025-09-30",
        "fiscal_year": 2025,
        "timezone": "America/New_York",
    }
    assert body["participation"]["invited"] == 5
    assert body["participation"]["rates"]["accepted_of_invited"] == 20.0
    assert body["engagement"]["on_time_share"] == 66.7
    assert body["engagement"]["median_days_to_answer"] == 10.0
    # Feedback counts in the year of its meeting, as on the dashboard (issue 11).
    assert body["feedback"]["response_rate"] == 100.0
    assert body["feedback"]["ratings"][0]["distribution"] == [0, 1, 0, 1, 1]
    assert body["quality"]["median_days_to_verify"] == 20.0
    ranged = get(app, "/api/v1/metrics?date_from=2024-09-30&date_to=2024-10-01", token).json
    assert ranged["participation"]["contacted"] == 2 and ranged["period"]["fiscal_year"] is None


def test_feedback_summaries_per_survey(app, token, time_machine):
    time_machine.move_to(NOW, tick=False)
    history = factories_metrics.build()
    db.session.commit()
    summaries = get(app, "/api/v1/feedback-summaries", token).json["data"]
    first_meeting = str(history.meetings[0].public_id)
    (summary,) = [s for s in summaries if s["meeting_id"] == first_meeting]
    # Asked: two active users and one who answered, then left the firm.
    assert (summary["people_asked"], summary["responses"], summary["response_rate"]) == (
        3,
        2,
        66.7,
    )
    assert summary["ratings"] == [
        {
            "question": "How clear were FDA's expectations?",
            "answers": 2,
            "mean": 4.0,
            "distribution": [0, 0, 1, 0, 1],
        }
    ]


@pytest.mark.parametrize("path", ["engagements", "feedback-summaries", "questions", "sites"])
def test_each_request_issues_a_fixed_number_of_queries(
    app, token, count_queries, time_machine, path
):
    time_machine.move_to(NOW, tick=False)
    counts = []
    for size in (1, 30):
        factories_metrics.add_volume(size, at(2025, 2, 1, 15) + timedelta(days=size))
        db.session.commit()
        with count_queries() as counter:
            body = get(app, f"/api/v1/{path}?limit=100", token).json
        counts.append(counter.count)
    assert len(body["data"]) >= 31
    assert counts[0] == counts[1], counts


def test_timestamps_are_utc_iso_8601(app, world, token):
    meeting = get(app, "/api/v1/meetings", token).json["data"][0]
    parsed = datetime.fromisoformat(meeting["starts_at"])
    assert parsed.utcoffset() == timedelta(0) and parsed.tzinfo is not None
    assert datetime.fromisoformat(meeting["updated_at"]).tzinfo == UTC
