"""FDA's document pages: download and withdraw any firm's document (SPEC 15)."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.audiences import Audience, audience_blueprint
from portal.audit import services as audit
from portal.documents import fda_internal, pages, queries, services
from portal.extensions import db
from portal.security import access

bp = audience_blueprint("documents", __name__, audience=Audience.FDA)


@bp.record_once
def _install_upload_limit(state) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, pages.allow_document_uploads)


@bp.route("/documents/<uuid:document_id>")
@access.fda_staff
def download(document_id: uuid.UUID):
    document = queries.load_for_fda(document_id)
    if document.is_withdrawn:
        audit.record_view(document)
        endpoint, values = pages.record_link(document, firm=False)
        return render_template(
            "documents/fda_withdrawn.html", document=document, back=url_for(endpoint, **values)
        ), 410
    services.note_download(document)
    return pages.download_response(document)


@bp.route("/documents/<uuid:document_id>/withdraw", methods=["GET", "POST"])
@access.fda_staff
def withdraw(document_id: uuid.UUID):
    document = queries.load_for_fda(document_id)
    endpoint, values = pages.record_link(document, firm=False)
    back = url_for(endpoint, **values)
    if document.is_withdrawn:
        flash("That document is already withdrawn.", "info")
        return redirect(back)
    form = pages.withdrawal_form(document, by=current_user._get_current_object())
    if form is None:
        db.session.commit()
        flash(pages.withdrawn_message(document), "success")
        return redirect(back)
    return render_template("documents/fda_withdraw.html", form=form, document=document, back=back)


@bp.route("/documents/internal/<uuid:internal_document_id>")
@access.fda_staff
def internal_download(internal_document_id: uuid.UUID):
    """A file on an FDA-internal note: FDA's URL alone reaches it (SPEC 8, 14)."""
    document = fda_internal.load(internal_document_id)
    if document.is_withdrawn:
        audit.record_view(document)
        endpoint, values = fda_internal.record_link(document)
        return render_template(
            "documents/fda_withdrawn.html", document=document, back=url_for(endpoint, **values)
        ), 410
    services.note_download(document)
    return pages.download_response(document, fda_internal.InternalDocumentChunk)


@bp.route("/documents/internal/<uuid:internal_document_id>/withdraw", methods=["GET", "POST"])
@access.fda_staff
def internal_withdraw(internal_document_id: uuid.UUID):
    document = fda_internal.load(internal_document_id)
    endpoint, values = fda_internal.record_link(document)
    back = url_for(endpoint, **values)
    if document.is_withdrawn:
        flash("That document is already withdrawn.", "info")
        return redirect(back)
    form = pages.withdrawal_form(document, by=current_user._get_current_object())
    if form is None:
        db.session.commit()
        flash(pages.withdrawn_message(document), "success")
        return redirect(back)
    return render_template("documents/fda_withdraw.html", form=form, document=document, back=back)
