"""FDA writes, previews, sends, withdraws, re-sends and expires invitation letters (SPEC 3-4)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.invitations import services
from portal.invitations.models import Invitation, InvitationStatus
from portal.program.settings import update_settings
from portal.security.tokens import hash_token
from portal.sites.models import ContactOutcome
from portal.timeutil import utcnow
from tests import factories
from tests.conftest import csrf_token_from, outbox
from tests.factories_invitations import expired_values, letter_to, site_ready_for_letter


def invitations():
    db.session.expire_all()
    return db.session.scalars(select(Invitation).order_by(Invitation.id)).all()


def compose_url(site):
    return f"/sites/{site.public_id}/invitations/new"


def send_url(site):
    return f"/sites/{site.public_id}/invitations"


def recipients_of(site):
    return [str(contact.public_id) for contact in site.contacts]


def post_send(client, site, page: str, addressee: str = "Ms. Rivera"):
    """The confirmed send to all the site's contacts, with the CSRF token of an earlier page."""
    return client.post(
        send_url(site),
        data={
            "csrf_token": csrf_token_from(page),
            "recipients": recipients_of(site),
            "addressee": addressee,
        },
    )


def links_in(text: str) -> list[str]:
    return re.findall(r"http://portal\.test/invitation/[A-Za-z0-9_\-]+(?:/accept|/decline)?", text)


