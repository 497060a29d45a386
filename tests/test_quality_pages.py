"""Quality-action lists and sections: fixed query counts, filters, pagination, the work list."""

from __future__ import annotations

from datetime import date, timedelta

from flask_login import login_user

from portal.extensions import db
from portal.quality.models import ActionStatus
from portal.timeutil import program_today, utcnow
from tests import factories, sections
from tests import factories_feedback as ff
from tests.conftest import login_as


def _queries(client, count_queries, url: str) -> int:
    client.get(url)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def _actions(people, count: int, **values):
    made = [
        factories.quality_action(
            people.engagement, people.admin, description=f"Action {n}", **values
        )
        for n in range(count)
    ]
    db.session.commit()
    return made


def test_lists_cost_the_same_for_1_or_30_actions(app, client, sign_in, count_queries):
    alpha = ff.engagement_with_people()
    bravo = ff.engagement_with_people("Bravo Laboratories")
    _actions(alpha, 1)
    _actions(bravo, 1)
    cases = [
        (alpha.fda, "/quality-actions"),
        (alpha.fda, "/quality-actions?status=planned&overdue=y"),
        (alpha.admin, "/firm/quality-actions"),
    ]

    def costs():
        result = []
        for user, url in cases:
            sign_in(user)
            result.append(_queries(client, count_queries, url))
        return result

    few = costs()
    _actions(alpha, 29, target_date=date.today() - timedelta(days=1))
    _actions(bravo, 29)
    assert costs() == few


def test_the_detail_page_costs_the_same_for_1_or_30_history_entries(
    app, client, sign_in, count_queries
):
    people = ff.engagement_with_people()
    meeting = ff.held_meeting(people.engagement)
    (action,) = _actions(people, 1, meeting_id=meeting.id)
    factories.quality_action_event(action, people.admin)
    db.session.commit()
    urls = {people.fda: f"/quality-actions/{action.public_id}"}
    urls[people.admin] = f"/firm/quality-actions/{action.public_id}"
    few = {}
    for user, url in urls.items():
        sign_in(user)
        few[url] = _queries(client, count_queries, url)
    for n in range(29):
        by = people.fda if n % 2 else people.staff[0]
        factories.quality_action_event(action, by, note=f"Note {n}")
    db.session.commit()
    for user, url in urls.items():
        sign_in(user)
        assert _queries(client, count_queries, url) == few[url], url
    assert client.get(urls[people.admin]).text.count("Note ") >= 29


def test_lists_are_paginated_and_filtered(app, client, sign_in):
    alpha = ff.engagement_with_people()
    bravo = ff.engagement_with_people("Bravo Laboratories")
    _actions(alpha, 26)
    _actions(bravo, 1, status=ActionStatus.COMPLETED, completed_at=utcnow())
    sign_in(alpha.fda)
    first = client.get("/quality-actions")
    assert "Page 1 of 2" in first.text and "27 in all" in first.text
    assert "Page 2 of 2" in client.get("/quality-actions?page=2").text
    completed = client.get("/quality-actions?status=completed")
    assert "Bravo Laboratories" in completed.text and "1 in all" in completed.text
    by_firm = client.get(f"/quality-actions?firm={alpha.firm.public_id}")
    assert "26 in all" in by_firm.text
    bad = client.get("/quality-actions?status=lost&firm=nonsense")
    assert bad.status_code == 200 and "Not a valid choice" in bad.text
    sign_in(bravo.admin)
    own = client.get("/firm/quality-actions")
    assert "1 in all" in own.text and "Action 25" not in own.text


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


def test_the_work_list_shows_actions_to_verify_and_overdue_ones(app, fda_staff):
    people = ff.engagement_with_people()
    factories.quality_action(
        people.engagement,
        people.admin,
        description="Ready for FDA",
        status=ActionStatus.COMPLETED,
        completed_at=utcnow(),
    )
    factories.quality_action(
        people.engagement,
        people.admin,
        description="Running late",
        target_date=date.today() - timedelta(days=3),
    )
    factories.quality_action(people.engagement, people.admin, description="On schedule")
    db.session.commit()
    html = _panel(app, fda_staff, "worklist")
    awaiting, overdue = html.split("Overdue quality actions</h2>")
    assert "Ready for FDA" in awaiting and "Running late" not in awaiting
    assert "Running late" in overdue and "Ready for FDA" not in overdue
    assert "On schedule" not in html
    assert ">Overdue</span>" in overdue and "Alpha Pharmaceuticals" in overdue
    firm_client = app.test_client()
    login_as(firm_client, people.admin)
    assert firm_client.get("/work").status_code == 404  # the work list is FDA's page alone


