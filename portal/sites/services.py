"""Changes to sites and the contact log (SPEC 1, 3): validate, write, audit.

Views call these and commit; each raises :class:`SiteError` naming the field and
the fix, so the rule holds whether the change comes from a form, a test or a
script. Contacts, products and regulatory actions are in portal.sites.record_services.
Other domains call :func:`letter_blocker` before an invitation letter goes out.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.audit import services as audit
from portal.extensions import db
from portal.sites.models import ContactLog, ContactOutcome, Site
from portal.sites.validation import clean, fei_problem
from portal.timeutil import LocalTimeError, local_to_utc, utcnow

#: A call logged a little ahead of the server clock is a clock difference, not a mistake.
CLOCK_SLACK = timedelta(minutes=5)

LETTER_NEEDS_CALL = "Log a phone call in which you spoke with the site before sending the letter."


class SiteError(ValueError):
    """A change refused, with the message for the person and the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


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
        return SiteDetails(**{f.name: clean(getattr(self, f.name)) for f in fields(self)})


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


# --- the contact log (SPEC 3) -------------------------------------------------------------------


def moment_from_local(naive: datetime, zone_name: str) -> datetime:
    """A call's time as typed in ``zone_name``, as aware UTC (``timeutil.local_to_utc``)."""
    try:
        return local_to_utc(naive, zone_name)
    except LocalTimeError as error:
        raise SiteError(str(error), "called_at") from error


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
    person_reached = clean(person_reached)
    if outcome == ContactOutcome.REACHED and not person_reached:
        raise SiteError("Enter the name of the person you spoke with.", "person_reached")
    entry = ContactLog(
        site_id=site.id,
        called_at=called_at,
        caller_id=caller.id,
        person_reached=person_reached,
        outcome=outcome,
        notes=clean(notes),
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


def letter_blocker(site: Site) -> str | None:
    """Why the invitation letter cannot be sent yet, or None (SPEC 3: FDA calls first).

    The invitation domain calls this before it sends, and shows the message.
    """
    if not site.reached_by_phone:
        return LETTER_NEEDS_CALL
    return None
