"""Every long text people write offers the toolbar, and every page shows it through the sanitizer.

Issue 16: quality actions, meeting agendas, written feedback answers and the notes
on a site work like questions and answers. Each case below fails without its
field type (no ``data-formatting``, no hint) or without the ``formatted`` filter
on the page that shows the text (the marks would show as typed).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.feedback.survey_templates import ensure_default_template
from portal.meetings.models import MeetingStatus
from portal.timeutil import utcnow
from tests import factories
from tests import factories_feedback as ff

#: What a person might paste: marks that should format, and markup that must not run.
WRITTEN = (
    "**Hold** the line <script>alert(1)</script> and [click](javascript:alert(1))\n\n"
    "- first step\n- second step"
)


def assert_offers_formatting(page: str, name: str) -> None:
    """The text area named ``name`` carries the toolbar's hook and the hint lists the marks."""
    area = re.search(rf'<textarea[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    assert area, f"no text area named {name}"
    assert "data-formatting" in area.group(0), f"{name} is a plain text area"
    hint_id = re.search(r'aria-describedby="([^" ]+-hint)', area.group(0))
    assert hint_id, f"{name} has no hint"
    hint = re.search(rf'id="{hint_id.group(1)}">([^<]*)<', page).group(1)
    assert "**two stars**" in hint and "[words](https://...)" in hint


def assert_shows_formatted(page: str) -> None:
    """WRITTEN as formatting, with its script and javascript: link neutralised."""
    assert "<strong>Hold</strong>" in page
    assert "<li>first step</li>" in page and "<li>second step</li>" in page
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript' not in page
    assert "**Hold**" not in page


@pytest.fixture
def people(app):
    made = ff.engagement_with_people()
    db.session.commit()
    return made


def test_quality_action_description(people, sign_in):
    form = sign_in(people.admin).get(f"/firm/quality-actions/new/{people.engagement.public_id}")
    assert_offers_formatting(form.text, "description")
    action = factories.quality_action(people.engagement, people.admin, description=WRITTEN)
    db.session.commit()
    firm_page = sign_in(people.admin).get(f"/firm/quality-actions/{action.public_id}").text
    assert_shows_formatted(firm_page)
    # The title shows the words without their marks, and never the script as markup.
    assert "action: Hold the line &lt;script&gt;" in firm_page
    fda_page = sign_in(people.fda).get(f"/quality-actions/{action.public_id}").text
    assert_shows_formatted(fda_page)
    listing = sign_in(people.fda).get("/quality-actions").text
    assert "Hold the line" in listing and "**Hold**" not in listing


def test_quality_action_evidence_comment_and_status_notes(people, sign_in):
    action = factories.quality_action(people.engagement, people.admin)
    db.session.commit()
    firm_page = sign_in(people.admin).get(f"/firm/quality-actions/{action.public_id}").text
    assert_offers_formatting(firm_page, "note")  # the evidence note
    transition = sign_in(people.admin).get(
        f"/firm/quality-actions/{action.public_id}/status?to=in_progress"
    )
    assert transition.status_code == 200
    assert_offers_formatting(transition.text, "note")
    fda_page = sign_in(people.fda).get(f"/quality-actions/{action.public_id}").text
    assert_offers_formatting(fda_page, "note")  # FDA's comment

    for kind in ("evidence", "comment", "status"):
        factories.quality_action_event(action, people.admin, kind=kind, note=WRITTEN)
        db.session.commit()
        assert_shows_formatted(
            sign_in(people.admin).get(f"/firm/quality-actions/{action.public_id}").text
        )
        assert_shows_formatted(sign_in(people.fda).get(f"/quality-actions/{action.public_id}").text)
        db.session.rollback()


def test_meeting_agenda(people, sign_in):
    form = sign_in(people.fda).get(f"/meetings/new/{people.engagement.public_id}")
    assert_offers_formatting(form.text, "agenda")
    meeting = factories.meeting(people.engagement, agenda=WRITTEN)
    db.session.commit()
    assert_shows_formatted(sign_in(people.fda).get(f"/meetings/{meeting.public_id}").text)
    assert_shows_formatted(sign_in(people.fda).get(f"/meetings/{meeting.public_id}/packet").text)
    assert_shows_formatted(sign_in(people.admin).get(f"/firm/meetings/{meeting.public_id}").text)
    firm_packet = sign_in(people.admin).get(f"/firm/meetings/{meeting.public_id}/packet").text
    assert_shows_formatted(firm_packet)


def test_written_feedback_answer(people, sign_in):
    template = ensure_default_template()
    start = utcnow() - timedelta(days=2)
    meeting = ff.held_meeting(people.engagement, starts_at=start, status=MeetingStatus.HELD)
    survey = ff.survey(meeting, template)
    db.session.commit()
    form = sign_in(people.admin).get(f"/firm/feedback/{survey.public_id}").text
    text_question = next(q for q in template.questions if q.kind.value == "text")
    assert_offers_formatting(form, f"q{text_question.id}")

    answers = {q.position: (3 if q.kind.value == "rating" else True) for q in template.questions}
    answers[text_question.position] = WRITTEN
    ff.respond(survey, people.admin, answers)
    db.session.commit()
    assert_shows_formatted(sign_in(people.fda).get(f"/feedback/meetings/{survey.public_id}").text)
    assert_shows_formatted(sign_in(people.fda).get("/feedback").text)
    # The firm's own page shows the answer as given once the survey has closed.
    survey.closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert_shows_formatted(sign_in(people.admin).get(f"/firm/feedback/{survey.public_id}").text)


def test_call_notes_product_note_and_closing_note(fda_staff, sign_in):
    site = factories.eligible_site()
    action = factories.regulatory_action(site)
    db.session.commit()
    client = sign_in(fda_staff)
    assert_offers_formatting(client.get(f"/sites/{site.public_id}/calls/new").text, "notes")
    assert_offers_formatting(
        client.get(f"/sites/{site.public_id}/products/new").text, "vulnerability_note"
    )
    assert_offers_formatting(client.get(f"/sites/actions/{action.public_id}/close").text, "note")

    for record in (
        lambda: factories.contact_log(site, fda_staff, notes=WRITTEN),
        lambda: factories.product(site, vulnerability_note=WRITTEN),
        lambda: (
            setattr(action, "closed_note", WRITTEN)
            or setattr(action, "closed_on", action.action_date + timedelta(days=1))
        ),
    ):
        record()
        db.session.commit()
        assert_shows_formatted(client.get(f"/sites/{site.public_id}").text)
        db.session.rollback()
        _undo(site, action)


def _undo(site, action) -> None:
    """Each note is shown alone, so a later case cannot pass on an earlier one's text."""
    for log in site.contact_logs:
        log.notes = ""
    for product in site.products:
        product.vulnerability_note = ""
    action.closed_note = ""
    action.closed_on = None
    db.session.commit()


def test_old_actions_review_reason_offers_formatting(fda_staff, sign_in):
    site = factories.eligible_site()
    factories.regulatory_action(site, action_date=utcnow().date() - timedelta(days=365 * 8))
    db.session.commit()
    page = sign_in(fda_staff).get("/sites/actions/review").text
    assert_offers_formatting(page, "reason")


#: FDA's paragraph in a letter stays one paragraph: bold, italic and links only.
WRITTEN_INLINE = (
    "**Hold** the line <script>alert(1)</script> and [click](javascript:alert(1)) "
    "or read [FDA's guidance](https://www.fda.gov/guidance)"
)


def assert_shows_inline(page: str) -> None:
    assert "<strong>Hold</strong> the line &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page and 'href="javascript' not in page
    assert '<a href="https://www.fda.gov/guidance" rel="nofollow noopener">' in page


def test_letter_paragraph_formats_on_pages_and_in_the_html_email(fda_staff, sign_in, client):
    from portal.invitations import services as invitations
    from portal.invitations.models import Invitation
    from portal.outbox.models import OutboxMessage
    from tests.factories_invitations import open_letter, site_ready_for_letter, unlock

    site = site_ready_for_letter(fda_staff)
    db.session.commit()
    compose = sign_in(fda_staff).get(f"/sites/{site.public_id}/invitations/new").text
    assert_offers_formatting(compose, "paragraph")
    assert re.search(r'<textarea[^>]*data-formatting="inline"[^>]*name="paragraph"', compose)

    invitation = invitations.send_invitation(
        site, contacts=site.contacts, addressee="Ms. Rivera", by=fda_staff, paragraph=WRITTEN_INLINE
    )
    assert "**Hold** the line <script>" in db.session.get(Invitation, invitation.id).letter_body
    assert_shows_inline(sign_in(fda_staff).get(f"/invitations/{invitation.public_id}").text)
    email = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.template == "invitations_letter")
    ).one()
    assert_shows_inline(email.body_html)
    assert "**Hold** the line" in email.body_text  # the text part carries what FDA typed

    other = open_letter(
        fda_staff,
        site_values={"legal_name": "Other Sterile Site"},
        fda_paragraph=WRITTEN_INLINE,
        letter_body=f"Dear Ms. Rivera,\n\n{WRITTEN_INLINE}\n\nSincerely,",
    )
    db.session.commit()
    anonymous = client.application.test_client()
    unlock(anonymous, other.token)
    assert_shows_inline(anonymous.get(f"/invitation/{other.token}").text)


def test_a_letter_paragraph_shaped_as_a_list_shows_as_typed():
    from markupsafe import escape

    from portal.invitations.letter import letter_blocks

    blocks = letter_blocks("Dear Ms. Rivera,\n\n- not a list here", "- not a list here")
    assert str(escape(blocks[1][0])) == "- not a list here"
