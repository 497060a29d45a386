"""The success dashboard (SPEC 12): FDA only; four measures, each a chart beside its table."""

from __future__ import annotations

from flask import render_template, request

from portal.audiences import Audience, audience_blueprint
from portal.metrics import tables
from portal.metrics.cache import measures_for
from portal.metrics.forms import period_from_args
from portal.metrics.period import PROGRAM_TIMEZONE
from portal.security import access

bp = audience_blueprint("metrics", __name__, audience=Audience.FDA, url_prefix="/metrics")


@bp.route("")
@access.fda_staff
def dashboard():
    form, period = period_from_args(request.args)
    if period is None:
        # Wrong input changes nothing: the form says what to fix, no figures are shown.
        return render_template("metrics/dashboard.html", form=form, period=None), 400
    measures = measures_for(period)
    return render_template(
        "metrics/dashboard.html",
        form=form,
        period=period,
        measures=measures,
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
