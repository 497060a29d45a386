"""The firm's side: its home, its engagement, its colleagues (SPEC "Who uses it", 6)."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth.models import Role, User, UserStatus
from portal.extensions import db
from tests import factories
from tests.conftest import csrf_token_from, outbox
from tests.factories_feedback import engagement_with_people


def test_home_lists_the_firms_engagements_and_what_happens_next(client, sign_in):
    team = engagement_with_people("Alpha Pharmaceuticals")
    other = engagement_with_people("Bravo Laboratories")
    sign_in(team.admin)
    page = client.get("/firm").get_data(as_text=True)
    assert team.engagement.site.legal_name in page
    assert other.engagement.site.legal_name not in page
    assert "FDA schedules the first meeting" in page
    assert "at least two weeks before each meeting" in page
    assert "agreed at the first meeting" in page
    assert "Confidential commercial information" in page


def test_what_happens_next_goes_once_the_first_meeting_has_agreed_the_timeframe(
    client, sign_in
):
    from portal.timeutil import utcnow

    team = engagement_with_people("Alpha Pharmaceuticals")
    engagement_url = f"/firm/engagements/{team.engagement.public_id}"
    sign_in(team.admin)
    assert "What happens next" in client.get(engagement_url).get_data(as_text=True)
    team.engagement.timeframe_cadence = "Every six weeks, by video call"
    team.engagement.timeframe_recorded_at = utcnow()
    db.session.commit()
    for url in ("/firm", engagement_url):
        page = client.get(url).get_data(as_text=True)
        assert "Every six weeks, by video call" in page, url
        assert "What happens next" not in page, url
        assert "FDA schedules the first meeting" not in page, url


def test_home_without_an_engagement_says_so(client, sign_in, firm_admin):
    sign_in(firm_admin)
    page = client.get("/firm").get_data(as_text=True)
    assert "Your firm has no engagement in the program yet." in page


def test_home_and_engagement_pages_keep_a_fixed_query_count(client, sign_in, count_queries):
    team = engagement_with_people()
    sign_in(team.admin)
    engagement_url = f"/firm/engagements/{team.engagement.public_id}"
    with count_queries() as home_one:
        client.get("/firm")
    with count_queries() as detail_one:
        client.get(engagement_url)
    for _ in range(30):
        factories.engagement(team.firm)
        factories.user(Role.FIRM_STAFF, firm=team.firm)
    db.session.commit()
    with count_queries() as home_many:
        page = client.get("/firm").get_data(as_text=True)
    with count_queries() as detail_many:
        client.get(engagement_url)
    assert page.count("/firm/engagements/") >= 31
    assert home_one.count == home_many.count
    assert detail_one.count == detail_many.count


def test_the_engagement_page_shows_no_regulatory_flag_to_the_firm(client, sign_in):
    team = engagement_with_people()
    factories.regulatory_action(team.engagement.site)
    sign_in(team.staff[0])
    page = client.get(f"/firm/engagements/{team.engagement.public_id}").get_data(as_text=True)
    assert "To be agreed at the first meeting." in page
    assert "Flagged" not in page and "regulatory action" not in page


def test_firm_admin_invites_a_colleague_as_firm_staff(client, sign_in):
    team = engagement_with_people(staff=0)
    sign_in(team.admin)
    page = client.get("/firm/team").get_data(as_text=True)
    response = client.post(
        "/firm/team",
        data={
            "csrf_token": csrf_token_from(page),
            "full_name": "Casey Chen",
            "title": "QA Associate",
            "email": "Casey.Chen@Alpha.example.com",
        },
    )
    assert response.status_code == 302
    colleague = db.session.scalars(
        select(User).where(User.email == "casey.chen@alpha.example.com")
    ).one()
    assert colleague.role == Role.FIRM_STAFF
    assert colleague.firm_id == team.firm.id
    assert colleague.status == UserStatus.INVITED
    assert colleague.invited_by_id == team.admin.id
    (message,) = outbox("account_activation")
    assert message.recipient_list == ["casey.chen@alpha.example.com"]
    assert "/activate/" in message.body_text
    assert "Casey Chen" in client.get("/firm/team").get_data(as_text=True)


def test_inviting_a_bad_address_is_refused(client, sign_in):
    team = engagement_with_people(staff=0)
    sign_in(team.admin)
    page = client.get("/firm/team").get_data(as_text=True)
    for email, message in (("not an email", "Enter an email address"),):
        response = client.post(
            "/firm/team",
            data={"csrf_token": csrf_token_from(page), "full_name": "X Y", "email": email},
        )
        body = response.get_data(as_text=True)
        assert 'id="email-error"' in body and message in body
    assert outbox() == []


def test_deactivating_a_colleague_needs_confirmation_and_ends_their_access(client, sign_in):
    team = engagement_with_people(staff=1)
    colleague = team.staff[0]
    sign_in(team.admin)
    url = f"/firm/team/{colleague.public_id}/deactivate"
    page = client.get(url).get_data(as_text=True)
    assert f"Deactivate {colleague.full_name}?" in page
    assert db.session.get(User, colleague.id).status == UserStatus.ACTIVE
    assert client.post(url, data={"csrf_token": csrf_token_from(page)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, colleague.id).status == UserStatus.DEACTIVATED
    # ...and back again.
    team_page = client.get("/firm/team").get_data(as_text=True)
    client.post(
        f"/firm/team/{colleague.public_id}/reactivate",
        data={"csrf_token": csrf_token_from(team_page)},
    )
    db.session.expire_all()
    assert db.session.get(User, colleague.id).status == UserStatus.ACTIVE


def test_the_firm_admin_cannot_deactivate_themselves(client, sign_in):
    team = engagement_with_people(staff=0)
    sign_in(team.admin)
    url = f"/firm/team/{team.admin.public_id}/deactivate"
    response = client.get(url)
    assert response.status_code == 302
    csrf = csrf_token_from(client.get("/firm/team").get_data(as_text=True))
    client.post(url, data={"csrf_token": csrf})
    db.session.expire_all()
    assert db.session.get(User, team.admin.id).status == UserStatus.ACTIVE


def test_another_firms_colleague_is_not_found(client, sign_in):
    team = engagement_with_people("Alpha Pharmaceuticals")
    other = engagement_with_people("Bravo Laboratories")
    sign_in(team.admin)
    csrf = csrf_token_from(client.get("/firm/team").get_data(as_text=True))
    target = other.staff[0]
    assert client.get(f"/firm/team/{target.public_id}/deactivate").status_code == 404
    for action in ("deactivate", "reactivate", "resend"):
        response = client.post(f"/firm/team/{target.public_id}/{action}", data={"csrf_token": csrf})
        assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(User, target.id).status == UserStatus.ACTIVE
    assert target.email not in client.get("/firm/team").get_data(as_text=True)


def test_firm_staff_cannot_manage_colleagues(client, sign_in):
    team = engagement_with_people(staff=2)
    sign_in(team.staff[0])
    assert client.get("/firm/team").status_code == 403
    csrf = csrf_token_from(client.get("/firm").get_data(as_text=True))
    response = client.post(
        "/firm/team",
        data={"csrf_token": csrf, "full_name": "Sneaky", "email": "sneaky@alpha.example.com"},
    )
    assert response.status_code == 403
    response = client.post(
        f"/firm/team/{team.staff[1].public_id}/deactivate", data={"csrf_token": csrf}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, team.staff[1].id).status == UserStatus.ACTIVE
    assert outbox() == []


def test_a_colleague_who_never_set_up_can_get_a_new_link(client, sign_in):
    team = engagement_with_people(staff=0)
    invited = factories.user(
        Role.FIRM_STAFF, firm=team.firm, status=UserStatus.INVITED, password=None
    )
    sign_in(team.admin)
    page = client.get("/firm/team").get_data(as_text=True)
    assert "Resend set-up link" in page
    client.post(
        f"/firm/team/{invited.public_id}/resend", data={"csrf_token": csrf_token_from(page)}
    )
    (message,) = outbox("account_activation")
    assert message.recipient_list == [invited.email]


def test_fda_users_land_on_the_work_list(client, sign_in, fda_staff):
    sign_in(fda_staff)
    response = client.get("/")
    assert response.headers["Location"].endswith("/work")


def test_the_colleagues_page_keeps_a_fixed_query_count(client, sign_in, count_queries):
    team = engagement_with_people(staff=1)
    sign_in(team.admin)
    with count_queries() as few:
        client.get("/firm/team")
    for _ in range(30):
        factories.user(Role.FIRM_STAFF, firm=team.firm)
    db.session.commit()
    with count_queries() as many:
        page = client.get("/firm/team").get_data(as_text=True)
    assert "32 portal users at your firm" in page
    assert few.count == many.count


def test_inviting_an_address_with_an_account_elsewhere_answers_like_any_invitation(
    client, sign_in, fda_staff, fda_admin, other_firm_admin
):
    """No account oracle (issue 9, item 6): the program manager hears of the conflict."""
    team = engagement_with_people(staff=0)
    sign_in(team.admin)
    answers = []
    for email in (fda_staff.email, other_firm_admin.email, "new.person@alpha.example.com"):
        page = client.get("/firm/team").get_data(as_text=True)
        response = client.post(
            "/firm/team",
            data={"csrf_token": csrf_token_from(page), "full_name": "Pat Doe", "email": email},
            follow_redirects=True,
        )
        body = response.get_data(as_text=True)
        assert "Pat Doe has been invited." in body
        assert 'id="email-error"' not in body
        answers.append(response.status_code)
    assert answers == [200, 200, 200]
    db.session.expire_all()
    assert db.session.get(User, fda_staff.id).firm_id is None
    assert db.session.get(User, other_firm_admin.id).firm_id != team.admin.firm_id
    conflicts = outbox("firm_invite_conflict")
    assert len(conflicts) == 2
    assert all(message.recipient_list == [fda_admin.email] for message in conflicts)
    assert other_firm_admin.email in conflicts[1].body_text
    assert [m.recipient_list for m in outbox("account_activation")] == [
        ["new.person@alpha.example.com"]
    ]
