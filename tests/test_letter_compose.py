"""Composing a letter (issue 16): a lone contact is ticked; a site without an email contact
links straight to adding one, and saving it comes back to the letter."""

from __future__ import annotations

import html
import re

from portal.extensions import db
from portal.sites.models import SiteContact
from tests import factories
from tests.conftest import csrf_token_from
from tests.factories_invitations import site_ready_for_letter


def test_a_single_contact_is_ticked(client, sign_in, fda_staff):
    site = site_ready_for_letter(fda_staff)
    db.session.commit()
    sign_in(fda_staff)
    page = client.get(f"/sites/{site.public_id}/invitations/new").get_data(as_text=True)
    boxes = re.findall(r'<input class="usa-checkbox__input"[^>]*>', page)
    assert len(boxes) == 1 and " checked" in boxes[0]


def test_two_contacts_are_left_for_fda_to_choose(client, sign_in, fda_staff):
    site = site_ready_for_letter(fda_staff)
    factories.site_contact(site, name="Second Person", email="second@cascade.example.com")
    db.session.commit()
    sign_in(fda_staff)
    page = client.get(f"/sites/{site.public_id}/invitations/new").get_data(as_text=True)
    boxes = re.findall(r'<input class="usa-checkbox__input"[^>]*>', page)
    assert len(boxes) == 2 and not any(" checked" in box for box in boxes)


def test_no_email_contact_links_to_adding_one_and_comes_back(client, sign_in, fda_staff):
    site = factories.eligible_site()
    factories.contact_log(site, fda_staff)
    db.session.commit()
    sign_in(fda_staff)
    compose = f"/sites/{site.public_id}/invitations/new"
    page = client.get(compose).get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">Add a contact with an email address</a>', page)
    assert link, "the page links straight to adding a contact"
    add = html.unescape(link.group(1))
    assert add.startswith(f"/sites/{site.public_id}/contacts/new?next=")
    form = client.get(add).get_data(as_text=True)
    response = client.post(
        add,
        data={
            "csrf_token": csrf_token_from(form),
            "name": "Rosa Rivera",
            "email": "rosa@cascade.example.com",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == compose
    assert db.session.query(SiteContact).filter_by(site_id=site.id).count() == 1
    page = client.get(compose).get_data(as_text=True)
    assert "Rosa Rivera (rosa@cascade.example.com)" in page


def test_adding_a_contact_ignores_a_next_address_off_the_site(client, sign_in, fda_staff):
    site = factories.eligible_site()
    db.session.commit()
    sign_in(fda_staff)
    add = f"/sites/{site.public_id}/contacts/new?next=//evil.example/"
    form = client.get(add).get_data(as_text=True)
    response = client.post(
        add,
        data={"csrf_token": csrf_token_from(form), "name": "Rosa", "email": "r@c.example.com"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/sites/{site.public_id}")
