"""The base form every page uses, and the input rules that apply to every field.

Bad input anywhere (NUL bytes, control characters, text longer than a field
allows, undecodable bytes) becomes a message beside the field, never a 500 and
never a half-written row.
"""

from __future__ import annotations

import unicodedata

from flask import flash, request
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Field, SelectChoice, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, StopValidation
from wtforms.widgets import Select, TextArea, html_params

from portal.auth.drafts import take_draft
from portal.extensions import db
from portal.sanitize import FORMATTING_HINT, INLINE_FORMATTING_HINT

#: Longest single-line answer we accept when a field names no limit of its own.
DEFAULT_LINE_MAX = 500
#: Longest multi-line text (question bodies, notes) we accept.
DEFAULT_TEXT_MAX = 8000

# Bidirectional overrides can make text read differently from what it is
# ("Trojan Source"); noncharacters have no place in prose.
_REFUSED_CODEPOINTS = frozenset(
    [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0xFFFE, 0xFFFF]
)


def text_problem(value: str, *, multiline: bool, max_length: int | None) -> str | None:
    """What is wrong with a piece of typed text, in words for the person who typed it."""
    if max_length is not None and len(value) > max_length:
        return (
            f"This is {len(value):,} characters long; the most this field takes is {max_length:,}."
        )
    if "\ufffd" in value:
        return "This contains characters that could not be read. Retype it rather than pasting."
    for char in value:
        code = ord(char)
        if char in "\t\r\n":
            if multiline or char == "\t":
                continue
            return "This field takes a single line of text."
        if code in _REFUSED_CODEPOINTS or unicodedata.category(char) in {"Cc", "Cs", "Co"}:
            return (
                "This contains an invisible control character (for example from a copy and paste). "
                "Remove it and try again."
            )
    return None


def _declared_max(field: Field) -> int | None:
    for validator in field.validators:
        if isinstance(validator, Length) and validator.max not in (None, -1):
            return validator.max
    return None


