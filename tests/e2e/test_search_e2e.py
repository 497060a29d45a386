"""Search (issue 13) in the running portal under gunicorn, checked through the test's own
database connection.

1. A firm lead asks a question with a unique word: both sides find it; after the lead
   edits the body the old word finds nothing and the new one finds it; after the
   withdrawal neither side finds it (a withdrawn question leaves the index).
2. Canary sweep: words that only the other demo firm wrote (its questions, its quality
   actions, its thread) and a fresh word FDA writes in that firm's thread are found by
   FDA and never by Northwind's lead; an FDA internal note's word is found by no firm.
3. Every search is one audit row naming the words, seen from a separate connection.
"""

from __future__ import annotations

import html
import re
import uuid

import pytest

from tests.e2e.test_firm_canary_sweep import OTHER_FIRM, OWN_FIRM
from tests.e2e.test_messages_e2e import _engagement
from tests.e2e.test_question_lock import QUESTION_ROW, _ask

RESULTS = re.compile(r"(\d+) results?, newest first")


def _count(visitor, path: str, words: str) -> tuple[int, str]:
    response = visitor.get(path, params={"q": words})
    assert response.status_code == 200, f"{path}?q={words}: {response.status_code}"
    found = RESULTS.search(response.text)
    assert found, response.text[:500]
    return int(found.group(1)), " ".join(html.unescape(response.text).split())


def _word(label: str) -> str:
    return f"{label}{uuid.uuid4().hex[:10]}"


def test_a_question_is_found_then_follows_its_edit_and_leaves_on_withdrawal(visit, demo_db):
    lead, fda = visit("firm_admin@a"), visit("fda_staff")
    first, second = _word("quokka"), _word("wombat")
    subject = f"Hold times {uuid.uuid4().hex[:6]}"
    _ask(lead, "/firm/questions/new", subject)
    asked = demo_db.rows(QUESTION_ROW, subject=subject)[0]
    question = uuid.UUID(str(asked.public_id))
    # Put the unique word into the body through the firm's edit page.
    edit = lead.post(
        f"/firm/questions/{question}/edit",
        {"subject": subject, "topic": "supply_chain", "body": f"How long may {first} be held?"},
    )
    assert edit.status_code == 200, edit.text[:300]
    assert first in demo_db.rows(QUESTION_ROW, subject=subject)[0].body_html

    total, page = _count(lead, "/firm/search", first)
    assert total == 1 and f"/firm/questions/{question}" in page
    total, page = _count(fda, "/search", first)
    assert total == 1 and f"/questions/{question}" in page and OWN_FIRM in page

    lead.post(
        f"/firm/questions/{question}/edit",
        {"subject": subject, "topic": "supply_chain", "body": f"How long may {second} be held?"},
    )
    for visitor, path in ((lead, "/firm/search"), (fda, "/search")):
        assert _count(visitor, path, first)[0] == 0
        assert _count(visitor, path, second)[0] == 1

    lead.get(f"/firm/questions/{question}/withdraw")
    lead.post(f"/firm/questions/{question}/withdraw", {"submit": "Withdraw"})
    assert demo_db.rows(QUESTION_ROW, subject=subject)[0].withdrawn_at is not None
    for visitor, path in ((lead, "/firm/search"), (fda, "/search")):
        assert _count(visitor, path, second)[0] == 0


def _distinctive_words(demo_db, firm_id: int) -> set[str]:
    words: set[str] = set()
    for sql in (
        "SELECT subject || ' ' || body_html FROM question WHERE firm_id = :firm",
        "SELECT description FROM quality_action WHERE firm_id = :firm",
        "SELECT body FROM engagement_message WHERE firm_id = :firm",
    ):
        for (value,) in demo_db.rows(sql, firm=firm_id):
            words |= {w.lower() for w in re.findall(r"[A-Za-z]{7,}", value or "")}
    return words


@pytest.fixture(scope="module")
def firm_ids(demo_db):
    own = demo_db.scalar("SELECT id FROM firm WHERE name = :name", name=OWN_FIRM)
    other = demo_db.scalar("SELECT id FROM firm WHERE name = :name", name=OTHER_FIRM)
    return own, other


def test_no_search_by_a_firm_finds_another_firms_words_or_fda_notes(visit, demo_db, firm_ids):
    own, other = firm_ids
    lead, fda = visit("firm_admin@a"), visit("fda_staff")

    # A fresh canary in the other firm's thread, written through the portal by FDA.
    canary = _word("okapicanary")
    thread = f"/engagements/{_engagement(demo_db, OTHER_FIRM)}/messages"
    fda.get(thread)
    posted = fda.post(thread, {"body": f"Please send the {canary} deviation report."})
    assert posted.status_code == 200 and canary in posted.text
    total, page = _count(fda, "/search", canary)
    assert total == 1 and OTHER_FIRM in page

    # FDA's internal note on the firm's own thread: not indexed, found by nobody.
    note_word = _word("internalnote")
    own_thread = f"/engagements/{_engagement(demo_db, OWN_FIRM)}/messages"
    fda.get(own_thread)
    fda.post(f"{own_thread}/notes", {"note-body": f"FDA only: {note_word}"})
    assert demo_db.scalar(
        "SELECT count(*) FROM engagement_note WHERE body LIKE :w", w=f"%{note_word}%"
    )
    assert _count(lead, "/firm/search", note_word)[0] == 0

    # Every word only the other firm wrote (not even the start of one of Northwind's
    # indexed words, as a search word is a prefix): FDA finds it, the firm lead never does.
    own_terms = {
        term
        for (terms,) in demo_db.rows("SELECT terms FROM search_entry WHERE firm_id = :f", f=own)
        for term in terms.split()
    }
    theirs = sorted(
        word
        for word in _distinctive_words(demo_db, other)
        if not any(term.startswith(word) for term in own_terms)
    )
    assert len(theirs) >= 5, theirs
    leaks, fda_found = [], 0
    for word in [canary, *theirs[:25]]:
        total, page = _count(lead, "/firm/search", word)
        if total or OTHER_FIRM in page:
            leaks.append(word)
        fda_found += _count(fda, "/search", word)[0] > 0
    assert not leaks, leaks
    assert fda_found >= 5, "the sweep's words are searchable at all"

    # Words both firms use: the lead sees exactly what FDA sees of Northwind alone.
    for word in ("deviation", "control", "cleaning", "stability"):
        firm_total = _count(lead, "/firm/search", word)[0]
        response = fda.get("/search", params={"q": word, "firm": str(own)})
        fda_total = int(RESULTS.search(response.text).group(1))
        assert firm_total == fda_total, word


def test_each_search_is_one_audit_row_with_its_words(visit, demo_db, demo_people, firm_ids):
    own, _ = firm_ids
    lead = visit("firm_admin@a")
    words = _word("auditedsearch")
    mark = demo_db.audit_mark()
    response = lead.get("/firm/search", params={"q": words, "kind": "question"})
    assert response.status_code == 200
    searches = [row for row in demo_db.audit_since(mark) if row.action == "search.run"]
    assert len(searches) == 1
    assert searches[0].detail == f"q={words}; kind=question"
    assert searches[0].firm_id == own
    assert searches[0].actor_email == demo_people["firm_admin@a"]["email"]
    # Opening the page without words, or paging nowhere, is not a search.
    mark = demo_db.audit_mark()
    lead.get("/firm/search")
    assert [row for row in demo_db.audit_since(mark) if row.action == "search.run"] == []
