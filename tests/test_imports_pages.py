"""The import pages (SPEC 1): upload errors, the run's report with every rejected line,
the list of past runs."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from portal.auth.models import Role
from portal.extensions import db
from portal.imports.models import ImportKind, ImportRun
from portal.sites.models import Inspection, Site
from tests import factories
from tests.conftest import csrf_token_from
from tests.factories_sites import DATA, count_rows, inspection_row, inspections_csv

UPLOAD = "/imports/inspections"


@pytest.fixture
def staff(client, sign_in, fda_staff):
    sign_in(fda_staff)
    return client


def upload(client, data: bytes, filename: str = "inspections.csv", url: str = UPLOAD):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def error_beside_file(response) -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="file-error"' in page, page
    return page


def test_a_good_upload_shows_its_report_with_every_rejected_line(app, staff, fda_staff):
    response = upload(staff, (DATA / "inspections_bad_rows.csv").read_bytes())
    assert response.status_code == 302
    report = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported inspections.csv: 2 created, 0 updated, 0 unchanged, 6 rejected" in report
    for line, reason in (
        (5, "FEI Number is missing."),
        (6, "is not digits only"),
        (7, "reads as day first (DD/MM/YYYY)"),
        (8, "it must be NAI, VAI or OAI"),
        (9, "does not match the Inspection End Date"),
        (10, "This line has 4 values"),
    ):
        assert f'<th scope="row" class="num">{line}</th>' in report
        assert reason in report
    run = db.session.scalars(select(ImportRun)).one()
    assert run.by_id == fda_staff.id and run.kind == ImportKind.INSPECTIONS
    assert count_rows(Inspection) == 2


def test_the_same_upload_twice_reports_everything_unchanged(app, staff):
    data = (DATA / "inspections_sample.csv").read_bytes()
    upload(staff, data)
    second = upload(staff, data)
    report = staff.get(second.headers["Location"]).get_data(as_text=True)
    assert "0 created, 0 updated, 9 unchanged, 0 rejected" in report
    assert "No lines were rejected." in report


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "inspections.csv", "The file is empty."),
        (b"FEI Number", "inspections.xlsx", "Choose a file ending in .csv"),
        (b"PK\x03\x04rest-of-a-zip", "inspections.csv", "spreadsheet workbook"),
        (b"\x00\x01\x02binary", "inspections.csv", "not a text CSV file"),
        ("FEI Number\n\u00e9".encode("cp1252"), "inspections.csv", "not UTF-8 text"),
        (b"Generic Name,Company Name\nX,Y\n", "inspections.csv", "does not look like a Data"),
    ],
)
def test_a_bad_file_gets_a_message_beside_the_field_and_changes_nothing(
    app, staff, data, filename, message
):
    page = error_beside_file(upload(staff, data, filename))
    assert message in page
    assert count_rows(ImportRun) == 0 and count_rows(Site) == 0


def test_no_file_chosen_says_so(app, staff):
    token = csrf_token_from(staff.get(UPLOAD).get_data(as_text=True))
    response = staff.post(UPLOAD, data={"csrf_token": token}, content_type="multipart/form-data")
    assert "Choose the CSV file to upload." in error_beside_file(response)


def test_a_file_over_the_limit_gets_the_413_page(app, staff):
    # The body as a browser would send it; the server refuses it on its length alone.
    token = csrf_token_from(staff.get(UPLOAD).get_data(as_text=True))
    boundary = "sep-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    body = head + b"x" * app.config["IMPORT_MAX_BYTES"] + f"\r\n--{boundary}--\r\n".encode()
    response = staff.post(
        UPLOAD, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    assert "Split the file" in response.get_data(as_text=True)
    assert count_rows(ImportRun) == 0


def test_a_folder_in_the_filename_is_dropped(app, staff):
    response = upload(staff, inspections_csv([inspection_row()]), "reports/2026/insp.csv")
    assert response.status_code == 302
    assert db.session.scalars(select(ImportRun.filename)).one() == "insp.csv"


def test_each_kind_has_its_own_upload_page(app, staff):
    compliance = upload(
        staff,
        b"FEI Number,Legal Name,State,Country/Area,Product Type,Action Taken Date,Action Type,"
        b"Case/Injunction ID\n3002806560,Lakeshore LLC,-,-,Drugs,2019-03-01,Warning Letter,1\n",
        "actions.csv",
        "/imports/compliance-actions",
    )
    assert compliance.status_code == 302
    shortages = upload(
        staff, (DATA / "shortages_quirks.csv").read_bytes(), "list.csv", "/imports/shortages"
    )
    assert shortages.status_code == 302
    kinds = db.session.scalars(select(ImportRun.kind).order_by(ImportRun.id)).all()
    assert kinds == [ImportKind.COMPLIANCE_ACTIONS, ImportKind.SHORTAGES]
    # The inspections page refuses the shortage list: the wrong page for this file.
    assert "does not look like" in error_beside_file(
        upload(staff, (DATA / "shortages_quirks.csv").read_bytes())
    )


def test_the_index_lists_past_runs_newest_first_and_paginates(app, staff):
    for number in range(23):
        factories.import_run(filename=f"run-{number:02d}.csv")
    db.session.commit()
    first = staff.get("/imports").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert first.count("run-") == 20
    second = staff.get("/imports?page=2").get_data(as_text=True)
    assert second.count("run-") == 3


def test_the_index_says_where_to_start_when_empty(app, staff):
    page = staff.get("/imports").get_data(as_text=True)
    assert "Nothing has been imported yet" in page


def test_a_long_rejection_list_is_paginated(app, staff):
    rows = [inspection_row(FEI_Number="", Inspection_ID=str(n)) for n in range(150)]
    response = upload(staff, inspections_csv(rows))
    report = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rejected lines, page 1 of 2" in report
    assert report.count("FEI Number is missing.") == 100
    second = staff.get(response.headers["Location"] + "?page=2").get_data(as_text=True)
    assert second.count("FEI Number is missing.") == 50


def test_firm_users_cannot_reach_imports(app, client, sign_in, firm_admin):
    sign_in(firm_admin)
    assert client.get("/imports").status_code == 404
    assert client.get(UPLOAD).status_code == 404


def test_the_index_and_a_report_issue_fixed_queries(app, staff, count_queries):
    counts = {"index": [], "report": []}
    for size in (1, 20):
        uploader = factories.user(Role.FDA_STAFF)
        for _ in range(size):
            rejections = [{"line": n, "reason": "FEI Number is missing."} for n in range(size)]
            run = factories.import_run(
                by_id=uploader.id, rejected=size, rejections=json.dumps(rejections)
            )
        db.session.commit()
        with count_queries() as counter:
            assert staff.get("/imports").status_code == 200
        counts["index"].append(counter.count)
        with count_queries() as counter:
            assert staff.get(f"/imports/runs/{run.public_id}").status_code == 200
        counts["report"].append(counter.count)
    assert counts["index"][0] == counts["index"][1], counts
    assert counts["report"][0] == counts["report"][1], counts


def test_an_import_that_loses_a_race_saves_nothing_and_says_so(app, staff, monkeypatch):
    """Two uploads of one file at once: the unique keys stop the later one, with a message."""
    upload(staff, inspections_csv([inspection_row()]))
    # The second upload does not see the first one's records, as if both ran at once.
    monkeypatch.setattr("portal.imports.inspections.load_by", lambda *args: {})
    page = error_beside_file(upload(staff, inspections_csv([inspection_row()])))
    assert "Another import saved some of the same records" in page
    assert count_rows(ImportRun) == 1 and count_rows(Inspection) == 1
