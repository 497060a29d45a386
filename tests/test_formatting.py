"""Formatted text areas (issue 16): the hint, the toolbar's hook and the server-side preview."""

from __future__ import annotations

import pytest

from portal.extensions import db
from tests import factories
from tests.conftest import csrf_token_from
from tests.factories_meetings import meeting_at


@pytest.fixture
def meeting_for_firm(app, firm_a, fda_staff, time_machine):
    time_machine.move_to("2027-01-04 12:00Z", tick=False)
    created = meeting_at(factories.engagement(firm_a, sent_by=fda_staff), "2027-03-01 10:00")
    db.session.commit()
    return created


def test_question_form_offers_marks_not_html(meeting_for_firm, firm_staff, sign_in):
    page = sign_in(firm_staff).get("/firm/questions/new").get_data(as_text=True)
    assert "data-formatting" in page
    assert "**two stars**" in page and "[words](https://...)" in page
    assert "&lt;strong&gt;" not in page, "the hint no longer asks people to type HTML"


def test_preview_goes_through_the_sanitizer(firm_staff, sign_in):
    client = sign_in(firm_staff)
    token = csrf_token_from(client.get("/firm/questions").get_data(as_text=True))
    response = client.post(
        "/formatting/preview",
        data={
            "text": "**Hold** <script>x</script> [FDA](javascript:alert(1))",
            "csrf_token": token,
        },
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json["html"] == (
        "<p><strong>Hold</strong> &lt;script&gt;x&lt;/script&gt; [FDA](javascript:alert(1))</p>"
    )


def test_preview_refuses_bad_text_with_a_message(firm_staff, sign_in):
    client = sign_in(firm_staff)
    token = csrf_token_from(client.get("/firm/questions").get_data(as_text=True))
    response = client.post("/formatting/preview", data={"text": "a\x00b", "csrf_token": token})
    assert response.status_code == 400
    assert "control character" in response.json["error"]


def test_preview_needs_the_csrf_token(firm_staff, sign_in):
    response = sign_in(firm_staff).post("/formatting/preview", data={"text": "x"})
    assert response.status_code == 400
    assert "html" not in (response.get_json(silent=True) or {})
