"""The success dashboard (SPEC 12): every figure against a hand count, filters, queries, access."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest

from portal.extensions import db
from portal.metrics.measures import compute
from portal.metrics.period import Period
from portal.metrics.sql import question_deadline_text
from tests import factories_metrics
from tests.factories_metrics import EXPECTED, NOW, at


def _as_dict(measure) -> dict:
    return dataclasses.asdict(measure)


@pytest.mark.parametrize("year", [2024, 2025])
def test_every_figure_matches_the_hand_count(history, year):
    measures = compute(Period.for_fiscal_year(year))
    expected = EXPECTED[year]
    assert _as_dict(measures.participation) == expected["participation"]
    engagement = _as_dict(measures.engagement)
    assert engagement.pop("median_days_to_answer") == pytest.approx(
        expected["engagement"]["median_days_to_answer"], abs=1e-6
    )
    assert engagement == {
        k: v for k, v in expected["engagement"].items() if k != "median_days_to_answer"
    }
    feedback = measures.feedback
    assert (feedback.surveys, feedback.people_asked, feedback.responses) == tuple(
        expected["feedback"].values()
    )
    assert [
        (r.prompt, r.answers, pytest.approx(r.mean), r.distribution) for r in feedback.ratings
    ] == expected["ratings"]
    assert feedback.ratings[0].labels[0] == "Not clear"
    quality = _as_dict(measures.quality)
    for key in ("median_days_to_complete", "median_days_to_verify"):
        assert quality.pop(key) == pytest.approx(expected["quality"][key], abs=1e-6)
    assert quality == {k: v for k, v in expected["quality"].items() if not k.startswith("median")}


def test_a_date_range_across_the_fiscal_year_boundary(history):
    """30 Sep and 1 Oct 2024, Eastern Time: records from both sides, nothing else."""
    both = compute(Period(date(2024, 9, 30), date(2024, 10, 1)))
    assert both.participation.contacted == 2  # 30 Sep 22:00 ET and 1 Oct 01:00 ET
    assert both.participation.invited == 1  # the letter re-sent later: no response
    assert both.participation.no_response == 1
    assert both.engagement.meetings_held == 1  # 30 Sep 23:30 ET
    assert both.engagement.questions_answered == 1  # 1 Oct 02:00 ET, after 15.75 days
    assert both.engagement.median_days_to_answer == pytest.approx(15.75)
    assert both.feedback.surveys == 1
    assert both.quality.verified == 1 and both.quality.opened == 1

    october_first = compute(Period(date(2024, 10, 1), date(2024, 10, 1)))
    assert october_first.participation.contacted == 1
    assert october_first.engagement.meetings_held == 0
    assert october_first.quality.verified == 0 and october_first.quality.opened == 1


@pytest.mark.parametrize(
    ("starts_at", "zone", "deadline"),
    [
        # Plain: 14 x 24 hours.
        ("2024-09-20 14:00:00.000000", "America/New_York", "2024-09-06 14:00:00.000000"),
        # Across the end of daylight saving (3 Nov 2024): 337 hours.
        ("2024-11-12 15:00:00.000000", "America/New_York", "2024-10-29 14:00:00.000000"),
        # Across its start (9 Mar 2025): 335 hours.
        ("2025-03-20 14:00:00.000000", "America/New_York", "2025-03-06 15:00:00.000000"),
        # Europe changes on other days (30 Mar 2025).
        ("2025-04-07 08:00:00.000000", "Europe/Berlin", "2025-03-24 09:00:00.000000"),
    ],
)
def test_the_sqlite_deadline_function_follows_the_wall_clock(starts_at, zone, deadline):
    assert question_deadline_text(starts_at, zone, 14) == deadline


def test_the_dashboard_shows_each_figure_in_a_table_and_a_chart(history, sign_in, fda_staff):
    client = sign_in(fda_staff)
    page = client.get("/metrics?fiscal_year=2025").get_data(as_text=True)
    assert "Fiscal year 2025 (1 Oct 2024 to 30 Sep 2025)" in page
    assert "America/New_York" in page
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>\s*<td class="num">([^<]+)</td>', page))
    assert rows["Identified eligible (today)"] == "6"
    assert rows["Called by phone (any outcome)"] == "4"  # was "Contacted by phone" (issue 16)
    assert rows["Reached by phone (spoke with the site)"] == "3"
    assert rows["Accepted"] == "1"
    assert rows["Share submitted on time"] == "66.7%"
    assert rows["Meetings held per active engagement"] == "1.00"
    assert rows["Questions per meeting held"] == "1.50"
    assert rows["Median days from question to written answer"] == "10.0 days"
    # 3 responses of 3 people asked: feedback counts in its meeting's year (issue 11).
    assert rows["Response rate"] == "100.0%"
    assert rows["Median days from completion to verification"] == "20.0 days"
    assert rows["Overdue today"] == "2"
    # The funnel's rates (percent of the step named beside them).
    assert re.search(r"Invited by letter</th>\s*<td[^>]*>5</td>\s*<td[^>]*>125.0%</td>", page)
    # Charts: an SVG with a role, a title and a description that carries the figures.
    charts = re.findall(r'<svg class="chart__svg"[^>]*role="img"[^>]*>', page)
    assert len(charts) == 5  # four measures and one rating question
    assert '<title id="participation-title">' in page
    assert re.search(r'<desc id="participation-desc">[^<]*Accepted: 1 \(20.0% of invited\)', page)
    assert "Confidential commercial information" in page


def test_the_fiscal_year_is_the_current_one_by_default(history, sign_in, fda_staff):
    client = sign_in(fda_staff)
    page = client.get("/metrics").get_data(as_text=True)
    assert "Fiscal year 2025 (1 Oct 2024 to 30 Sep 2025)" in page


def test_a_date_range_wins_over_the_fiscal_year(history, sign_in, fda_staff):
    client = sign_in(fda_staff)
    page = client.get("/metrics?fiscal_year=2025&date_from=2024-09-30&date_to=2024-10-01").get_data(
        as_text=True
    )
    assert "Showing 30 Sep 2024 to 1 Oct 2024" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("fiscal_year=abc", "Choose a fiscal year from the list."),
        ("fiscal_year=1999", "Choose a fiscal year from the list."),
        ("date_from=2024-01-01", "Give an end date too"),
        ("date_to=2024-01-01", "Give a start date too"),
        ("date_from=2024-13-45&date_to=2024-12-01", "Enter the date as YYYY-MM-DD"),
        ("date_from=2024-05-01&date_to=2024-04-01", "The end date must be on or after"),
        ("date_from=1900-01-01&date_to=1900-02-01", "Enter a date between 2000 and 2100."),
        ("date_from=0001-01-01&date_to=9999-12-31", "Enter a date between 2000 and 2100."),
    ],
)
def test_wrong_filters_get_a_message_and_no_figures(history, sign_in, fda_staff, query, message):
    client = sign_in(fda_staff)
    response = client.get(f"/metrics?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "There is a problem" in page
    assert "<svg" not in page


def test_the_page_issues_the_same_queries_whatever_the_data_size(
    app, sign_in, fda_staff, count_queries, time_machine
):
    time_machine.move_to(NOW, tick=False)
    client = sign_in(fda_staff)
    counts = []
    for size in (1, 30):
        factories_metrics.add_volume(size, at(2025, 2, 1, 15))
        db.session.commit()
        with count_queries() as counter:
            response = client.get("/metrics?fiscal_year=2025")
        assert response.status_code == 200
        counts.append(counter.count)
    assert "31" in response.get_data(as_text=True)  # the larger data is really there
    assert counts[0] == counts[1], counts
    # The figures' own queries, plus what every signed-in page now does: the session record's
    # check and update, the one view event with its commit, and the header's count of
    # unread message threads (issue 12).
    assert counts[0] <= 19, counts


def test_firm_users_do_not_find_the_dashboard(app, sign_in, firm_admin):
    assert sign_in(firm_admin).get("/metrics").status_code == 404
