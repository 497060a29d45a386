"""The firm's document pages: download what its records show, withdraw its own uploads.

Under /firm/documents; the firm is always current_user.firm, never a URL part. Another
firm's document, an FDA-only one, or an answer's before FDA has answered, is 404.
"""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.audiences import Audience, audience_blueprint
from portal.audit import services as audit
from portal.documents import pages, queries, services
from portal.extensions import db
from portal.security import access

bp = audience_blueprint("firm_documents", __name__, audience=Audience.FIRM)


@bp.route("/firm/documents/<uuid:document_id>")
@access.firm_user
def download(document_id: uuid.UUID):
    document = queries.load_for_firm(document_id)
    if document.is_withdrawn:
        audit.record_view(document)
        endpoint, values = pages.record_link(document, firm=True)
        return render_template(
            "documents/firm_withdrawn.html", document=document, back=url_for(endpoint, **values)
        ), 410
    services.note_download(document)
    return pages.download_response(document)


@bp.route("/firm/documents/<uuid:document_id>/withdraw", methods=["GET", "POST"])
@access.firm_user
def withdraw(document_id: uuid.UUID):
    document = queries.load_for_firm(document_id)
    endpoint, values = pages.record_link(document, firm=True)
    back = url_for(endpoint, **values)
    person = current_user._get_current_object()
    if not services.may_withdraw(document, person):
        flash(
            "That document is already withdrawn."
            if document.is_withdrawn
            else "Only FDA can withdraw a document FDA attached.",
            "info",
        )
        return redirect(back)
    form = pages.withdrawal_form(document, by=person)
    if form is None:
        db.session.commit()
        flash(pages.withdrawn_message(document), "success")
        return redirect(back)
    return render_template("documents/firm_withdraw.html", form=form, document=document, back=back)
