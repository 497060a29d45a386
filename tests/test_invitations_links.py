"""The letter's link (SPEC 4-5): shows on GET, decides once on POST, and says plainly why not."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.invitations import links as link_states
from portal.invitations.logredact import redact
from portal.invitations.models import Invitation, InvitationStatus
from portal.invitations.services import send_blockers
from portal.security.access import policy_of
from portal.security.tokens import new_token
from portal.timeutil import utcnow
from tests import factories
from tests.conftest import csrf_token_from, outbox, without_csrf_token
from tests.factories_invitations import expired_values, open_letter, unlock
from tests.sweep import snapshot

NOT_AN_INSPECTION_REFUSAL = (
    "will not consider a decision not to participate as an inspection refusal"
)
NOT_PUBLICIZED = (
    "will not publicize or release any information that would identify your site or product"
)


def fresh(invitation: Invitation) -> Invitation:
    db.session.expire_all()
    return db.session.get(Invitation, invitation.id)


def test_opening_the_link_shows_the_letter_and_two_choices_and_changes_nothing(client):
    letter = open_letter()
    db.session.commit()
    before = snapshot()
    assert unlock(client, letter.token).status_code == 302
    for path in ("", "/accept", "/decline"):
        response = client.get(f"/invitation/{letter.token}{path}")
        assert response.status_code == 200, path
        assert response.headers["Referrer-Policy"] == "no-referrer"
    page = client.get(f"/invitation/{letter.token}").get_data(as_text=True)
    assert "Cascade Sterile Manufacturing LLC" in page
    assert f"/invitation/{letter.token}/accept" in page
    assert f"/invitation/{letter.token}/decline" in page
    assert snapshot() == before
    assert fresh(letter.invitation).status == InvitationStatus.SENT


def test_the_decline_page_gives_the_programs_assurances(client):
    letter = open_letter()
    db.session.commit()
    unlock(client, letter.token)
    page = client.get(f"/invitation/{letter.token}/decline").get_data(as_text=True)
    assert "Declining is not an inspection refusal" in page
    assert NOT_AN_INSPECTION_REFUSAL in page
    assert NOT_PUBLICIZED in page


def test_declining_records_the_reason_tells_fda_and_leaves_the_site_free_to_be_invited(
    client, fda_admin
):
    letter = open_letter()
    db.session.commit()
    unlock(client, letter.token)
    url = f"/invitation/{letter.token}/decline"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "reason": "Not this year."})
    assert response.status_code == 302
    confirmation = client.get(response.headers["Location"])
    body = confirmation.get_data(as_text=True)
    assert confirmation.status_code == 200
    # Right after declining, the page says what just happened (issue 16).
    assert "You have declined the invitation" in body
    assert "The decline is recorded" in body and "FDA has been told" in body
    assert "nothing has been changed now" not in body
    assert NOT_AN_INSPECTION_REFUSAL in body and NOT_PUBLICIZED in body
    later = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This invitation has been declined" in later
    invitation = fresh(letter.invitation)
    assert invitation.status == InvitationStatus.DECLINED
    assert invitation.decline_reason == "Not this year."
    assert invitation.decided_at is not None
    (notice,) = outbox("invitations_decided")
    assert set(notice.recipient_list) == {letter.fda.email, fda_admin.email}
    assert "declined" in notice.body_text and "Not this year." in notice.body_text
    assert f"/invitations/{invitation.public_id}" in notice.body_text
    # A declined site may be invited again later (SPEC 5).
    assert send_blockers(invitation.site) == []


def test_the_reason_is_optional(client):
    letter = open_letter()
    db.session.commit()
    unlock(client, letter.token)
    url = f"/invitation/{letter.token}/decline"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    assert fresh(letter.invitation).status == InvitationStatus.DECLINED


def _tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def _make(state: str, **site_values):
    """A letter in the given state, and the token to try."""
    if state in ("tampered", "unknown", "malformed"):
        letter = open_letter(site_values=site_values)
        token = {
            "tampered": _tampered(letter.token),
            "unknown": new_token(),
            "malformed": "not a token!",
        }[state]
        return letter, token
    values = {
        "expired": expired_values(),
        "expired_marked": {**expired_values(), "status": InvitationStatus.EXPIRED},
        "withdrawn": {
            "status": InvitationStatus.WITHDRAWN,
            "withdrawn_at": utcnow(),
            "withdrawal_reason": "Regulatory action.",
        },
        "accepted": {"status": InvitationStatus.ACCEPTED, "decided_at": utcnow()},
        "declined": {"status": InvitationStatus.DECLINED, "decided_at": utcnow()},
        "replaced": {"status": InvitationStatus.REPLACED},
    }[state]
    letter = open_letter(site_values=site_values, **values)
    if state == "replaced":
        newer, _ = factories.invitation(letter.site, letter.fda)
        letter.invitation.replaced_by_id = newer.id
    if state == "withdrawn":
        letter.invitation.withdrawn_by_id = letter.fda.id
    return letter, letter.token


STATES = [
    # state, GET status, POST status, what the page says
    ("tampered", 404, 404, "This invitation link is not valid"),
    ("unknown", 404, 404, "This invitation link is not valid"),
    ("malformed", 404, 404, "This invitation link is not valid"),
    ("expired", 410, 410, "This invitation link has expired"),
    ("expired_marked", 410, 410, "This invitation link has expired"),
    ("withdrawn", 410, 410, "FDA has withdrawn this invitation"),
    ("replaced", 410, 410, "A newer invitation letter replaced this one"),
    ("accepted", 200, 409, "This invitation has been accepted"),
    ("declined", 200, 409, "This invitation has been declined"),
]


@pytest.mark.parametrize(("state", "get_status", "post_status", "says"), STATES)
def test_a_link_that_is_not_open_says_why_and_changes_nothing(
    app, client, state, get_status, post_status, says
):
    letter, token = _make(state)
    db.session.commit()
    before = snapshot()
    events_before = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    csrf = csrf_token_from(client.get("/login").get_data(as_text=True))
    for path in ("", "/accept", "/decline"):
        response = client.get(f"/invitation/{token}{path}")
        assert response.status_code == get_status, (path, response.status_code)
        assert says in response.get_data(as_text=True)
        assert response.headers["Referrer-Policy"] == "no-referrer"
    posts = {
        "/decline": {"reason": "No."},
        "/accept": {
            "full_name": "Rosa Rivera",
            "title": "Quality Director",
            "email": "rosa.rivera@cascade.example.com",
            "password": "harbour lights over quiet water",
            "confirm": "harbour lights over quiet water",
        },
    }
    for path, data in posts.items():
        response = client.post(f"/invitation/{token}{path}", data={**data, "csrf_token": csrf})
        assert response.status_code == post_status, (path, response.status_code)
        assert says in response.get_data(as_text=True)
    assert snapshot() == before
    events_after = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    assert events_after == events_before
    assert outbox() == []


def test_the_replaced_link_names_when_the_newer_letter_went(client):
    letter, token = _make("replaced")
    db.session.commit()
    body = client.get(f"/invitation/{token}").get_data(as_text=True)
    assert "use the link in the newest email" in body
    assert "FDA sent a newer letter on" in body


def test_a_second_decision_on_a_used_link_is_a_conflict(client):
    letter = open_letter()
    db.session.commit()
    unlock(client, letter.token)
    url = f"/invitation/{letter.token}/decline"
    csrf = csrf_token_from(client.get(url).get_data(as_text=True))
    assert client.post(url, data={"csrf_token": csrf, "reason": "First"}).status_code == 302
    second = client.post(url, data={"csrf_token": csrf, "reason": "Second"})
    assert second.status_code == 409
    assert fresh(letter.invitation).decline_reason == "First"
    assert len(outbox("invitations_decided")) == 1


def test_link_state_follows_the_clock_before_the_expire_command_runs(app, time_machine):
    letter = open_letter()
    db.session.commit()
    assert link_states.resolve(letter.token).state is link_states.LinkState.OPEN
    time_machine.move_to(letter.invitation.expires_at, tick=False)
    assert link_states.resolve(letter.token).state is link_states.LinkState.EXPIRED


def test_tokens_are_kept_out_of_the_logs(app, client, caplog, monkeypatch):
    letter = open_letter()
    db.session.commit()
    caplog.set_level(logging.INFO)
    logging.getLogger("werkzeug").info(
        '"%s" %s %s', f"GET /invitation/{letter.token}/accept HTTP/1.1", "200", "-"
    )

    def broken(token):
        raise RuntimeError("database went away")

    monkeypatch.setattr(link_states, "resolve", broken)
    response = client.get(f"/invitation/{letter.token}")
    assert response.status_code == 500
    assert "unhandled error on GET /invitation/" in caplog.text
    assert letter.token not in caplog.text
    assert "/invitation/[token removed]" in caplog.text


def test_redaction_covers_encoded_paths_in_next_parameters():
    token = new_token()
    assert token not in redact(f"/login?next=%2Finvitation%2F{token}%2Faccept")
    assert redact("/invitations/1234-abcd") == "/invitations/1234-abcd"


SECRET_NAMES = ("Zephyrine Biologics Plant 7", "Quillbrook Holdings", "Xylomab-42 injection")


def test_no_anonymous_page_names_a_site_firm_or_product_beyond_the_open_letter(app, client):
    """SPEC: anonymous pages name no site, firm or product; only an open letter names its site,
    after the address it was sent to is typed."""
    site_name, firm_name, product_name = SECRET_NAMES
    tokens = {}
    for state in ("expired", "withdrawn", "replaced", "accepted", "declined"):
        letter, token = _make(state, legal_name=f"{site_name} ({state})")
        letter.site.firm_id = factories.firm(firm_name).id
        factories.product(letter.site, name=f"{product_name} {state}")
        tokens[state] = token
    tokens["unknown"] = new_token()
    live = open_letter(site_values={"legal_name": site_name})
    factories.product(live.site, name=product_name)
    tokens["open"] = live.token
    db.session.commit()
    pages = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        if policy_of(app.view_functions[rule.endpoint]) != "public":
            continue
        if "token" not in rule.arguments:
            pages.append(rule.rule)
            continue
        pages += [rule.rule.replace("<token>", token) for token in tokens.values()]
    assert any("/invitation/" in page for page in pages)
    for page in pages:
        body = client.get(page).get_data(as_text=True)
        for name in SECRET_NAMES:
            assert name not in body, (page, name)
    # The open letter's own page names its site once its address is typed, and still
    # no product or firm.
    unlock(client, live.token)
    letter_page = client.get(f"/invitation/{live.token}").get_data(as_text=True)
    assert site_name in letter_page
    assert product_name not in letter_page and firm_name not in letter_page


GATE_MESSAGE = "This address does not open this letter."


def test_the_link_shows_nothing_identifying_until_the_letters_address_is_typed(client):
    letter = open_letter()
    db.session.commit()
    gate = client.get(f"/invitation/{letter.token}").get_data(as_text=True)
    assert "Cascade Sterile Manufacturing LLC" not in gate
    assert "type the email address the letter was sent to" in gate
    for path in ("/accept", "/decline"):
        response = client.get(f"/invitation/{letter.token}{path}")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/invitation/{letter.token}"
    wrong = unlock(client, letter.token, "someone.else@cascade.example.com")
    assert wrong.status_code == 200
    assert GATE_MESSAGE in wrong.get_data(as_text=True)
    assert "Cascade Sterile Manufacturing LLC" not in wrong.get_data(as_text=True)
    # Typed as people do: spaces and capitals do not matter.
    assert unlock(client, letter.token, "  Rosa.Rivera@Cascade.example.com ").status_code == 302
    assert "Cascade Sterile Manufacturing LLC" in client.get(f"/invitation/{letter.token}").text


def test_every_wrong_address_gets_the_same_answer(client, firm_admin):
    letter = open_letter()
    db.session.commit()
    answers = {
        email: without_csrf_token(
            unlock(client, letter.token, email).get_data(as_text=True).replace(email, "")
        )
        for email in (firm_admin.email, "nobody@nowhere.example", "rosa@cascade.example.com")
    }
    assert len(set(answers.values())) == 1
    assert GATE_MESSAGE in next(iter(answers.values()))


def test_wrong_addresses_are_throttled_per_link(client, no_csrf):
    letter = open_letter()
    db.session.commit()
    for number in range(5):
        response = client.post(
            f"/invitation/{letter.token}",
            data={"email": f"guess{number}@example.com"},
            environ_base={"REMOTE_ADDR": f"10.1.1.{number}"},
        )
        assert response.status_code == 200
    right = client.post(
        f"/invitation/{letter.token}",
        data={"email": "rosa.rivera@cascade.example.com"},
        environ_base={"REMOTE_ADDR": "10.1.2.1"},
    )
    assert right.status_code == 429


def test_wrong_addresses_are_throttled_per_client_address(client, no_csrf):
    letters = [open_letter() for _ in range(5)]
    db.session.commit()
    for letter in letters:
        for number in range(4):
            client.post(f"/invitation/{letter.token}", data={"email": f"g{number}@example.com"})
    other = open_letter()
    db.session.commit()
    response = client.post(f"/invitation/{other.token}", data={"email": "g@example.com"})
    assert response.status_code == 429


def test_viewing_the_letter_is_in_the_audit_log(client):
    letter = open_letter()
    db.session.commit()
    unlock(client, letter.token)
    client.get(f"/invitation/{letter.token}")
    db.session.expire_all()
    views = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "invitation.view")
    ).all()
    assert [view.object_id for view in views] == [str(letter.invitation.public_id)]
