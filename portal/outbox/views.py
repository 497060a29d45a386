"""Outgoing mail for the program manager; in development, with bodies and clickable links."""

from __future__ import annotations

import re
import uuid

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.audiences import Audience, audience_blueprint
from portal.extensions import db
from portal.mail import mail_transport, retry_message
from portal.outbox.models import OutboxMessage, OutboxStatus
from portal.security import access

bp = audience_blueprint("outbox", __name__, audience=Audience.FDA, url_prefix="/admin/outbox")

_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(text: str) -> Markup:
    """Escape a plain-text body, then make its web addresses clickable."""
    escaped = str(escape(text))
    # Safe: the text was escaped first, and an escaped URL holds no quote or angle bracket.
    return Markup(_URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped))  # noqa: S704


@bp.route("")
@access.fda_admin
def index():
    status = request.args.get("status", "")
    stmt = (
        select(OutboxMessage)
        .options(selectinload(OutboxMessage.deliveries))
        .order_by(OutboxMessage.id.desc())
    )
    if status in {s.value for s in OutboxStatus}:
        stmt = stmt.where(OutboxMessage.status == status)
    else:
        status = ""
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template(
        "outbox/index.html",
        page=page,
        status=status,
        statuses=list(OutboxStatus),
        dev_viewer=current_app.config["MAIL_DEV_VIEWER"],
        transport=mail_transport(),
        failed_count=db.session.scalar(
            select(func.count()).where(OutboxMessage.status == OutboxStatus.FAILED)
        ),
    )


@bp.route("/<uuid:outbox_message_id>")
@access.fda_admin
def detail(outbox_message_id: uuid.UUID):
    message = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.public_id == outbox_message_id)
        .options(selectinload(OutboxMessage.deliveries))
    ).first()
    if message is None:
        abort(404)
    dev_viewer = current_app.config["MAIL_DEV_VIEWER"]
    return render_template(
        "outbox/detail.html",
        message=message,
        dev_viewer=dev_viewer,
        body=linkify(message.body_text) if dev_viewer else None,
    )


@bp.route("/<uuid:outbox_message_id>/retry", methods=["POST"])
@access.fda_admin
def retry(outbox_message_id: uuid.UUID):
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.public_id == outbox_message_id)
    ).first()
    if message is None:
        abort(404)
    if message.status == OutboxStatus.FAILED:
        retry_message(message)
        db.session.commit()
        flash(
            "The message is queued again for the recipients it was not delivered to; "
            "it goes out on the next run of `flask mail send`.",
            "success",
        )
    return redirect(url_for("outbox.detail", outbox_message_id=message.public_id))
