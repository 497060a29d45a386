"""A service's refusal is shown one way on every page (issue 11): beside the field it names,
else beside the page's chosen field, else above the form."""

from __future__ import annotations

from flask import get_flashed_messages

from portal.forms import PortalForm, TrimmedStringField, show_error
from portal.quality.services import QualityError
from portal.sites.services import SiteError


class _Form(PortalForm):
    name = TrimmedStringField("Name")
    note = TrimmedStringField("Note")


def test_beside_the_named_field_then_the_fallback_then_above(app):
    with app.test_request_context("/", method="POST"):
        form = _Form(meta={"csrf": False})
        form.validate()
        show_error(form, SiteError("Give a note.", "note"))
        assert form.note.errors == ["Give a note."]

        show_error(form, QualityError("Not now."), fallback="name")
        assert form.name.errors == ["Not now."]

        show_error(form, QualityError("Nothing to attach it to.", "no_such_field"))
        assert get_flashed_messages(with_categories=True) == [
            ("error", "Nothing to attach it to.")
        ]
        assert form.note.errors == ["Give a note."] and form.name.errors == ["Not now."]
