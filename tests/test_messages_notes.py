"""FDA's internal notes (SPEC 14): FDA writes them beside the thread; the firm never sees one.

Kept in their own table (``FdaOnly``): a firm user's session reads none of it,
however the query is written, and no module of the firm's side imports them.
"""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.auth.models import Role
from portal.extensions import db
from portal.messages.fda_notes import EngagementNote
from portal.security import tenancy
from portal.timeutil import utcnow
from tests import factories
from tests import factories_feedback as ff
from tests import factories_messages as fm
from tests.conftest import csrf_token_from, login_as, outbox
from tests.sweep import get_pages, people

CANARY = "Zebra-canary: FDA suspects the stability data were re-run."


@pytest.fixture
def alpha(app):
    people = ff.engagement_with_people()
    db.session.commit()
    return people


def _client(app, user):
    client = app.test_client()
    login_as(client, user)
    return client


def test_fda_adds_a_note_and_reads_it_beside_the_thread(app, alpha):
    fda = _client(app, alpha.fda)
    url = f"/engagements/{alpha.engagement.public_id}/messages"
    token = csrf_token_from(fda.get(url).get_data(as_text=True))
    response = fda.post(f"{url}/notes", data={"note-body": CANARY, "csrf_token": token})
    assert response.status_code == 302
    page = fda.get(url).get_data(as_text=True)
    assert "Internal notes (FDA only)" in page and CANARY in page
    assert db.session.scalar(select(func.count()).select_from(EngagementNote)) == 1


def test_a_firm_user_cannot_post_a_note(app, alpha):
    firm = _client(app, alpha.admin)
    token = csrf_token_from(
        firm.get(f"/firm/engagements/{alpha.engagement.public_id}/messages").get_data(as_text=True)
    )
    response = firm.post(
        f"/engagements/{alpha.engagement.public_id}/messages/notes",
        data={"note-body": CANARY, "csrf_token": token},
    )
    assert response.status_code == 404
    from portal.messages import fda_notes, services

    with pytest.raises(services.MessageError):
        fda_notes.post_note(alpha.engagement, CANARY, by=alpha.admin)
    assert db.session.scalar(select(func.count()).select_from(EngagementNote)) == 0


def test_a_firm_users_session_reads_no_note_whatever_the_query(app, alpha):
    fm.note(alpha.engagement, alpha.fda, CANARY)
    db.session.commit()
    tenancy.firm_scope(db.session, alpha.firm.id)
    try:
        assert db.session.scalars(select(EngagementNote)).all() == []
        assert db.session.scalar(select(func.count(EngagementNote.id))) == 0
    finally:
        tenancy.declare(db.session, None)
    with tenancy.program_scope(db.session):
        assert len(db.session.scalars(select(EngagementNote)).all()) == 1


def test_no_firm_page_shows_a_note(app, world):
    a = world.by_firm["a"]
    fm.note(a.engagement, world.fda_staff, CANARY)
    fm.message(a.engagement, world.fda_staff, "Visible message for the firm.")
    db.session.commit()
    for role in ("firm_admin", "firm_staff"):
        client = _client(app, people(world)[role])
        pages = get_pages(app, world, role)
        assert any(url.endswith("/messages") for url in pages)
        for url in pages:
            page = client.get(url).get_data(as_text=True)
            assert "Zebra-canary" not in page, url
    # The check would catch it: FDA's page shows the note.
    fda = _client(app, world.fda_staff)
    page = fda.get(f"/engagements/{a.engagement.public_id}/messages").get_data(as_text=True)
    assert "Zebra-canary" in page


def test_a_note_is_emailed_to_fda_only_and_never_quoted(app, alpha):
    from portal.messages import fda_notes, services

    services.post_message(alpha.engagement, "FDA joins the thread.", by=alpha.fda)
    colleague = factories.user(Role.FDA_STAFF, email="colleague@fda.example.gov")
    fda_notes.post_note(alpha.engagement, "Colleague's first note.", by=colleague)
    db.session.commit()
    before = {m.id for m in outbox()}
    fda_notes.post_note(alpha.engagement, CANARY, by=alpha.fda)
    db.session.commit()
    new = [m for m in outbox() if m.id not in before]
    assert [m.recipients for m in new] == ["colleague@fda.example.gov"]
    for message in outbox():
        assert "Zebra-canary" not in message.body_text + message.body_html + message.subject
        assert alpha.admin.email not in message.recipients or "internal note" not in message.subject


#: Modules a firm user's request runs through for messages: none may import FDA's notes.
FIRM_SIDE = (
    "portal/messages/firm_views.py",
    "portal/messages/firm_sections.py",
    "portal/messages/services.py",
    "portal/messages/queries.py",
    "portal/messages/models.py",
    "portal/firm/views.py",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


@pytest.mark.parametrize("module", FIRM_SIDE)
def test_the_firm_side_never_imports_the_notes(module):
    root = Path(__file__).resolve().parent.parent
    imported = _imports(root / module)
    assert not {name for name in imported if "fda_notes" in name or "fda_" in name}, imported


def test_no_api_response_carries_a_note(app, world):
    """The API serves FDA information systems; still, notes stay on FDA's page alone."""
    from portal.security.access import policy_of

    a = world.by_firm["a"]
    fm.note(a.engagement, world.fda_staff, CANARY)
    _, plain = factories.api_token(world.fda_admin)
    db.session.commit()
    client = app.test_client()
    read = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if policy_of(view) != "api_token" or "GET" not in rule.methods or rule.arguments:
            continue
        response = client.get(rule.rule, headers={"Authorization": f"Bearer {plain}"})
        assert response.status_code == 200, rule.rule
        assert "Zebra-canary" not in response.get_data(as_text=True), rule.rule
        read += 1
    assert read >= 5


def test_the_engagement_page_counts_what_each_fda_person_has_not_read_there(app, alpha):
    """The count's statement is built once per process, the engagement and the person bound
    per request: each person, on each engagement, sees their own count."""
    bravo = ff.engagement_with_people("Bravo Laboratories")
    fm.note(alpha.engagement, alpha.fda, "A note.", at=utcnow() - timedelta(minutes=5))
    fm.message(alpha.engagement, alpha.admin, "One.")
    fm.message(alpha.engagement, alpha.admin, "Two.")
    fm.message(bravo.engagement, bravo.admin, "Three.")
    db.session.commit()

    def unread(person, engagement) -> str:
        page = _client(app, person).get(f"/engagements/{engagement.public_id}").text
        found = re.search(r"<strong>(\d+)</strong> unread by you", page)
        return found.group(1) if found else "0"

    assert unread(alpha.fda, alpha.engagement) == "2"  # the note is their own
    assert unread(bravo.fda, alpha.engagement) == "3"
    assert unread(alpha.fda, bravo.engagement) == "1"
    assert unread(bravo.fda, bravo.engagement) == "1"
