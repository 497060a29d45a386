"""Old open regulatory actions are listed for review and FDA closes them, one or many
at once, with a reason (SPEC 2; issue 10 item 4b)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.program.settings import update_settings
from portal.sites.eligibility import eligible_site_ids_subquery
from portal.sites.models import RegulatoryAction, Site
from portal.sites.review_services import age_in_words, years_before
from tests import factories
from tests.conftest import csrf_token_from

URL = "/sites/actions/review"


@pytest.fixture
def staff(client, sign_in, fda_staff, time_machine):
    time_machine.move_to(datetime(2026, 6, 15, 15, tzinfo=UTC))
    sign_in(fda_staff)
    return client


@pytest.fixture
def old_and_new(app):
    """Two sites, eligible but for their warning letters: two old letters, one recent."""
    first = factories.eligible_site(legal_name="Old Letter Pharma")
    second = factories.eligible_site(legal_name="Older Letter Labs")
    old = factories.regulatory_action(first, action_date=date(2012, 4, 2), case_id="A-1")
    older = factories.regulatory_action(second, action_date=date(2009, 1, 20), case_id="B-1")
    recent = factories.regulatory_action(second, action_date=date(2024, 2, 1), case_id="B-2")
    db.session.commit()
    return first, second, old, older, recent


def eligible() -> set[int]:
    return set(db.session.scalars(eligible_site_ids_subquery()))


def post(client, data: dict, url: str = URL):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


@pytest.mark.parametrize(
    ("since", "today", "words"),
    [
        (date(2019, 3, 1), date(2026, 5, 15), "7 years 2 months old"),
        (date(2019, 3, 16), date(2026, 5, 15), "7 years 1 month old"),
        (date(2026, 2, 15), date(2026, 5, 15), "3 months old"),
        (date(2026, 5, 3), date(2026, 5, 15), "12 days old"),
        (date(2025, 5, 15), date(2026, 5, 15), "1 year old"),
    ],
)
def test_an_actions_age_in_words(since, today, words):
    assert age_in_words(since, today) == words


def test_five_years_before_a_leap_day_is_the_28th():
    assert years_before(date(2028, 2, 29), 5) == date(2023, 2, 28)


def test_the_list_shows_open_actions_older_than_the_setting_with_their_age(
    staff, old_and_new, fda_admin
):
    # The admin is only flushed; a page that changes nothing rolls back what it did not commit.
    db.session.commit()
    page = staff.get(URL).get_data(as_text=True)
    assert "2 open actions older than 5 years." in page
    assert "Older Letter Labs" in page and "Old Letter Pharma" in page
    assert "17 years 4 months old" in page and "14 years 2 months old" in page
    assert "B-2" not in page  # the 2024 letter is not old enough to review
    assert page.index("Older Letter Labs") < page.index("Old Letter Pharma")  # oldest first

    update_settings({"open_action_review_years": 15}, by_user=fda_admin)
    db.session.commit()
    page = staff.get(URL).get_data(as_text=True)
    assert "1 open action older than 15 years." in page and "Old Letter Pharma" not in page


def test_many_actions_close_at_once_with_one_reason_each_audited(staff, old_and_new, fda_staff):
    first, second, old, older, recent = old_and_new
    assert first.id not in eligible()
    response = post(
        staff,
        {
            "actions": [str(old.public_id), str(older.public_id)],
            "closed_on": "2026-06-15",
            "reason": "Close-out letters found in the case files.",
        },
    )
    assert response.status_code == 302
    assert "Closed 2 actions" in staff.get(URL).get_data(as_text=True)
    db.session.expire_all()
    for action in (old, older):
        action = db.session.get(RegulatoryAction, action.id)
        assert action.closed_on == date(2026, 6, 15)
        assert action.closed_note == "Close-out letters found in the case files."
        assert action.closed_by_id == fda_staff.id
    assert db.session.get(RegulatoryAction, recent.id).is_open
    closes = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "regulatory_action.close")
    ).all()
    assert len(closes) == 2
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "regulatory_action.close_many")
    )
    # The first site had only the old letter: it is eligible again; the second is not.
    assert first.id in eligible() and second.id not in eligible()


def test_one_action_closes_alone_too(staff, old_and_new):
    _first, _second, old, older, _recent = old_and_new
    post(staff, {"actions": [str(old.public_id)], "closed_on": "2026-06-01", "reason": "Over."})
    db.session.expire_all()
    assert not db.session.get(RegulatoryAction, old.id).is_open
    assert db.session.get(RegulatoryAction, older.id).is_open


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"closed_on": "2026-06-01", "reason": "Over."}, "Tick at least one action to close."),
        ({"actions": "OLD", "closed_on": "2026-06-01", "reason": ""}, "Write why these actions"),
        ({"actions": "OLD", "closed_on": "", "reason": "Over."}, "Enter the date the actions"),
        ({"actions": "OLD", "closed_on": "2099-01-01", "reason": "Over."}, "in the future"),
        # Closed before the 2012 letter was written: refused for all, naming that letter.
        (
            {"actions": ["OLD", "OLDER"], "closed_on": "2010-01-01", "reason": "Over."},
            "Warning Letter of 2012-04-02 at Old Letter Pharma (FEI",
        ),
        # A recent action is not on the list, so it cannot be closed from it.
        ({"actions": "RECENT", "closed_on": "2026-06-01", "reason": "x"}, "Tick only actions"),
        ({"actions": "not-a-uuid", "closed_on": "2026-06-01", "reason": "x"}, "Tick only actions"),
    ],
)
def test_bad_input_is_said_beside_the_field_and_closes_nothing(staff, old_and_new, data, message):
    _first, _second, old, older, recent = old_and_new
    ids = {"OLD": str(old.public_id), "OLDER": str(older.public_id)}
    ids["RECENT"] = str(recent.public_id)
    if "actions" in data:
        chosen = data["actions"] if isinstance(data["actions"], list) else [data["actions"]]
        data = {**data, "actions": [ids.get(value, value) for value in chosen]}
    response = post(staff, data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page.replace("&#39;", "'")
    assert 'class="usa-error-message"' in page
    db.session.expire_all()
    assert all(a.is_open for a in db.session.scalars(select(RegulatoryAction)))


def test_firm_users_cannot_reach_the_list(client, sign_in, firm_admin, old_and_new):
    sign_in(firm_admin)
    assert client.get(URL).status_code == 404
    assert db.session.scalar(select(Site).where(Site.legal_name == "Old Letter Pharma"))
