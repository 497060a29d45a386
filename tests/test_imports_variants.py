"""FDA's real exports as spreadsheets and years of snapshots leave them (issue 10, SPEC 1-2).

Each small file in tests/data/variants/ reproduces one way a real file broke the
imports; every test runs it through the command line and through the upload page,
and checks both what the person is told and what is stored.
"""

from __future__ import annotations

import html
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.imports.models import ImportKind, ImportRun, ShortageEntry
from portal.imports.reading import DateProblem, read_date
from portal.imports.services import notes_of, rejections_of
from portal.program.settings import update_settings
from portal.sites.models import Inspection, Product, RegulatoryAction, Site
from tests import factories
from tests.conftest import csrf_token_from
from tests.factories_sites import DATA, count_rows

VARIANTS = DATA / "variants"
COMMANDS = {
    ImportKind.INSPECTIONS: "import-inspections",
    ImportKind.COMPLIANCE_ACTIONS: "import-compliance-actions",
    ImportKind.SHORTAGES: "import-shortages",
    ImportKind.WARNING_LETTERS: "import-warning-letters",
}
PAGES = {
    ImportKind.INSPECTIONS: "/imports/inspections",
    ImportKind.COMPLIANCE_ACTIONS: "/imports/compliance-actions",
    ImportKind.SHORTAGES: "/imports/shortages",
    ImportKind.WARNING_LETTERS: "/imports/warning-letters",
}


