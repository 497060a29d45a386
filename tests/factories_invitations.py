"""Factories for the invitation, engagement, firm and work-list tests."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from portal.auth.models import Role, User
from portal.invitations.models import Invitation
from portal.sites.models import ContactOutcome, Site
from portal.timeutil import utcnow
from tests import factories

#: A password that passes the NIST checks without a second factor.
NEW_PASSWORD = "harbour lights over quiet water"


def site_ready_for_letter(caller: User, *, reached: bool = True, **values: Any) -> Site:
    """An eligible site with one emailable contact and a logged call (SPEC 3)."""
    values.setdefault("legal_name", "Cascade Sterile Manufacturing LLC")
    site = factories.eligible_site(**values)
    factories.site_contact(site, name="Rosa Rivera", email="rosa.rivera@cascade.example.com")
    factories.contact_log(
        site,
        caller,
        outcome=ContactOutcome.REACHED if reached else ContactOutcome.LEFT_MESSAGE,
    )
    return site


def letter_to(site: Site, sent_by: User, **values: Any) -> tuple[Invitation, str]:
    """An open letter to the site's first contact, and its link token."""
    contact = site.contacts[0]
    values.setdefault("recipients", contact.email)
    values.setdefault("addressee", contact.name)
    values.setdefault(
        "letter_body",
        f"Dear {contact.name},\n\nFDA invites {site.legal_name} to the Site Engagement Program.",
    )
    return factories.invitation(site, sent_by, **values)


def open_letter(
    fda: User | None = None, *, site_values: dict[str, Any] | None = None, **values: Any
) -> SimpleNamespace:
    """A site, a sent letter to it and the token: the usual start of a link test."""
    fda = fda or factories.user(Role.FDA_STAFF)
    site = site_ready_for_letter(fda, **(site_values or {}))
    invitation, token = letter_to(site, fda, **values)
    return SimpleNamespace(fda=fda, site=site, invitation=invitation, token=token)


def expired_values() -> dict[str, Any]:
    now = utcnow()
    return {"sent_at": now - timedelta(days=31), "expires_at": now - timedelta(days=1)}


def unlock(client, token: str, email: str = "rosa.rivera@cascade.example.com"):
    """Type the letter's address at the link's gate, as its recipient does (SPEC "Who uses it")."""
    from tests.conftest import csrf_token_from

    url = f"/invitation/{token}"
    page = client.get(url).get_data(as_text=True)
    csrf = csrf_token_from(page) if 'name="csrf_token"' in page else ""
    return client.post(url, data={"email": email, "csrf_token": csrf})
