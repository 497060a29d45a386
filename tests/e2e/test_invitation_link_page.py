"""Issue 9 item 4: a leaked invitation link shows nothing identifying, against gunicorn.

The link is the demo letter's, read from its email in the outbox. Until the
address the letter was sent to is typed, neither the link's page nor its
accept and decline pages name the site, its firm, address, FEI or products;
wrong addresses all get one answer and are throttled; after the right one the
letter shows, and that view is in the audit log (read through the test's own
connection).
"""

from __future__ import annotations

import pytest

from tests.e2e import harness
from tests.e2e.invitation_links import identifying_strings, leaks, open_letter_links

GATE_FIELD = "The email address this letter was sent to"
WRONG = "This address does not open this letter."


@pytest.fixture(scope="module")
def emailed(demo_db):
    links = open_letter_links(demo_db)
    assert links, "the demo queues one open letter"
    return links[0]


def test_the_link_names_nothing_until_the_letters_address_is_typed(portal, demo_db, emailed, visit):
    secrets = identifying_strings(demo_db)
    visitor = visit()
    for suffix in ("", "/accept", "/decline"):
        response = visitor.get(emailed.path + suffix)
        assert response.status_code == 200, suffix
        assert GATE_FIELD in response.text
        assert leaks(response.text, secrets) == [], suffix


def test_every_wrong_address_gets_one_neutral_answer(portal, demo_db, emailed, visit, demo_people):
    secrets = identifying_strings(demo_db)
    answers = set()
    for email in (
        demo_people["firm_admin@b"]["email"],
        demo_people["fda_staff"]["email"],
        "nobody@nowhere.example",
    ):
        visitor = visit()
        visitor.get(emailed.path)
        response = visitor.post(emailed.path, {"email": email})
        assert response.status_code == 200
        assert WRONG in response.text
        assert leaks(response.text, secrets) == []
        answers.add(response.text.replace(email, "").replace(visitor.csrf_token or "", ""))
    assert len(answers) == 1


def test_the_right_address_shows_the_letter_and_the_view_is_audited(
    portal, demo_db, emailed, visit
):
    visitor = visit()
    visitor.get(emailed.path)
    unlocked = visitor.post(emailed.path, {"email": emailed.recipient.upper()})
    assert unlocked.status_code == 200
    mark = demo_db.audit_mark()
    letter = visitor.get(emailed.path)
    legal_name = demo_db.scalar("SELECT legal_name FROM site WHERE id = :id", id=emailed.site_id)
    assert legal_name in letter.text
    events = demo_db.audit_since(mark)
    assert [event.action for event in events] == ["invitation.view"]
    invitation_id = demo_db.scalar(
        "SELECT public_id FROM invitation WHERE site_id = :id AND status = 'sent'",
        id=emailed.site_id,
    )
    assert events[0].object_id.replace("-", "") == str(invitation_id).replace("-", "")
    accept = visitor.get(emailed.path + "/accept")
    assert f'value="{emailed.recipient}"' in accept.text


def test_wrong_addresses_are_throttled_per_link(demo_db, emailed, start_portal):
    server = start_portal(demo_db, workers=1)
    statuses = []
    for number in range(6):
        visitor = harness.Visitor(server)
        visitor.get(emailed.path)
        statuses.append(
            visitor.post(emailed.path, {"email": f"guess{number}@example.com"}).status_code
        )
    visitor = harness.Visitor(server)
    visitor.get(emailed.path)
    statuses.append(visitor.post(emailed.path, {"email": emailed.recipient}).status_code)
    assert statuses == [200] * 5 + [429, 429]
