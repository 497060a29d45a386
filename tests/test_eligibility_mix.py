# ruff: noqa: E501  (rows of FDA files, kept whole so they read as the files do)
"""Eligibility over a realistic mix, computed by hand and checked site for site (SPEC 2;
issue 10 "Done when" 2): drug and device rows, old and new warning letters, a close-out
list, overrides and dates on both sides of the FY2017-FY2018 window's edges.

The data arrive through the three imports as FDA's files would bring them; only the
shortage-vulnerable products and the overrides are recorded by hand, as FDA staff do.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.imports.models import ImportKind, WarningLetterMatch
from portal.imports.services import run_import
from portal.imports.warning_letters import confirm_letter_match
from portal.sites.eligibility import assess, eligible_site_ids_subquery, override_eligibility
from portal.sites.models import Site
from tests import factories

INSPECTIONS = """Inspections Classification
Exported from the FDA Data Dashboard on 11/24/2025.
FEI Number,Legal Name,Address Line 1,City,State,Zip Code,Country/Area,Fiscal Year,Inspection ID,Posted Citations,Inspection End Date,Classification,Project Area,Product Type
3100000001,Alpha Sterile LLC,1 A St,Akron,Ohio,44301,United States,2017,2000001,No,10/01/2016,NAI,Drug Quality Assurance,Drugs
3100000002,Beta Pharma Inc,2 B St,Akron,Ohio,44301,United States,2016,2000002,No,09/30/2016,NAI,Drug Quality Assurance,Drugs
3100000003,Gamma Labs Inc,3 C St,Akron,Ohio,44301,United States,2018,2000003,Yes,9/30/18,VAI,Drug Quality Assurance,Drugs
3100000004,Delta Generics Ltd,4 D Rd,Pune,-,411001,India,2019,2000004,No,10/01/2018,NAI,Drug Quality Assurance,Drugs
3100000005,Epsilon Injectables LLC,5 E St,Akron,Ohio,44301,United States,2017,2000005,No,2017-05-05,NAI,Drug Quality Assurance,Drugs
3100000007,Eta Biologics Inc,7 G St,Akron,Ohio,44301,United States,2017,2000007,No,02-Feb-2017,NAI,Drug Quality Assurance,Drugs
3100000009,Iota Pharma Inc,9 I St,Akron,Ohio,44301,United States,2018,2000009,No,12/12/2017,NAI,Drug Quality Assurance,Drugs
3100000010,Kappa Pharma Inc,10 K St,Akron,Ohio,44301,United States,2018,2000010,No,12/12/2017,NAI,Drug Quality Assurance,Drugs
3100000011,Lambda Labs Inc,11 L St,Akron,Ohio,44301,United States,2018,2000011,No,1/15/18,OAI,Drug Quality Assurance,Drugs
3100000012,Mu Medical Gases LLC,12 M St,Akron,Ohio,44301,United States,2017,2000012,No,06/06/2017,NAI,Drug Quality Assurance,Drugs
"""

COMPLIANCE = """FEI Number,Legal Name,State,Country/Area,Product Type,Action Taken Date,Action Type,Case/Injunction ID
3100000003,Gamma Labs Inc,Ohio,United States,Drugs,2010-05-05,Warning Letter,100003
3100000005,Epsilon Injectables LLC,Ohio,United States,Drugs,2023-01-10,Warning Letter,100005
3100000006,Zeta Devices Corp,Ohio,United States,Devices,2019-01-01,Warning Letter,100006
3100000007,Eta Biologics Inc,Ohio,United States,Drugs,2008-03-03,Warning Letter,100007
3100000007,Eta Biologics Inc,Ohio,United States,Devices,2019-07-07,Warning Letter,100077
3100000008,Theta Pharma LLC,Ohio,United States,Drugs,2015-08-08,Warning Letter,100008
3100000011,Lambda Labs Inc,Ohio,United States,Drugs,2012-02-02,Warning Letter,100011
3100000013,Nu Biologics Inc,Ohio,United States,Biologics,2016-01-01,Warning Letter,100013
"""

CLOSE_OUTS = """Posted Date,Letter Issue Date,Company Name,Issuing Office,Subject,Response Letter,Closeout Letter
05/20/2010,05/05/2010,Gamma Labs Inc.,CDER,CGMP,,03/03/2013
03/20/2008,03/03/2008,Eta Biologics Inc,CDER,CGMP,,11/11/2010
02/20/2012,02/02/2012,Lambda Laboratories Limited,CDER,CGMP,,06/06/2014
01/20/2023,01/10/2023,Epsilon Injectables LLC,CDER,CGMP,,
"""

#: Worked out by hand from the files above, criterion by criterion:
#: (a) shortage-vulnerable product, (b) inspection 2016-10-01..2018-09-30, (c) no open action.
EXPECTED = {
    "3100000001": True,  # a; b: 10/01/2016 is FY2017's first day; c: no actions
    "3100000002": False,  # b fails: 09/30/2016 is FY2016's last day
    "3100000003": True,  # b: 9/30/18 is FY2018's last day; c: the 2010 letter closed in 2013
    "3100000004": False,  # b fails: 10/01/2018 is FY2019
    "3100000005": False,  # c fails: the 2023 letter has no close-out
    "3100000007": False,  # c fails: the device letter of 2019 at this drug site is open
    "3100000008": True,  # no inspection, open 2015 letter, but FDA's override admits it
    "3100000009": False,  # all three hold, but FDA's override says not eligible
    "3100000010": False,  # a fails: no shortage-vulnerable product
    "3100000011": False,  # c fails until FDA confirms the proposed close-out (group name)
    "3100000012": False,  # a fails: its only product is not shortage-vulnerable
}
VULNERABLE = ("3100000001", "3100000002", "3100000003", "3100000004", "3100000005")
VULNERABLE += ("3100000007", "3100000008", "3100000009", "3100000011")


def _import(kind: ImportKind, text: str):
    run = run_import(kind, text.replace("\n", "\r\n").encode(), f"{kind.value}.csv")
    db.session.commit()
    return run


def verdicts() -> tuple[dict[str, bool], dict[str, bool]]:
    """Each site's verdict as the site page explains it and as the lists select it."""
    db.session.expire_all()
    sites = db.session.scalars(select(Site)).all()
    eligible = set(db.session.scalars(eligible_site_ids_subquery()))
    page = {site.fei_number: assess(site).eligible for site in sites}
    lists = {site.fei_number: site.id in eligible for site in sites}
    return page, lists


