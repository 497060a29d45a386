"""Feedback pages cost a fixed number of queries, and the sections show open requests."""

from __future__ import annotations

from datetime import timedelta

from flask_login import login_user

from portal.auth.models import Role
from portal.extensions import db
from portal.feedback.survey_templates import ensure_default_template
from portal.timeutil import utcnow
from tests import factories, sections
from tests import factories_feedback as ff


def _queries(client, count_queries, url: str) -> int:
    client.get(url)  # settle anything done once (the shipped template, caches)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def _surveys(people, template, count: int, *, answered_by=None):
    made = []
    for n in range(count):
        start = utcnow() - timedelta(days=2, hours=n)
        survey = ff.survey(ff.held_meeting(people.engagement, starts_at=start), template)
        if answered_by is not None:
            ff.respond(survey, answered_by, {1: 1 + n % 5, 2: 3, 3: n % 2 == 0, 4: f"Text {n}"})
        made.append(survey)
    db.session.commit()
    return made


def test_results_and_meeting_lists_cost_the_same_for_1_or_30_surveys(
    app, client, sign_in, fda_staff, count_queries
):
    people = ff.engagement_with_people()
    template = ensure_default_template()
    _surveys(people, template, 1, answered_by=people.admin)
    sign_in(fda_staff)
    urls = ("/feedback", "/feedback/meetings", "/feedback?year=2027")
    few = {url: _queries(client, count_queries, url) for url in urls}
    _surveys(people, template, 29, answered_by=people.admin)
    many = {url: _queries(client, count_queries, url) for url in urls}
    assert few == many
    assert "30 responses to 30 meeting surveys" in client.get("/feedback").text


def test_one_meetings_answers_cost_the_same_for_1_or_30_respondents(
    app, client, sign_in, fda_staff, count_queries
):
    people = ff.engagement_with_people(staff=0)
    (survey,) = _surveys(people, ensure_default_template(), 1, answered_by=people.admin)
    url = f"/feedback/meetings/{survey.public_id}"
    sign_in(fda_staff)
    few = _queries(client, count_queries, url)
    for n in range(29):
        person = factories.user(Role.FIRM_STAFF, firm=people.firm)
        ff.respond(survey, person, {1: 5, 2: 4, 3: True, 4: f"Answer {n}"})
    db.session.commit()
    assert _queries(client, count_queries, url) == few
    assert client.get(url).text.count('<section class="card"') == 30


def test_the_firms_list_costs_the_same_for_1_or_30_surveys(app, client, sign_in, count_queries):
    people = ff.engagement_with_people()
    template = ensure_default_template()
    _surveys(people, template, 1, answered_by=people.admin)
    sign_in(people.admin)
    few = _queries(client, count_queries, "/firm/feedback")
    _surveys(people, template, 29, answered_by=people.admin)
    assert _queries(client, count_queries, "/firm/feedback") == few


def test_the_templates_page_costs_the_same_for_1_or_30_templates(
    app, client, sign_in, fda_admin, count_queries
):
    from portal.feedback import survey_templates as templates

    ensure_default_template()
    db.session.commit()
    sign_in(fda_admin)
    few = _queries(client, count_queries, "/admin/survey-templates")
    for n in range(29):
        templates.create_template(f"Template {n}", by=fda_admin)
    db.session.commit()
    assert _queries(client, count_queries, "/admin/survey-templates") == few


# --- sections on other pages ---------------------------------------------------------


def _sections(slot: str, user, **context) -> str:
    """The sections of one host page, as its view composes them for ``user``'s audience."""
    if slot == "firm_home":
        return sections.firm_home(context["engagements"])
    if slot == "worklist":
        return sections.worklist()
    if user.is_firm_user:
        return sections.firm_engagement(context["engagement"])
    return sections.fda_engagement(context["engagement"])


def _panel(app, user, slot: str, **context) -> str:
    with app.test_request_context("/"):
        login_user(user)
        return _sections(slot, user, **context)


def test_the_firm_home_section_lists_open_requests_for_this_user(app):
    people = ff.engagement_with_people()
    template = ensure_default_template()
    (answered,) = _surveys(people, template, 1, answered_by=people.admin)
    (waiting,) = _surveys(people, template, 1)
    closed = ff.survey(
        ff.held_meeting(people.engagement, starts_at=utcnow() - timedelta(days=50)), template
    )
    db.session.commit()
    html = _panel(app, people.admin, "firm_home", engagements=[people.engagement])
    assert "Feedback requests" in html
    assert f"/firm/feedback/{waiting.public_id}" in html and "Not answered" in html
    assert f"/firm/feedback/{answered.public_id}" in html and "you answered" in html
    assert str(closed.public_id) not in html
    # Another firm's user sees none of it.
    other = ff.engagement_with_people("Bravo Laboratories")
    html = _panel(app, other.admin, "firm_home", engagements=[people.engagement])
    assert str(waiting.public_id) not in html and "No open feedback requests" in html


def test_the_engagement_section_for_fda_counts_responses(app, fda_staff):
    people = ff.engagement_with_people()
    (survey,) = _surveys(people, ensure_default_template(), 1, answered_by=people.admin)
    html = _panel(app, fda_staff, "engagement", engagement=people.engagement)
    assert f"/feedback/meetings/{survey.public_id}" in html
    assert '<td class="num">1</td>' in html
    firm_side = _panel(app, people.staff[0], "engagement", engagement=people.engagement)
    assert f"/firm/feedback/{survey.public_id}" in firm_side


def test_sections_cost_the_same_for_1_or_30_surveys(app, fda_staff, count_queries):
    people = ff.engagement_with_people()
    template = ensure_default_template()
    _surveys(people, template, 1, answered_by=people.admin)

    def cost(user, slot, **context):
        with app.test_request_context("/"):
            login_user(user)
            _sections(slot, user, **context)  # warm
            with count_queries() as counter:
                _sections(slot, user, **context)
        return counter.count

    cases = [
        (people.admin, "firm_home", {"engagements": [people.engagement]}),
        (people.admin, "engagement", {"engagement": people.engagement}),
        (fda_staff, "engagement", {"engagement": people.engagement}),
    ]
    few = [cost(user, slot, **context) for user, slot, context in cases]
    _surveys(people, template, 29, answered_by=people.admin)
    assert [cost(user, slot, **context) for user, slot, context in cases] == few
