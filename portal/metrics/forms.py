"""The dashboard's filter: a GET form, so a period can be bookmarked and works without script."""

from __future__ import annotations

from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from portal.forms import PortalForm, choices
from portal.metrics.period import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    Period,
    current_fiscal_year,
    fiscal_year_choices,
)


class PlainDateField(DateField):
    """A date field whose unreadable input gets a message that says the format."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter the date as YYYY-MM-DD, for example 2024-10-01.") from error


class FiscalYearField(SelectField):
    """A select of fiscal years whose wrong input gets a plain message, not "Invalid Choice"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "SelectField"  # rendered by the form macro as the select it is

    def pre_validate(self, form):
        if self.data not in [int(c.value) for c in self.choices]:
            raise ValidationError("Choose a fiscal year from the list.")

    def process_formdata(self, valuelist):
        if valuelist:
            try:
                self.data = int(valuelist[0])
            except ValueError:
                self.data = None


class PeriodForm(PortalForm):
    """Fiscal year, or a date range when both dates are given (the range wins)."""

    class Meta:
        csrf = False

    fiscal_year = FiscalYearField(
        "Fiscal year",
        description="U.S. federal fiscal year N runs 1 October of N-1 to 30 September of N.",
        coerce=int,
    )
    date_from = PlainDateField(
        "From (date)",
        description="For a date range instead, give both dates.",
        validators=[Optional()],
    )
    date_to = PlainDateField("To (date)", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fiscal_year.choices = choices((y, f"FY{y}") for y in fiscal_year_choices())
        if self.fiscal_year.data is None and not self.fiscal_year.raw_data:
            self.fiscal_year.data = current_fiscal_year()

    @staticmethod
    def _check_year(field) -> None:
        if field.data and not EARLIEST_YEAR <= field.data.year <= LATEST_YEAR:
            raise ValidationError(f"Enter a date between {EARLIEST_YEAR} and {LATEST_YEAR}.")

    def validate_date_from(self, field):
        self._check_year(field)
        if field.data and not self.date_to.data and not self.date_to.errors:
            raise ValidationError("Give an end date too, or clear this one to use the fiscal year.")

    def validate_date_to(self, field):
        self._check_year(field)
        if field.data and not self.date_from.data and not self.date_from.errors:
            raise ValidationError(
                "Give a start date too, or clear this one to use the fiscal year."
            )
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date must be on or after the start date.")

    def period(self) -> Period:
        """The period chosen; call after a successful validate()."""
        if self.date_from.data and self.date_to.data:
            return Period(self.date_from.data, self.date_to.data)
        return Period.for_fiscal_year(self.fiscal_year.data)


def period_from_args(args) -> tuple[PeriodForm, Period | None]:
    """The form read from a query string, and its period (None when the input is wrong)."""
    form = PeriodForm(args)
    if not args:
        return form, Period.for_fiscal_year(current_fiscal_year())
    if form.validate():
        return form, form.period()
    return form, None
