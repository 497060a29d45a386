"""The invitation letter states only what the site's records show (SPEC 4; issue 10 item 10).

Its old fixed wording told every site it was inspected in FY2017-2018 and had no adverse
action -- also a site admitted by override with no inspection and an open warning letter.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.invitations import services
from portal.invitations.models import Invitation
from portal.sites.eligibility import override_eligibility
from portal.sites.models import ContactOutcome
from tests import factories
from tests.conftest import csrf_token_from
from tests.factories_invitations import site_ready_for_letter

PRODUCTS = (
    "it makes finished drug products that, if their supply were disrupted, would put patients "
    "at higher risk"
)
NO_ACTION = "it is not currently involved in an adverse regulatory action"


def overridden_site(fda_staff):
    """Admitted by override: no inspection at all, and an open warning letter of 2021."""
    site = factories.site(legal_name="Override Admitted Pharma LLC")
    factories.product(site, shortage_vulnerable=True)
    factories.regulatory_action(site, action_date=date(2021, 4, 2))
    factories.site_contact(site, name="Ana Diaz", email="ana@override.example.com")
    factories.contact_log(site, fda_staff, outcome=ContactOutcome.REACHED)
    override_eligibility(
        site, eligible=True, reason="Compliance confirms the 2021 letter is resolved.", by=fda_staff
    )
    db.session.commit()
    return site


def send(site, by, paragraph: str = "") -> Invitation:
    return services.send_invitation(
        site, contacts=site.contacts, addressee="Ms. Diaz", by=by, paragraph=paragraph
    )


def test_an_eligible_site_is_told_each_criterion_with_its_inspection_year(app, fda_staff):
    site = site_ready_for_letter(fda_staff)  # inspected 1 Jun 2017: FY2017
    db.session.commit()
    body = send(site, fda_staff).letter_body
    assert (
        f"Your site was identified because {PRODUCTS}; because FDA inspected it in fiscal year "
        f"2017; and because {NO_ACTION} such as a warning letter." in " ".join(body.split())
    )


def test_a_site_with_an_open_action_is_not_told_it_has_none(app, fda_staff):
    site = site_ready_for_letter(fda_staff)
    factories.regulatory_action(site, action_date=date(2019, 3, 1))
    db.session.commit()
    body = " ".join(send(site, fda_staff).letter_body.split())
    assert f"Your site was identified because {PRODUCTS}; and because FDA inspected it" in body
    assert NO_ACTION not in body


def test_a_site_admitted_by_override_needs_fdas_paragraph_instead_of_the_criteria(app, fda_staff):
    site = overridden_site(fda_staff)
    with pytest.raises(services.InvitationError, match="admitted to the program by FDA"):
        send(site, fda_staff)
    assert db.session.scalar(select(Invitation)) is None

    paragraph = "FDA's review of your site's recent compliance history led us to invite you."
    invitation = send(site, fda_staff, paragraph=paragraph)
    body = " ".join(invitation.letter_body.split())
    assert paragraph in body
    assert "identified because" not in body
    assert "inspected" not in body and NO_ACTION not in body
    assert invitation.fda_paragraph == paragraph

    # A re-sent letter says the same paragraph again.
    again = services.resend_invitation(invitation, by=fda_staff)
    assert paragraph in " ".join(again.letter_body.split())
    assert again.fda_paragraph == paragraph


def test_fda_may_add_its_own_paragraph_to_any_letter(app, fda_staff):
    site = site_ready_for_letter(fda_staff)
    db.session.commit()
    invitation = send(site, fda_staff, paragraph="We look forward to  meeting your team.")
    body = invitation.letter_body
    assert "We look forward to meeting your team." in body
    assert body.index("identified because") < body.index("We look forward")


def test_the_compose_page_asks_for_the_paragraph_beside_its_field(client, sign_in, fda_staff):
    site = overridden_site(fda_staff)
    sign_in(fda_staff)
    url = f"/sites/{site.public_id}/invitations/new"
    page = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(page),
        "recipients": [str(c.public_id) for c in site.contacts],
        "addressee": "Ms. Diaz",
        "step": "preview",
    }
    refused = client.post(url, data=data).get_data(as_text=True)
    assert 'id="paragraph-error"' in refused
    assert "admitted to the program by FDA&#39;s override" in refused
    preview = client.post(url, data={**data, "paragraph": "FDA invites your site because ..."})
    text = preview.get_data(as_text=True)
    assert "FDA invites your site because ..." in text and "identified because" not in text
    sent = client.post(
        f"/sites/{site.public_id}/invitations",
        data={**data, "paragraph": "FDA invites your site because ..."},
    )
    assert sent.status_code == 302
    assert db.session.scalars(select(Invitation)).one().fda_paragraph == (
        "FDA invites your site because ..."
    )
