"""The program manager's API token pages, under /admin/api-tokens (linked from Administration).

The JSON API itself, for token holders, is another audience: ``portal.api.blueprint``.
"""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased

from portal.api import services as token_services
from portal.api.forms import NewTokenForm
from portal.api.models import ApiToken
from portal.audiences import Audience, audience_blueprint
from portal.auth.models import User
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.security import access

bp = audience_blueprint("api_tokens", __name__, audience=Audience.FDA)


def _token_or_404(api_token_id: uuid.UUID) -> ApiToken:
    record = db.session.scalars(select(ApiToken).where(ApiToken.public_id == api_token_id)).first()
    if record is None:
        abort(404)
    return record


@bp.route("/admin/api-tokens")
@access.fda_admin
def index():
    creator, revoker = aliased(User), aliased(User)
    rows = db.session.execute(
        select(ApiToken, creator.full_name, revoker.full_name)
        .join(creator, ApiToken.created_by_id == creator.id)
        .outerjoin(revoker, ApiToken.revoked_by_id == revoker.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
    ).all()
    return render_template("api/tokens.html", rows=rows)


@bp.route("/admin/api-tokens/new", methods=["GET", "POST"])
@access.fda_admin
def new():
    form = NewTokenForm()
    if form.validate_on_submit():
        try:
            record, token = token_services.issue_token(form.name.data, by=current_user)
        except token_services.TokenError as error:
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            # Shown on this response only: never stored, never in a redirect or the session.
            return render_template("api/token_issued.html", record=record, token=token)
    return render_template("api/token_new.html", form=form)


@bp.route("/admin/api-tokens/<uuid:api_token_id>/revoke", methods=["GET", "POST"])
@access.fda_admin
def revoke(api_token_id: uuid.UUID):
    record = _token_or_404(api_token_id)
    form = ConfirmForm()
    if record.revoked_at is None and form.validate_on_submit():
        token_services.revoke_token(record, by=current_user)
        db.session.commit()
        flash(f"The token for {record.name} is revoked: the API now refuses it.", "success")
        return redirect(url_for("api_tokens.index"))
    return render_template("api/token_revoke.html", record=record, form=form)
