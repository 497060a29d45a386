"""FDA staff's home page: what needs doing next (SPEC 3-6, 13)."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.security import access
from portal.worklist import queries

bp = Blueprint("worklist", __name__, url_prefix="/work")


@bp.route("")
@access.fda_staff
def index():
    return render_template(
        "worklist/index.html",
        not_contacted=queries.eligible_not_contacted(),
        no_letter=queries.contacted_no_letter(),
        awaiting=queries.awaiting_reply(),
        decisions=queries.recent_decisions(),
        flagged=queries.flagged_engagements(),
        days_left=queries.days_left,
        recent_days=queries.RECENT_DAYS,
    )
