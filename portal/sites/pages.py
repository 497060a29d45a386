"""Shared by the site pages: rendering the site page, reading and answering their forms."""

from __future__ import annotations

from dataclasses import fields
from typing import TypeVar

from flask import render_template, request
from flask_login import current_user

from portal import forms
from portal.forms import choices
from portal.invitations import fda_sections as invitation_sections
from portal.sites import queries
from portal.sites import services as sites
from portal.sites.eligibility import assess
from portal.sites.forms import CallForm
from portal.sites.models import ContactOutcome, Site
from portal.templating import viewer_zone
from portal.timeutil import to_local, utcnow

Details = TypeVar("Details")


def call_form_for_site() -> CallForm:
    """The contact-log form with its caller list; "who called" defaults to the viewer."""
    form = CallForm()
    callers = queries.fda_callers()
    form.caller.choices = choices([(str(u.public_id), u.display_name) for u in callers])
    form.caller_lookup = {str(u.public_id): u for u in callers}
    if request.method == "GET":
        form.caller.data = str(current_user.public_id)
        form.called_at.data = to_local(utcnow(), viewer_zone()).replace(
            tzinfo=None, second=0, microsecond=0
        )
    return form


def render_site(site: Site, *, call_form: CallForm | None = None):
    """The whole site page; also re-rendered by forms posted from it."""
    return render_template(
        "sites/detail.html",
        site=site,
        assessment=assess(site),
        call_form=call_form or call_form_for_site(),
        proposed_matches=queries.proposed_matches(site),
        override_history=queries.override_history(site),
        letter_blocker=sites.letter_blocker(site),
        outcomes=ContactOutcome,
        letters=invitation_sections.site_invitations(site),
    )


def details_from(form, details_type: type[Details]) -> Details:
    """A service's details dataclass from the form fields of the same names (blank is "")."""
    return details_type(**{f.name: getattr(form, f.name).data or "" for f in fields(details_type)})


def show_error(form, error: sites.SiteError) -> None:
    """A service's refusal beside its field, or beside the form's first field: a site's
    forms sit among other forms on one page, where a message at the top is easily missed."""
    first = next(f.name for f in form if f.name != "csrf_token")
    forms.show_error(form, error, fallback=first)