def _text(page: str) -> str:
    """A page's words as a person reads them: tags dropped, entities decoded, spaces joined."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


class Importer:
    """Runs a file through the command line or the upload page, as a person would."""

    def __init__(self, way: str, runner, client, sign_in, fda_staff, tmp_path):
        self.way = way
        self.runner, self.client, self.tmp_path = runner, client, tmp_path
        if way == "page":
            sign_in(fda_staff)

    def __call__(self, kind: ImportKind, name: str) -> tuple[ImportRun | None, str]:
        """The run (None when the file was refused) and what the person was shown."""
        data = (VARIANTS / name).read_bytes()
        before = count_rows(ImportRun)
        if self.way == "command":
            path = self.tmp_path / name
            path.write_bytes(data)
            result = self.runner.invoke(args=[COMMANDS[kind], str(path)])
            shown = " ".join(result.output.split())
        else:
            url = PAGES[kind]
            token = csrf_token_from(self.client.get(url).get_data(as_text=True))
            response = self.client.post(
                url,
                data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                content_type="multipart/form-data",
            )
            if response.status_code == 302:
                response = self.client.get(response.headers["Location"])
            assert response.status_code == 200
            shown = _text(response.get_data(as_text=True))
        db.session.expire_all()
        if count_rows(ImportRun) == before:
            return None, shown
        run = db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
        return run, shown


@pytest.fixture(params=["command", "page"])
def do_import(request, app, runner, client, sign_in, fda_staff, tmp_path):
    return Importer(request.param, runner, client, sign_in, fda_staff, tmp_path)


def lines(items: list[dict], key: str = "reason") -> dict[int, str]:
    return {item["line"]: item[key] for item in items}


# --- 1. dates: one parser for every import ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("01/03/2023", date(2023, 1, 3)),
        ("1/3/2023", date(2023, 1, 3)),
        ("1/3/23", date(2023, 1, 3)),
        ("12/31/69", date(2069, 12, 31)),
        ("1/1/00", date(2000, 1, 1)),
        ("2023-01-03", date(2023, 1, 3)),
        ("03-Jan-2023", date(2023, 1, 3)),
        ("3-jan-2023", date(2023, 1, 3)),
        ("1/3/2023 0:00", date(2023, 1, 3)),
    ],
)
def test_every_form_fda_files_and_spreadsheets_write_is_read(value, day):
    assert read_date(value, "Date of Update") == day


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1/3/85", 'Date "1/3/85" has a two-digit year that could be 1985 or 2085'),
        ("31/12/2017", 'Date "31/12/2017" reads as day first (DD/MM/YYYY)'),
        ("2/30/2017", 'Date "2/30/2017" is not a real day'),
        ("2023/01/03", 'Date "2023/01/03" is not a date in a form FDA uses'),
        ("03-Foo-2023", 'Date "03-Foo-2023" is not a date in a form FDA uses'),
        ("yesterday", 'Date "yesterday" is not a date in a form FDA uses'),
    ],
)
def test_an_ambiguous_or_unreadable_date_is_refused_with_its_reason(value, message):
    with pytest.raises(DateProblem) as refused:
        read_date(value, "Date")
    assert str(refused.value).startswith(message)


def test_a_spreadsheet_re_saved_snapshot_imports_every_row(do_import):
    # M/D/YY and DD-Mon-YYYY dates, CRLF, blank lines, trailing empty cells, an accented
    # company name, a stray quote, an exact duplicate and an ambiguous optional date.
    run, shown = do_import(ImportKind.SHORTAGES, "shortages_spreadsheet_mdyy_crlf.csv")
    assert (run.created, run.rejected, run.skipped) == (5, 1, 1)
    by_presentation = {e.presentation: e for e in db.session.scalars(select(ShortageEntry))}
    atropine = next(e for p, e in by_presentation.items() if "99999-101-01" in p)
    assert atropine.date_of_update == date(2023, 1, 3)
    cisplatin_100 = next(e for p, e in by_presentation.items() if "401-99" in p)
    assert cisplatin_100.date_of_update == date(2023, 2, 14)
    heparin = next(e for e in by_presentation.values() if e.generic_name.startswith("Heparin"))
    assert heparin.company_name == "Laboratoires Sérvier Québec Ltée"
    # 2. The stray quote stays where it stood, and the line says it was repaired.
    assert heparin.presentation == 'Heparin, Injection, 1 1/2" needle syringe (NDC 99995-501-01)'
    notes = notes_of(run)
    assert lines(notes, "text")[5].startswith(
        "Presentation: a quote mark inside the value was not doubled as CSV requires"
    )
    # The optional date that cannot be read is reported on the line; the row is kept.
    assert lines(notes, "text")[9] == (
        'Date of Update "3/15/85" has a two-digit year that could be 1985 or 2085; write the '
        "year in full (MM/DD/YYYY) and import the file again. The line was imported without it."
    )
    lidocaine = next(e for e in by_presentation.values() if e.generic_name.startswith("Lidocaine"))
    assert lidocaine.date_of_update is None and lidocaine.status == "Resolved"
    # 8. Equal dates are said to be equal; an exact duplicate is skipped, not an error.
    assert lines(rejections_of(run)) == {
        8: "Same product, company and presentation as line 9, with the same Date of Update; "
        "the later line in the file, 9, was imported instead."
    }
    assert (10, "skipped", "exact duplicate of line 6.") in [
        (n["line"], n["kind"], n["text"]) for n in notes
    ]
    assert "exact duplicate of line 6." in shown
    assert "the later line in the file, 9, was imported instead" in shown
    assert "1 1/2" in shown


def test_semicolons_and_a_header_several_lines_down_are_found(do_import):
    run, shown = do_import(ImportKind.SHORTAGES, "shortages_semicolon_lf_title.csv")
    assert (run.created, run.rejected) == (1, 2)
    assert lines(rejections_of(run)) == {
        7: "Same product, company and presentation as line 8, with the same Date of Update; "
        "the later line in the file, 8, was imported instead.",
        9: "This line has 7 values but the header has 6 columns; a semicolon or line break "
        "inside a value may be missing its quotes.",
    }
    entry = db.session.scalars(select(ShortageEntry)).one()
    assert (entry.status, entry.date_of_update) == ("Current", date(2023, 1, 4))
    assert "a semicolon or line break" in shown


def test_a_second_snapshot_worded_differently_makes_no_second_product(app, do_import):
    site = factories.site(legal_name="Lakeshore Sterile Injectables, LLC")
    db.session.commit()
    first, _ = do_import(ImportKind.SHORTAGES, "shortages_spreadsheet_mdyy_crlf.csv")
    from portal.imports import matching
    from portal.imports.models import ShortageMatch

    match = db.session.scalars(select(ShortageMatch).where(ShortageMatch.site_id == site.id)).one()
    matching.confirm_match(match, by=factories.user())
    db.session.commit()
    # Next year's list words the same presentation differently (same NDC) and spells the
    # generic name in lower case with two spaces; it adds one new presentation.
    second, _ = do_import(ImportKind.SHORTAGES, "shortages_next_snapshot.csv")
    assert (second.created, second.updated) == (1, 1)
    atropine = db.session.scalars(
        select(ShortageEntry).where(ShortageEntry.presentation.contains("99999-101-01"))
    ).one()
    assert atropine.date_of_update == date(2024, 1, 9)
    products = db.session.scalars(select(Product).where(Product.site_id == site.id)).all()
    assert [p.name for p in products] == ["Atropine Sulfate Injection"]


# --- 9. headers -------------------------------------------------------------------------------


def test_a_wrong_file_is_told_which_columns_are_missing(do_import):
    run, shown = do_import(ImportKind.SHORTAGES, "shortages_missing_columns.csv")
    assert run is None
    assert (
        "the header on line 1 lacks the columns Company Name, Status, Therapeutic Category."
        in shown
    )
    assert "Generic Name," not in shown.split("lacks")[1]
    assert count_rows(ShortageEntry) == 0


def test_a_repeated_header_column_is_refused(do_import):
    run, shown = do_import(ImportKind.SHORTAGES, "shortages_repeated_column.csv")
    assert run is None
    assert "The header on line 1 has the column “Date of Update” more than once" in shown
    assert count_rows(ShortageEntry) == 0


# --- 5, 6, 9: inspections across files --------------------------------------------------------


def test_tabs_a_long_fei_a_moved_inspection_and_blank_cells(do_import):
    first, shown = do_import(ImportKind.INSPECTIONS, "inspections_tab_first.csv")
    assert (first.created, first.rejected, first.sites_created) == (2, 1, 2)
    assert lines(rejections_of(first)) == {
        6: 'FEI Number "12345678901234567" has 17 digits; FDA\'s FEI numbers have at most 15. '
        "A spreadsheet may have joined two cells or padded the number."
    }
    assert "has 17 digits" in shown

    later, shown = do_import(ImportKind.INSPECTIONS, "inspections_tab_later.csv")
    # 5. The other file gives inspection 1023401 another FEI: refused, naming both sites.
    moved = (
        "Inspection ID 1023401 is recorded for FEI 3002806560 (Lakeshore Sterile Injectables, "
        "LLC); this line gives FEI 3009999999. An inspection is never moved to another site by "
        "an import: correct the file, or ask FDA's data team which is right."
    )
    assert lines(rejections_of(later)) == {4: moved}
    assert "is recorded for FEI 3002806560" in shown
    inspection = db.session.scalars(
        select(Inspection).where(Inspection.fda_inspection_id == "1023401")
    ).one()
    assert inspection.site.fei_number == "3002806560"
    assert not db.session.scalar(select(Site).where(Site.fei_number == "3009999999"))
    # 6. The newer inspection's blank address cells leave the known address alone.
    site = db.session.scalars(select(Site).where(Site.fei_number == "3002806560")).one()
    assert (site.address_line1, site.city, site.state, site.postal_code, site.country) == (
        "1200 Harbor Road",
        "Racine",
        "Wisconsin",
        "53403",
        "United States",
    )
    assert later.created == 1 and len(site.inspections) == 2


def test_blanks_in_the_newest_row_of_one_file_are_filled_from_its_older_rows(app):
    from portal.imports.services import run_import
    from tests.factories_sites import inspection_row, inspections_csv

    data = inspections_csv(
        [
            inspection_row(Inspection_ID="1", Inspection_End_Date="03/09/2017"),
            inspection_row(
                Inspection_ID="2",
                Inspection_End_Date="03/09/2018",
                Fiscal_Year="2018",
                Address_Line_1="",
                City="",
                State="",
                Zip_Code="",
                Country_Area="",
            ),
        ]
    )
    run_import(ImportKind.INSPECTIONS, data, "one.csv")
    db.session.commit()
    site = db.session.scalars(select(Site)).one()
    assert (site.address_line1, site.city, site.country) == (
        "1200 Harbor Road",
        "Racine",
        "United States",
    )


# --- 3. product types that create sites -------------------------------------------------------


def test_only_drug_rows_create_sites_and_the_others_are_counted(do_import):
    run, shown = do_import(ImportKind.COMPLIANCE_ACTIONS, "compliance_mixed_product_types.csv")
    assert (run.created, run.rejected, run.skipped, run.sites_created) == (3, 1, 3, 2)
    assert sorted(db.session.scalars(select(Site.legal_name))) == [
        "Lakeshore Sterile Injectables, LLC",
        "Northgate Generics Pvt. Ltd.",
    ]
    # The device action of a drug site is attached: FDA sees every action of a known site.
    lakeshore = db.session.scalars(select(Site).where(Site.fei_number == "3002806560")).one()
    assert sorted(a.product_type for a in lakeshore.regulatory_actions) == ["Devices", "Drugs"]
    northgate = db.session.scalars(select(Site).where(Site.fei_number == "3004561553")).one()
    assert northgate.regulatory_actions[0].action_date == date(2023, 1, 3)  # "1/3/23"
    skipped = {n["line"]: n for n in notes_of(run) if n["kind"] == "skipped"}
    assert {line: n["category"] for line, n in skipped.items()} == {
        4: "Devices",
        5: "Biologics",
        6: "Biologics",
    }
    assert skipped[4]["text"] == (
        "Devices action for FEI 3009180783, a site the portal does not know; only drugs rows "
        "add sites (a program setting)."
    )
    if do_import.way == "command":
        assert "skipped 3 (Biologics 2, Devices 1)." in shown
    else:
        assert "Skipped: Biologics 2 Skipped: Devices 1" in shown


def test_the_product_types_setting_decides_and_a_known_site_gets_any_type(app, fda_admin):
    factories.site(fei_number="3001111111", legal_name="Valley Blood Center")
    update_settings({"site_creating_product_types": "Drugs, Biologics"}, by_user=fda_admin)
    db.session.commit()
    from portal.imports.services import run_import

    run = run_import(
        ImportKind.COMPLIANCE_ACTIONS,
        (VARIANTS / "compliance_mixed_product_types.csv").read_bytes(),
        "mixed.csv",
    )
    db.session.commit()
    assert (run.created, run.skipped, run.sites_created) == (5, 1, 3)
    assert db.session.scalar(select(Site).where(Site.legal_name == "Harbor Plasma Inc"))
    assert count_rows(RegulatoryAction) == 5


def test_the_product_types_setting_refuses_an_empty_list(app, fda_admin):
    from portal.program.settings import SettingError, get_text_setting

    with pytest.raises(SettingError, match="enter at least one"):
        update_settings({"site_creating_product_types": " , "}, by_user=fda_admin)
    assert get_text_setting("site_creating_product_types") == "Drugs"
