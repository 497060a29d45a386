"""The drug shortage list (SPEC 1): its quirks, re-runs, and site matches that FDA confirms
or rejects."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.imports import matching
from portal.imports.models import ImportKind, MatchStatus, ShortageEntry, ShortageMatch
from portal.imports.services import notes_of, rejections_of, run_import
from portal.sites.eligibility import assess
from portal.sites.models import Product
from portal.sites.names import company_key, reduce_name
from tests import factories
from tests.conftest import csrf_token_from
from tests.factories_sites import DATA, SHORTAGES_FILE, count_rows, table_digest

QUIRKS = (DATA / "shortages_quirks.csv").read_bytes()


def run(data: bytes):
    result = run_import(ImportKind.SHORTAGES, data, "shortages.csv")
    db.session.commit()
    return result


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Hospira, Inc., a Pfizer Company", "hospira"),
        ("HOSPIRA INC", "hospira"),
        ("Sun Pharmaceutical Industries Pvt. Ltd.", "sun pharmaceutical industries"),
        ("MSN Laboratories Private Limited", "msn laboratories"),
        ("Guangzhou Zuofun Cosmetics Co., Ltd", "guangzhou zuofun cosmetics"),
        ("Bristol-Myers Squibb Company", "bristol myers squibb"),
        ("Bristol Myers Squibb Co.", "bristol myers squibb"),
        ("Laboratorio Magnachem International, S.A.", "laboratorio magnachem international"),
        ("Laboratorios Pisa S.A. de C.V.", "laboratorios pisa"),
        ("Alpine BioLabs GmbH", "alpine biolabs"),
        ("Merck Sharp & Dohme LLC", "merck sharp and dohme"),
        ("Dr. Reddy's Laboratories Ltd.", "dr reddys laboratories"),
        ("Nestlé S.A.", "nestle"),
        ("The Ritedose Corporation", "ritedose"),
        ("Apotex Corp.", "apotex"),
        ("Teva Pharmaceuticals USA, Inc.", "teva pharmaceuticals usa"),  # USA is not a legal form
        ("Company", "company"),  # a name is never stripped to nothing
    ],
)
def test_company_names_reduce_to_their_matching_key(name, key):
    assert company_key(name) == key


def test_the_reduction_keeps_the_words_it_removed_as_evidence():
    reduced = reduce_name("Hospira, Inc., a Pfizer Company")
    assert reduced.removed == ("Inc", "a Pfizer Company")


def test_the_quirky_export_reads_and_names_its_bad_lines(app):
    # Blank first line, padded headers, a value spanning two lines, CRLF.
    result = run(QUIRKS)
    assert (result.created, result.updated, result.unchanged) == (7, 0, 0)
    assert [(r["line"], r["reason"]) for r in rejections_of(result)] == [
        (6, "Generic Name is missing."),
        (
            9,
            "Same product, company and presentation as line 10, which has the later Date of "
            "Update; line 10 was imported instead.",
        ),
    ]
    kept = db.session.scalars(
        select(ShortageEntry).where(ShortageEntry.presentation.contains("400 mg/5 mL"))
    ).one()
    assert kept.status == "Current"  # from line 10, the later update
    assert kept.company_key == "northgate generics"
    # An unreadable Date of Update is optional: the line is imported and the date reported.
    assert [(n["line"], n["kind"], n["text"]) for n in notes_of(result)] == [
        (
            8,
            "note",
            'Date of Update "13/45/2025" is not a real day (dates are read month first: '
            "MM/DD/YYYY, M/D/YYYY, M/D/YY, YYYY-MM-DD or DD-Mon-YYYY). The line was imported "
            "without it.",
        )
    ]


def test_a_byte_order_mark_changes_nothing(app):
    assert run(b"\xef\xbb\xbf" + QUIRKS).created == 7


def test_fdas_sample_file_imports_and_re_imports_unchanged(app):
    first = run(SHORTAGES_FILE.read_bytes())
    assert (first.created, first.rejected) == (198, 2)
    assert [r["line"] for r in rejections_of(first)] == [151, 152]
    before = table_digest("shortage_entry")
    second = run(SHORTAGES_FILE.read_bytes())
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 198, 2)
    assert table_digest("shortage_entry") == before


def _sites():
    lakeshore = factories.site(legal_name="Lakeshore Sterile Injectables, LLC")
    northgate = factories.site(legal_name="Northgate Generics Private Limited")
    brightwater = factories.site(legal_name="Brightwater Pharmaceuticals Inc.")
    unrelated = factories.site(legal_name="Lakeshore Labs Inc.")
    db.session.commit()
    return lakeshore, northgate, brightwater, unrelated


def test_matches_are_proposed_by_name_with_the_evidence(app):
    lakeshore, northgate, brightwater, unrelated = _sites()
    result = run(QUIRKS)
    assert result.matches_proposed == 3
    proposals = {m.site_id: m for m in db.session.scalars(select(ShortageMatch))}
    assert set(proposals) == {lakeshore.id, northgate.id, brightwater.id}
    match = proposals[brightwater.id]
    assert match.status == MatchStatus.PROPOSED
    assert match.company_name == "Brightwater Pharmaceuticals, Inc., a Harbor Health Company"
    assert '"a Harbor Health Company"' in match.evidence and '"Inc"' in match.evidence
    assert '("brightwater pharmaceuticals")' in match.evidence
    # Proposals change no product until FDA confirms.
    assert count_rows(Product) == 0


def test_confirming_marks_the_sites_products_shortage_vulnerable(app, fda_staff):
    lakeshore, *_ = _sites()
    existing = factories.product(
        lakeshore, name="Sodium Bicarbonate Injection", shortage_vulnerable=False
    )
    db.session.commit()
    run(QUIRKS)
    match = db.session.scalars(
        select(ShortageMatch).where(ShortageMatch.site_id == lakeshore.id)
    ).one()
    applied = matching.confirm_match(match, by=fda_staff)
    db.session.commit()
    assert (applied.created, applied.flagged) == (1, 1)  # Atropine (two presentations) and Sodium
    products = {p.name: p for p in lakeshore.products}
    assert set(products) == {"Atropine Sulfate Injection", "Sodium Bicarbonate Injection"}
    for product in products.values():
        assert product.shortage_vulnerable
        assert product.vulnerability_source == "shortage list"
        assert "Lakeshore Sterile Injectables LLC" in product.vulnerability_note
    assert products["Sodium Bicarbonate Injection"].id == existing.id
    assert match.status == MatchStatus.CONFIRMED and match.decided_by_id == fda_staff.id
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "shortage_match.confirm")
    ).one()
    assert event.object_id == str(match.public_id)
    assert assess(lakeshore).criteria[0].passed

    with pytest.raises(matching.MatchError, match="already confirmed"):
        matching.confirm_match(match, by=fda_staff)


def test_rejecting_changes_nothing_else_and_is_never_proposed_again(app, fda_staff):
    _lakeshore, northgate, *_ = _sites()
    run(QUIRKS)
    match = db.session.scalars(
        select(ShortageMatch).where(ShortageMatch.site_id == northgate.id)
    ).one()
    before = table_digest("product", "site", "shortage_entry")
    matching.reject_match(match, by=fda_staff)
    db.session.commit()
    assert table_digest("product", "site", "shortage_entry") == before
    assert match.status == MatchStatus.REJECTED
    assert db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.startswith("shortage_match"))
    ).all() == ["shortage_match.reject"]

    again = run(QUIRKS)
    assert again.matches_proposed == 0
    assert (
        db.session.scalars(select(ShortageMatch).where(ShortageMatch.site_id == northgate.id))
        .one()
        .status
        == MatchStatus.REJECTED
    )


def test_new_entries_of_a_confirmed_company_reach_its_site_on_the_next_import(app, fda_staff):
    lakeshore, *_ = _sites()
    run(QUIRKS)
    match = db.session.scalars(
        select(ShortageMatch).where(ShortageMatch.site_id == lakeshore.id)
    ).one()
    matching.confirm_match(match, by=fda_staff)
    db.session.commit()
    extra = QUIRKS.replace(
        b'Cisplatin Injection","Quarry Hill Oncology Corp.',
        b'Cisplatin Injection","Lakeshore Sterile Injectables LLC',
    )
    run(extra)
    db.session.refresh(lakeshore)
    assert "Cisplatin Injection" in {p.name for p in lakeshore.products}


def test_the_matches_page_shows_evidence_and_decides_with_csrf(app, client, sign_in, fda_staff):
    lakeshore, *_ = _sites()
    run(QUIRKS)
    sign_in(fda_staff)
    page = client.get("/imports/matches").get_data(as_text=True)
    assert "Lakeshore Sterile Injectables LLC" in page
    assert "Atropine Sulfate Injection" in page and "Sodium Bicarbonate Injection" in page
    assert "set aside" in page  # the evidence sentence
    match = db.session.scalars(
        select(ShortageMatch).where(ShortageMatch.site_id == lakeshore.id)
    ).one()
    url = f"/imports/matches/{match.public_id}/confirm"
    assert client.post(url).status_code == 400  # no CSRF token: refused, nothing decided
    db.session.refresh(match)
    assert match.status == MatchStatus.PROPOSED
    response = client.post(url, data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    db.session.refresh(match)
    assert match.status == MatchStatus.CONFIRMED
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Confirmed: Lakeshore Sterile Injectables LLC is" in follow
    # Deciding again says it was decided, and changes nothing.
    client.post(url, data={"csrf_token": csrf_token_from(follow)})
    later = client.get("/imports/matches").get_data(as_text=True)
    assert "already confirmed" in later


def test_the_matches_page_issues_the_same_queries_for_1_and_20_matches(
    app, client, sign_in, fda_staff, count_queries
):
    sign_in(fda_staff)
    counts = []
    for size in (1, 20):
        for _ in range(size):
            site = factories.site()
            factories.shortage_entry(company_name=site.legal_name, company_key=site.name_key)
            factories.shortage_match(site, company_key=site.name_key)
        db.session.commit()
        with count_queries() as counter:
            assert client.get("/imports/matches").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