def test_firm_and_engagement_sections_mark_overdue_and_offer_to_record(app, fda_staff):
    people = ff.engagement_with_people()
    factories.quality_action(
        people.engagement,
        people.admin,
        description="Running late",
        target_date=date.today() - timedelta(days=3),
    )
    factories.quality_action(
        people.engagement, people.admin, description="Verified", status=ActionStatus.VERIFIED
    )
    db.session.commit()
    home = _panel(app, people.staff[0], "firm_home", engagements=[people.engagement])
    assert "Running late" in home and ">Overdue</span>" in home and "Verified" not in home
    firm_page = _panel(app, people.admin, "engagement", engagement=people.engagement)
    assert f"/firm/quality-actions/new/{people.engagement.public_id}" in firm_page
    fda_page = _panel(app, fda_staff, "engagement", engagement=people.engagement)
    assert f"/quality-actions/new/{people.engagement.public_id}" in fda_page
    assert "/firm/quality-actions" not in fda_page
    other = ff.engagement_with_people("Bravo Laboratories")
    assert "Running late" not in _panel(
        app, other.admin, "engagement", engagement=people.engagement
    )


def test_sections_cost_the_same_for_1_or_30_actions(app, fda_staff, count_queries):
    people = ff.engagement_with_people()
    _actions(people, 1, status=ActionStatus.COMPLETED, completed_at=utcnow())

    def cost(user, slot, **context):
        with app.test_request_context("/"):
            login_user(user)
            _sections(slot, user, **context)
            with count_queries() as counter:
                _sections(slot, user, **context)
        return counter.count

    cases = [
        (fda_staff, "worklist", {}),
        (people.admin, "firm_home", {"engagements": [people.engagement]}),
        (fda_staff, "engagement", {"engagement": people.engagement}),
    ]
    few = [cost(user, slot, **context) for user, slot, context in cases]
    _actions(people, 29, target_date=date.today() - timedelta(days=1))
    _actions(people, 29, status=ActionStatus.COMPLETED, completed_at=utcnow())
    assert [cost(user, slot, **context) for user, slot, context in cases] == few


def test_fda_sections_read_the_engagement_and_the_day_of_each_request(
    app, client, sign_in, fda_staff, time_machine
):
    """FDA's sections keep one statement per process; the engagement and the program's day
    are parameters of each run: each engagement lists its own actions, and an action
    becomes overdue on the work list when its target date passes."""
    start = utcnow()
    time_machine.move_to(start, tick=False)
    alpha = ff.engagement_with_people()
    bravo = ff.engagement_with_people("Bravo Laboratories")
    factories.quality_action(alpha.engagement, alpha.admin, description="Alpha's action")
    factories.quality_action(
        bravo.engagement,
        bravo.admin,
        description="Bravo's action",
        target_date=program_today() + timedelta(days=2),
    )
    sign_in(fda_staff)
    for own, other in ((alpha, "Bravo's"), (bravo, "Alpha's")):
        page = client.get(f"/engagements/{own.engagement.public_id}").get_data(as_text=True)
        assert f"{own.firm.name.split()[0]}&#39;s action" in page
        assert f"{other} action".replace("'", "&#39;") not in page
    overdue = client.get("/work").get_data(as_text=True).split("Overdue quality actions</h2>")[1]
    assert "Bravo&#39;s action" not in overdue
    time_machine.move_to(start + timedelta(days=4), tick=False)
    sign_in(fda_staff)
    overdue = client.get("/work").get_data(as_text=True).split("Overdue quality actions</h2>")[1]
    assert "Bravo&#39;s action" in overdue
