"""Accepting an invitation (SPEC 6): the account, the firm, the engagement, exactly once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.auth.models import Firm, Role, User, UserStatus
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.invitations import acceptance
from portal.invitations.models import Invitation, InvitationStatus
from portal.security.passwords import verify_password
from tests import factories
from tests.conftest import csrf_token_from, login_as, outbox
from tests.factories_invitations import NEW_PASSWORD, open_letter, unlock
from tests.sweep import snapshot

INVITED = "rosa.rivera@cascade.example.com"


def answer(**overrides):
    data = {
        "full_name": "Rosa Rivera",
        "title": "Quality Director",
        "email": INVITED,
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def post_accept(client, token, **overrides):
    unlock(client, token)
    url = f"/invitation/{token}/accept"
    csrf = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**answer(**overrides), "csrf_token": csrf})


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_new_person_accepts_becomes_firm_admin_and_lands_on_the_engagement(client, fda_admin):
    letter = open_letter()
    db.session.commit()
    response = post_accept(client, letter.token)
    assert response.status_code == 302
    engagement = db.session.scalars(select(Engagement)).one()
    assert response.headers["Location"] == f"/firm/engagements/{engagement.public_id}"
    user = db.session.scalars(select(User).where(User.email == INVITED)).one()
    assert user.role == Role.FIRM_ADMIN and user.status == UserStatus.ACTIVE
    assert user.title == "Quality Director"
    assert verify_password(user.password_hash, NEW_PASSWORD)
    firm = db.session.get(Firm, user.firm_id)
    assert firm.name == "Cascade Sterile Manufacturing LLC"
    invitation = db.session.get(Invitation, letter.invitation.id)
    assert invitation.status == InvitationStatus.ACCEPTED
    assert (invitation.responder_name, invitation.responder_email) == ("Rosa Rivera", INVITED)
    assert invitation.site.firm_id == firm.id
    assert engagement.firm_id == firm.id and engagement.status == EngagementStatus.ACTIVE
    assert engagement.invitation_id == invitation.id
    # FDA is told; the new lead gets a welcome with what happens next.
    (notice,) = outbox("invitations_decided")
    assert set(notice.recipient_list) == {letter.fda.email, fda_admin.email}
    assert "accepted" in notice.body_text and "Rosa Rivera" in notice.body_text
    (welcome,) = outbox("invitations_welcome")
    assert welcome.recipient_list == [INVITED]
    assert "two weeks before each meeting" in welcome.body_text
    # ...and is signed in, on their engagement page.
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "What happens next" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password": "", "confirm": ""}, "password", "Choose a password"),
        (
            {"password": "short but ok", "confirm": "short but ok"},
            "password",
            "at least 15 characters",
        ),
        (
            {"password": "passwordpassword", "confirm": "passwordpassword"},
            "password",
            "commonly used",
        ),
        ({"confirm": "something else entirely"}, "confirm", "not the same"),
        ({"email": "not-an-email"}, "email", "Enter an email address"),
        ({"title": ""}, "title", "Enter your job title"),
    ],
)
def test_bad_answers_are_named_beside_the_field_and_change_nothing(
    client, overrides, field, message
):
    letter = open_letter()
    db.session.commit()
    before = snapshot()
    response = post_accept(client, letter.token, **overrides)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in body
    assert message in body
    assert snapshot() == before


def test_an_existing_account_must_sign_in_first(client):
    letter = open_letter()
    factories.user(Role.FIRM_STAFF, email=INVITED)
    db.session.commit()
    before = snapshot()
    response = post_accept(client, letter.token)
    body = response.get_data(as_text=True)
    assert "Sign in to accept" in body
    assert f"/login?next=/invitation/{letter.token}/accept" in body
    assert snapshot() == before


def test_signed_in_as_the_invited_person_accepts_into_their_own_firm(client, sign_in):
    letter = open_letter()
    firm = factories.firm("Cascade Holdings")
    person = factories.user(Role.FIRM_STAFF, firm=firm, email=INVITED, full_name="Rosa Rivera")
    sign_in(person)
    unlock(client, letter.token)
    page = client.get(f"/invitation/{letter.token}/accept").get_data(as_text=True)
    assert 'name="password"' not in page
    assert f"You are signed in as Rosa Rivera ({INVITED})" in page
    response = post_accept(client, letter.token, password="", confirm="")
    assert response.status_code == 302
    engagement = db.session.scalars(select(Engagement)).one()
    assert engagement.firm_id == firm.id
    assert count(User) == 2  # the FDA sender and the person: no new account
    assert db.session.get(Invitation, letter.invitation.id).site.firm_id == firm.id


@pytest.mark.parametrize("who", ["other_firm_user", "fda_staff"])
def test_signed_in_as_someone_else_is_refused_and_changes_nothing(client, sign_in, who):
    letter = open_letter()
    if who == "fda_staff":
        person = letter.fda
    else:
        person = factories.user(Role.FIRM_ADMIN, email="someone@elsewhere.example.com")
    sign_in(person)
    unlock(client, letter.token)
    before = snapshot()
    response = client.get(f"/invitation/{letter.token}/accept")
    assert response.status_code == 403
    assert "Sign out" in response.get_data(as_text=True)
    csrf = csrf_token_from(response.get_data(as_text=True))
    response = client.post(
        f"/invitation/{letter.token}/accept", data={**answer(), "csrf_token": csrf}
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_a_site_linked_to_another_firm_cannot_be_taken_over(client, sign_in):
    letter = open_letter()
    letter.site.firm_id = factories.firm("Original Owner").id
    person = factories.user(Role.FIRM_ADMIN, email=INVITED)
    sign_in(person)
    before = snapshot()
    response = post_accept(client, letter.token, password="", confirm="")
    assert "already linked to another firm" in response.get_data(as_text=True)
    assert snapshot() == before


def test_the_sites_existing_firm_is_kept_when_a_new_person_accepts(client):
    letter = open_letter()
    firm = factories.firm("Known Firm")
    letter.site.firm_id = firm.id
    db.session.commit()
    assert post_accept(client, letter.token).status_code == 302
    assert count(Firm) == 1
    user = db.session.scalars(select(User).where(User.email == INVITED)).one()
    assert user.firm_id == firm.id


def test_two_concurrent_accepts_open_one_engagement_and_one_account(app, no_csrf, monkeypatch):
    """SPEC 6, on SQLite and PostgreSQL: both requests pass the checks, one decides."""
    letter = open_letter()
    db.session.commit()
    token = letter.token
    both_checked = threading.Barrier(2, timeout=20)
    real_claim = acceptance.claim_decision

    def claim_together(*args, **kwargs):
        # Both requests have passed every check and read the letter as open.
        both_checked.wait()
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(acceptance, "claim_decision", claim_together)
    statuses: list[int] = []
    errors: list[BaseException] = []

    clients = [app.test_client() for _ in range(2)]
    for each in clients:
        unlock(each, token)

    def accept_once(each):
        try:
            response = each.post(f"/invitation/{token}/accept", data=answer())
            statuses.append(response.status_code)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=accept_once, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(statuses) == [302, 409], statuses
    assert count(Engagement) == 1
    assert db.session.scalar(select(func.count()).where(User.email == INVITED)) == 1
    assert count(Firm) == 1
    assert len(outbox("invitations_decided")) == 1


def test_the_loser_of_the_race_sees_the_recorded_decision(client):
    letter = open_letter()
    db.session.commit()
    assert post_accept(client, letter.token).status_code == 302
    url = f"/invitation/{letter.token}/accept"
    other = client.application.test_client()
    csrf = csrf_token_from(other.get("/login").get_data(as_text=True))
    response = other.post(url, data={**answer(), "csrf_token": csrf})
    assert response.status_code == 409
    assert "This invitation has been accepted" in response.get_data(as_text=True)


def test_firm_users_land_on_the_firm_home_after_signing_in(client, firm_admin):
    login_as(client, firm_admin)
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/firm")


def test_the_accept_form_is_filled_in_with_the_address_typed(client):
    letter = open_letter()
    db.session.commit()
    unlock(client, letter.token, "Rosa.Rivera@cascade.example.com")
    page = client.get(f"/invitation/{letter.token}/accept").get_data(as_text=True)
    assert f'value="{INVITED}"' in page
    # Required only in some cases, so never labelled "(optional)" (issue 16).
    assert "Choose a password <span" not in page
    assert "Choose a password</label>" in page


def test_the_decline_form_says_optional_once(client):
    letter = open_letter()
    db.session.commit()
    unlock(client, letter.token)
    page = client.get(f"/invitation/{letter.token}/decline").get_data(as_text=True)
    assert page.count("(optional)") == 1


OWN_ADDRESS = "rosa.rivera.personal@cascade.example.com"


def test_an_own_work_address_becomes_the_sign_in_only_through_its_activation_link(client):
    """A letter to a shared mailbox need not make the mailbox someone's sign-in (issue 16)."""
    letter = open_letter()
    db.session.commit()
    response = post_accept(client, letter.token, email=OWN_ADDRESS, password="", confirm="")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/invitation/{letter.token}"
    user = db.session.scalars(select(User).where(User.email == OWN_ADDRESS)).one()
    assert user.status == UserStatus.INVITED and user.role == Role.FIRM_ADMIN
    assert user.password_hash in (None, "")
    assert db.session.scalar(select(func.count()).where(User.email == INVITED)) == 0
    (activation,) = outbox("account_activation")
    assert activation.recipient_list == [OWN_ADDRESS]
    assert count(Engagement) == 1
    # Not signed in: the address is not theirs until the link is used.
    assert client.get("/firm").status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"We have emailed {OWN_ADDRESS} a link" in page


def test_an_own_address_that_already_has_an_account_is_refused(client):
    letter = open_letter()
    factories.user(Role.FIRM_STAFF, email=OWN_ADDRESS)
    db.session.commit()
    before = snapshot()
    response = post_accept(client, letter.token, email=OWN_ADDRESS, password="", confirm="")
    assert response.status_code == 200
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert snapshot() == before
