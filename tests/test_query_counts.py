"""Every page issues the same number of SQL queries whatever the amount of data.

Counted over every GET page each role may open (walked from the URL map, like
the isolation sweep), first on one copy of the test world, then after adding
three more copies and a batch of records to firm A's own engagement.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from portal.auth.models import Role
from portal.extensions import db
from tests import factories, factories_documents
from tests.conftest import build_world, login_as
from tests.sweep import get_pages, people


def count_per_page(app, client, pages) -> dict[str, int]:
    counts = {}
    for url in pages:
        statements: list[str] = []

        def counter(*args, _statements=statements):
            _statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            response = client.get(url)
            response.get_data()
            response.close()
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        counts[url] = len(statements)
    return counts


def grow(world) -> None:
    for copy in range(1, 4):
        build_world(copy=f"-{copy}")
    own = world.by_firm["a"]
    for _ in range(12):
        meeting = factories.meeting(own.engagement, scheduled_by=world.fda_staff)
        factories.question(meeting, own.staff)
        factories.question(meeting, own.admin)
        factories.quality_action(own.engagement, own.staff, meeting_id=meeting.id)
        factories.contact_log(own.site, world.fda_staff)
        factories.product(own.site)
        factories.site_contact(own.site)
    factories.user(Role.FIRM_STAFF, firm=own.firm)
    # Documents on the world's question, by several people, one withdrawn: the question's
    # pages list them all in one query, uploaders and withdrawers loaded with them.
    from portal.documents.models import DocumentKind
    from portal.timeutil import utcnow

    own.question.response_html = "<p>Answered.</p>"
    for number, (person, kind) in enumerate(
        [(own.staff, DocumentKind.QUESTION), (own.admin, DocumentKind.QUESTION)] * 3
        + [(world.fda_staff, DocumentKind.ANSWER), (world.fda_admin, DocumentKind.ANSWER)]
    ):
        document = factories_documents.document(
            own.question, person, kind=kind, name=f"file-{number}.pdf"
        )
        factories_documents.record_document(own.minutes.version, person, name=f"rec-{number}.pdf")
        factories_documents.evidence_document(own.event, person, name=f"ev-{number}.pdf")
        if number == 2:
            document.withdrawn_at = utcnow()
            document.withdrawn_by_id = world.fda_admin.id
            document.withdrawn_reason = "Duplicate."
    db.session.commit()


@pytest.mark.parametrize("role", ["fda_admin", "firm_admin", "firm_staff"])
def test_every_page_issues_a_fixed_number_of_queries(app, role):
    world = build_world()
    client = app.test_client()
    login_as(client, people(world)[role])
    pages = get_pages(app, world, role)
    before = count_per_page(app, client, pages)
    grow(world)
    after = count_per_page(app, client, pages)
    grew = {url: (before[url], after[url]) for url in pages if before[url] != after[url]}
    assert not grew, f"pages whose queries grow with the data (before, after): {grew}"


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("fda_admin", "/search?q=cleaning"),
        ("fda_admin", "/search?q=clean+validat&kind=question&topic=production_process"),
        ("fda_admin", "/search?q=%22cleaning+validation%22&date_from=2000-01-01&page=2"),
        ("firm_admin", "/firm/search?q=cleaning"),
        ("firm_staff", "/firm/search?q=revise&kind=quality_action"),
    ],
)
def test_search_results_issue_a_fixed_number_of_queries(app, role, url):
    """The sweep opens the search pages without words; with results (issue 13), a page of
    hits (firm names, message threads, snippets) costs the same whatever the data."""
    from tests import factories_messages

    world = build_world()
    client = app.test_client()
    login_as(client, people(world)[role])
    own = world.by_firm["a"]
    factories_messages.message(own.engagement, own.admin, "Cleaning validation of line 3")
    db.session.commit()
    before = count_per_page(app, client, [url])[url]
    grow(world)
    for _ in range(25):
        factories_messages.message(own.engagement, own.admin, "Cleaning the revised way")
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "<mark>" in page
    after = count_per_page(app, client, [url])[url]
    assert before == after, f"{url}: {before} queries, then {after}"
