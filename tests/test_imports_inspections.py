"""The Data Dashboard inspections import (SPEC 1): sites and inspections, re-runnable,
bad rows named by line, a wrong file refused whole."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.imports.models import ImportKind, ImportRun
from portal.imports.reading import ImportRefused
from portal.imports.services import rejections_of, run_import
from portal.sites.models import Inspection, InspectionClassification, Site
from tests import factories
from tests.factories_sites import (
    DATA,
    compliance_csv,
    count_rows,
    inspection_row,
    inspections_csv,
    table_digest,
)

SAMPLE = (DATA / "inspections_sample.csv").read_bytes()
TABLES = ("site", "inspection", "product", "regulatory_action", "shortage_match")


def run(data: bytes, name: str = "inspections.csv") -> ImportRun:
    result = run_import(ImportKind.INSPECTIONS, data, name)
    db.session.commit()
    return result


def test_the_sample_export_creates_sites_and_inspections(app):
    result = run(SAMPLE)
    assert (result.created, result.updated, result.unchanged, result.rejected) == (9, 0, 0, 0)
    assert result.sites_created == 5
    assert count_rows(Site) == 5 and count_rows(Inspection) == 9

    merged = db.session.scalars(
        select(Inspection).where(Inspection.fda_inspection_id == "1023401")
    ).one()
    # Two rows of one inspection (two project areas): one inspection, the graver classification.
    assert merged.classification == InspectionClassification.VAI
    assert merged.project_area == "Drug Quality Assurance; Compliance: Devices"
    assert merged.product_type == "Drugs; Devices"
    assert merged.posted_citations is True
    assert (merged.end_date, merged.fiscal_year) == (date(2017, 3, 9), 2017)

    iso = db.session.scalars(
        select(Inspection).where(Inspection.fda_inspection_id == "1009876")
    ).one()
    assert iso.end_date == date(2016, 10, 1) and iso.fiscal_year == 2017  # YYYY-MM-DD accepted

    india = db.session.scalars(select(Site).where(Site.fei_number == "3004561553")).one()
    assert (india.legal_name, india.city, india.state, india.country) == (
        "Northgate Generics Private Limited",
        "Hyderabad",
        "",  # the dashboard's "-"
        "India",
    )
    assert india.name_key == "northgate generics"
    accented = db.session.scalars(select(Site).where(Site.fei_number == "1000245873")).one()
    assert accented.legal_name == "Valle Verde Farmacéutica S.A. de C.V."


def test_running_the_same_file_again_changes_nothing(app):
    run(SAMPLE)
    before = table_digest(*TABLES)
    again = run(SAMPLE)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 9, 0)
    assert again.sites_created == 0
    assert table_digest(*TABLES) == before


def test_a_changed_row_updates_its_inspection_and_nothing_else(app):
    rows = [
        inspection_row(),
        inspection_row(
            Inspection_ID="1150932", Inspection_End_Date="06/17/2021", Fiscal_Year="2021"
        ),
    ]
    run(inspections_csv(rows))
    rows[0]["Classification"] = "OAI"
    result = run(inspections_csv(rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    changed = db.session.scalars(
        select(Inspection).where(Inspection.fda_inspection_id == "1023401")
    ).one()
    assert changed.classification == InspectionClassification.OAI


def test_a_site_takes_its_details_from_its_latest_inspection(app):
    old = inspection_row(Legal_Name="Lakeshore Labs Inc.", Address_Line_1="1 Old Road")
    new = inspection_row(
        Inspection_ID="1150932",
        Inspection_End_Date="06/17/2021",
        Fiscal_Year="2021",
        Address_Line_1="1200 Harbor Road",
    )
    run(inspections_csv([new, old]))  # the older row comes last in the file
    site = db.session.scalars(select(Site)).one()
    assert (site.legal_name, site.address_line1) == (
        "Lakeshore Sterile Injectables, LLC",
        "1200 Harbor Road",
    )
    # A renamed site counts as an update of the inspection its details came from.
    new["Legal Name"] = "Lakeshore Sterile Injectables Holdings, LLC"
    result = run(inspections_csv([new, old]))
    assert (result.updated, result.unchanged) == (1, 1)


def test_bad_rows_are_named_by_line_and_the_good_ones_imported(app):
    result = run((DATA / "inspections_bad_rows.csv").read_bytes())
    assert (result.created, result.rejected) == (2, 6)
    assert count_rows(Inspection) == 2
    reasons = {item["line"]: item["reason"] for item in rejections_of(result)}
    assert reasons == {
        5: "FEI Number is missing.",
        6: 'FEI Number "30O4561553" is not digits only.',
        7: 'Inspection End Date "31/12/2017" reads as day first (DD/MM/YYYY); FDA\'s files write '
        "the month first (MM/DD/YYYY). Save the dates month first and import the file again.",
        8: 'Classification is "Pending"; it must be NAI, VAI or OAI.',
        9: (
            "Fiscal Year 2018 does not match the Inspection End Date 09/30/2017, which falls in "
            "FY2017 (1 October to 30 September)."
        ),
        10: (
            "This line has 4 values but the header has 14 columns; a comma or line break inside "
            "a value may be missing its quotes."
        ),
    }
    assert json.loads(result.rejections)[0] == {"line": 5, "reason": "FEI Number is missing."}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"Inspection_ID": ""}, "Inspection ID is missing."),
        ({"Inspection_ID": "12A"}, 'Inspection ID "12A" is not digits only.'),
        ({"Inspection_End_Date": ""}, "Inspection End Date is missing."),
        ({"Inspection_End_Date": "02/30/2017"}, '"02/30/2017" is not a real day'),
        ({"Inspection_End_Date": "01/01/2099", "Fiscal_Year": "2099"}, "is in the future"),
        ({"Legal_Name": ""}, "Legal Name is missing."),
        ({"Legal_Name": "x" * 301}, "Legal Name is longer than 300 characters."),
        ({"Posted_Citations": "Maybe"}, 'Posted Citations "Maybe" must be Yes or No.'),
        ({"Fiscal_Year": "FY17"}, 'Fiscal Year "FY17" is not a year such as 2017.'),
        ({"Classification": ""}, "Classification is missing; it must be NAI, VAI or OAI."),
        ({"Legal_Name": "Bell\x07Labs"}, "Legal Name contains an invisible control character"),
        ({"City": "invoice\u202egnp"}, "City contains an invisible control character"),
    ],
)
def test_each_kind_of_bad_row_is_rejected_with_its_reason(app, change, reason):
    result = run(inspections_csv([inspection_row(**change)]))
    assert result.rejected == 1 and result.created == 0
    assert rejections_of(result)[0]["line"] == 4  # two preamble lines, the header, this row
    assert reason in rejections_of(result)[0]["reason"]


def test_one_inspection_id_on_two_sites_is_refused_on_the_second_line(app):
    rows = [inspection_row(), inspection_row(FEI_Number="3004561553")]
    result = run(inspections_csv(rows))
    assert result.created == 1
    assert rejections_of(result) == [
        {
            "line": 5,
            "reason": "Inspection ID 1023401 is also on line 4 with a different FEI Number or "
            "Inspection End Date.",
        }
    ]


def test_a_wrong_file_is_refused_whole_and_nothing_changes(app):
    factories.site(fei_number="3002806560", legal_name="Existing Site")
    db.session.commit()
    before = table_digest(*TABLES, "import_run")
    compliance = compliance_csv(
        [["3002806560", "X", "Ohio", "United States", "Drugs", "2024-01-02", "Warning Letter", "1"]]
    )
    with pytest.raises(ImportRefused, match="does not look like a Data Dashboard inspection"):
        run_import(ImportKind.INSPECTIONS, compliance, "actions.csv")
    db.session.rollback()
    assert table_digest(*TABLES, "import_run") == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"  \r\n\r\n", "The file is empty."),
        (b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet workbook"),
        (b"FEI Number\x00,\x00", "not a text CSV file"),
        (
            '"Inspections"\n"é"\n'.encode("latin-1"),
            "line 2 has a character that cannot be read as UTF-8",
        ),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(app, data, message):
    with pytest.raises(ImportRefused, match=message):
        run_import(ImportKind.INSPECTIONS, data, "file.csv")
    db.session.rollback()
    assert count_rows(ImportRun) == 0


def test_a_header_without_rows_is_refused(app):
    with pytest.raises(ImportRefused, match="no rows"):
        run_import(ImportKind.INSPECTIONS, inspections_csv([]), "empty.csv")


def test_utf8_with_a_byte_order_mark_and_without_preamble_is_read(app):
    data = b"\xef\xbb\xbf" + inspections_csv([inspection_row()], preamble="")
    result = run(data)
    assert result.created == 1 and result.rejected == 0


def test_padded_and_reordered_columns_are_found(app):
    text = SAMPLE.decode("utf-8").replace("FEI Number,Legal Name", " fei number , LEGAL NAME")
    assert run(text.encode("utf-8")).created == 9


def test_the_import_looks_records_up_in_batches_not_per_row(app, count_queries):
    """Queries grow with batches of 500, not with rows: what keeps 10,000 rows fast."""

    def rows(count: int, offset: int) -> bytes:
        return inspections_csv(
            [
                inspection_row(
                    FEI_Number=str(3100000000 + offset + n), Inspection_ID=str(offset + n)
                )
                for n in range(count)
            ]
        )

    with count_queries() as small:
        run(rows(10, 0))
    with count_queries() as large:
        run(rows(400, 1000))
    assert large.count <= small.count + 4, (small.count, large.count)


def test_the_command_line_imports_and_reports(app, runner, tmp_path):
    path = tmp_path / "inspections.csv"
    path.write_bytes((DATA / "inspections_bad_rows.csv").read_bytes())
    result = runner.invoke(args=["import-inspections", str(path)])
    assert result.exit_code == 0, result.output
    assert "created 2, updated 0, unchanged 0, rejected 6, skipped 0." in result.output
    assert "line 5: FEI Number is missing." in result.output
    run_row = db.session.scalars(select(ImportRun)).one()
    assert run_row.by_id is None and run_row.filename == "inspections.csv"


def test_the_command_line_refuses_a_wrong_file(app, runner, tmp_path):
    path = tmp_path / "shortages.csv"
    path.write_bytes((DATA / "shortages_quirks.csv").read_bytes())
    result = runner.invoke(args=["import-inspections", str(path)])
    assert result.exit_code == 1
    assert "does not look like a Data Dashboard inspection" in result.output
    assert count_rows(ImportRun) == 0 and count_rows(Site) == 0
