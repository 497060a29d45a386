"""Confidentiality seen from outside: no firm page ever shows the other demo firm's words.

A firm lead of Northwind opens every GET page a firm user may open (routes from the
URL map, ids from Northwind's own records, then from Meridian's) on the portal
under gunicorn, and the page text must contain none of Meridian's distinctive
strings: its firm name, its people, its sites' names and FEI numbers, its
questions' subjects, its meetings' join details and its quality actions'
descriptions. The canaries are read from the database, not listed by hand, so
new records and new pages are swept without editing this file.
"""

from __future__ import annotations

import html
import uuid

import pytest

from portal.security.hooks import PASSIVE_ENDPOINTS
from tests.e2e.test_view_audit import _models_by_snake_name, _record_ids
from tests.sweep import ROLE_POLICIES
from tests.test_form_labels import wording_problems

OWN_FIRM = "Northwind Pharmaceuticals"
OTHER_FIRM = "Meridian Sterile Products"

#: (SQL giving one firm's strings, by :firm) — each column a person would recognise.
CANARY_QUERIES = (
    "SELECT name FROM firm WHERE id = :firm",
    "SELECT full_name FROM user_account WHERE firm_id = :firm",
    "SELECT email FROM user_account WHERE firm_id = :firm",
    "SELECT s.legal_name FROM site s JOIN engagement e ON e.site_id = s.id WHERE e.firm_id = :firm",
    "SELECT s.fei_number FROM site s JOIN engagement e ON e.site_id = s.id WHERE e.firm_id = :firm",
    "SELECT subject FROM question WHERE firm_id = :firm",
    "SELECT description FROM quality_action WHERE firm_id = :firm",
)


def _strings(demo_db, firm_id: int) -> set[str]:
    found: set[str] = set()
    for sql in CANARY_QUERIES:
        for (value,) in demo_db.rows(sql, firm=firm_id):
            text = " ".join(str(value or "").split())
            if len(text) >= 6:
                # A long description is recognised by its opening words.
                found.add(text[:60])
    return found


def _firm_pages(app, ids: dict[str, str]) -> list[str]:
    allowed = ROLE_POLICIES["firm_admin"]
    models = _models_by_snake_name()
    pages = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PASSIVE_ENDPOINTS or "GET" not in rule.methods:
            continue
        view = app.view_functions[rule.endpoint]
        from portal.security.access import policy_of

        if policy_of(view) not in allowed:
            continue
        values = {}
        for argument in rule.arguments:
            wanted = argument.removesuffix("_id")
            if not argument.endswith("_id") or wanted not in ids or wanted not in models:
                break
            values[argument] = ids[wanted]
        else:
            with app.test_request_context():
                from flask import url_for

                pages.append(url_for(rule.endpoint, **values))
    return sorted(set(pages))


@pytest.fixture(scope="module")
def firms(demo_db):
    own = demo_db.scalar("SELECT id FROM firm WHERE name = :name", name=OWN_FIRM)
    other = demo_db.scalar("SELECT id FROM firm WHERE name = :name", name=OTHER_FIRM)
    assert own and other, "the demo has both firms"
    return own, other


def test_no_firm_page_shows_the_other_firms_names_numbers_or_subjects(
    portal_app, demo_db, visit, firms
):
    own, other = firms
    own_strings, canaries = _strings(demo_db, own), _strings(demo_db, other)
    # A string both firms share (a common word, a shared site) identifies neither.
    canaries -= own_strings
    assert len(canaries) >= 6, canaries
    person = visit("firm_admin@a")
    own_ids, other_ids = _record_ids(demo_db, own), _record_ids(demo_db, other)
    own_pages = _firm_pages(portal_app, own_ids)
    other_pages = sorted(set(_firm_pages(portal_app, other_ids)) - set(own_pages))
    assert len(own_pages) >= 10 and other_pages, (own_pages, other_pages)

    leaks, wording, seen_own, opened = [], [], set(), 0
    for url in own_pages + other_pages:
        response = person.get(url, allow_redirects=True)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        if url in other_pages:
            assert response.status_code == 404, f"{url} (Meridian's record): {response.status_code}"
        page = " ".join(html.unescape(response.text).split())
        opened += response.status_code == 200
        leaks += [f"{url}: {canary!r}" for canary in canaries if canary in page]
        # The demo's names end in "Inc.", which the unit sweeps' made-up firms do not.
        wording += [f"{url}: {problem}" for problem in wording_problems(response.text)]
        seen_own |= {value for value in own_strings if value in page}
    assert not leaks, "\n".join(leaks)
    assert not wording, "\n".join(wording)
    # The sweep is only worth something if the pages did show the firm's own records.
    assert opened >= 10
    assert {OWN_FIRM} <= seen_own and len(seen_own) >= 5, seen_own


def test_the_canaries_would_be_caught(portal_app, demo_db, visit, firms):
    """The check itself: FDA's site page for Meridian's site does show Meridian's strings."""
    _, other = firms
    canaries = _strings(demo_db, other)
    site = demo_db.scalar(
        "SELECT s.public_id FROM site s JOIN engagement e ON e.site_id = s.id"
        " WHERE e.firm_id = :firm",
        firm=other,
    )
    response = visit("fda_admin").get(f"/sites/{uuid.UUID(str(site))}")
    page = " ".join(html.unescape(response.text).split())
    assert any(canary in page for canary in canaries)


def test_no_firm_page_shows_a_file_on_fdas_internal_notes(portal_app, demo_db, visit, firms):
    """The demo's file on an FDA-internal note is a canary: on FDA's question page, on no
    page of its own firm's, and its id answers 404 on the firm's download URL."""
    from portal.documents.demo import INTERNAL_NAME

    own, _ = firms
    rows = demo_db.rows(
        "SELECT d.filename, d.public_id, q.public_id FROM internal_document d "
        "JOIN question_note n ON n.id = d.question_note_id "
        "JOIN question q ON q.id = n.question_id WHERE d.firm_id = :firm",
        firm=own,
    )
    assert [row[0] for row in rows] == [INTERNAL_NAME]
    _, document_id, question_id = rows[0]
    document_id, question_id = uuid.UUID(str(document_id)), uuid.UUID(str(question_id))
    fda_page = visit("fda_staff").get(f"/questions/{question_id}").text
    assert INTERNAL_NAME in html.unescape(fda_page), "the canary is on FDA's page"

    person = visit("firm_admin@a")
    leaks = []
    for url in _firm_pages(portal_app, _record_ids(demo_db, own)):
        response = person.get(url, allow_redirects=True)
        if INTERNAL_NAME in html.unescape(response.text) or "Pangolin-4417" in response.text:
            leaks.append(url)
    assert not leaks, leaks
    assert person.get(f"/firm/documents/{document_id}").status_code == 404
    assert person.get(f"/documents/internal/{document_id}").status_code == 404
