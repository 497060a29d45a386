"""Issue 16 wording: one full stop after names ending in a period, names listed as a sentence
lists them, and the confirmations that say what just happened."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import render_template

from portal.extensions import db
from portal.wording import full_stop, join_names
from tests import factories
from tests.factories_meetings import meeting_at


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("American Regent, Inc.", "American Regent, Inc."),
        ("Northwind Pharmaceuticals", "Northwind Pharmaceuticals."),
        ("Is it?", "Is it?"),
        ("trailing space ", "trailing space."),
        ("", ""),
        (None, ""),
    ],
)
def test_full_stop_adds_one_only_when_needed(text, expected):
    assert full_stop(text) == expected


def test_join_names():
    assert join_names([]) == ""
    assert join_names(["Ana"]) == "Ana"
    assert join_names(["Ana", "Ben"]) == "Ana and Ben"
    assert join_names(["Ana", "Ben", "Cy"]) == "Ana, Ben and Cy"


@pytest.mark.parametrize("suffix", ["txt", "html"])
def test_welcome_email_ends_a_name_ending_in_a_period_once(app, suffix):
    with app.test_request_context():
        text = render_template(
            f"emails/invitations_welcome.{suffix}",
            site=SimpleNamespace(legal_name="American Regent, Inc."),
            user=SimpleNamespace(full_name="Dana Whitfield", timezone="America/New_York"),
            link="http://portal.test/x",
            firm=SimpleNamespace(name="American Regent, Inc."),
            engagement=SimpleNamespace(),
        )
    assert "for American Regent, Inc. Your engagement" in text
    assert "Inc.." not in text


def test_firm_meeting_page_ends_the_site_name_once(app, firm_admin, fda_staff, sign_in):
    site = factories.eligible_site(legal_name="American Regent, Inc.", firm_id=firm_admin.firm_id)
    engagement = factories.engagement(firm_admin.firm, site=site, sent_by=fda_staff)
    meeting = meeting_at(engagement, "2030-03-01 10:00")
    db.session.commit()
    page = sign_in(firm_admin).get(f"/firm/meetings/{meeting.public_id}").get_data(as_text=True)
    assert "About American Regent, Inc.</p>" in page
    assert "Inc.." not in page


def test_lower_first_keeps_acronyms():
    from portal.wording import lower_first

    assert lower_first("Verified by FDA") == "verified by FDA"
    assert lower_first("FDA review") == "FDA review"


def test_verify_page_reads_as_sentences(app, firm_admin, fda_staff, sign_in):
    from portal.quality.models import ActionStatus

    engagement = factories.engagement(firm_admin.firm, sent_by=fda_staff)
    action = factories.quality_action(engagement, firm_admin, status=ActionStatus.COMPLETED)
    db.session.commit()
    page = sign_in(fda_staff).get(f"/quality-actions/{action.public_id}/status?to=verified")
    text = " ".join(page.get_data(as_text=True).split())
    assert "will become <strong>verified by FDA</strong>." in text
    assert "afterwards. The firm's users are emailed" in text
    assert "by fda" not in text and "afterwards.The" not in text


def test_verifying_says_verified_by_fda_in_capitals(app, firm_admin, fda_staff, sign_in, no_csrf):
    from portal.quality.models import ActionStatus

    engagement = factories.engagement(firm_admin.firm, sent_by=fda_staff)
    action = factories.quality_action(engagement, firm_admin, status=ActionStatus.COMPLETED)
    db.session.commit()
    client = sign_in(fda_staff)
    url = f"/quality-actions/{action.public_id}/status"
    client.post(url, data={"to": "verified", "note": "Reviewed SOP-207."})
    page = client.get(f"/quality-actions/{action.public_id}").get_data(as_text=True)
    assert "The action is now verified by FDA." in page


def test_saving_an_answer_names_the_firm_users_emailed(
    app, firm_admin, firm_staff, fda_staff, sign_in, no_csrf
):
    engagement = factories.engagement(firm_admin.firm, sent_by=fda_staff)
    meeting = meeting_at(engagement, "2030-03-01 10:00")
    question = factories.question(meeting, firm_staff)
    db.session.commit()
    client = sign_in(fda_staff)
    url = f"/questions/{question.public_id}"
    client.post(url, data={"status": "answered_in_writing", "response": "Yes, **it is**."})
    page = client.get(f"/meetings/{meeting.public_id}").get_data(as_text=True)
    names = sorted([firm_staff.full_name, firm_admin.full_name])
    assert f"Saved. The firm&#39;s users were emailed: {names[0]} and {names[1]}." in page
    client.post(url, data={"status": "under_review", "response": "Yes, **it is**."})
    page = client.get(f"/meetings/{meeting.public_id}").get_data(as_text=True)
    assert "Saved. Nobody at the firm was emailed" in page


def test_person_reached_says_when_it_is_required(app, fda_staff, sign_in):
    site = factories.site()
    db.session.commit()
    page = sign_in(fda_staff).get(f"/sites/{site.public_id}/calls/new").get_data(as_text=True)
    label = page[page.index('<label class="usa-label" for="person_reached">') :]
    label = label[: label.index("</label>")]
    assert "(optional)" not in label
    assert "(required when the outcome is \u201cSpoke with the site\u201d)" in label


def test_optional_means_optional_in_the_form_macro(app):
    from portal.sites.forms import CallForm

    with app.test_request_context():
        form = CallForm(meta={"csrf": False})
        assert form.person_reached.flags.required_when
        assert not form.notes.flags.required  # "Notes (optional)" stays true


def test_firm_meeting_page_links_the_join_address(app, firm_admin, fda_staff, sign_in):
    engagement = factories.engagement(firm_admin.firm, sent_by=fda_staff)
    meeting = meeting_at(engagement, "2030-03-01 10:00")
    meeting.join_details = "https://fda.zoomgov.com/j/1612345678?pwd=abc\nPasscode: 445566"
    db.session.commit()
    page = sign_in(firm_admin).get(f"/firm/meetings/{meeting.public_id}").get_data(as_text=True)
    assert '<a href="https://fda.zoomgov.com/j/1612345678?pwd=abc" rel="nofollow noopener">' in page
    assert "break-all" not in page, "words are not split mid-word"
