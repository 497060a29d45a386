"""Full-text search (issue 13): normalization, the index kept in the change's transaction,
filters, snippets, bad queries, the pages and their audit.

The suite runs on SQLite and on PostgreSQL; the literal expectations below (ids in order,
snippet HTML) are the same on both, so passing on both proves the engines agree.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.extensions import db
from portal.meetings.models import MeetingStatus
from portal.messages import services as message_services
from portal.minutes import services as minutes_services
from portal.questions import services as question_services
from portal.questions.models import QuestionStatus
from portal.search import indexing
from portal.search.models import SearchEntry
from portal.search.queries import Filters, hits, search_statement
from portal.search.text import QueryError, parse_query, snippet, terms_of
from tests import factories, factories_messages, factories_minutes


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 12, 0, tzinfo=UTC)


def found(words: str, **filters) -> list[tuple[str, int]]:
    query = parse_query(words)
    entries = db.session.scalars(search_statement(query, Filters(**filters))).all()
    return [(entry.kind, entry.source_id) for entry in entries]


# --- normalization and snippets (pure Python) ----------------------------------------------


def test_terms_are_folded_split_and_stripped_of_accents():
    assert terms_of("Média-Fills 3.5% İstanbul Straße naïve e_mail ½") == (
        "media fills 3 5 istanbul strasse naive e mail 1 2"
    )
    assert terms_of("<p>not html</p>") == "p not html p"  # markup is stripped before, not here


@pytest.mark.parametrize(
    "raw",
    ["", "   ", '"', "***", "-", "&|!:*", "()", "\u200b", "_"],
)
def test_a_query_without_letters_or_digits_is_refused_with_a_message(raw):
    with pytest.raises(QueryError) as refused:
        parse_query(raw)
    assert "Type a word" in str(refused.value)


def test_fts_and_tsquery_syntax_becomes_plain_words():
    assert parse_query('NEAR(media fill) -x* "unclosed').terms == (
        "near",
        "media",
        "fill",
        "x",
        "unclosed",
    )
    assert parse_query('"media fills" aseptic').phrases == (("media", "fills"),)


def test_overlong_and_many_word_queries_are_refused():
    with pytest.raises(QueryError, match="200 characters"):
        parse_query("a" * 201)
    with pytest.raises(QueryError, match="at most 8"):
        parse_query("one two three four five six seven eight nine")


def test_snippet_marks_matching_words_escapes_the_rest_and_cuts_at_words():
    text = (
        ("Lorem ipsum dolor sit amet " * 6)
        + "we ran <b>MEDIA fills</b> & smoke studies "
        + ("consectetur adipiscing elit " * 6)
    )
    html = str(snippet(text, ("media", "fill")))
    assert html == (
        "\u2026 Lorem ipsum dolor sit amet Lorem ipsum dolor sit amet Lorem ipsum dolor sit amet "
        "we ran &lt;b&gt;<mark>MEDIA</mark> <mark>fills</mark>&lt;/b&gt; &amp; smoke studies "
        "consectetur adipiscing elit consectetur adipiscing elit consectetur \u2026"
    )


# --- the index kept current, in the change's own flush ----------------------------------


@pytest.fixture
def people(app):
    firm_a = factories.firm("Alpha Pharmaceuticals")
    firm_b = factories.firm("Bravo Laboratories")
    fda = factories.user(Role.FDA_STAFF, email="fda@fda.example.gov")
    a = factories.user(Role.FIRM_ADMIN, firm=firm_a, email="a@alpha.example.com")
    b = factories.user(Role.FIRM_ADMIN, firm=firm_b, email="b@bravo.example.com")
    eng_a = factories.engagement(firm_a, sent_by=fda)
    eng_b = factories.engagement(firm_b, sent_by=fda)
    meeting_a = factories.meeting(eng_a, scheduled_by=fda)
    meeting_b = factories.meeting(eng_b, scheduled_by=fda)
    db.session.commit()
    return type("People", (), locals())


def test_a_question_is_found_in_the_transaction_that_submits_it(people):
    question = question_services.submit_question(
        people.meeting_a,
        people.a,
        subject="Aseptic filling",
        topic="production_process",
        body="How often must we repeat **media fills** after a line change?",
    )
    # Not committed yet: the entry is in the same transaction as the question.
    assert found("media fill") == [("question", question.id)]
    db.session.rollback()
    assert found("media fill") == []


def test_edit_replaces_the_words_and_withdrawal_removes_the_question(people):
    question = question_services.submit_question(
        people.meeting_a,
        people.a,
        subject="Water system",
        topic="facilities_equipment",
        body="Is our purified water loop sanitization frequency adequate?",
    )
    db.session.commit()
    assert found("sanitization") == [("question", question.id)]
    question_services.edit_question(
        question,
        people.a,
        subject="Water system",
        topic="facilities_equipment",
        body="Is our purified water loop ozonation schedule adequate?",
    )
    db.session.commit()
    assert found("sanitization") == []
    assert found("ozonation") == [("question", question.id)]
    question_services.withdraw_question(question, people.a)
    db.session.commit()
    assert found("ozonation") == []
    assert db.session.scalar(select(func.count(SearchEntry.id))) == 0


def test_an_answer_is_indexed_once_written_and_follows_its_revisions(people):
    question = factories.question(
        people.meeting_a,
        people.a,
        subject="Stability",
        body_html="<p>Which stability conditions apply?</p>",
    )
    question_services.respond(
        question, status=QuestionStatus.UNDER_REVIEW, response="", by=people.fda
    )
    db.session.commit()
    assert found("stability", kind="answer") == []
    question_services.respond(
        question,
        status=QuestionStatus.ANSWERED_IN_WRITING,
        response="Use **zone IVb** long-term conditions.",
        by=people.fda,
    )
    db.session.commit()
    assert found("ivb") == [("answer", question.id)]
    assert found("stability") == [("answer", question.id), ("question", question.id)]


def test_a_status_change_or_assignment_leaves_the_entry_untouched(people, count_queries):
    question = factories.question(people.meeting_a, people.a, body_html="<p>Capping</p>")
    db.session.commit()
    with count_queries() as counter:
        question_services.assign(question, people.fda, by=people.fda)
        question_services.respond(
            question, status=QuestionStatus.UNDER_REVIEW, response="", by=people.fda
        )
        db.session.commit()
    assert "UPDATE question" in " ".join(counter.statements)
    assert not [sql for sql in counter.statements if "search_entry" in sql]


def test_messages_records_and_actions_are_indexed_but_fda_notes_and_drafts_are_not(people):
    message_services.post_message(
        people.eng_a, "Our *deviation* trending report is attached.", by=people.a
    )
    factories_messages.note(people.eng_a, people.fda, body="Internal: deviation secretword")
    action = factories.quality_action(
        people.eng_a, people.a, description="Retrain operators on deviation handling"
    )
    held = factories.meeting(
        people.eng_a,
        starts_at=at(1),
        status=MeetingStatus.HELD,
        held_at=at(1),
        scheduled_by=people.fda,
    )
    minutes = factories_minutes.published_record(
        held, people.fda, summary="We discussed deviation closure."
    )
    db.session.commit()
    kinds = sorted(kind for kind, _ in found("deviation"))
    assert kinds == ["meeting_record", "message", "quality_action"]
    assert found("secretword") == []
    # FDA's working copy changes: nothing new is searchable until it is published.
    minutes.record.summary = "Draft wording draftonlyword"
    db.session.commit()
    assert found("draftonlyword") == []
    assert action.id in [source for kind, source in found("retrain")]


def test_a_new_version_replaces_the_record_entry(people):
    held = factories.meeting(
        people.eng_a,
        starts_at=at(1),
        status=MeetingStatus.HELD,
        held_at=at(1),
        scheduled_by=people.fda,
    )
    minutes = factories_minutes.published_record(held, people.fda, summary="First calibration")
    db.session.commit()
    record = minutes.record
    record.summary = "Second recalibration wording"
    minutes_services.publish(record, "Corrected the summary.", by=people.fda)
    db.session.commit()
    assert found("recalibration") == [("meeting_record", record.id)]
    assert found("first") == []


def test_reindex_rebuilds_the_same_entries(people, runner):
    question_services.submit_question(
        people.meeting_a,
        people.a,
        subject="Labels",
        topic="packaging_labeling",
        body="Label reconciliation limits?",
    )
    message_services.post_message(people.eng_b, "Reconciliation of labels", by=people.b)
    db.session.commit()
    before = db.session.execute(
        select(SearchEntry.kind, SearchEntry.source_id, SearchEntry.terms).order_by(
            SearchEntry.kind, SearchEntry.source_id
        )
    ).all()
    db.session.execute(SearchEntry.__table__.delete())
    db.session.commit()
    assert found("reconciliation") == []
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "indexed 2 entries" in result.output
    after = db.session.execute(
        select(SearchEntry.kind, SearchEntry.source_id, SearchEntry.terms).order_by(
            SearchEntry.kind, SearchEntry.source_id
        )
    ).all()
    assert after == before
    assert len(found("reconciliation")) == 2


# --- the same answers on both databases --------------------------------------------------


@pytest.fixture
def corpus(people):
    """Fixed texts and times: every expectation below is a literal."""
    rows = [
        ("Media fills", "<p>How many <strong>media fills</strong> after a shutdown?</p>", 3),
        ("Fill weights", "<p>Fill-weight checks: every 30 minutes?</p>", 5),
        ("Média", "<p>Les <em>médias</em> de culture, incubation à 20–25 °C.</p>", 4),
        ("Smoke studies", "<p>Airflow visualisation for the filling line.</p>", 2),
    ]
    questions = [
        factories.question(
            people.meeting_a,
            people.a,
            subject=s,
            body_html=b,
            submitted_at=at(d),
            topic="production_process" if d != 2 else "facilities_equipment",
        )
        for s, b, d in rows
    ]
    other = factories.question(
        people.meeting_b,
        people.b,
        subject="Media at Bravo",
        body_html="<p>Bravo's media fill canary</p>",
        submitted_at=at(6),
    )
    db.session.commit()
    return questions, other


def test_results_order_and_snippets_are_these_literals_on_either_database(corpus):
    questions, other = corpus
    q = parse_query("fill")
    entries = db.session.scalars(search_statement(q, Filters())).all()
    assert [entry.source_id for entry in entries] == [
        other.id,
        questions[1].id,
        questions[0].id,
        questions[3].id,
    ]
    shown = [(str(hit.title), str(hit.snippet)) for hit in hits(entries, q)]
    assert shown == [
        ("Media at Bravo", "Bravo&#x27;s media <mark>fill</mark> canary"),
        ("<mark>Fill</mark> weights", "<mark>Fill</mark>-weight checks: every 30 minutes?"),
        ("Media <mark>fills</mark>", "How many media <mark>fills</mark> after a shutdown?"),
        ("Smoke studies", "Airflow visualisation for the <mark>filling</mark> line."),
    ]
    q = parse_query("MEDIA")
    entries = db.session.scalars(search_statement(q, Filters())).all()
    assert [entry.source_id for entry in entries] == [
        other.id,
        questions[2].id,
        questions[0].id,
    ]
    assert str(hits(entries, q)[1].snippet) == (
        "Les <mark>médias</mark> de culture, incubation à 20–25 °C."
    )


def test_filters_phrases_and_every_term_required(corpus, people):
    questions, other = corpus
    assert found("media fill") == [("question", other.id), ("question", questions[0].id)]
    assert found('"fill weight"') == [("question", questions[1].id)]
    assert found('"weight fill"') == []
    assert found("fill", firm_id=people.firm_b.id) == [("question", other.id)]
    assert found("fill", topic="facilities_equipment") == [("question", questions[3].id)]
    assert found("fill", start=at(3), end=at(5)) == [("question", questions[0].id)]
    assert found("fill", kind="answer") == []
    assert found("incubation 25") == [("question", questions[2].id)]


def test_the_firm_session_never_sees_another_firms_entries(corpus, people):
    from portal.security.tenancy import declare, firm_scope

    questions, other = corpus
    firm_scope(db.session, people.firm_a.id)
    try:
        # Even a statement without the firm filter: the session narrows it.
        assert ("question", other.id) not in found("canary")
        assert found("canary") == []
    finally:
        declare(db.session, None)


# --- the pages ---------------------------------------------------------------------------


def test_fda_page_finds_every_firm_and_audits_each_search(corpus, people, sign_in):
    client = sign_in(people.fda)
    page = client.get("/search?q=canary+media")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "1 result," in html
    assert "Bravo Laboratories" in html
    assert "<mark>canary</mark>" in html
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "search.run")).all()
    assert [event.detail for event in events] == ["q=canary media"]
    assert events[0].firm_id is None


def test_firm_page_shows_only_its_own_firm(corpus, people, sign_in):
    client = sign_in(people.a)
    html = client.get("/firm/search?q=canary").get_data(as_text=True)
    assert "0 results" in html and "Nothing matches" in html
    html = client.get("/firm/search?q=media").get_data(as_text=True)
    assert "2 results" in html and "Bravo" not in html
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "search.run")).all()
    assert [(e.detail, e.firm_id) for e in event] == [
        ("q=canary", people.firm_a.id),
        ("q=media", people.firm_a.id),
    ]


@pytest.mark.parametrize("raw", ['"', "***", "NEAR(", "-", "x" * 201, "%00", "a&b|!c:*"])
def test_bad_queries_answer_with_a_message_not_an_error(people, sign_in, raw):
    client = sign_in(people.fda)
    page = client.get("/search", query_string={"q": raw})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "usa-error-message" in html or "result" in html


def test_the_page_without_a_query_lists_nothing_and_audits_nothing(people, sign_in):
    client = sign_in(people.a)
    html = client.get("/firm/search").get_data(as_text=True)
    assert "Type one or more words" in html
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "search.run")
        )
        == 0
    )


def test_rebuild_counts_each_kind(corpus):
    counts = indexing.rebuild(db.session.connection())
    db.session.commit()
    assert counts["question"] == 5


def test_a_word_with_more_matches_than_are_counted_says_more_than(
    sign_in, fda_staff, firm_admin, firm_a, monkeypatch
):
    """The count stops at COUNT_LIMIT, so a word most texts hold costs a page, not a scan."""
    from portal.search import pages

    monkeypatch.setattr(pages, "COUNT_LIMIT", 2)
    engagement = factories.engagement(firm_a, sent_by=fda_staff)
    meeting = factories.meeting(engagement, scheduled_by=fda_staff)
    for number in range(3):
        factories.question(
            meeting, firm_admin, subject=f"Hold time {number}", body_html="<p>hold</p>"
        )
    db.session.commit()
    client = sign_in(fda_staff)
    page = client.get("/search?q=hold").get_data(as_text=True)
    assert "More than 2 results, newest first." in page
    assert page.count('class="search-result"') == 3
    monkeypatch.setattr(pages, "COUNT_LIMIT", 3)
    assert "3 results, newest first." in client.get("/search?q=hold").get_data(as_text=True)
