"""Demo sites for `flask seed-demo`: the two demo firms' sites, and a dozen others.

Every name and FEI number here is invented. The unaffiliated sites cover each
way of being (not) eligible, so the FDA pages, filters and work list have
something to show: eligible and not yet called, called without reaching anyone,
reached, an open warning letter, a closed one, an inspection outside the
window, no shortage-vulnerable product, and an FDA override.
"""

from __future__ import annotations

from datetime import date, timedelta

from portal.extensions import db
from portal.sites.models import (
    ContactLog,
    ContactOutcome,
    Inspection,
    InspectionClassification,
    Product,
    RegulatoryAction,
    Site,
    SiteContact,
)
from portal.timeutil import fiscal_year, utcnow

STAFF = "staff@fda.example.gov"

#: (FEI, legal name, city, state, country, shortage-vulnerable product or None,
#:  inspection end date, open action?, closed action?, calls, override)
OTHER_SITES = (
    (
        "3999000101",
        "Cedar Valley Parenterals, LLC",
        "Rochester",
        "Minnesota",
        "United States",
        "Potassium Chloride Injection",
        date(2017, 5, 18),
        False,
        False,
        (),
        None,
    ),
    (
        "3999000102",
        "Riverbend Sterile Products Inc.",
        "Decatur",
        "Alabama",
        "United States",
        "Dexamethasone Sodium Phosphate Injection",
        date(2018, 2, 9),
        False,
        False,
        (ContactOutcome.NO_ANSWER,),
        None,
    ),
    (
        "3999000103",
        "Sierra Azul Laboratorios S.A. de C.V.",
        "Guadalajara",
        "",
        "Mexico",
        "Ondansetron Injection",
        date(2017, 11, 30),
        False,
        False,
        (ContactOutcome.LEFT_MESSAGE, ContactOutcome.REACHED),
        None,
    ),
    (
        "3999000104",
        "Harborview Oncology Pharma Ltd.",
        "Cork",
        "",
        "Ireland",
        "Carboplatin Injection",
        date(2018, 8, 2),
        False,
        True,
        (ContactOutcome.REACHED,),
        None,
    ),
    (
        "3999000105",
        "Kestrel Generics Private Limited",
        "Ahmedabad",
        "",
        "India",
        "Amoxicillin Oral Suspension",
        date(2017, 3, 14),
        True,
        False,
        (),
        None,
    ),
    (
        "3999000106",
        "Bluestem Pharmaceuticals Inc.",
        "Wichita",
        "Kansas",
        "United States",
        "Lidocaine Hydrochloride Injection",
        date(2020, 6, 25),
        False,
        False,
        (),
        None,
    ),
    (
        "3999000107",
        "Maple Ridge Consumer Health Co.",
        "Burlington",
        "Vermont",
        "United States",
        None,
        date(2017, 9, 12),
        False,
        False,
        (),
        None,
    ),
    (
        "3999000108",
        "Ostrava Pharmaceutica s.r.o.",
        "Ostrava",
        "",
        "Czech Republic",
        "Heparin Sodium Injection",
        date(2016, 9, 30),
        False,
        False,
        (),
        None,
    ),
    (
        "3999000109",
        "Greenfield Ophthalmics Corporation",
        "Fort Worth",
        "Texas",
        "United States",
        None,
        date(2018, 1, 22),
        False,
        False,
        (),
        "Sole U.S. maker of a preservative-free eye drop used in neonatal care.",
    ),
    (
        "3999000110",
        "Tidewater Injectables LLC",
        "Norfolk",
        "Virginia",
        "United States",
        "Sodium Bicarbonate Injection",
        date(2016, 12, 6),
        False,
        False,
        (ContactOutcome.WRONG_NUMBER,),
        None,
    ),
    (
        "3999000111",
        "Lumen Biologics GmbH",
        "Marburg",
        "",
        "Germany",
        "Albumin (Human) 25% Solution",
        date(2018, 5, 3),
        False,
        False,
        (),
        None,
    ),
)

