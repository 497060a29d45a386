"""The time zone select renders exactly as WTForms' Select would, from remembered options
(issue 15: 420 options cost milliseconds on every page that shows the select)."""

from __future__ import annotations

import pytest
from wtforms import Form, SelectChoice, SelectField
from wtforms.widgets import Select

from portal import forms
from portal.forms import LongSelect
from portal.timezones import zone_choices


class ZoneForm(Form):
    timezone = SelectField("Time zone", widget=LongSelect())
    plain = SelectField("Colour", widget=LongSelect())


@pytest.fixture(autouse=True)
def _forget_options():
    forms._OPTIONS_HTML.clear()
    yield
    forms._OPTIONS_HTML.clear()


def rendered_both_ways(field, **attributes):
    return field(**attributes), Select()(field, **attributes)


@pytest.mark.parametrize(
    ("country", "chosen"),
    [(None, None), (None, "America/New_York"), ("India", "Asia/Kolkata"), (None, "Asia/Calcutta")],
)
def test_the_zone_select_is_what_select_renders(country, chosen):
    for _ in range(2):  # made, then remembered
        form = ZoneForm(data={"timezone": chosen})
        form.timezone.choices = zone_choices(country, chosen)
        mine, wtforms = rendered_both_ways(
            form.timezone, class_="usa-select", **{"aria-describedby": "timezone-hint"}
        )
        assert mine == wtforms
        if chosen:
            assert f'<option selected value="{chosen}">' in mine
    assert len(forms._OPTIONS_HTML) == 1


def test_options_are_remembered_per_choice_and_value():
    form = ZoneForm(data={"timezone": "America/Chicago"})
    form.timezone.choices = zone_choices()
    first = form.timezone()
    other = ZoneForm(data={"timezone": "America/Denver"})
    other.timezone.choices = zone_choices()
    second = other.timezone()
    assert len(forms._OPTIONS_HTML) == 2
    assert '<option selected value="America/Chicago">' in first
    assert '<option selected value="America/Denver">' in second
    assert '<option selected value="America/Chicago">' not in second


def test_required_and_errors_still_reach_the_select_tag():
    form = ZoneForm(data={"timezone": "UTC"})
    form.timezone.choices = zone_choices()
    form.timezone.flags.required = True
    mine, wtforms = rendered_both_ways(form.timezone, **{"aria-invalid": "true"})
    assert mine == wtforms
    assert mine.startswith('<select aria-invalid="true" id="timezone" name="timezone" required>')


def test_plain_pairs_and_options_with_attributes_render_as_select_does():
    form = ZoneForm(data={"plain": "b"})
    form.plain.choices = [("a", "Amber <light>"), ("b", "Blue")]
    mine, wtforms = rendered_both_ways(form.plain)
    assert mine == wtforms
    assert "Amber &lt;light&gt;" in mine
    assert len(forms._OPTIONS_HTML) == 1
    forms._OPTIONS_HTML.clear()
    form.plain.choices = [SelectChoice("a", "A", render_kw={"disabled": True})]
    mine, wtforms = rendered_both_ways(form.plain)
    assert mine == wtforms
    assert forms._OPTIONS_HTML == {}


def test_zone_choices_are_fresh_objects_each_time():
    first, second = zone_choices(), zone_choices()
    assert first == second
    assert first[0] is not second[0]
    first[0].label = "changed"
    assert zone_choices()[0].label != "changed"
