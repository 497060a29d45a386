"""The view audit's transaction (issue 15): a page that wrote nothing saves its event in the
transaction it read in, with no rollback first; a page that wrote something and did not
commit it still has that write left out, however it wrote it."""

from __future__ import annotations

import pytest
from flask_login import current_user
from sqlalchemy import event, select, update

from portal.audit.models import AuditEvent
from portal.auth.models import Firm
from portal.extensions import db
from portal.security import access
from tests.conftest import login_as
from tests.factories_feedback import engagement_with_people

# The pages under test are routes added for it: each test gets an app of its own.
pytestmark = pytest.mark.fresh_app


@pytest.fixture
def pages(app):
    """Pages that change the person's firm, do not commit and answer with an error shown
    to the person (a form refused), which the audit logs as a view."""

    def refused():
        return "Your change could not be saved.", 422

    @app.route("/_flushed_then_refused")
    @access.firm_user
    def flushed_then_refused():
        db.session.get(Firm, current_user.firm_id).name = "Flushed"
        db.session.flush()
        return refused()

    @app.route("/_updated_then_refused")
    @access.firm_user
    def updated_then_refused():
        db.session.execute(
            update(Firm).where(Firm.id == current_user.firm_id).values(name="Updated")
        )
        return refused()

    @app.route("/_changed_then_refused")
    @access.firm_user
    def changed_then_refused():
        # Not flushed yet: the commit would flush it.
        db.session.get(Firm, current_user.firm_id).name = "Changed"
        return refused()

    team = engagement_with_people("Alpha Pharmaceuticals")
    db.session.commit()
    client = app.test_client()
    login_as(client, team.admin)
    return client, team


def _saved_firm_name(firm_id: int) -> str:
    with db.engine.connect() as connection:
        return connection.execute(select(Firm.name).where(Firm.id == firm_id)).scalar_one()


def _saved_events(actor_id: int) -> list[str]:
    with db.engine.connect() as connection:
        return list(
            connection.execute(
                select(AuditEvent.object_id)
                .where(AuditEvent.actor_id == actor_id, AuditEvent.action == "page.view")
                .order_by(AuditEvent.id)
            ).scalars()
        )


@pytest.mark.parametrize(
    "url", ["/_flushed_then_refused", "/_updated_then_refused", "/_changed_then_refused"]
)
def test_a_write_the_page_did_not_commit_is_not_saved_with_its_audit_event(pages, url):
    client, team = pages
    before = _saved_firm_name(team.firm.id)
    response = client.get(url)
    assert response.status_code == 422
    assert _saved_firm_name(team.firm.id) == before
    # The refused page was shown, so its view is logged all the same.
    assert len(_saved_events(team.admin.id)) == 1


def test_a_page_that_wrote_nothing_saves_its_event_without_a_rollback_first(pages):
    client, team = pages
    client.get("/firm")  # the session's "last seen" is fresh after this: no touch is due
    timeline = []

    def note(kind):
        def listener(*_args):
            timeline.append(kind)

        return listener

    def note_statement(_conn, _cursor, statement, *_args):
        if statement.startswith("INSERT INTO audit_event"):
            timeline.append("audit row")

    listeners = [
        ("commit", note("commit")),
        ("rollback", note("rollback")),
        ("before_cursor_execute", note_statement),
    ]
    for name, listener in listeners:
        event.listen(db.engine, name, listener)
    try:
        assert client.get("/firm").status_code == 200
    finally:
        for name, listener in listeners:
            event.remove(db.engine, name, listener)
    # The row committed itself (no transaction was open): no commit, and no rollback before
    # it. What ends the request's transaction afterwards (here the tests' client, whose
    # application context outlives the request, rolls back) comes after the row is saved.
    assert timeline[0] == "audit row"
    assert "commit" not in timeline
    assert len(_saved_events(team.admin.id)) == 2
