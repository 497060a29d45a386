"""CSV exports: the dashboard's tables and the records, streamed, neutralized, audited."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from tests import factories, factories_metrics
from tests.factories_metrics import NOW, at


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def audit_actions() -> list[tuple[str, str]]:
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    return [(e.action, e.detail) for e in events if e.action.startswith("export.")]


def test_a_measure_export_holds_the_dashboards_figures(history, sign_in, fda_staff):
    client = sign_in(fda_staff)
    rows = read_csv(client.get("/exports/measures/participation.csv?fiscal_year=2025"))
    by_step = {row["Step"]: row for row in rows}
    assert (
        by_step["Called by phone (any outcome)"]["Sites"] == "4"
    )  # label was "Contacted by phone"
    assert by_step["Reached by phone (spoke with the site)"]["Sites"] == "3"
    assert by_step["Accepted"]["Rate"] == "20.0"
    assert by_step["Identified eligible (today)"]["Rate"] == ""
    assert {row["period"] for row in rows} == {"Fiscal year 2025 (1 Oct 2024 to 30 Sep 2025)"}
    ratings = read_csv(client.get("/exports/measures/ratings.csv?fiscal_year=2024"))
    assert ratings[0]["Mean"] == "4.0" and ratings[0]["5"] == "1"


def test_every_export_is_audited_with_its_period(history, sign_in, fda_staff):
    client = sign_in(fda_staff)
    client.get("/exports/measures/quality.csv?fiscal_year=2024").get_data()
    client.get("/exports/records/meetings.csv?date_from=2024-09-30&date_to=2024-10-01").get_data()
    assert audit_actions() == [
        ("export.quality", "quality: Fiscal year 2024 (1 Oct 2023 to 30 Sep 2024)"),
        ("export.meetings", "meetings: 30 Sep 2024 to 1 Oct 2024"),
    ]


def test_records_follow_the_period_in_eastern_time(history, sign_in, fda_staff):
    client = sign_in(fda_staff)
    meetings = read_csv(
        client.get("/exports/records/meetings.csv?date_from=2024-09-30&date_to=2024-09-30")
    )
    # 1 Oct 03:30 UTC is 30 Sep 23:30 in Eastern Time.
    assert [m["starts_at_utc"] for m in meetings] == ["2024-10-01T03:30:00+00:00"]
    assert len(read_csv(client.get("/exports/records/invitations.csv?fiscal_year=2025"))) == 6
    sites = read_csv(client.get("/exports/records/sites.csv"))
    assert sum(site["eligible"] == "yes" for site in sites) == 6
    overridden = next(s for s in sites if s["fda_override"] == "eligible")
    assert overridden["eligible_by_criteria"] == "no"
    assert overridden["override_reason"] == "Confirmed by the district"


def test_question_bodies_only_when_asked(history, sign_in, fda_staff):
    client = sign_in(fda_staff)
    plain = read_csv(client.get("/exports/records/questions.csv?fiscal_year=2025"))
    assert len(plain) == 3 and "body_html" not in plain[0]
    assert sorted(q["submitted_on_time"] for q in plain) == ["no", "yes", "yes"]
    full = read_csv(client.get("/exports/records/questions.csv?fiscal_year=2025&include_bodies=y"))
    assert full[0]["body_html"].startswith("<p>")
    assert audit_actions()[-1][1].endswith("with question bodies")


def test_engagements_carry_the_regulatory_flag(app, sign_in, fda_staff, firm_a, time_machine):
    """SPEC 13: an open adverse action on the site of an active engagement flags it."""
    time_machine.move_to(NOW, tick=False)
    flagged = factories.engagement(firm_a, opened_at=at(2025, 1, 1))
    factories.regulatory_action(
        flagged.site, action_type="Import Alert", action_date=date(2025, 2, 1)
    )
    factories.regulatory_action(
        flagged.site, action_type="Warning Letter", action_date=date(2025, 3, 1)
    )
    closed_action = factories.engagement(firm_a, opened_at=at(2025, 1, 1))
    factories.regulatory_action(closed_action.site, closed_on=date(2025, 4, 1))
    factories.engagement(firm_a, opened_at=at(2025, 1, 1))
    db.session.commit()
    rows = read_csv(sign_in(fda_staff).get("/exports/records/engagements.csv?fiscal_year=2025"))
    by_id = {row["engagement_id"]: row for row in rows}
    assert by_id[str(flagged.public_id)]["regulatory_flag"] == "yes"
    assert sorted(by_id[str(flagged.public_id)]["open_regulatory_actions"].split("; ")) == [
        "Import Alert 2025-02-01",
        "Warning Letter 2025-03-01",
    ]
    assert by_id[str(closed_action.public_id)]["regulatory_flag"] == "no"
    assert [row["regulatory_flag"] for row in rows].count("no") == 2


FORMULAS = ['=HYPERLINK("http://evil.example")', "+1+2", "-3+4", "@SUM(A1)", "\tTAB", "\rCR"]


def test_formula_cells_are_neutralized_in_real_exports(app, sign_in, fda_staff, firm_a):
    person = factories.user(firm=firm_a)
    site = factories.eligible_site(legal_name=FORMULAS[3])
    engagement = factories.engagement(firm_a, site=site)
    meeting = factories.meeting(engagement)
    for formula in FORMULAS:
        factories.question(meeting, person, subject=formula)
    factories.quality_action(engagement, person, description=FORMULAS[0])
    template = factories.survey_template()
    survey = factories.meeting_survey(meeting, template)
    factories.feedback_response(survey, person, text=FORMULAS[1])
    db.session.commit()
    client = sign_in(fda_staff)
    subjects = {q["subject"] for q in read_csv(client.get("/exports/records/questions.csv"))}
    assert subjects == {"'" + formula for formula in FORMULAS}
    sites = read_csv(client.get("/exports/records/sites.csv"))
    assert sites[0]["legal_name"] == "'@SUM(A1)"
    actions = read_csv(client.get("/exports/records/quality_actions.csv"))
    assert actions[0]["description"] == "'" + FORMULAS[0]
    answers = read_csv(client.get("/exports/records/feedback.csv"))
    assert "'+1+2" in {a["text"] for a in answers}


def test_exports_stream_and_issue_a_fixed_number_of_queries(
    app, sign_in, fda_staff, count_queries, time_machine
):
    time_machine.move_to(NOW, tick=False)
    client = sign_in(fda_staff)
    counts = []
    for size in (1, 30):
        factories_metrics.add_volume(size, at(2025, 2, 1, 15))
        db.session.commit()
        with count_queries() as counter:
            response = client.get("/exports/records/questions.csv?fiscal_year=2025")
            assert response.is_streamed
            body = response.get_data(as_text=True)
        counts.append(counter.count)
    assert body.count("\n") == 1 + 31
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize(
    "path",
    [
        "/exports/records/sites.csv?fiscal_year=x",
        "/exports/measures/engagement.csv?date_to=2024-01-01",
    ],
)
def test_wrong_filters_give_no_file_and_no_audit(history, sign_in, fda_staff, path):
    response = sign_in(fda_staff).get(path)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "There is a problem" in response.get_data(as_text=True)
    assert audit_actions() == []


def test_the_exports_page_links_every_file_with_the_filters(history, sign_in, fda_staff):
    page = (
        sign_in(fda_staff).get("/exports?fiscal_year=2024&include_bodies=y").get_data(as_text=True)
    )
    for key in ("participation", "engagement", "feedback", "ratings", "quality"):
        assert f'href="/exports/measures/{key}.csv?fiscal_year=2024"' in page
    assert 'href="/exports/records/questions.csv?fiscal_year=2024&amp;include_bodies=y"' in page
    assert "Fiscal year 2024" in page


def test_firm_users_get_no_exports(app, sign_in, firm_admin):
    client = sign_in(firm_admin)
    assert client.get("/exports").status_code == 404
    assert client.get("/exports/records/questions.csv").status_code == 404