def test_preview_shows_the_letter_and_who_gets_it_but_sends_nothing(client, sign_in, fda_staff):
    site = site_ready_for_letter(fda_staff)
    sign_in(fda_staff)
    page = client.get(compose_url(site))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "rosa.rivera@cascade.example.com" in html
    response = client.post(
        compose_url(site),
        data={
            "csrf_token": csrf_token_from(html),
            "recipients": recipients_of(site),
            "addressee": "Ms. Rivera",
            "step": "preview",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You are about to email 1 person" in body
    assert "Dear Ms. Rivera," in body
    assert "Cascade Sterile Manufacturing LLC" in body
    assert "will not consider a decision not to participate as an inspection refusal" in body
    assert invitations() == []
    assert outbox() == []


def test_confirmed_send_stores_the_letter_and_queues_the_email_with_both_links(
    client, sign_in, fda_staff
):
    site = site_ready_for_letter(fda_staff)
    sign_in(fda_staff)
    response = post_send(client, site, client.get(compose_url(site)).get_data(as_text=True))
    assert response.status_code == 302
    (invitation,) = invitations()
    assert response.headers["Location"] == f"/invitations/{invitation.public_id}"
    assert invitation.status == InvitationStatus.SENT
    assert invitation.recipient_list == ["rosa.rivera@cascade.example.com"]
    assert "Dear Ms. Rivera," in invitation.letter_body
    assert invitation.expires_at - invitation.sent_at == timedelta(days=30)
    (message,) = outbox("invitations_letter")
    assert message.recipients == "rosa.rivera@cascade.example.com"
    found = links_in(message.body_text)
    accept = next(link for link in found if link.endswith("/accept"))
    decline = next(link for link in found if link.endswith("/decline"))
    link_token = accept.split("/")[-2]
    assert decline.split("/")[-2] == link_token
    # The token travels only in the email: the row keeps its SHA-256.
    assert invitation.token_hash == hash_token(link_token)
    assert link_token not in invitation.letter_body
    assert accept in message.body_html and decline in message.body_html
    assert "Dear Ms. Rivera," in message.body_text
    # ...and never in the audit trail.
    details = db.session.scalars(select(AuditEvent.detail)).all()
    assert "invitation.send" in db.session.scalars(select(AuditEvent.action)).all()
    assert not any(link_token in detail for detail in details)


def test_the_letter_and_its_email_commit_together(app, fda_staff, monkeypatch):
    """SPEC "Email": a failure after queuing leaves neither letter nor email behind."""
    site = site_ready_for_letter(fda_staff)
    db.session.commit()

    def fail(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services.audit, "record", fail)
    try:
        services.send_invitation(site, contacts=site.contacts, addressee="X", by=fda_staff)
    except RuntimeError:
        db.session.rollback()
    assert invitations() == [] and outbox() == []


def test_the_letter_cannot_be_sent_before_a_call_reached_the_site(client, sign_in, fda_staff):
    site = site_ready_for_letter(fda_staff, reached=False)
    sign_in(fda_staff)
    page = client.get(compose_url(site)).get_data(as_text=True)
    assert "The letter cannot be sent yet" in page
    assert "phone call" in page
    response = post_send(client, site, page)
    assert response.status_code == 409
    assert "phone call" in response.get_data(as_text=True)
    assert invitations() == [] and outbox() == []
    # Once a call reaches the site, the same request goes through.
    factories.contact_log(site, fda_staff, outcome=ContactOutcome.REACHED)
    db.session.commit()
    response = post_send(client, site, page)
    assert response.status_code == 302
    assert len(invitations()) == 1


def test_no_second_letter_while_one_awaits_a_reply_or_an_engagement_is_active(
    client, sign_in, fda_staff
):
    site = site_ready_for_letter(fda_staff)
    letter_to(site, fda_staff)
    sign_in(fda_staff)
    page = client.get(compose_url(site)).get_data(as_text=True)
    assert "still awaiting a reply" in page
    response = post_send(client, site, page)
    assert response.status_code == 409
    assert len(invitations()) == 1

    other = site_ready_for_letter(fda_staff, legal_name="Engaged Site Inc.")
    factories.engagement(factories.firm(), site=other, sent_by=fda_staff)
    db.session.commit()
    response = post_send(client, other, page, addressee="X")
    assert response.status_code == 409
    assert "already has an active engagement" in response.get_data(as_text=True)


def test_an_overdue_letter_does_not_block_a_new_one_and_is_marked_expired(
    client, sign_in, fda_staff
):
    site = site_ready_for_letter(fda_staff)
    old, _ = letter_to(site, fda_staff, **expired_values())
    sign_in(fda_staff)
    page = client.get(compose_url(site)).get_data(as_text=True)
    response = post_send(client, site, page)
    assert response.status_code == 302
    first, second = invitations()
    assert first.status == InvitationStatus.EXPIRED
    assert second.status == InvitationStatus.SENT


def test_one_open_letter_per_site_is_also_a_database_rule(app, fda_staff):
    """A double-click or two staff at once: the partial unique index refuses the second."""
    site = site_ready_for_letter(fda_staff)
    letter_to(site, fda_staff)
    db.session.commit()
    try:
        services._issue(site, recipients=["a@example.com"], addressee="X", by=fda_staff)
    except services.InvitationError as error:
        assert "a moment ago" in str(error)
    else:
        raise AssertionError("a second open letter was accepted")
    assert len(invitations()) == 1


def test_recipients_must_be_the_sites_own_contacts(client, sign_in, fda_staff):
    site = site_ready_for_letter(fda_staff)
    elsewhere = site_ready_for_letter(fda_staff, legal_name="Another Site")
    sign_in(fda_staff)
    page = client.get(compose_url(site)).get_data(as_text=True)
    for chosen in ([], recipients_of(elsewhere)):
        response = client.post(
            send_url(site),
            data={"csrf_token": csrf_token_from(page), "recipients": chosen, "addressee": "X"},
        )
        assert response.status_code == 400
        assert 'id="recipients-error"' in response.get_data(as_text=True)
    assert invitations() == []


def test_expiry_follows_the_program_setting(client, sign_in, fda_admin, fda_staff):
    update_settings({"invitation_expiry_days": 10}, by_user=fda_admin)
    site = site_ready_for_letter(fda_staff)
    db.session.commit()
    invitation = services.send_invitation(site, contacts=site.contacts, addressee="X", by=fda_staff)
    assert invitation.expires_at - invitation.sent_at == timedelta(days=10)


def test_detail_page_shows_the_letter_for_printing(client, sign_in, fda_staff):
    site = site_ready_for_letter(fda_staff)
    invitation, _ = letter_to(site, fda_staff)
    sign_in(fda_staff)
    html = client.get(f"/invitations/{invitation.public_id}").get_data(as_text=True)
    assert "Awaiting reply" in html
    assert 'class="letter"' in html and "U.S. Food and Drug Administration" in html
    assert "css/invitations.css" in html
    assert "Confidential commercial information" in html


def test_withdraw_needs_a_reason_and_confirmation_and_keeps_the_record(client, sign_in, fda_staff):
    site = site_ready_for_letter(fda_staff)
    invitation, _ = letter_to(site, fda_staff)
    sign_in(fda_staff)
    url = f"/invitations/{invitation.public_id}/withdraw"
    page = client.get(url).get_data(as_text=True)
    assert "This cannot be undone" in page
    response = client.post(url, data={"csrf_token": csrf_token_from(page), "reason": " "})
    assert 'id="reason-error"' in response.get_data(as_text=True)
    assert invitations()[0].status == InvitationStatus.SENT
    response = client.post(
        url, data={"csrf_token": csrf_token_from(page), "reason": "Warning letter issued."}
    )
    assert response.status_code == 302
    (withdrawn,) = invitations()
    assert withdrawn.status == InvitationStatus.WITHDRAWN
    assert withdrawn.withdrawal_reason == "Warning letter issued."
    assert withdrawn.withdrawn_by_id == fda_staff.id


def test_resend_replaces_the_old_letter_with_a_new_link(client, sign_in, fda_staff):
    site = site_ready_for_letter(fda_staff)
    old, old_token = letter_to(site, fda_staff)
    sign_in(fda_staff)
    url = f"/invitations/{old.public_id}/resend"
    page = client.get(url).get_data(as_text=True)
    assert "You are about to email 1 person" in page
    response = client.post(url, data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    first, second = invitations()
    assert first.status == InvitationStatus.REPLACED
    assert first.replaced_by_id == second.id
    assert second.status == InvitationStatus.SENT
    assert second.recipients == first.recipients and second.token_hash != first.token_hash
    (message,) = outbox("invitations_letter")
    assert old_token not in message.body_text
    new_token = links_in(message.body_text)[0].split("/")[4]
    assert hash_token(new_token) == second.token_hash
    # Re-sending the replaced letter again is refused and changes nothing.
    response = client.post(url, data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 409
    assert len(invitations()) == 2


def test_expire_command_marks_overdue_letters_and_is_safe_to_repeat(app, runner, fda_staff):
    site = site_ready_for_letter(fda_staff)
    overdue, _ = letter_to(site, fda_staff, **expired_values())
    current, _ = letter_to(site_ready_for_letter(fda_staff, legal_name="Fresh"), fda_staff)
    db.session.commit()
    result = runner.invoke(args=["invitations", "expire"])
    assert result.exit_code == 0, result.output
    assert "1 invitation marked expired." in result.output
    statuses = {i.id: i.status for i in invitations()}
    assert statuses == {overdue.id: InvitationStatus.EXPIRED, current.id: InvitationStatus.SENT}
    assert "0 invitations marked expired." in runner.invoke(args=["invitations", "expire"]).output
    expired_events = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "invitation.expire")
    )
    assert expired_events == 1


def test_site_section_lists_letters_and_says_why_none_can_be_sent(app, fda_staff, count_queries):
    from tests.sections import site_letters

    site = site_ready_for_letter(fda_staff, reached=False)
    db.session.commit()
    with app.test_request_context():
        html = site_letters(site)
    assert "No invitation letter has been sent to this site." in html
    assert "A new letter cannot be sent yet." in html

    def panel_queries() -> int:
        db.session.expire_all()
        with app.test_request_context(), count_queries() as counter:
            site_letters(db.session.get(type(site), site.id))
        return counter.count

    few = panel_queries()
    for _ in range(12):
        letter_to(site, fda_staff, status=InvitationStatus.DECLINED, decided_at=utcnow())
    db.session.commit()
    assert panel_queries() == few
    with app.test_request_context():
        assert site_letters(site).count("Declined") >= 12


def test_the_letter_page_keeps_a_fixed_query_count(client, sign_in, fda_staff, count_queries):
    site = site_ready_for_letter(fda_staff)
    first, _ = letter_to(site, fda_staff, status=InvitationStatus.REPLACED)
    sign_in(fda_staff)
    with count_queries() as before:
        client.get(f"/invitations/{first.public_id}")
    newer, _ = letter_to(site, fda_staff, status=InvitationStatus.WITHDRAWN, withdrawn_at=utcnow())
    first.replaced_by_id = newer.id
    newer.withdrawn_by_id = fda_staff.id
    db.session.commit()
    with count_queries() as after:
        page = client.get(f"/invitations/{first.public_id}").get_data(as_text=True)
    assert "Replaced by" in page
    assert before.count == after.count


def test_the_site_page_names_the_same_blockers_as_the_letter_form(client, sign_in, fda_staff):
    """The site page reads the open letter and the active engagement from the lists it shows
    (no second query); an overdue letter still marked sent blocks nothing there either."""
    site = site_ready_for_letter(fda_staff)
    old, _ = letter_to(site, fda_staff, **expired_values())
    sign_in(fda_staff)
    site_url = f"/sites/{site.public_id}"
    page = client.get(site_url).get_data(as_text=True)
    assert old.status == InvitationStatus.SENT
    assert "still awaiting a reply" not in page
    assert "Write the invitation letter" in page

    other = site_ready_for_letter(fda_staff, legal_name="Awaiting Site Inc.")
    letter_to(other, fda_staff)
    factories.engagement(factories.firm(), site=other, sent_by=fda_staff)
    db.session.commit()
    page = client.get(f"/sites/{other.public_id}").get_data(as_text=True)
    blockers = services.send_blockers(other)
    assert any("still awaiting a reply" in reason for reason in blockers)
    assert any("already has an active engagement" in reason for reason in blockers)
    for reason in blockers:
        assert reason.replace("'", "&#39;") in page


def test_awaiting_reply_is_one_rule_in_python_and_sql(app, fda_staff):
    site = site_ready_for_letter(fda_staff)
    letter, _ = letter_to(site, fda_staff)
    db.session.commit()
    for now in (letter.expires_at - timedelta(seconds=1), letter.expires_at):
        in_sql = db.session.scalar(
            select(func.count()).where(Invitation.id == letter.id, Invitation.awaiting_reply(now))
        )
        assert bool(in_sql) == letter.awaiting_reply(now) == (now < letter.expires_at)
