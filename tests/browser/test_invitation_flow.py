"""Issue 3 end to end, in a real browser: FDA imports the inspections export, checks the
site's eligibility, logs the call and sends the letter; the site's quality lead opens the
links in the delivered email, accepts, sets a password, signs in and invites a colleague.
Every page visited passes axe (WCAG 2.1 A and AA)."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.auth.models import Role, User, UserStatus
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.mail import deliver_outbox
from portal.timeutil import to_local, utcnow
from tests import factories
from tests.browser.helpers import assert_accessible, sign_in, sign_out
from tests.factories_invitations import NEW_PASSWORD, expired_values, open_letter
from tests.factories_sites import inspection_row, inspections_csv

FEI = "3002806560"
SITE = "Lakeshore Sterile Injectables, LLC"
CONTACT = "dana.okafor@lakeshore.example.com"


def checked(page, label: str) -> None:
    page.wait_for_load_state()
    assert_accessible(page, label)


def link_in(text: str, pattern: str) -> str:
    match = re.search(pattern, text)
    assert match, f"no {pattern} in the email"
    return match.group(0)


def test_fda_invites_the_site_and_its_quality_lead_accepts(page, smtp, live_server, fda_staff):
    db.session.commit()
    sign_in(page, fda_staff, factories.PASSWORD)
    checked(page, "FDA work list")

    # FDA imports the Data Dashboard inspections export.
    page.goto("/imports/inspections")
    checked(page, "inspections upload")
    page.get_by_label("CSV file").set_input_files(
        files=[
            {
                "name": "inspections.csv",
                "mimeType": "text/csv",
                "buffer": inspections_csv([inspection_row()]),
            }
        ]
    )
    page.get_by_role("button", name="Upload and import").click()
    page.get_by_role("heading", name="Import of inspections.csv").wait_for()
    checked(page, "import summary")

    # ...finds the site, and checks its eligibility: no shortage-vulnerable product yet.
    page.goto(f"/sites?q={FEI}")
    checked(page, "site list")
    page.get_by_role("link", name=SITE).first.click()
    page.get_by_role("heading", name=SITE, level=1).wait_for()
    checked(page, "site page")
    assert "Not eligible" in page.inner_text("#eligibility")
    page.get_by_role("link", name="Add a product").click()
    checked(page, "add a product")
    page.get_by_label("Finished drug product").fill("Vancomycin Hydrochloride for Injection")
    page.get_by_label("Shortage-vulnerable").check()
    page.get_by_role("textbox", name="Why").fill(
        "Sole supplier of the 10 g vial to U.S. hospitals."
    )
    page.get_by_role("button", name="Save product").click()
    page.get_by_role("heading", name=SITE, level=1).wait_for()
    assert "Eligible: all three criteria are met." in page.inner_text("#eligibility")

    # The letter needs a contact and a call that reached the site (SPEC 3).
    page.get_by_role("link", name="Add a contact").click()
    checked(page, "add a contact")
    page.get_by_label("Name").fill("Dana Okafor")
    page.get_by_label("Job title").fill("Director of Quality")
    page.get_by_label("Email address").fill(CONTACT)
    page.get_by_role("button", name="Save contact").click()
    page.get_by_role("heading", name=SITE, level=1).wait_for()
    assert "A new letter cannot be sent yet." in page.inner_text("main")
    called = to_local(utcnow(), fda_staff.timezone).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("When", exact=True).fill(called)
    page.get_by_label("Spoke with the site", exact=True).check()
    page.get_by_label("Person reached").fill("Dana Okafor, Director of Quality")
    page.get_by_role("button", name="Log the call").click()
    page.get_by_role("heading", name=SITE, level=1).wait_for()
    checked(page, "site page after the call")

    # FDA writes, checks and sends the letter.
    page.get_by_role("link", name="Write the invitation letter").click()
    checked(page, "compose the letter")
    page.get_by_label(f"Dana Okafor ({CONTACT})").check()
    assert page.get_by_label("Addressed to").input_value() == "Dana Okafor"
    page.get_by_label("Addressed to").fill("Ms. Okafor")
    page.get_by_role("button", name="Preview the letter").click()
    page.get_by_role("heading", name="Check the letter before sending").wait_for()
    checked(page, "letter preview")
    assert "You are about to email 1 person" in page.inner_text("main")
    page.get_by_role("button", name="Send the letter to 1 person").click()
    page.get_by_role("heading", name=f"Invitation letter to {SITE}").wait_for()
    checked(page, "the letter as sent")
    page.goto("/work")
    assert SITE in page.inner_text("section[aria-labelledby=awaiting-heading]")
    checked(page, "work list with the letter awaiting a reply")
    sign_out(page)

    # The email reaches the site's contact through the real SMTP server.
    assert deliver_outbox().sent >= 1
    letters = [m for m in smtp.wait_for(1) if CONTACT in m["To"]]
    assert len(letters) == 1
    body = letters[0].get_body(preferencelist=("plain",)).get_content()
    base = re.escape(live_server.url)
    letter_link = link_in(body, base + r"/invitation/[A-Za-z0-9_\-]+(?=\s)")
    accept_link = link_in(body, base + r"/invitation/[A-Za-z0-9_\-]+/accept")

    # The quality lead types the address the letter reached, reads it, then accepts and
    # chooses a password.
    page.goto(letter_link)
    page.get_by_role("heading", name="Invitation to FDA's Site Engagement Program").wait_for()
    checked(page, "the link asks for the letter's address")
    assert SITE not in page.inner_text("main")
    page.get_by_label("The email address this letter was sent to").fill(CONTACT)
    page.get_by_role("button", name="Show the letter").click()
    page.get_by_text("Dear Ms. Okafor,").wait_for()
    checked(page, "the letter from the email")
    page.goto(accept_link)
    checked(page, "accept the invitation")
    page.get_by_label("Your full name").fill("Dana Okafor")
    page.get_by_label("Your job title").fill("Director of Quality")
    assert page.get_by_label("Your email address").input_value() == CONTACT
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Accept the invitation").click()
    page.get_by_role("heading", name=f"Engagement: {SITE}").wait_for()
    checked(page, "the firm's engagement page")
    assert "What happens next" in page.inner_text("main")
    sign_out(page)

    lead = db.session.scalars(select(User).where(User.email == CONTACT)).one()
    assert lead.role == Role.FIRM_ADMIN
    assert db.session.scalars(select(Engagement)).one().firm_id == lead.firm_id

    # She signs in with her new password and invites a colleague.
    sign_in(page, lead, NEW_PASSWORD)
    page.get_by_role("heading", name="Lakeshore Sterile Injectables, LLC in the Site").wait_for()
    checked(page, "the firm's home page")
    page.get_by_role("link", name="Colleagues").click()
    checked(page, "colleagues")
    page.get_by_label("Colleague's full name").fill("Sam Ortiz")
    page.get_by_label("Job title").fill("QA Specialist")
    page.get_by_label("Email address").fill("sam.ortiz@lakeshore.example.com")
    page.get_by_role("button", name="Invite colleague").click()
    page.get_by_text("Sam Ortiz has been invited.").wait_for()
    checked(page, "colleagues after the invitation")
    colleague = db.session.scalars(
        select(User).where(User.email == "sam.ortiz@lakeshore.example.com")
    ).one()
    assert (colleague.role, colleague.status) == (Role.FIRM_STAFF, UserStatus.INVITED)
    assert colleague.firm_id == lead.firm_id


def unlock_in_browser(page, token: str, email: str = "rosa.rivera@cascade.example.com") -> None:
    """Type the letter's address at the link's gate, as its recipient does."""
    page.goto(f"/invitation/{token}")
    page.get_by_label("The email address this letter was sent to").fill(email)
    page.get_by_role("button", name="Show the letter").click()
    page.get_by_role("link", name="Accept the invitation").wait_for()


def test_the_other_invitation_engagement_and_firm_pages_pass_axe(page, fda_staff, firm_admin):
    live = open_letter(fda_staff)
    expired = open_letter(fda_staff, site_values={"legal_name": "Lapsed Site"}, **expired_values())
    engagement = factories.engagement(firm_admin.firm, sent_by=fda_staff)
    factories.regulatory_action(engagement.site)
    colleague = factories.user(Role.FIRM_STAFF, firm=firm_admin.firm)
    db.session.commit()

    # Anonymous: the link's gate with a wrong address, then the decline page, a link that
    # no longer works, one that never did.
    page.goto(f"/invitation/{live.token}")
    page.get_by_label("The email address this letter was sent to").fill("wrong@example.com")
    page.get_by_role("button", name="Show the letter").click()
    page.get_by_text("This address does not open this letter.").first.wait_for()
    checked(page, "the link's gate with a wrong address")
    unlock_in_browser(page, live.token)
    for path, label in (
        (f"/invitation/{live.token}/decline", "decline page"),
        (f"/invitation/{expired.token}", "expired link"),
        ("/invitation/" + "x" * 43, "unknown link"),
    ):
        page.goto(path)
        checked(page, label)

    sign_in(page, fda_staff, factories.PASSWORD)
    unlock_in_browser(page, live.token)
    for path, label in (
        (f"/invitations/{live.invitation.public_id}/withdraw", "withdraw a letter"),
        (f"/invitations/{live.invitation.public_id}/resend", "re-send a letter"),
        ("/engagements?status=all", "engagement list"),
        (f"/engagements/{engagement.public_id}", "flagged engagement"),
        (f"/engagements/{engagement.public_id}/close", "close an engagement"),
        (f"/invitation/{live.token}/accept", "accept refused to FDA staff"),
    ):
        page.goto(path)
        checked(page, label)
    page.goto(f"/invitations/{live.invitation.public_id}/withdraw")
    page.get_by_role("button", name="Withdraw the invitation").click()
    checked(page, "withdraw with the reason missing")
    sign_out(page)

    sign_in(page, firm_admin, factories.PASSWORD)
    page.goto(f"/firm/team/{colleague.public_id}/deactivate")
    checked(page, "deactivate a colleague")
    unlock_in_browser(page, live.token)
    page.goto(f"/invitation/{live.token}/decline")
    page.get_by_label("Would you tell us why?").fill("Not now.")
    page.get_by_role("button", name="Decline the invitation").click()
    page.get_by_role("heading", name="You have declined the invitation").wait_for()
    checked(page, "declined confirmation")
