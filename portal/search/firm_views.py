"""The firm's search: the same search, over its own firm's texts only."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from portal.audiences import Audience, audience_blueprint
from portal.extensions import db
from portal.search import pages
from portal.search.forms import SearchForm
from portal.search.models import SearchEntry
from portal.security import access
from portal.security.scoping import scope_to_viewer

bp = audience_blueprint("firm_search", __name__, audience=Audience.FIRM, url_prefix="/firm")


@bp.route("/search")
@access.firm_user
def index():
    form = SearchForm(request.args)
    # The firm filter is the viewer's own firm, in the statement as well as in the session
    # (portal.security.tenancy): another firm's entry is never a candidate.
    outcome = pages.run(
        form,
        scope=lambda stmt: scope_to_viewer(stmt, SearchEntry),
        firm_id=current_user.firm_id,
        audit_firm_id=current_user.firm_id,
    )
    db.session.commit()
    return render_template("search/firm_index.html", form=form, outcome=outcome)
