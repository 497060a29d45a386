"""The review list of old open regulatory actions (SPEC 2): FDA closes them, one or many."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.extensions import db
from portal.forms import choices
from portal.program.settings import get_setting
from portal.security import access
from portal.sites import review_services
from portal.sites.blueprint import bp
from portal.sites.forms import CloseOldActionsForm
from portal.sites.models import RegulatoryAction
from portal.sites.services import SiteError
from portal.templating import viewer_zone
from portal.timeutil import to_local, utcnow

PER_PAGE = 50


def _label(action: RegulatoryAction) -> str:
    return (
        f"{action.action_type} of {action.action_date.isoformat()}, "
        f"{action.site.legal_name} (FEI {action.site.fei_number})"
    )


def _ticked(today) -> list[RegulatoryAction]:
    """The ticked actions that are still open and old enough; others are left out, so
    the form says they cannot be closed from here."""
    ids = []
    for raw in request.form.getlist("actions"):
        try:
            ids.append(uuid.UUID(raw))
        except ValueError:
            continue
    if not ids:
        return []
    stmt = review_services.old_open_actions(today).where(
        RegulatoryAction.public_id.in_(ids[: review_services.BULK_MAX + 1])
    )
    return list(db.session.scalars(stmt))


@bp.route("/actions/review", methods=["GET", "POST"])
@access.fda_staff
def review_old_actions():
    today = to_local(utcnow(), viewer_zone()).date()
    form = CloseOldActionsForm()
    page = db.paginate(
        review_services.old_open_actions(today), per_page=PER_PAGE, error_out=False, count=True
    )
    if request.method == "POST":
        ticked = _ticked(today)
        form.actions.choices = choices([(str(a.public_id), _label(a)) for a in ticked])
        if form.validate():
            chosen = [a for a in ticked if str(a.public_id) in set(form.actions.data)]
            try:
                closed = review_services.close_old_actions(
                    chosen,
                    closed_on=form.closed_on.data,
                    reason=form.reason.data,
                    by=current_user,
                    today=today,
                )
            except SiteError as error:
                db.session.rollback()
                target = form.closed_on if error.field == "closed_on" else form.reason
                if error.field == "actions":
                    target = form.actions
                target.errors = [*target.errors, str(error)]
            else:
                db.session.commit()
                flash(
                    f"Closed {closed} action{'s' if closed != 1 else ''}; "
                    "they no longer count against their sites' eligibility.",
                    "success",
                )
                return redirect(url_for("sites.review_old_actions"))
    return render_template(
        "sites/review_actions.html",
        form=form,
        page=page,
        today=today,
        cutoff=review_services.review_cutoff(today),
        years=get_setting("open_action_review_years"),
        age=review_services.age_in_words,
        ticked={str(v) for v in (form.actions.data or [])},
    )