class PortalForm(FlaskForm):
    """FlaskForm plus the portal-wide text rules and restoring kept drafts.

    When someone's session ended while they were typing, what they posted was
    kept (auth.drafts.save_draft); on their next visit to the same page the
    form comes back filled in.
    """

    restored_from_draft = False

    def __init__(self, *args, **kwargs):
        if "formdata" not in kwargs and not args and request.method == "GET":
            if current_user.is_authenticated:
                draft = take_draft(current_user, request.path)
                if draft is not None:
                    # A draft is restored once: used up now, on a GET that changes nothing
                    # else (the page's own GET changes would be rolled back, this must not).
                    db.session.commit()
                    kwargs["formdata"] = draft
                    self.restored_from_draft = True
        super().__init__(*args, **kwargs)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if not isinstance(field.data, str) or field.name == "csrf_token":
                continue
            multiline = isinstance(field.widget, TextArea)
            declared = _declared_max(field)
            limit = declared or (DEFAULT_TEXT_MAX if multiline else DEFAULT_LINE_MAX)
            problem = text_problem(field.data, multiline=multiline, max_length=limit)
            if problem and problem not in field.errors:
                field.errors = [*field.errors, problem]
                valid = False
        return valid


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs, in the form WTForms 3.3 expects."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class TrimmedStringField(StringField):
    """A one-line field whose surrounding spaces are dropped."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = self.data.strip()


class RequiredWhen:
    """Required only when another field has a given value ("Person reached" once the outcome
    is "Spoke with the site"). The field macro then shows the condition instead of
    "(optional)" (issue 16); the service still enforces the rule itself.
    """

    def __init__(self, other: str, value: str, condition: str, message: str) -> None:
        self.other, self.value, self.message = other, value, message
        #: The macro reads the condition from the field's flags: "(required <condition>)".
        self.field_flags = {"required_when": condition}

    def __call__(self, form, field) -> None:
        if form[self.other].data == self.value and not (field.data or "").strip():
            raise StopValidation(self.message)


class RequiredByService:
    """Required in a case only the service can judge (a product flagged for the first time
    needs its reason; one already flagged by an import does not). The label says when, in
    place of "(optional)"; the form itself checks nothing (issue 16).
    """

    def __init__(self, condition: str) -> None:
        #: Read by the field macro, like RequiredWhen's: "(required <condition>)".
        self.field_flags = {"required_when": condition}

    def __call__(self, form, field) -> None:
        return None


class FormattedTextField(TextAreaField):
    """A long text written with Markdown-style marks and shown through portal.sanitize.

    Without JavaScript it is a plain text area whose hint lists the marks that
    work; static/js/formatting.js finds ``data-formatting`` and adds a toolbar
    and a preview (issue 16). The stored text is the source as typed; pages show
    it through the ``formatted`` filter (portal.templating), emails and exports
    as typed.
    """

    def __init__(self, label=None, validators=None, *, inline: bool = False, **kwargs):
        # The field's own hint says what to write; the marks that work always follow it.
        # An inline field (one paragraph inside a page, as FDA's in a letter) has no lists.
        own_hint = kwargs.get("description") or ""
        marks = INLINE_FORMATTING_HINT if inline else FORMATTING_HINT
        kwargs["description"] = f"{own_hint} {marks}".strip()
        render_kw = dict(kwargs.pop("render_kw", None) or {})
        render_kw.setdefault("data-formatting", "inline" if inline else "")
        super().__init__(label, validators, render_kw=render_kw, **kwargs)


class ConfirmForm(PortalForm):
    """Nothing but the CSRF token: the form behind a button that changes something."""

    submit = SubmitField("Confirm")


def show_error(form: FlaskForm, error: Exception, *, fallback: str | None = None) -> None:
    """Show a service's refusal (a domain error with ``field``) where the person will look.

    Beside the field the error names; when it names none (or one this form lacks),
    beside ``fallback`` if given, else above the form as a flashed message. The one
    way every page reports a service's "no" (issue 11).
    """
    name = getattr(error, "field", None)
    for candidate in (name, fallback):
        if candidate and candidate in form:
            target = form[candidate]
            target.errors = [*target.errors, str(error)]
            return
    flash(str(error), "error")


#: Rendered option lists of LongSelect, by (choices, coerce, value); a handful in practice
#: (a few countries' zone lists times the zones people chose), bounded all the same.
_OPTIONS_HTML: dict[tuple, str] = {}
_OPTIONS_KEPT = 256


class LongSelect(Select):
    """A select with hundreds of options that are the same on every page (the time zones).

    WTForms renders each option through ``html_params`` on every request: the zone
    select's 420 options cost a few milliseconds a page (issue 15). The options' HTML
    depends only on the choices and the value chosen, so it is remembered for those;
    the ``<select>`` tag itself (id, name, the hint it is described by) is made each time,
    exactly as Select makes it.
    """

    def __call__(self, field, **kwargs):
        try:
            key = (_choices_key(field.choices), field.coerce, field.data)
            options = _OPTIONS_HTML.get(key)
        except TypeError:  # a choice with its own attributes: nothing to remember it by
            return super().__call__(field, **kwargs)
        if options is None:
            if len(_OPTIONS_HTML) >= _OPTIONS_KEPT:
                _OPTIONS_HTML.clear()
            options = _OPTIONS_HTML[key] = _options_html(field)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in dir(flags):
            if name in self.validation_attrs and name not in kwargs:
                kwargs[name] = getattr(flags, name)
        # html_params escapes every attribute; the options are Select's own escaped output.
        select = f"<select {html_params(name=field.name, **kwargs)}>{options}</select>"
        return Markup(select)  # noqa: S704


def _choices_key(choices) -> tuple:
    """What a select's options depend on, hashable (TypeError when some of it is not)."""
    if isinstance(choices, dict):
        raise TypeError("choices grouped in a dict")
    key = []
    for choice in choices:
        if isinstance(choice, SelectChoice):
            if choice.render_kw:
                raise TypeError("an option with attributes of its own")
            key.append((choice.value, choice.label, choice.optgroup))
        else:
            key.append(choice)
    return tuple(key)


def _options_html(field) -> str:
    """The options between ``<select>`` and ``</select>``, as WTForms' Select writes them."""
    html = []
    if field.has_groups():
        for group, choices in field.iter_groups():
            if group is not None:
                html.append(f"<optgroup {html_params(label=group)}>")
            html.extend(Select.render_option(choice) for choice in choices)
            if group is not None:
                html.append("</optgroup>")
    else:
        html.extend(Select.render_option(choice) for choice in field.iter_choices())
    return "".join(html)
