"""The compliance-actions import (SPEC 1): the real export imports whole, twice to the same data."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.imports.models import ImportKind
from portal.imports.services import notes_of, rejections_of, run_import, skipped_by_of
from portal.sites.eligibility import assess
from portal.sites.models import RegulatoryAction, Site
from tests import factories
from tests.factories_sites import COMPLIANCE_FILE, compliance_csv, count_rows, table_digest

TABLES = ("site", "regulatory_action")
DATE_HINT = (
    " (dates are read month first: MM/DD/YYYY, M/D/YYYY, M/D/YY, YYYY-MM-DD or DD-Mon-YYYY)."
)


def run(data: bytes):
    result = run_import(ImportKind.COMPLIANCE_ACTIONS, data, "compliance.csv")
    db.session.commit()
    return result


def test_the_real_export_imports_whole_and_a_second_run_changes_nothing(app):
    # 2,341 Drugs, 1,710 Devices and 182 Biologics rows. Only drug rows add sites (2,161
    # FEI numbers); 15 device or biologics rows of those same sites are attached, and the
    # other 1,877 are skipped and counted, never made into "drug manufacturing sites".
    data = COMPLIANCE_FILE.read_bytes()
    first = run(data)
    assert (first.created, first.updated, first.unchanged, first.rejected) == (2356, 0, 0, 0)
    assert first.skipped == 1877
    assert skipped_by_of(first) == {"Devices": 1697, "Biologics": 180}
    assert first.sites_created == 2161
    assert count_rows(RegulatoryAction) == 2356 and count_rows(Site) == 2161
    assert not db.session.scalar(select(Site).where(Site.legal_name == "1800 Get Thin LLC"))
    before = table_digest(*TABLES)

    second = run(data)
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 2356, 0)
    assert second.skipped == 1877
    assert second.sites_created == 0
    assert table_digest(*TABLES) == before

    site = db.session.scalars(select(Site).where(Site.fei_number == "3003320065")).one()
    assert site.legal_name == "Laboratorio Magnachem International, S.A."
    assert (site.state, site.country) == ("", "")  # the export's "-" means not given


ROW = [
    "3002806560",
    "Lakeshore Sterile Injectables, LLC",
    "Wisconsin",
    "United States",
    "Drugs",
    "2019-03-01",
    "Warning Letter",
    "570001",
]


def test_an_unknown_fei_gets_a_site_and_a_known_one_keeps_its_details(app):
    known = factories.site(
        fei_number="3004561553",
        legal_name="Northgate Generics Pvt. Ltd.",
        city="Hyderabad",
        country="India",
    )
    db.session.commit()
    other = [
        "3004561553",
        "Renamed In The Export Ltd",
        "-",
        "India",
        "Drugs",
        "2020-05-04",
        "Warning Letter",
        "600001",
    ]
    result = run(compliance_csv([ROW, other]))
    assert (result.created, result.sites_created) == (2, 1)
    new = db.session.scalars(select(Site).where(Site.fei_number == "3002806560")).one()
    assert (new.legal_name, new.state, new.country, new.address_line1) == (
        "Lakeshore Sterile Injectables, LLC",
        "Wisconsin",
        "United States",
        "",
    )
    assert new.name_key == "lakeshore sterile injectables"
    db.session.refresh(known)
    assert (known.legal_name, known.city) == ("Northgate Generics Pvt. Ltd.", "Hyderabad")
    action = new.regulatory_actions[0]
    assert (action.action_type, action.action_date, action.case_id, action.source) == (
        "Warning Letter",
        date(2019, 3, 1),
        "570001",
        "import",
    )
    assert action.is_open
    assert not assess(new).criteria[2].passed


def test_fda_closing_an_imported_action_survives_a_re_import(app, fda_staff):
    run(compliance_csv([ROW]))
    action = db.session.scalars(select(RegulatoryAction)).one()
    action.closed_on = date(2021, 1, 4)
    action.closed_note = "Close-out letter."
    db.session.commit()
    again = run(compliance_csv([ROW]))
    assert again.unchanged == 1
    db.session.refresh(action)
    assert action.closed_on == date(2021, 1, 4) and action.closed_note == "Close-out letter."


def test_a_changed_product_type_is_an_update(app):
    run(compliance_csv([ROW]))
    changed = list(ROW)
    changed[4] = "Biologics"
    result = run(compliance_csv([changed]))
    assert (result.created, result.updated) == (0, 1)
    assert db.session.scalars(select(RegulatoryAction)).one().product_type == "Biologics"


def test_bad_rows_are_named_and_good_ones_kept(app):
    rows = [
        ROW,
        ["", "No Fei Inc", "-", "-", "Drugs", "2019-03-01", "Warning Letter", "1"],
        ["12-34", "Dashes Inc", "-", "-", "Drugs", "2019-03-01", "Warning Letter", "2"],
        ["3001", "Bad Date Inc", "-", "-", "Drugs", "03/32/2019", "Warning Letter", "3"],
        ["3002", "No Type Inc", "-", "-", "Drugs", "2019-03-01", "", "4"],
        ["3003", "", "-", "-", "Drugs", "2019-03-01", "Warning Letter", "5"],
        ["3004", "Future Inc", "-", "-", "Drugs", "2999-01-01", "Warning Letter", "6"],
        ROW,
        [ROW[0], "Lakeshore Renamed LLC", *ROW[2:]],
        [
            "12345678901234567",
            "Long Fei Inc",
            "-",
            "-",
            "Drugs",
            "2019-03-01",
            "Warning Letter",
            "7",
        ],
    ]
    result = run(compliance_csv(rows))
    assert (result.created, result.rejected, result.skipped) == (1, 8, 1)
    assert [(r["line"], r["reason"]) for r in rejections_of(result)] == [
        (3, "FEI Number is missing."),
        (4, 'FEI Number "12-34" is not digits only.'),
        (5, 'Action Taken Date "03/32/2019" is not a real day' + DATE_HINT),
        (6, "Action Type is missing."),
        (7, "Legal Name is missing."),
        (8, 'Action Taken Date "2999-01-01" is in the future.'),
        (
            10,
            "Same FEI, Action Type, date and case as line 2, but other values differ; correct "
            "whichever line is wrong.",
        ),
        (
            11,
            'FEI Number "12345678901234567" has 17 digits; FDA\'s FEI numbers have at most 15. '
            "A spreadsheet may have joined two cells or padded the number.",
        ),
    ]
    assert [(n["line"], n["kind"], n["text"]) for n in notes_of(result)] == [
        (9, "skipped", "exact duplicate of line 2.")
    ]
    assert count_rows(Site) == 1
