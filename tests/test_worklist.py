"""FDA's work list (SPEC 3-6, 13): each section holds what it should, at a fixed query cost."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.invitations.models import InvitationStatus
from portal.sites.models import ContactOutcome
from portal.timeutil import utcnow
from portal.worklist.queries import RECENT_DAYS
from tests import factories
from tests.factories_invitations import expired_values, letter_to, site_ready_for_letter


def section(page: str, heading: str) -> str:
    """The HTML of one section, from its heading to the next."""
    start = page.index(heading)
    end = page.find("<h2", start + len(heading))
    return page[start : end if end != -1 else len(page)]


def build_program(fda, label: str = "") -> None:
    """One site in each state the work list knows."""
    factories.eligible_site(legal_name=f"Never Called{label}")
    factories.site(legal_name=f"Ineligible Never Called{label}")
    called = factories.eligible_site(legal_name=f"Called Once{label}")
    factories.contact_log(called, fda, outcome=ContactOutcome.LEFT_MESSAGE)
    ready = site_ready_for_letter(fda, legal_name=f"Reached No Letter{label}")
    assert ready
    waiting = site_ready_for_letter(fda, legal_name=f"Letter Waiting{label}")
    letter_to(waiting, fda, expires_at=utcnow() + timedelta(days=12, hours=1))
    declined = site_ready_for_letter(fda, legal_name=f"Declined Lately{label}")
    letter_to(
        declined,
        fda,
        status=InvitationStatus.DECLINED,
        decided_at=utcnow() - timedelta(days=2),
        decline_reason="Busy with a remediation.",
    )
    accepted = site_ready_for_letter(fda, legal_name=f"Accepted Long Ago{label}")
    letter_to(
        accepted,
        fda,
        status=InvitationStatus.ACCEPTED,
        decided_at=utcnow() - timedelta(days=90),
    )
    flagged = factories.engagement(
        factories.firm(f"Flagged Firm{label}"),
        site=factories.site(legal_name=f"Flagged Site{label}"),
        sent_by=fda,
    )
    factories.regulatory_action(flagged.site)
    overdue = site_ready_for_letter(fda, legal_name=f"Overdue Letter{label}")
    letter_to(overdue, fda, **expired_values())


def test_each_section_lists_the_right_sites(client, sign_in, fda_staff):
    build_program(fda_staff)
    sign_in(fda_staff)
    response = client.get("/work")
    assert response.status_code == 200
    page = response.get_data(as_text=True)

    not_contacted = section(page, "Eligible sites not yet contacted")
    assert "Never Called" in not_contacted
    assert "Ineligible Never Called" not in not_contacted
    assert "Called Once" not in not_contacted

    no_letter = section(page, "Called, but no letter sent since")
    assert "Called Once" in no_letter and "no call has reached the site yet" in no_letter
    assert "Reached No Letter" in no_letter and "write the letter" in no_letter
    assert "Letter Waiting" not in no_letter
    # Declined, then not called again: it waits for a new call, not a letter.
    assert "Declined Lately" not in no_letter

    awaiting = section(page, "Letters awaiting a reply")
    assert "Letter Waiting" in awaiting and "12 days" in awaiting
    assert "Overdue Letter" in awaiting and "Expired" in awaiting

    decisions = section(page, "Accepts and declines in the last 30 days")
    assert "Declined Lately" in decisions and "Busy with a remediation." in decisions
    assert "Accepted Long Ago" not in decisions

    flagged = section(page, "Engagements flagged by a regulatory action")
    assert "Flagged Site" in flagged and "Flagged Firm" in flagged
    assert "Confidential commercial information" in page


def test_a_declined_site_called_again_is_ready_for_a_new_letter(client, sign_in, fda_staff):
    site = site_ready_for_letter(fda_staff, legal_name="Second Chance Pharma")
    letter_to(
        site,
        fda_staff,
        status=InvitationStatus.DECLINED,
        sent_at=utcnow() - timedelta(days=40),
        decided_at=utcnow() - timedelta(days=35),
    )
    site.contact_logs[0].called_at = utcnow() - timedelta(days=41)
    factories.contact_log(site, fda_staff, called_at=utcnow() - timedelta(days=1))
    sign_in(fda_staff)
    page = client.get("/work").get_data(as_text=True)
    assert "Second Chance Pharma" in section(page, "Called, but no letter sent since")


def test_empty_sections_say_so(client, sign_in, fda_staff):
    sign_in(fda_staff)
    page = client.get("/work").get_data(as_text=True)
    assert "Every eligible site has been called." in page
    assert "No letter is awaiting a reply." in page
    assert "No engagement is flagged." in page


def test_the_query_count_is_the_same_with_one_or_thirty_of_everything(
    client, sign_in, fda_staff, count_queries
):
    build_program(fda_staff, " 0")
    sign_in(fda_staff)
    db.session.commit()
    with count_queries() as once:
        client.get("/work")
    for number in range(1, 30):
        build_program(fda_staff, f" {number}")
    db.session.commit()
    with count_queries() as thirty:
        page = client.get("/work").get_data(as_text=True)
    assert once.count == thirty.count
    # Long sections show their first rows and say how many there are.
    assert "Showing the first 20 of 30." in section(page, "Eligible sites not yet contacted")


def test_firm_users_cannot_see_the_work_list(client, sign_in, firm_admin):
    sign_in(firm_admin)
    assert client.get("/work").status_code == 404


def test_the_sections_read_the_clock_of_each_request(client, sign_in, fda_staff, time_machine):
    """The sections' statements are built once per process: the time is a parameter of each
    run, so a letter that expires and a decision that ages out move between requests."""
    start = utcnow()
    time_machine.move_to(start, tick=False)
    expiring = site_ready_for_letter(fda_staff, legal_name="Soon Expired Pharma")
    letter_to(
        expiring,
        fda_staff,
        sent_at=start - timedelta(days=5),
        expires_at=start + timedelta(days=2),
    )
    # Called again after the letter: only the open letter keeps it off "no letter since".
    factories.contact_log(expiring, fda_staff, called_at=start - timedelta(days=1))
    declined = site_ready_for_letter(fda_staff, legal_name="Declined Pharma")
    letter_to(
        declined,
        fda_staff,
        status=InvitationStatus.DECLINED,
        decided_at=start - timedelta(days=RECENT_DAYS - 1),
    )
    sign_in(fda_staff)
    page = client.get("/work").get_data(as_text=True)
    assert "Soon Expired Pharma" not in section(page, "Called, but no letter sent since")
    assert "Declined Pharma" in section(page, "Accepts and declines")

    time_machine.move_to(start + timedelta(days=3), tick=False)
    sign_in(fda_staff)
    page = client.get("/work").get_data(as_text=True)
    assert "Soon Expired Pharma" in section(page, "Called, but no letter sent since")
    assert "Declined Pharma" not in section(page, "Accepts and declines")
