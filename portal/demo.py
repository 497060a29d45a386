"""Demo data for `make run`: someone to show every feature to.

A domain adds its own demo records in ``portal/<domain>/demo.py`` with a
``seed(people)`` function, called once, after the accounts exist.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from portal.auth import totp
from portal.auth.models import Firm, Role, User, UserStatus
from portal.extensions import db
from portal.security.passwords import hash_password
from portal.timeutil import utcnow

#: One password for every demo account, long enough to stand without a second factor.
DEMO_PASSWORD = "harbor lantern tablet 2026"  # noqa: S105 - published demo credential

#: Fixed secrets so the demo FDA accounts work without enrolling a phone; `flask totp-code`.
DEMO_TOTP = {
    "admin@fda.example.gov": "DEMOADMINSEPPORTALAAAAAAAAAAAAAA",
    "staff@fda.example.gov": "DEMOSTAFFSEPPORTALAAAAAAAAAAAAAA",
}

FIRMS = (
    {
        "name": "Northwind Pharmaceuticals",
        "people": (
            (
                "quality.lead@northwind-pharma.example.com",
                "Dana Whitfield",
                "Head of Quality",
                Role.FIRM_ADMIN,
            ),
            (
                "qa.specialist@northwind-pharma.example.com",
                "Luis Ortega",
                "QA Specialist",
                Role.FIRM_STAFF,
            ),
        ),
    },
    {
        "name": "Meridian Sterile Products",
        "people": (
            (
                "quality@meridian-sterile.example.com",
                "Priya Raman",
                "Site Quality Director",
                Role.FIRM_ADMIN,
            ),
            (
                "validation@meridian-sterile.example.com",
                "Tomasz Nowak",
                "Validation Lead",
                Role.FIRM_STAFF,
            ),
        ),
    },
)

FDA_PEOPLE = (
    ("admin@fda.example.gov", "Alex Moreno", "SEP Program Manager", Role.FDA_ADMIN),
    ("staff@fda.example.gov", "Jordan Lee", "Consumer Safety Officer", Role.FDA_STAFF),
)


def _person(email: str, name: str, title: str, role: Role, firm: Firm | None) -> User:
    user = User(
        email=email,
        full_name=name,
        title=title,
        role=role,
        firm_id=firm.id if firm else None,
        status=UserStatus.ACTIVE,
        password_hash=hash_password(DEMO_PASSWORD),
        activated_at=utcnow(),
        totp_secret=DEMO_TOTP.get(email),
    )
    db.session.add(user)
    return user


def seed() -> bool:
    """Create the demo records unless they exist. Returns whether anything was created."""
    if db.session.scalar(select(User.id).where(User.email == FDA_PEOPLE[0][0])) is not None:
        return False
    people: dict[str, User] = {}
    firms: list[Firm] = []
    for email, name, title, role in FDA_PEOPLE:
        people[email] = _person(email, name, title, role, None)
    db.session.flush()
    for email, *_ in FDA_PEOPLE:
        # Unprinted, but present: a real account always has some after enrolling.
        totp.new_recovery_codes(people[email])
    renew_fda_recovery()
    for spec in FIRMS:
        firm = Firm(name=spec["name"])
        db.session.add(firm)
        db.session.flush()
        firms.append(firm)
        for email, name, title, role in spec["people"]:
            people[email] = _person(email, name, title, role, firm)
    db.session.flush()
    from portal.documents import demo as documents_demo
    from portal.feedback import demo as feedback_demo
    from portal.invitations import demo as invitations_demo
    from portal.meetings import demo as meetings_demo
    from portal.messages import demo as messages_demo
    from portal.quality import demo as quality_demo
    from portal.questions import demo as questions_demo
    from portal.sites import demo as sites_demo

    # In the program's order: each step's demo records build on the previous step's.
    for domain_demo in (
        sites_demo,
        invitations_demo,
        meetings_demo,
        questions_demo,
        documents_demo,
        feedback_demo,
        quality_demo,
        messages_demo,
    ):
        domain_demo.seed(people=people, firms=firms)
        db.session.flush()
    db.session.commit()
    return True


def renew_fda_recovery() -> None:
    """Let the demo FDA accounts without a security key sign in with their fixed TOTP.

    FDA staff must use a security key (issue 14); a newcomer trying the demo has none,
    so the demo accounts get the program manager's recovery allowance, renewed by every
    `flask seed-demo` (every `make run`). Register a key on the account page to try it.
    """
    from portal.auth import keys, recovery

    # Renewed only when half spent, so running seed-demo twice in a row changes nothing.
    renew_before = utcnow() + timedelta(days=recovery.MAX_DAYS / 2)
    for email, *_ in FDA_PEOPLE:
        person = db.session.scalars(select(User).where(User.email == email)).first()
        if person is None or keys.has_key(person):
            continue
        until = recovery.allowed_until(person)
        if until is None or until < renew_before:
            recovery.allow(person, days=recovery.MAX_DAYS, by=None, reason="demo account")
    db.session.commit()


def print_logins(echo: Callable[[str], None]) -> None:
    echo("")
    echo(f"Demo sign-ins (password for every account: {DEMO_PASSWORD!r})")
    for email, _name, _title, role in FDA_PEOPLE:
        echo(f"  {role.label:<22} {email}")
    for spec in FIRMS:
        for email, _name, _title, role in spec["people"]:
            echo(f"  {role.label:<22} {email}   ({spec['name']})")
    echo("FDA accounts need a security key or passkey. The demo FDA accounts instead have the")
    echo("program manager's recovery allowance (renewed by each `make run`), so they sign in with")
    echo("a 6-digit code. In another terminal, get the current one with:")
    echo("  make code EMAIL=admin@fda.example.gov")
    from flask import current_app

    echo(
        f"Open the portal at {current_app.config['PORTAL_BASE_URL']} (a host name, not "
        "127.0.0.1) to register a key or passkey."
    )
    echo("Emails the portal sends appear under Outbox (sign in as the FDA program manager).")
    echo("")
