"""Forms FDA staff fill in to schedule and manage meetings."""

from __future__ import annotations

from datetime import date, datetime, time

from wtforms import IntegerField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields import DateField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal import timezones
from portal.forms import (
    FormattedTextField,
    LongSelect,
    PortalForm,
    RequiredByService,
    TrimmedStringField,
    choices,
)
from portal.meetings.models import MeetingMode
from portal.meetings.services import MAX_DURATION, MIN_DURATION


class BlankIsMissing:
    """An empty box is left to InputRequired to explain, not called a badly typed value."""

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class DayField(BlankIsMissing, DateField):
    """A date typed or picked."""


class ClockField(BlankIsMissing, TimeField):
    """A time of day, 24-hour, with or without seconds (browsers send either)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", ["%H:%M", "%H:%M:%S"])
        kwargs.setdefault("invalid_value_message", "Enter a time like 14:30 (24-hour clock).")
        super().__init__(label, validators, **kwargs)


def zone_field(label: str, hint: str) -> SelectField:
    return SelectField(
        label,
        description=hint,
        validators=[InputRequired("Choose a time zone.")],
        widget=LongSelect(),
    )


def zone_choices(country: str | None = None, current: str | None = None):
    """U.S. zones first, then the site's country's, then the rest (portal.timezones)."""
    return timezones.zone_choices(country, current)


def combine(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock.replace(second=0, microsecond=0))


class ZonedForm(PortalForm):
    """A form with a ``timezone`` select, offering the zones the portal knows."""

    def __init__(self, *args, country: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = zone_choices(country, self.timezone.data)
        self.timezone.render_kw = {"data-zone-search": ""}


class MeetingForm(ZonedForm):
    start_date = DayField(
        "Date",
        invalid_value_message="Enter the date like 2026-03-14.",
        validators=[InputRequired("Enter the date of the meeting.")],
    )
    start_time = ClockField(
        "Start time",
        description="In the time zone below, 24-hour clock.",
        validators=[InputRequired("Enter the start time, like 14:30.")],
    )
    timezone = zone_field(
        "Time zone",
        "The zone the start time is in. The question deadline is counted in it too.",
    )
    duration_minutes = IntegerField(
        "Length in minutes",
        default=60,
        validators=[
            InputRequired("Enter how many minutes the meeting lasts."),
            NumberRange(
                MIN_DURATION,
                MAX_DURATION,
                f"Enter a number of minutes from {MIN_DURATION} to {MAX_DURATION}.",
            ),
        ],
    )
    mode = RadioField(
        "How the meeting takes place",
        choices=choices((m.value, m.label) for m in MeetingMode),
        validators=[InputRequired("Choose video call, teleconference or on site.")],
    )
    join_details = TextAreaField(
        "How to join",
        description="For a video call or teleconference: the link, or the number and access code.",
        validators=[
            RequiredByService("for a video call or teleconference"),
            Optional(),
            Length(max=2000),
        ],
    )
    location = TextAreaField(
        "Place",
        description="For an on-site meeting: the address and room.",
        validators=[RequiredByService("for an on-site meeting"), Optional(), Length(max=2000)],
    )
    agenda = FormattedTextField("Agenda", validators=[Optional(), Length(max=8000)])
    submit = SubmitField("Schedule the meeting and tell the firm")


class CancelMeetingForm(PortalForm):
    reason = TextAreaField(
        "Reason",
        description="The firm's users receive this with the cancellation.",
        validators=[InputRequired("Say why the meeting is cancelled."), Length(max=2000)],
    )
    submit = SubmitField("Cancel the meeting")


class ExtendDeadlineForm(ZonedForm):
    deadline_date = DayField(
        "New deadline: date",
        invalid_value_message="Enter the date like 2026-03-14.",
        validators=[InputRequired("Enter the date of the new deadline.")],
    )
    deadline_time = ClockField(
        "New deadline: time",
        description="24-hour clock, in the time zone below.",
        validators=[InputRequired("Enter the time of the new deadline, like 17:00.")],
    )
    timezone = zone_field("Time zone", "The zone the new deadline is given in.")
    reason = TextAreaField(
        "Reason",
        description="Kept on record and shown to FDA staff.",
        validators=[InputRequired("Say why the deadline is extended."), Length(max=2000)],
    )
    submit = SubmitField("Extend the deadline")


class TimeframeForm(PortalForm):
    cadence = TrimmedStringField(
        "How often FDA and the firm meet",
        description="As agreed at the first meeting, e.g. \u201cevery six weeks\u201d.",
        validators=[InputRequired("Say how often you will meet."), Length(max=200)],
    )
    expected_end = DayField(
        "Expected end of the engagement",
        invalid_value_message="Enter the date like 2026-12-31.",
        validators=[InputRequired("Enter the date the engagement is expected to end.")],
    )
    submit = SubmitField("Record the timeframe")


class PastMeetingForm(ZonedForm):
    """A meeting that took place outside the portal: when, how long, how (SPEC 7)."""

    start_date = DayField(
        "Date",
        invalid_value_message="Enter the date like 2026-03-14.",
        validators=[InputRequired("Enter the date the meeting took place.")],
    )
    start_time = ClockField(
        "Start time",
        description="In the time zone below, 24-hour clock.",
        validators=[InputRequired("Enter the start time, like 14:30.")],
    )
    timezone = zone_field("Time zone", "The zone the start time is in.")
    duration_minutes = IntegerField(
        "Length in minutes",
        default=60,
        validators=[
            InputRequired("Enter how many minutes the meeting lasted."),
            NumberRange(
                MIN_DURATION,
                MAX_DURATION,
                f"Enter a number of minutes from {MIN_DURATION} to {MAX_DURATION}.",
            ),
        ],
    )
    mode = RadioField(
        "How the meeting took place",
        choices=choices((m.value, m.label) for m in MeetingMode),
        validators=[InputRequired("Choose video call, teleconference or on site.")],
    )
    location = TextAreaField(
        "Place",
        description="For an on-site meeting: where.",
        validators=[Optional(), Length(max=2000)],
    )
    agenda = FormattedTextField("Agenda", validators=[Optional(), Length(max=8000)])
    submit = SubmitField("Record the meeting and write its record")
