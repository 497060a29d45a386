"""FDA's search across every firm's questions, answers, messages, records and actions."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from portal.audiences import Audience, audience_blueprint
from portal.auth.models import Firm
from portal.extensions import db
from portal.forms import choices
from portal.search import pages
from portal.search.forms import FdaSearchForm
from portal.search.models import SearchEntry
from portal.security import access
from portal.security.scoping import scope_to_viewer

bp = audience_blueprint("search", __name__, audience=Audience.FDA)


@bp.route("/search")
@access.fda_staff
def index():
    firms = db.session.execute(select(Firm.id, Firm.name).order_by(Firm.name, Firm.id)).all()
    form = FdaSearchForm(request.args)
    form.firm.choices = choices([("", "Every firm")] + [(f.id, f.name) for f in firms])
    firm_id = int(form.firm.data) if (form.firm.data or "").isdigit() else None
    outcome = pages.run(
        form,
        scope=lambda stmt: scope_to_viewer(stmt, SearchEntry),
        firm_id=firm_id,
        audit_firm_id=firm_id,
    )
    # The search's audit event (and nothing else) is this request's change.
    db.session.commit()
    return render_template("search/fda_index.html", form=form, outcome=outcome)
