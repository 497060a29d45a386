"""CSV downloads for FDA: each dashboard table and the records under it, streamed and audited."""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template, request
from wtforms import BooleanField

from portal.audiences import Audience, audience_blueprint
from portal.audit import services as audit
from portal.csvutil import csv_response
from portal.exports.queries import RECORD_EXPORTS, RecordExport, header, stream
from portal.metrics import tables
from portal.metrics.cache import measures_for
from portal.metrics.forms import PeriodForm
from portal.metrics.period import Period, current_fiscal_year
from portal.security import access

bp = audience_blueprint("exports", __name__, audience=Audience.FDA, url_prefix="/exports")

#: The dashboard's tables, by the key each export is named after.
MEASURE_TABLES = {
    "participation": "Participation funnel",
    "engagement": "Level of engagement",
    "feedback": "Feedback response rate",
    "ratings": "Feedback ratings",
    "quality": "Quality improvement",
}


class ExportForm(PeriodForm):
    include_bodies = BooleanField(
        "Include question bodies and FDA's written responses",
        description="Only for the questions export. Leave unticked unless you need the text.",
    )


def _read_form() -> tuple[ExportForm, Period | None]:
    form = ExportForm(request.args)
    if not request.args:
        return form, Period.for_fiscal_year(current_fiscal_year())
    return form, (form.period() if form.validate() else None)


def _refuse(form: ExportForm):
    """Wrong filters: the exports page with the messages, and no file (400)."""
    return render_template(
        "exports/index.html", form=form, period=None, records=RECORD_EXPORTS, measures={}
    ), 400


def _audit(key: str, period: Period, include_bodies: bool = False) -> None:
    detail = f"{key}: {period.label}" + ("; with question bodies" if include_bodies else "")
    audit.note_view(f"export.{key}", detail=detail)


@bp.route("")
@access.fda_staff
def index():
    form, period = _read_form()
    if period is None:
        return _refuse(form)
    return render_template(
        "exports/index.html",
        form=form,
        period=period,
        records=RECORD_EXPORTS,
        measures=MEASURE_TABLES,
        include_bodies=bool(form.include_bodies.data),
    )


def _measure_view(key: str) -> Callable:
    def view():
        form, period = _read_form()
        if period is None:
            return _refuse(form)
        table = tables.tables(measures_for(period))[key]
        _audit(key, period)
        return csv_response(
            f"sep-{key}-{period.slug}.csv",
            ["period", *table.header],
            [[period.label, *row] for row in table.csv_rows()],
        )

    view.__name__ = f"measure_{key}"
    return view


def _record_view(export: RecordExport) -> Callable:
    def view():
        form, period = _read_form()
        if period is None:
            return _refuse(form)
        include_bodies = export.key == "questions" and bool(form.include_bodies.data)
        stmt = export.build(period, include_bodies)
        _audit(export.key, period, include_bodies)
        return csv_response(f"sep-{export.key}-{period.slug}.csv", header(stmt), stream(stmt))

    view.__name__ = export.key
    return view


for _key in MEASURE_TABLES:
    bp.add_url_rule(
        f"/measures/{_key}.csv", f"measure_{_key}", access.fda_staff(_measure_view(_key))
    )
for _export in RECORD_EXPORTS:
    bp.add_url_rule(
        f"/records/{_export.key}.csv", _export.key, access.fda_staff(_record_view(_export))
    )
