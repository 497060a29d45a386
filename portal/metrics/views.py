"""The success dashboard (SPEC 12): FDA only; four measures, each a chart beside its table."""

from __future__ import annotations

from flask import render_template, request
from markupsafe import Markup

from portal.audiences import Audience, audience_blueprint
from portal.metrics import tables
from portal.metrics.cache import page_figures_for
from portal.metrics.forms import period_from_args
from portal.metrics.measures import Measures
from portal.metrics.period import PROGRAM_TIMEZONE, Period
from portal.security import access

bp = audience_blueprint("metrics", __name__, audience=Audience.FDA, url_prefix="/metrics")


def _figures(period: Period, measures: Measures) -> str:
    """The four measures' charts and tables: the same for every reader of these figures."""
    return render_template(
        "metrics/_measures.html",
        period=period,
        tables=tables.tables(measures),
        charts={
            "participation": tables.participation_chart(measures.participation),
            "engagement": tables.engagement_chart(measures.engagement),
            "feedback": tables.feedback_chart(measures.feedback),
            "ratings": tables.rating_charts(measures.feedback),
            "quality": tables.quality_chart(measures.quality),
        },
        program_zone=PROGRAM_TIMEZONE,
    )


@bp.route("")
@access.fda_staff
def dashboard():
    form, period = period_from_args(request.args)
    if period is None:
        # Wrong input changes nothing: the form says what to fix, no figures are shown.
        return render_template("metrics/dashboard.html", form=form, period=None), 400
    # Rendered once per cached set of figures (``cache.page_figures_for``), then reused.
    figures = page_figures_for(period, lambda measures: _figures(period, measures))
    return render_template(
        "metrics/dashboard.html",
        form=form,
        period=period,
        # Jinja's own output, escaped when it was rendered.
        figures=Markup(figures),  # noqa: S704
    )
