"""Issue 9 item 7: paging input is read in one place (portal/paging.py) for every list.

tests/e2e/test_paging_sweep.py sweeps every route of the running portal; these
tests pin the rules themselves on the suite's database (SQLite or PostgreSQL).
"""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.paging import clamp_page, requested_page, whole_number
from portal.questions import queries
from tests import factories
from tests.conftest import login_as


@pytest.mark.parametrize(
    ("raw", "page"),
    [
        (None, 1),
        ("", 1),
        ("3", 3),
        (" 3 ", 3),
        ("0", 1),
        ("-1", 1),
        ("abc", 1),
        ("1.5", 1),
        ("1e9", 1),
        ("²", 1),  # str.isdigit says yes, int() says no
        ("١٢", 1),  # Arabic-Indic digits: int() reads them, a URL should not carry them
        ("9223372036854775807", 10**18),
        ("9" * 5000, 10**18),  # beyond Python's int() limit of 4,300 digits
    ],
)
def test_a_requested_page_is_a_plain_positive_number(app, raw, page):
    assert requested_page(raw) == page


def test_a_page_past_the_end_is_the_last_page():
    assert clamp_page(10**18, total=51, per_page=25) == 3
    assert clamp_page(2, total=0, per_page=25) == 1
    assert clamp_page(0, total=51, per_page=25) == 1


@pytest.mark.parametrize(("raw", "number"), [("12", 12), ("²", None), ("9" * 19, None), ("", None)])
def test_whole_numbers_are_ascii_digits_of_bounded_length(raw, number):
    assert whole_number(raw) == number


@pytest.fixture
def many_questions(app, firm_a, firm_admin, fda_staff):
    engagement = factories.engagement(firm_a, sent_by=fda_staff)
    meeting = factories.meeting(engagement)
    for number in range(queries.PER_PAGE + 3):
        factories.question(meeting, firm_admin, subject=f"Question number {number:02d}")
    db.session.commit()


@pytest.mark.parametrize("page", ["9223372036854775807", "9" * 30, "99999"])
def test_a_stale_link_shows_the_last_page_on_fda_and_firm_lists(
    many_questions, app, fda_staff, firm_admin, page
):
    for person, url in ((fda_staff, "/questions?show=all"), (firm_admin, "/firm/questions")):
        client = app.test_client()
        login_as(client, person)
        response = client.get(f"{url}&page={page}" if "?" in url else f"{url}?page={page}")
        text = response.get_data(as_text=True)
        assert response.status_code == 200, text[:300]
        assert "Page 2 of 2" in text
        assert text.count("Question number") == 3


@pytest.mark.parametrize("page", ["-1", "0", "abc", "²", "1.5"])
def test_a_page_that_is_not_a_number_is_the_first(many_questions, app, firm_admin, page):
    client = app.test_client()
    login_as(client, firm_admin)
    text = client.get(f"/firm/questions?page={page}&per_page=-5").get_data(as_text=True)
    assert "Page 1 of 2" in text
    assert text.count("Question number") == queries.PER_PAGE


@pytest.mark.parametrize("limit", ["²", "9" * 5000, "-1", "0", "201"])
def test_the_api_refuses_a_limit_out_of_range_with_a_message(app, fda_admin, limit):
    _, plain = factories.api_token(fda_admin)
    db.session.commit()
    response = app.test_client().get(
        f"/api/v1/questions?limit={limit}", headers={"Authorization": f"Bearer {plain}"}
    )
    assert response.status_code == 400
    assert "limit must be a whole number from 1 to 200" in response.get_data(as_text=True)
