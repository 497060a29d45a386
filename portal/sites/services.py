"""Every change to a site and what FDA knows of it (SPEC 1-3): validate, write, audit.

Views call these and commit; each raises :class:`SiteError` naming the field and
the fix, so the rule holds whether the change comes from a form, a test or a
script. Nothing here deletes: contacts and products are archived, regulatory
actions are recorded closed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import exists, select

from portal.audit import services as audit
from portal.extensions import db
from portal.sites.models import (
    ContactLog,
    ContactOutcome,
    Product,
    RegulatoryAction,
    Site,
    SiteContact,
)
from portal.timeutil import format_date, utcnow, zone

#: The longest FEI number FDA issues is 10 digits; the column allows 15.
FEI_MAX_DIGITS = 15
#: A call logged a little ahead of the server clock is a clock difference, not a mistake.
CLOCK_SLACK = timedelta(minutes=5)

LETTER_NEEDS_CALL = "Log a phone call in which you spoke with the site before sending the letter."


class SiteError(ValueError):
    """A change refused, with the message for the person and the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- validation shared by the forms and the imports ------------------------------------------


def fei_problem(value: str) -> str | None:
    """What is wrong with an FEI number as typed, or None."""
    if not value:
        return "Enter the FEI number."
    if not value.isascii() or not value.isdigit():
        return "An FEI number is digits only, for example 3004561553 (no spaces or letters)."
    if len(value) > FEI_MAX_DIGITS:
        return f"An FEI number has at most {FEI_MAX_DIGITS} digits."
    return None


def email_problem(value: str) -> str | None:
    """Syntax only: a site's address may be on a server we cannot reach from here."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return "Enter an email address like name@example.com."
    return None


def _clean(value: str | None) -> str:
    return (value or "").strip()


# --- sites ----------------------------------------------------------------------------------------


@dataclass
class SiteDetails:
    fei_number: str
    legal_name: str
    address_line1: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""

    def cleaned(self) -> SiteDetails:
        return SiteDetails(**{f.name: _clean(getattr(self, f.name)) for f in fields(self)})


def _check_site(details: SiteDetails, site: Site | None) -> None:
    problem = fei_problem(details.fei_number)
    if problem:
        raise SiteError(problem, "fei_number")
    taken = select(Site.public_id).where(Site.fei_number == details.fei_number)
    if site is not None:
        taken = taken.where(Site.id != site.id)
    if db.session.scalar(taken) is not None:
        raise SiteError(
            f"Another site already has FEI number {details.fei_number}. "
            "Search for it on the Sites page instead of adding it again.",
            "fei_number",
        )
    if not details.legal_name:
        raise SiteError("Enter the site's legal name.", "legal_name")


def _propose_shortage_matches() -> None:
    # A new or renamed site may be a company already on the shortage list (SPEC 1).
    from portal.imports.matching import propose_matches

    propose_matches()


def create_site(details: SiteDetails) -> Site:
    details = details.cleaned()
    _check_site(details, None)
    site = Site(**{f.name: getattr(details, f.name) for f in fields(details)})
    db.session.add(site)
    db.session.flush()
    audit.record("site.create", site, detail=f"FEI {site.fei_number}, {site.legal_name}")
    _propose_shortage_matches()
    return site


def update_site(site: Site, details: SiteDetails) -> list[str]:
    """Returns the names of the fields that changed."""
    details = details.cleaned()
    _check_site(details, site)
    changed = []
    for f in fields(details):
        new = getattr(details, f.name)
        if getattr(site, f.name) != new:
            changed.append(f.name)
            setattr(site, f.name, new)
    if changed:
        audit.record("site.update", site, detail="Changed " + ", ".join(changed))
        if "legal_name" in changed:
            db.session.flush()
            _propose_shortage_matches()
    return changed


def archive_site(site: Site) -> None:
    """Take the site out of lists and of eligibility; everything recorded stays."""
    if site.archived_at is None:
        site.archived_at = utcnow()
        audit.record("site.archive", site)


def restore_site(site: Site) -> None:
    if site.archived_at is not None:
        site.archived_at = None
        audit.record("site.restore", site)


# --- contacts -------------------------------------------------------------------------------------


@dataclass
class ContactDetails:
    name: str
    title: str = ""
    email: str = ""
    phone: str = ""


def _checked_contact(details: ContactDetails) -> ContactDetails:
    cleaned = ContactDetails(
        name=_clean(details.name),
        title=_clean(details.title),
        email=_clean(details.email).lower(),
        phone=_clean(details.phone),
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

MANUAL = "manual"
SHORTAGE_LIST = "shortage list"


def _check_product_name(site: Site, name: str, product: Product | None) -> str:
    name = _clean(name)
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
    note = _clean(note)
    if vulnerable and not product.shortage_vulnerable:
        if not note:
            raise SiteError(
                "Write why a supply disruption of this product would put patients at higher risk.",
                "vulnerability_note",
            )
        product.vulnerability_source = MANUAL
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
    action_type, case_id = _clean(action_type), _clean(case_id)
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
        product_type=_clean(product_type),
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
    note = _clean(note)
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


# --- the contact log (SPEC 3) -------------------------------------------------------------------


def moment_from_local(naive: datetime, zone_name: str) -> datetime:
    """A wall-clock time typed in ``zone_name``, as aware UTC (the column's form).

    A time skipped when the clocks go forward does not exist; rather than guess,
    the person is asked to check it. In the repeated hour when clocks go back the
    first occurrence is taken.
    """
    local = naive.replace(tzinfo=zone(zone_name), fold=0)
    back = local.astimezone(UTC).astimezone(zone(zone_name)).replace(tzinfo=None)
    if back != naive:
        raise SiteError(
            f"{naive:%H:%M} on {format_date(naive)} does not exist in {zone_name}: the clocks "
            "moved forward then. Check the time.",
            "called_at",
        )
    return local.astimezone(UTC)


def log_call(
    site: Site,
    *,
    called_at: datetime,
    caller,
    outcome: ContactOutcome,
    person_reached: str = "",
    notes: str = "",
) -> ContactLog:
    """A phone call FDA made to the site: the letter may follow one where someone was reached."""
    if called_at is None:
        raise SiteError("Enter when the call was made.", "called_at")
    if called_at.tzinfo is None:
        raise ValueError("called_at must be aware (UTC)")
    if called_at > utcnow() + CLOCK_SLACK:
        raise SiteError("The call cannot be in the future. Check the date and time.", "called_at")
    if caller is None or not caller.is_fda:
        raise SiteError("Choose the FDA person who made the call.", "caller")
    person_reached = _clean(person_reached)
    if outcome == ContactOutcome.REACHED and not person_reached:
        raise SiteError("Enter the name of the person you spoke with.", "person_reached")
    entry = ContactLog(
        site_id=site.id,
        called_at=called_at,
        caller_id=caller.id,
        person_reached=person_reached,
        outcome=outcome,
        notes=_clean(notes),
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "contact_log.create",
        entry,
        firm_id=site.firm_id,
        detail=f"{outcome.label}, called {called_at.isoformat()}",
    )
    return entry


def has_reached_site(site: Site) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    ContactLog.site_id == site.id, ContactLog.outcome == ContactOutcome.REACHED
                )
            )
        )
    )


def letter_blocker(site: Site) -> str | None:
    """Why the invitation letter cannot be sent yet, or None (SPEC 3: FDA calls first).

    The invitation domain calls this before it sends, and shows the message.
    """
    if not has_reached_site(site):
        return LETTER_NEEDS_CALL
    return None
