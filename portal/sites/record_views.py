"""What FDA records about a site, from the site page: contacts, products, regulatory
actions, phone calls (SPEC 3) and the eligibility override (SPEC 2).

Child records are addressed by their own public id (``/sites/products/<id>``),
never by row ids. Archiving is reversible, so it is a plain button; recording an
action closed cannot be undone, so it has its own page with the note.
"""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.extensions import db
from portal.forms import ConfirmForm
from portal.security import access
from portal.security.scoping import get_fda_record_or_404
from portal.sites import eligibility, queries, record_services
from portal.sites import services as sites
from portal.sites.blueprint import bp
from portal.sites.forms import (
    CloseActionForm,
    ContactForm,
    OverrideForm,
    ProductForm,
    RegulatoryActionForm,
)
from portal.sites.models import ContactOutcome, Product, RegulatoryAction, Site, SiteContact
from portal.sites.pages import call_form_for_site, details_from, show_error
from portal.templating import viewer_zone
from portal.timeutil import to_local, utcnow
from portal.urls import is_safe_next


def _back_to(site: Site, anchor: str = ""):
    url = url_for("sites.detail", site_id=site.public_id)
    return redirect(f"{url}#{anchor}" if anchor else url)


def _viewer_today():
    """Today where the person is: "not in the future" is judged on their calendar."""
    return to_local(utcnow(), viewer_zone()).date()


#: Per kind of record: the service that archives or restores it, the section of the site
#: page to return to, and what archiving means for the site (said in the message).
_ARCHIVING = {
    SiteContact: (
        record_services.set_contact_archived,
        "contacts",
        "no longer offered as a contact",
    ),
    Product: (
        record_services.set_product_archived,
        "products",
        "the site no longer counts as making it",
    ),
}


def _set_archived(record: SiteContact | Product, archived: bool):
    change, anchor, meaning = _ARCHIVING[type(record)]
    if ConfirmForm().validate_on_submit():
        change(record, archived)
        db.session.commit()
        message = f"{record.name} archived: {meaning}." if archived else f"{record.name} restored."
        flash(message, "success")
    return _back_to(record.site, anchor)


# --- contacts -------------------------------------------------------------------------------------


def _contact_page(site: Site, contact: SiteContact | None):
    """Adding (``contact`` None) and editing share one form, one page and one way back."""
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        try:
            if contact is None:
                contact = record_services.add_contact(
                    site, details_from(form, record_services.ContactDetails)
                )
                message = f"{contact.name} added to the site's contacts."
            else:
                record_services.update_contact(
                    contact, details_from(form, record_services.ContactDetails)
                )
                message = f"{contact.name}'s details saved."
        except sites.SiteError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(message, "success")
            # The letter's page sends people here to add a contact, and expects them back.
            back = request.args.get("next")
            if is_safe_next(back):
                return redirect(back)
            return _back_to(site, "contacts")
    return render_template("sites/contact_form.html", form=form, site=site, contact=contact)


@bp.route("/<uuid:site_id>/contacts/new", methods=["GET", "POST"])
@access.fda_staff
def new_contact(site_id: uuid.UUID):
    return _contact_page(get_fda_record_or_404(Site, site_id), None)


@bp.route("/contacts/<uuid:site_contact_id>/edit", methods=["GET", "POST"])
@access.fda_staff
def edit_contact(site_contact_id: uuid.UUID):
    contact = get_fda_record_or_404(SiteContact, site_contact_id)
    return _contact_page(contact.site, contact)


@bp.route("/contacts/<uuid:site_contact_id>/archive", methods=["POST"])
@access.fda_staff
def archive_contact(site_contact_id: uuid.UUID):
    return _set_archived(get_fda_record_or_404(SiteContact, site_contact_id), True)


@bp.route("/contacts/<uuid:site_contact_id>/restore", methods=["POST"])
@access.fda_staff
def restore_contact(site_contact_id: uuid.UUID):
    return _set_archived(get_fda_record_or_404(SiteContact, site_contact_id), False)


# --- products -------------------------------------------------------------------------------------


def _product_page(site: Site, product: Product | None):
    """Adding (``product`` None) and editing share one form, one page and one way back."""
    form = ProductForm(obj=product)
    if form.validate_on_submit():
        fields = {
            "name": form.name.data,
            "shortage_vulnerable": form.shortage_vulnerable.data,
            "note": form.vulnerability_note.data or "",
        }
        try:
            if product is None:
                product = record_services.add_product(site, **fields)
                message = f"{product.name} added."
            else:
                record_services.update_product(product, **fields)
                message = f"{product.name} saved."
        except sites.SiteError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(message, "success")
            return _back_to(site, "products")
    return render_template("sites/product_form.html", form=form, site=site, product=product)


