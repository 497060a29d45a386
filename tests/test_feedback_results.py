"""Results for FDA: figures checked against values worked out by hand, by fiscal year (SPEC 10, 12).

The fixed data set, with the shipped template's questions (1, 2: ratings; 3: yes/no; 4: text):

  meeting     local time (New York)     FY    firm   person   Q1  Q2  Q3   Q4
  March       2025-03-10 10:00          2025  Alpha  lead      4   3  yes  -
  boundary    2025-09-30 23:30          2025  Alpha  lead      5   4  yes  "Clear and direct."
              (2025-10-01 03:30 UTC)          Alpha  qa 1      4   2  no   -
  October     2025-10-01 00:30          2026  Bravo  lead      2   5  yes  "=HYPERLINK(...)"
                                              Bravo  qa 1      1   5  no   -

FY2025: Q1 [5, 4, 4] -> 3 answers, mean 13/3 = 4.33, spread 0 0 0 2 1; Q2 [3, 4, 2] -> mean 3.00,
        spread 0 1 1 1 0; Q3 2 yes of 3 = 67 %. FY2026: Q1 [2, 1] -> mean 1.50, spread 1 1 0 0 0;
        Q3 1 of 2 = 50 %. All years: Q1 [4, 5, 4, 2, 1] -> mean 16/5 = 3.20, spread 1 1 0 2 1;
        Q3 3 of 5 = 60 %.
The March meeting's survey used version 1 of the template and the other two version 2 (a
question was added in between): answers to the same wording count together.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.feedback import results
from portal.feedback import survey_templates as templates
from portal.feedback.models import SurveyQuestionKind
from tests import factories_feedback as ff

NEW_YORK = ZoneInfo("America/New_York")
FORMULA = '=HYPERLINK("http://evil.example/","Click")'


def _at(*parts) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK)


@pytest.fixture
def data_set(app, fda_admin):
    alpha = ff.engagement_with_people("Alpha Pharmaceuticals")
    bravo = ff.engagement_with_people("Bravo Laboratories")
    v1 = templates.ensure_default_template()
    march = ff.survey(ff.held_meeting(alpha.engagement, starts_at=_at(2025, 3, 10, 10)), v1)
    v2 = templates.add_question(
        v1,
        templates.QuestionSpec(SurveyQuestionKind.TEXT, "Anything else?", "", False),
        by=fda_admin,
    )
    boundary = ff.survey(ff.held_meeting(alpha.engagement, starts_at=_at(2025, 9, 30, 23, 30)), v2)
    october = ff.survey(ff.held_meeting(bravo.engagement, starts_at=_at(2025, 10, 1, 0, 30)), v2)
    ff.respond(march, alpha.admin, {1: 4, 2: 3, 3: True})
    ff.respond(boundary, alpha.admin, {1: 5, 2: 4, 3: True, 4: "Clear and direct."})
    ff.respond(boundary, alpha.staff[0], {1: 4, 2: 2, 3: False})
    ff.respond(october, bravo.admin, {1: 2, 2: 5, 3: True, 4: FORMULA})
    ff.respond(october, bravo.staff[0], {1: 1, 2: 5, 3: False})
    db.session.commit()
    return SimpleNamespace(alpha=alpha, bravo=bravo, v1=v1, v2=v2, boundary=boundary)


def test_fiscal_year_window_is_midnight_in_new_york():
    start, end = results.fiscal_year_window(2026)
    assert start == _at(2025, 10, 1) and end == _at(2026, 10, 1)
    assert start.utcoffset().total_seconds() == 0


def test_rating_figures_by_fiscal_year(data_set):
    fy25 = {f.prompt[:12]: f for f in results.rating_figures(2025)}
    clear, useful = fy25["How clear we"], fy25["How useful w"]
    assert (clear.count, clear.total, clear.distribution) == (3, 13, [0, 0, 0, 2, 1])
    assert clear.mean == pytest.approx(13 / 3)
    assert (useful.count, useful.mean, useful.distribution) == (3, 3.0, [0, 1, 1, 1, 0])
    assert clear.share(4) == pytest.approx(200 / 3)
    assert clear.labels[0] == "Not clear at all" and clear.labels[4] == "Very clear"

    fy26 = results.rating_figures(2026)[0]
    assert (fy26.count, fy26.mean, fy26.distribution) == (2, 1.5, [1, 1, 0, 0, 0])

    every = results.rating_figures(None)[0]
    assert (every.count, every.total, every.distribution) == (5, 16, [1, 1, 0, 2, 1])
    assert every.mean == pytest.approx(3.2)
    assert len(results.rating_figures(None)) == 2, "versions 1 and 2 count together"


def test_yes_no_shares_by_fiscal_year(data_set):
    (fy25,) = results.yes_no_figures(2025)
    assert (fy25.count, fy25.yes, fy25.no) == (3, 2, 1)
    assert fy25.yes_share == pytest.approx(200 / 3) and fy25.no_share == pytest.approx(100 / 3)
    (fy26,) = results.yes_no_figures(2026)
    assert (fy26.count, fy26.yes_share) == (2, 50.0)
    (every,) = results.yes_no_figures(None)
    assert (every.count, every.yes, every.yes_share) == (5, 3, 60.0)


def test_totals_years_and_written_answers(data_set):
    assert results.available_years() == [2026, 2025]
    assert (results.totals(2025).surveys, results.totals(2025).responses) == (2, 3)
    assert (results.totals(2026).surveys, results.totals(2026).responses) == (1, 2)
    texts = db.session.execute(results.text_answers(2025)).all()
    assert [(t.text, t.firm_name) for t in texts] == [
        ("Clear and direct.", "Alpha Pharmaceuticals")
    ]


def test_the_results_page_shows_the_figures(data_set, client, sign_in, fda_staff):
    sign_in(fda_staff)
    page = client.get("/feedback?year=2025")
    assert page.status_code == 200
    assert "Confidential commercial information" in page.text
    assert "FY2025" in page.text and "3 responses to 2 meeting surveys" in page.text
    assert ">4.33<" in page.text and ">3.00<" in page.text
    assert "2 (67%)" in page.text and "1 (33%)" in page.text  # yes / no of Q3
    assert "Clear and direct." in page.text and "HYPERLINK" not in page.text
    everything = client.get("/feedback")
    assert ">3.20<" in everything.text and "3 (60%)" in everything.text
    assert db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "feedback.results_view")
    ).first()


def test_the_meeting_page_shows_each_answer_and_who_gave_it(data_set, client, sign_in, fda_staff):
    sign_in(fda_staff)
    page = client.get(f"/feedback/meetings/{data_set.boundary.public_id}")
    assert page.status_code == 200
    assert "Alpha Pharmaceuticals" in page.text
    assert (
        data_set.alpha.admin.full_name in page.text and data_set.alpha.staff[0].email in page.text
    )
    assert "5 out of 5 (Very clear)" in page.text and "Clear and direct." in page.text
    # Left blank: the lead's question 5, the staff member's 4 and 5 (all optional).
    assert page.text.count("No answer") == 3
    listing = client.get("/feedback/meetings?year=2026")
    assert "Bravo Laboratories" in listing.text and "Alpha Pharmaceuticals" not in listing.text


@pytest.mark.parametrize("year", ["abc", "1999", "20251"])
def test_a_bad_year_is_explained_not_an_error(data_set, client, sign_in, fda_staff, year):
    sign_in(fda_staff)
    for url in (f"/feedback?year={year}", f"/feedback/meetings?year={year}"):
        page = client.get(url)
        assert page.status_code == 200
        assert "Choose a fiscal year from the list" in page.text


def test_csv_export_is_streamed_neutralized_and_audited(data_set, client, sign_in, fda_staff):
    sign_in(fda_staff)
    response = client.get("/feedback/export.csv?year=2026")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "sep-feedback-FY2026.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 4 + 3  # one row per stored answer: the lead gave 4, the staff member 3
    assert {r["firm"] for r in rows} == {"Bravo Laboratories"}
    assert {r["fiscal_year"] for r in rows} == {"2026"}
    written = [r["answer"] for r in rows if r["question_kind"] == "text" and r["answer"]]
    assert written == ["'" + FORMULA]
    ratings = sorted(int(r["answer"]) for r in rows if r["question_position"] == "1")
    assert ratings == [1, 2]
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "feedback.export")
    ).one()
    assert audit.actor_email == fda_staff.email and "2026" in audit.detail


def test_firms_cannot_reach_the_results(data_set, client, sign_in):
    sign_in(data_set.alpha.admin)
    for url in (
        "/feedback",
        "/feedback/meetings",
        f"/feedback/meetings/{data_set.boundary.public_id}",
        "/feedback/export.csv",
    ):
        assert client.get(url).status_code == 404, url
