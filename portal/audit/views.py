"""The audit log for the program manager: search, page through, export."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import render_template, request
from sqlalchemy import Select, select

from portal.audiences import Audience, audience_blueprint
from portal.audit import services as audit
from portal.audit.forms import AuditSearchForm
from portal.audit.models import AuditEvent
from portal.auth.models import Firm
from portal.csvutil import csv_response, stream_rows
from portal.extensions import db
from portal.forms import choices
from portal.security import access
from portal.templating import viewer_zone
from portal.timeutil import zone

bp = audience_blueprint("audit", __name__, audience=Audience.FDA, url_prefix="/admin/audit")

PER_PAGE = 50


def _search() -> tuple[AuditSearchForm, Select, dict[int, str]]:
    firms = db.session.execute(select(Firm.id, Firm.name).order_by(Firm.name)).all()
    form = AuditSearchForm(request.args)
    form.firm.choices = choices([("", "Any firm")] + [(f.id, f.name) for f in firms])
    stmt = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if request.args and form.validate():
        if form.user.data:
            stmt = stmt.where(AuditEvent.actor_email.contains(form.user.data.lower()))
        if form.firm.data:
            stmt = stmt.where(AuditEvent.firm_id == int(form.firm.data))
        if form.action.data:
            stmt = stmt.where(AuditEvent.action.startswith(form.action.data))
        viewer = zone(viewer_zone())
        if form.date_from.data:
            start = datetime.combine(form.date_from.data, time.min, viewer)
            stmt = stmt.where(AuditEvent.occurred_at >= start)
        if form.date_to.data:
            end = datetime.combine(form.date_to.data + timedelta(days=1), time.min, viewer)
            stmt = stmt.where(AuditEvent.occurred_at < end)
    return form, stmt, {f.id: f.name for f in firms}


@bp.route("")
@access.fda_admin
def index():
    form, stmt, firm_names = _search()
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False, count=True)
    query = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "audit/index.html", form=form, page=page, firm_names=firm_names, query=query
    )


@bp.route("/export.csv")
@access.fda_admin
def export():
    form, stmt, firm_names = _search()
    audit.note_view("audit.export", detail=request.query_string.decode("utf-8", "replace")[:500])

    def as_row(event: AuditEvent) -> tuple:
        return (
            event.occurred_at.isoformat(),
            event.actor_email,
            event.actor_role,
            firm_names.get(event.firm_id, ""),
            event.action,
            event.object_type,
            event.object_id,
            event.client_address,
            event.detail,
        )

    header = [
        "occurred_at_utc",
        "actor_email",
        "actor_role",
        "firm",
        "action",
        "object_type",
        "object_id",
        "client_address",
        "detail",
    ]
    return csv_response("sep-audit-log.csv", header, stream_rows(stmt, as_row))