def test_eligibility_agrees_with_the_hand_count_site_for_site(app, fda_staff, time_machine):
    time_machine.move_to(datetime(2025, 11, 24, 15, tzinfo=UTC))
    inspections = _import(ImportKind.INSPECTIONS, INSPECTIONS)
    assert (inspections.created, inspections.rejected) == (10, 0)
    compliance = _import(ImportKind.COMPLIANCE_ACTIONS, COMPLIANCE)
    # Zeta (devices) and Nu (biologics) are unknown and not drug rows: no sites for them.
    assert (compliance.created, compliance.skipped, compliance.sites_created) == (6, 2, 1)
    sites = {site.fei_number: site for site in db.session.scalars(select(Site))}
    assert "3100000006" not in sites and "3100000013" not in sites
    for fei in VULNERABLE:
        factories.product(sites[fei], shortage_vulnerable=True)
    factories.product(sites["3100000012"], shortage_vulnerable=False)
    factories.product(sites["3100000010"], shortage_vulnerable=False)
    override_eligibility(sites["3100000008"], eligible=True, reason="Reviewed.", by=fda_staff)
    override_eligibility(sites["3100000009"], eligible=False, reason="Pending.", by=fda_staff)
    db.session.commit()

    close_outs = _import(ImportKind.WARNING_LETTERS, CLOSE_OUTS)
    # Gamma's and Eta's 2008 letter close surely; Lambda's is only a group name: proposed.
    assert (close_outs.updated, close_outs.matches_proposed, close_outs.skipped) == (2, 1, 1)

    page, lists = verdicts()
    assert page == EXPECTED
    assert lists == EXPECTED

    # FDA confirms the proposed close-out: Lambda becomes eligible, on both paths.
    proposal = db.session.scalars(select(WarningLetterMatch)).one()
    confirm_letter_match(proposal, by=fda_staff)
    db.session.commit()
    page, lists = verdicts()
    expected = {**EXPECTED, "3100000011": True}
    assert page == expected and lists == expected
