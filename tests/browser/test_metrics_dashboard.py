"""The success dashboard in a real browser: change the fiscal year, download a CSV, pass axe."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from portal.extensions import db
from tests import factories, factories_metrics
from tests.browser.helpers import assert_accessible, sign_in


def test_dashboard_fiscal_year_and_csv_download(page, app, fda_staff):
    factories_metrics.build()
    db.session.commit()
    sign_in(page, fda_staff, factories.PASSWORD)

    page.get_by_role("link", name="Success measures").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Success measures").is_visible()
    assert_accessible(page, "success dashboard, current fiscal year")

    page.get_by_label("Fiscal year").select_option(label="FY2025")
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url("**/metrics?fiscal_year=2025**")
    status = page.get_by_role("status").filter(has_text="Showing")
    assert "Fiscal year 2025 (1 Oct 2024 to 30 Sep 2025)" in status.inner_text()
    funnel = page.get_by_role("table", name="Participation: sites at each step")
    assert funnel.get_by_role("row", name="Invited by letter").inner_text().split()[3] == "5"
    chart = page.get_by_role("img", name="Participation funnel: sites at each step")
    assert chart.is_visible()
    assert_accessible(page, "success dashboard, FY2025")

    with page.expect_download() as download_info:
        page.locator("#participation-heading ~ div").get_by_role(
            "link", name="Download this table (CSV)"
        ).click()
    download = download_info.value
    assert download.suggested_filename == "sep-participation-fy2025.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert {row["Step"]: row["Sites"] for row in rows}["Invited by letter"] == "5"
