"""Labels say "(optional)" only for fields that are (issue 16), on every form of the portal.

Two sweeps, nothing listed by hand: every form class, whose labels must leave
required-ness to the field macro (so the words cannot contradict the
validators), and every page each role can open, where no control labelled
"(optional)" may be one the browser is told is required.
"""

from __future__ import annotations

import html
import importlib
import pkgutil
import re
from html.parser import HTMLParser

import pytest
from wtforms.fields.core import UnboundField

import portal
from portal.extensions import db
from portal.forms import PortalForm
from tests import factories
from tests.conftest import login_as
from tests.sweep import get_pages, people

#: Words about required-ness belong to the macro ("(optional)", "(required when ...)").
_REQUIREDNESS_WORDS = re.compile(r"\((?:optional|required)\b", re.IGNORECASE)


def _all_form_classes() -> list[type[PortalForm]]:
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        importlib.import_module(module.name)
    found, pending = set(), [PortalForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            if subclass not in found:
                found.add(subclass)
                pending.append(subclass)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def _labels(form_class: type[PortalForm]):
    """(field name, label) of a form class, read from its declared fields (no instance:
    some bases such as ZonedForm are only complete in their subclasses)."""
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if isinstance(unbound, UnboundField):
            label = unbound.args[0] if unbound.args else unbound.kwargs.get("label")
            yield name, str(label or "")


def test_no_form_label_states_its_own_requiredness():
    """A label that says "(required when ...)" itself gets "(optional)" added by the macro."""
    form_classes = _all_form_classes()
    offenders = [
        f"{form_class.__qualname__}.{name}: {label}"
        for form_class in form_classes
        for name, label in _labels(form_class)
        if _REQUIREDNESS_WORDS.search(label)
    ]
    assert len(form_classes) > 30, "the sweep found the portal's forms"
    assert not offenders, offenders


class _Labels(HTMLParser):
    """Each label's (or fieldset legend's) text and whether its control is required."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.label_text: dict[str, str] = {}
        self.required: set[str] = set()
        self._label_for: str | None = None
        self._fieldsets: list[str | None] = []
        self._in_legend = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "label" and attributes.get("for"):
            self._label_for = attributes["for"]
            self.label_text.setdefault(self._label_for, "")
        elif tag == "fieldset":
            self._fieldsets.append(attributes.get("id"))
        elif tag == "legend" and self._fieldsets and self._fieldsets[-1]:
            self._in_legend = True
            self.label_text.setdefault(self._fieldsets[-1], "")
        elif tag in ("input", "select", "textarea") and "required" in attributes:
            self.required.add(attributes.get("id") or "")
            if self._fieldsets and self._fieldsets[-1]:
                self.required.add(self._fieldsets[-1])

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_for = None
        elif tag == "legend":
            self._in_legend = False
        elif tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()

    def handle_data(self, data):
        if self._label_for:
            self.label_text[self._label_for] += data
        elif self._in_legend:
            self.label_text[self._fieldsets[-1]] += data


def label_problems(page: str) -> list[str]:
    parser = _Labels()
    parser.feed(page)
    problems = []
    for control, text in parser.label_text.items():
        words = " ".join(text.split())
        optional = words.count("(optional)")
        if optional > 1:
            problems.append(f"{control}: says optional twice: {words}")
        if optional and "(required" in words:
            problems.append(f"{control}: optional and required: {words}")
        if optional and control in parser.required:
            problems.append(f"{control}: labelled optional, but required: {words}")
    return problems


def test_label_check_catches_what_issue_16_found():
    """The page check itself: each way a label was wrong in the walk-through fails it."""
    assert label_problems(
        '<label for="reason">Would you tell us why? (optional) (optional)</label>'
        '<textarea id="reason"></textarea>'
    )
    assert label_problems(
        '<label for="note">Why (required when you flag it) (optional)</label><input id="note">'
    )
    assert label_problems(
        '<label for="password">Choose a password (optional)</label><input id="password" required>'
    )
    assert label_problems(
        '<fieldset id="kind"><legend>Kind (optional)</legend>'
        '<input type="radio" id="kind-0" required></fieldset>'
    )
    assert not label_problems('<label for="notes">Notes (optional)</label><textarea id="notes">')


#: The program's internal references ("SPEC 8") belong in code comments, not on pages.
_SPEC_REFERENCE = re.compile(r"\bSPEC \d")
#: A sentence's full stop after a name that ends in one ("Inc.."), not an ellipsis or a path.
_DOUBLE_FULL_STOP = re.compile(r"\w\.\.(?![./\w])")
#: Two sentences run together ("afterwards.The firm"), as trimmed template lines can make.
_RUN_TOGETHER = re.compile(r"[a-z]{2}\.[A-Z][a-z]")


def wording_problems(page: str) -> list[str]:
    text = re.sub(r"<[^>]+>", " ", page)
    return [
        f"{what}: …{text[max(0, m.start() - 40) : m.end() + 10]}…"
        for what, pattern in (
            ("SPEC reference", _SPEC_REFERENCE),
            ("..", _DOUBLE_FULL_STOP),
            ("no space after a full stop", _RUN_TOGETHER),
        )
        for m in pattern.finditer(text)
    ]


def test_wording_check_catches_spec_references_and_double_full_stops():
    assert wording_problems("<p>Eligibility (SPEC 2)</p>")
    assert wording_problems("<p>About American Regent, Inc..</p>")
    assert wording_problems("<p>This is final afterwards.The firm's users are emailed.</p>")
    assert not wording_problems("<p>About American Regent, Inc. Wait… or ... fine.</p>")


@pytest.mark.parametrize("role", ["fda_admin", "fda_staff", "firm_admin", "firm_staff"])
def test_every_page_labels_optional_fields_truthfully_in_plain_words(app, world, role):
    client = app.test_client()
    login_as(client, people(world)[role])
    problems, forms_seen = [], 0
    for url in get_pages(app, world, role):
        response = client.get(url)
        is_page = response.status_code == 200 and "html" in response.content_type
        page = response.get_data(as_text=True) if is_page else ""
        response.close()  # CSV downloads stream: close them inside the request's context
        if not is_page:
            continue
        forms_seen += page.count("<form")
        problems += [f"{url}: {problem}" for problem in label_problems(page)]
        problems += [f"{url}: {problem}" for problem in wording_problems(page)]
    assert forms_seen > 5
    assert not problems, problems


def _label(page: str, control: str) -> str:
    found = re.search(rf'<label class="usa-label" for="{control}">(.*?)</label>', page, re.S)
    assert found, control
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def test_fields_required_by_a_choice_say_when_not_optional(firm_admin, fda_staff, sign_in):
    """Each of these is refused empty by its service in one case, so none is "(optional)"."""
    from tests.factories_invitations import site_ready_for_letter
    from tests.factories_meetings import meeting_at

    site = site_ready_for_letter(fda_staff)
    engagement = factories.engagement(firm_admin.firm, sent_by=fda_staff)
    meeting = meeting_at(engagement, "2030-03-01 10:00")
    question = factories.question(meeting, firm_admin)
    db.session.commit()
    client = sign_in(fda_staff)

    schedule = client.get(f"/meetings/new/{engagement.public_id}").text
    assert _label(schedule, "join_details") == (
        "How to join (required for a video call or teleconference)"
    )
    assert _label(schedule, "location") == "Place (required for an on-site meeting)"
    assert _label(schedule, "agenda") == "Agenda (optional)"
    answer = client.get(f"/questions/{question.public_id}").text
    assert _label(answer, "response") == (
        "Written response (required for \u201cAnswered in writing\u201d)"
    )
    letter = client.get(f"/sites/{site.public_id}/invitations/new").text
    assert _label(letter, "paragraph") == (
        "FDA's own paragraph (required for a site admitted by FDA's override)"
    )
    product = client.get(f"/sites/{site.public_id}/products/new").text
    assert _label(product, "vulnerability_note") == "Why (required when you flag the product)"