@bp.route("/<uuid:site_id>/products/new", methods=["GET", "POST"])
@access.fda_staff
def new_product(site_id: uuid.UUID):
    return _product_page(get_fda_record_or_404(Site, site_id), None)


@bp.route("/products/<uuid:product_id>/edit", methods=["GET", "POST"])
@access.fda_staff
def edit_product(product_id: uuid.UUID):
    product = get_fda_record_or_404(Product, product_id)
    return _product_page(product.site, product)


@bp.route("/products/<uuid:product_id>/archive", methods=["POST"])
@access.fda_staff
def archive_product(product_id: uuid.UUID):
    return _set_archived(get_fda_record_or_404(Product, product_id), True)


@bp.route("/products/<uuid:product_id>/restore", methods=["POST"])
@access.fda_staff
def restore_product(product_id: uuid.UUID):
    return _set_archived(get_fda_record_or_404(Product, product_id), False)


# --- regulatory actions -----------------------------------------------------------------------


@bp.route("/<uuid:site_id>/actions/new", methods=["GET", "POST"])
@access.fda_staff
def new_regulatory_action(site_id: uuid.UUID):
    site = get_fda_record_or_404(Site, site_id)
    form = RegulatoryActionForm()
    if form.validate_on_submit():
        try:
            action = record_services.record_regulatory_action(
                site,
                action_type=form.action_type.data,
                action_date=form.action_date.data,
                case_id=form.case_id.data or "",
                product_type=form.product_type.data or "",
                by=current_user,
                today=_viewer_today(),
            )
        except sites.SiteError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(
                f"{action.action_type} recorded. It is open until you record it closed.",
                "success",
            )
            return _back_to(site, "actions")
    return render_template("sites/action_form.html", form=form, site=site)


@bp.route("/actions/<uuid:regulatory_action_id>/close", methods=["GET", "POST"])
@access.fda_staff
def close_regulatory_action(regulatory_action_id: uuid.UUID):
    action = get_fda_record_or_404(RegulatoryAction, regulatory_action_id)
    if not action.is_open:
        flash("This action is already recorded closed.", "info")
        return _back_to(action.site, "actions")
    form = CloseActionForm()
    if form.validate_on_submit():
        try:
            record_services.close_regulatory_action(
                action,
                closed_on=form.closed_on.data,
                note=form.note.data or "",
                by=current_user,
                today=_viewer_today(),
            )
        except sites.SiteError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"{action.action_type} recorded as closed.", "success")
            return _back_to(action.site, "actions")
    return render_template("sites/action_close.html", form=form, action=action, site=action.site)


# --- eligibility override (SPEC 2) ---------------------------------------------------------


@bp.route("/<uuid:site_id>/eligibility", methods=["GET", "POST"])
@access.fda_staff
def override_eligibility(site_id: uuid.UUID):
    site = get_fda_record_or_404(Site, site_id, *queries.SITE_PAGE_OPTIONS)
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            eligibility.override_eligibility(
                site,
                eligible=form.verdict.data == "eligible",
                reason=form.reason.data or "",
                by=current_user,
            )
        except eligibility.EligibilityError as error:
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            db.session.commit()
            flash("Override saved. The site page shows FDA's verdict and your reason.", "success")
            return _back_to(site, "eligibility")
    return render_template(
        "sites/override.html", form=form, site=site, assessment=eligibility.assess(site)
    )


@bp.route("/<uuid:site_id>/eligibility/clear", methods=["POST"])
@access.fda_staff
def clear_override(site_id: uuid.UUID):
    site = get_fda_record_or_404(Site, site_id)
    if ConfirmForm().validate_on_submit() and eligibility.clear_override(site):
        db.session.commit()
        flash("Override cleared: the computed verdict applies again.", "success")
    return _back_to(site, "eligibility")


# --- the contact log (SPEC 3) -------------------------------------------------------------------


@bp.route("/<uuid:site_id>/calls/new", methods=["GET", "POST"])
@access.fda_staff
def log_call(site_id: uuid.UUID):
    site = get_fda_record_or_404(Site, site_id, *queries.SITE_PAGE_OPTIONS)
    form = call_form_for_site()
    if form.validate_on_submit():
        try:
            sites.log_call(
                site,
                called_at=sites.moment_from_local(form.called_at.data, viewer_zone()),
                caller=form.caller_lookup.get(form.caller.data),
                outcome=ContactOutcome(form.outcome.data),
                person_reached=form.person_reached.data or "",
                notes=form.notes.data or "",
            )
        except sites.SiteError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash("Call logged.", "success")
            return _back_to(site, "contact-log")
    return render_template("sites/call_form.html", form=form, site=site)