FIRM_SITES = (
    # Northwind Pharmaceuticals, Meridian Sterile Products (portal.demo.FIRMS)
    (
        "3999000001",
        "Northwind Pharmaceuticals Inc.",
        "4100 Lakeview Parkway",
        "Madison",
        "Wisconsin",
        "53718",
        "Vancomycin Hydrochloride for Injection",
        date(2017, 8, 24),
    ),
    (
        "3999000002",
        "Meridian Sterile Products, LLC",
        "77 Foundry Street",
        "Raleigh",
        "North Carolina",
        "27603",
        "Epinephrine Injection",
        date(2018, 3, 15),
    ),
)


def _inspection(site: Site, end: date, number: int) -> None:
    db.session.add(
        Inspection(
            site_id=site.id,
            fda_inspection_id=str(1990000 + number),
            end_date=end,
            fiscal_year=fiscal_year(end),
            classification=InspectionClassification.VAI,
            project_area="Drug Quality Assurance",
            product_type="Drugs",
            posted_citations=True,
        )
    )


def _vulnerable(site: Site, name: str) -> None:
    db.session.add(
        Product(
            site_id=site.id,
            name=name,
            shortage_vulnerable=True,
            vulnerability_source="manual",
            vulnerability_note="Few U.S. suppliers; hospital use with no ready substitute.",
        )
    )


def _call(site: Site, caller, outcome: ContactOutcome, days_ago: int, person: str) -> None:
    db.session.add(
        ContactLog(
            site_id=site.id,
            called_at=utcnow() - timedelta(days=days_ago, hours=3),
            caller_id=caller.id,
            person_reached=person if outcome != ContactOutcome.NO_ANSWER else "",
            outcome=outcome,
            notes={
                ContactOutcome.REACHED: "Explained the program; they expect the letter.",
                ContactOutcome.LEFT_MESSAGE: "Left a voicemail with the program's number.",
                ContactOutcome.NO_ANSWER: "No answer at the main number.",
                ContactOutcome.WRONG_NUMBER: "Number belongs to a distributor; find another.",
            }[outcome],
        )
    )


def seed(people: dict, firms: list) -> None:
    staff = people[STAFF]
    number = 0
    for firm, spec in zip(firms, FIRM_SITES, strict=False):
        fei, name, street, city, state, postal, product, inspected = spec
        site = Site(
            fei_number=fei,
            legal_name=name,
            address_line1=street,
            city=city,
            state=state,
            postal_code=postal,
            country="United States",
            firm_id=firm.id,
        )
        db.session.add(site)
        db.session.flush()
        _vulnerable(site, product)
        db.session.add(Product(site_id=site.id, name="Sterile Water for Injection"))
        number += 1
        _inspection(site, inspected, number)
        lead = next(u for u in firm.users if u.role.value == "firm_admin")
        db.session.add(
            SiteContact(
                site_id=site.id,
                name=lead.full_name,
                title=lead.title,
                email=lead.email,
                phone="+1 608 555 0142",
            )
        )
        _call(site, staff, ContactOutcome.REACHED, 40, lead.full_name)

    for spec in OTHER_SITES:
        fei, name, city, state, country, product, inspected, open_action, closed_action = spec[:9]
        calls, override = spec[9], spec[10]
        site = Site(fei_number=fei, legal_name=name, city=city, state=state, country=country)
        db.session.add(site)
        db.session.flush()
        if product:
            _vulnerable(site, product)
        number += 1
        _inspection(site, inspected, number)
        db.session.add(
            SiteContact(
                site_id=site.id,
                name="Quality Assurance Director",
                title="Head of Quality",
                email=f"quality@{fei}.example.com",
                phone="+1 555 0100",
            )
        )
        if open_action or closed_action:
            db.session.add(
                RegulatoryAction(
                    site_id=site.id,
                    action_type="Warning Letter",
                    action_date=date(2019, 4, 11),
                    case_id=f"5{fei[-5:]}",
                    product_type="Drugs",
                    source="manual",
                    recorded_by_id=staff.id,
                    closed_on=date(2021, 2, 1) if closed_action else None,
                    closed_note="Close-out letter issued." if closed_action else "",
                    closed_by_id=staff.id if closed_action else None,
                )
            )
        for days_ago, outcome in enumerate(calls, start=5):
            _call(site, staff, outcome, 20 - days_ago, "Head of Quality")
        if override:
            site.eligibility_override = True
            site.override_reason = override
            site.override_by_id = people["admin@fda.example.gov"].id
            site.override_at = utcnow() - timedelta(days=12)
    db.session.flush()
