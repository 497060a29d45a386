"""What FDA records about a site besides its identity (SPEC 1): the people to contact,
the finished drug products it makes, and adverse regulatory actions.

Same contract as portal.sites.services: validate, write, audit; the view commits.
Contacts and products are archived, never deleted; an action is recorded closed,
never removed, so the eligibility history stays explainable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select

from portal.audit import services as audit
from portal.extensions import db
from portal.sites.models import VULNERABILITY_MANUAL, Product, RegulatoryAction, Site, SiteContact
from portal.sites.services import SiteError
from portal.sites.validation import clean, email_problem
from portal.timeutil import format_date, utcnow

# --- contacts -------------------------------------------------------------------------------------


@dataclass
class ContactDetails:
    name: str
    title: str = ""
    email: str = ""
    phone: str = ""


def _checked_contact(details: ContactDetails) -> ContactDetails:
    cleaned = ContactDetails(
        name=clean(details.name),
        title=clean(details.title),
        email=clean(details.email).lower(),
        phone=clean(details.phone),
    )
    if not cleaned.name:
        raise SiteError("Enter the contact's name.", "name")
    if cleaned.email and (problem := email_problem(cleaned.email)):
        raise SiteError(problem, "email")
    if not cleaned.email and not cleaned.phone:
        raise SiteError("Enter an email address or a phone number, so FDA can reach them.", "email")
    return cleaned


def add_contact(site: Site, details: ContactDetails) -> SiteContact:
    cleaned = _checked_contact(details)
    contact = SiteContact(site_id=site.id, **vars(cleaned))
    db.session.add(contact)
    db.session.flush()
    audit.record("site_contact.create", contact, firm_id=site.firm_id, detail=cleaned.name)
    return contact


def update_contact(contact: SiteContact, details: ContactDetails) -> None:
    cleaned = _checked_contact(details)
    changed = [k for k, v in vars(cleaned).items() if getattr(contact, k) != v]
    for key in changed:
        setattr(contact, key, getattr(cleaned, key))
    if changed:
        audit.record(
            "site_contact.update",
            contact,
            firm_id=contact.site.firm_id,
            detail="Changed " + ", ".join(changed),
        )


def set_contact_archived(contact: SiteContact, archived: bool) -> None:
    """Archive (the person left) or restore a contact; the record stays either way."""
    if (contact.archived_at is not None) == archived:
        return
    contact.archived_at = utcnow() if archived else None
    action = "site_contact.archive" if archived else "site_contact.restore"
    audit.record(action, contact, firm_id=contact.site.firm_id, detail=contact.name)


# --- products -------------------------------------------------------------------------------------


def _check_product_name(site: Site, name: str, product: Product | None) -> str:
    name = clean(name)
    if not name:
        raise SiteError("Enter the product's name.", "name")
    same = select(Product).where(Product.site_id == site.id, Product.name == name)
    if product is not None:
        same = same.where(Product.id != product.id)
    existing = db.session.scalars(same).first()
    if existing is not None:
        where = " (archived: restore it from the site page)" if existing.archived_at else ""
        raise SiteError(f"This site already has a product named {name}{where}.", "name")
    return name


def _flag(product: Product, vulnerable: bool, note: str) -> None:
    """A flag set by hand needs its reason in writing (SPEC 1: FDA's judgement)."""
    note = clean(note)
    if vulnerable and not product.shortage_vulnerable:
        if not note:
            raise SiteError(
                "Write why a supply disruption of this product would put patients at higher risk.",
                "vulnerability_note",
            )
        product.vulnerability_source = VULNERABILITY_MANUAL
    elif not vulnerable:
        product.vulnerability_source = ""
    product.shortage_vulnerable = vulnerable
    product.vulnerability_note = note


def add_product(site: Site, *, name: str, shortage_vulnerable: bool, note: str = "") -> Product:
    product = Product(site_id=site.id, name=_check_product_name(site, name, None))
    product.shortage_vulnerable = False
    _flag(product, shortage_vulnerable, note)
    db.session.add(product)
    db.session.flush()
    flagged = " (shortage-vulnerable)" if product.shortage_vulnerable else ""
    audit.record("product.create", product, firm_id=site.firm_id, detail=product.name + flagged)
    return product


def update_product(product: Product, *, name: str, shortage_vulnerable: bool, note: str) -> None:
    before = (product.name, product.shortage_vulnerable, product.vulnerability_note)
    product.name = _check_product_name(product.site, name, product)
    _flag(product, shortage_vulnerable, note)
    after = (product.name, product.shortage_vulnerable, product.vulnerability_note)
    if before != after:
        detail = f"{product.name}: shortage-vulnerable {'yes' if after[1] else 'no'}"
        audit.record("product.update", product, firm_id=product.site.firm_id, detail=detail)


def set_product_archived(product: Product, archived: bool) -> None:
    if (product.archived_at is not None) == archived:
        return
    product.archived_at = utcnow() if archived else None
    action = "product.archive" if archived else "product.restore"
    audit.record(action, product, firm_id=product.site.firm_id, detail=product.name)


# --- regulatory actions -----------------------------------------------------------------------


def record_regulatory_action(
    site: Site,
    *,
    action_type: str,
    action_date: date,
    case_id: str = "",
    product_type: str = "",
    by,
    today: date | None = None,
) -> RegulatoryAction:
    """An adverse action FDA took; it counts against eligibility until recorded closed."""
    today = today or utcnow().date()
    action_type, case_id = clean(action_type), clean(case_id)
    if not action_type:
        raise SiteError("Choose the kind of action.", "action_type")
    if action_date is None:
        raise SiteError("Enter the date of the action.", "action_date")
    if action_date > today:
        raise SiteError("The action's date cannot be in the future.", "action_date")
    duplicate = exists().where(
        RegulatoryAction.site_id == site.id,
        RegulatoryAction.action_type == action_type,
        RegulatoryAction.action_date == action_date,
        RegulatoryAction.case_id == case_id,
    )
    if db.session.scalar(select(duplicate)):
        raise SiteError(
            f"This {action_type.lower()} of {format_date(action_date)} is already recorded.",
            "action_date",
        )
    action = RegulatoryAction(
        site_id=site.id,
        action_type=action_type,
        action_date=action_date,
        case_id=case_id,
        product_type=clean(product_type),
        source="manual",
        recorded_by_id=by.id,
    )
    db.session.add(action)
    db.session.flush()
    audit.record(
        "regulatory_action.record",
        action,
        firm_id=site.firm_id,
        detail=f"{action_type} of {action_date.isoformat()}",
    )
    return action


def close_regulatory_action(
    action: RegulatoryAction, *, closed_on: date, note: str, by, today: date | None = None
) -> None:
    """FDA records the action closed (SPEC 1); it then no longer blocks eligibility."""
    today = today or utcnow().date()
    note = clean(note)
    if not action.is_open:
        raise SiteError(
            f"This action was already recorded closed on {format_date(action.closed_on)}."
        )
    if closed_on is None:
        raise SiteError("Enter the date the action was closed.", "closed_on")
    if closed_on < action.action_date:
        raise SiteError(
            "The closing date cannot be before the action itself "
            f"({format_date(action.action_date)}).",
            "closed_on",
        )
    if closed_on > today:
        raise SiteError("The closing date cannot be in the future.", "closed_on")
    if not note:
        raise SiteError(
            "Write how the action was closed (for example the close-out letter).", "note"
        )
    action.closed_on = closed_on
    action.closed_note = note
    action.closed_by_id = by.id
    audit.record(
        "regulatory_action.close",
        action,
        firm_id=action.site.firm_id,
        detail=f"Closed {closed_on.isoformat()}: {note}",
    )
