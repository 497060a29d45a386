"""Shortage-list companies matched to sites however the company is written (issue 10 item 7):
legal forms, divisions, trade and earlier names, notes in brackets, site suffixes; each
proposal with its strength and reason, every company name it applies on its card, and
identical proposals confirmed together."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.imports import matching
from portal.imports.models import MatchStatus, ShortageMatch
from portal.sites.models import Product
from portal.sites.names import Strength, compare_names
from tests import factories
from tests.conftest import csrf_token_from

ENTITY, GROUP = Strength.SAME_ENTITY, Strength.SAME_GROUP


@pytest.mark.parametrize(
    ("company", "site", "strength", "because"),
    [
        # Pairs the real lists missed.
        ("Pfizer Laboratories Div Pfizer Inc", "Pfizer Inc.", ENTITY, "Div Pfizer Inc"),
        (
            "Salix Pharmaceuticals, a division of Bausch Health US, LLC",
            "Salix Pharmaceuticals Inc",
            GROUP,
            'company\'s division "Salix Pharmaceuticals"',
        ),
        ("Novo Nordisk A/S", "Novo Nordisk Inc", GROUP, "different legal forms"),
        (
            "Hikma Pharmaceuticals USA, Inc. (formerly West-Ward)",
            "Hikma Pharmaceuticals PLC",
            GROUP,
            "(formerly West-Ward)",
        ),
        ("Baxter Healthcare Renal Div", "Baxter Healthcare Corporation", ENTITY, "Renal Div"),
        (
            "Sun Pharmaceutical Industries Limited - Karkhadi",
            "Sun Pharmaceutical Industries Ltd.",
            ENTITY,
            "- Karkhadi",
        ),
        ("Aurobindo Pharma USA", "Aurobindo Pharma Limited", GROUP, "country words"),
        ("Torrent Pharma Inc.", "Torrent Pharmaceuticals Limited", GROUP, "Pharma/Laboratories"),
        ("Sagent Pharmaceuticals dba Sagent", "Sagent Pharmaceuticals Inc", ENTITY, "dba Sagent"),
        # Pairs that matched before still do.
        ("Sun Pharmaceutical Industries, Inc.", "Sun Pharmaceutical Industries Inc", ENTITY, ""),
        ("Apotex Corp.", "Apotex Inc.", GROUP, "different legal forms"),
        ("Sandoz Inc", "Sandoz Inc.", ENTITY, ""),
        ("Hospira, Inc., a Pfizer Company", "Hospira Inc", ENTITY, "a Pfizer Company"),
    ],
)
def test_the_same_company_written_another_way_matches_with_its_strength(
    company, site, strength, because
):
    found = compare_names(company, site)
    assert found is not None
    assert found.strength == strength
    assert because in found.reason


@pytest.mark.parametrize(
    ("company", "site"),
    [
        ("Teva Pharmaceuticals USA, Inc.", "Pfizer Inc."),
        ("Sun Pharmaceutical Industries Ltd", "Sun Chemical Corporation"),
        ("Baxter Healthcare Renal Div", "Baxalta US Inc"),
    ],
)
def test_different_companies_do_not_match(company, site):
    assert compare_names(company, site) is None


def test_proposals_carry_strength_and_the_card_lists_every_name_it_applies(
    app, client, sign_in, fda_staff
):
    pfizer = factories.site(legal_name="Pfizer Inc.")
    novo = factories.site(legal_name="Novo Nordisk Inc")
    factories.shortage_entry(
        company_name="Pfizer Laboratories Div Pfizer Inc",
        company_key="pfizer",
        generic_name="Penicillin G Benzathine Injection",
    )
    factories.shortage_entry(
        company_name="Pfizer Inc.", company_key="pfizer", generic_name="Bicillin C-R Injection"
    )
    factories.shortage_entry(
        company_name="Pfizer Inc.", company_key="pfizer", generic_name="Medrol Tablet"
    )
    factories.shortage_entry(
        company_name="Novo Nordisk A/S", company_key="novo nordisk", generic_name="Insulin Aspart"
    )
    db.session.commit()
    assert matching.propose_matches() == 2
    db.session.commit()
    strengths = {m.site_id: m.strength for m in db.session.scalars(select(ShortageMatch))}
    assert strengths == {pfizer.id: "same legal entity", novo.id: "same group"}
    assert matching.propose_matches() == 0  # never proposed twice

    sign_in(fda_staff)
    page = client.get("/imports/matches").get_data(as_text=True)
    assert "Same legal entity" in page and "Same group" in page
    # Confirming the Pfizer proposal applies both names the list writes: the card says so.
    assert "Pfizer Inc.: 2 products" in page
    assert "Pfizer Laboratories Div Pfizer Inc: 1 product" in page


def test_identical_proposals_are_confirmed_together(app, client, sign_in, fda_staff):
    first = factories.site(legal_name="Lakeshore Sterile Injectables LLC", fei_number="3000000101")
    second = factories.site(
        legal_name="Lakeshore Sterile Injectables, LLC", fei_number="3000000102"
    )
    factories.shortage_entry(
        company_name="Lakeshore Sterile Injectables LLC",
        company_key="lakeshore sterile injectables",
        generic_name="Atropine Sulfate Injection",
    )
    db.session.commit()
    matching.propose_matches()
    db.session.commit()
    proposals = db.session.scalars(select(ShortageMatch).order_by(ShortageMatch.id)).all()
    assert len(proposals) == 2

    sign_in(fda_staff)
    page = client.get("/imports/matches").get_data(as_text=True)
    token = csrf_token_from(page)
    response = client.post(
        "/imports/matches/confirm",
        data={"csrf_token": token, "chosen_matches": [str(p.public_id) for p in proposals]},
    )
    assert response.status_code == 302
    assert "Confirmed 2 matches. 2 products added" in client.get("/imports/matches").get_data(
        as_text=True
    )
    db.session.expire_all()
    assert {m.status for m in db.session.scalars(select(ShortageMatch))} == {MatchStatus.CONFIRMED}
    for site in (first, second):
        product = db.session.scalars(select(Product).where(Product.site_id == site.id)).one()
        assert product.shortage_vulnerable


def test_confirming_together_nothing_ticked_or_one_already_decided_changes_nothing(
    app, client, sign_in, fda_staff
):
    site = factories.site(legal_name="Quarry Hill Oncology Corp.")
    other = factories.site(legal_name="Quarry Hill Oncology Corporation", fei_number="3000000201")
    factories.shortage_entry(
        company_name="Quarry Hill Oncology Corp.", company_key="quarry hill oncology"
    )
    db.session.commit()
    matching.propose_matches()
    db.session.commit()
    one, two = db.session.scalars(select(ShortageMatch).order_by(ShortageMatch.id)).all()
    matching.reject_match(two, by=fda_staff)
    db.session.commit()

    sign_in(fda_staff)
    token = csrf_token_from(client.get("/imports/matches").get_data(as_text=True))
    client.post("/imports/matches/confirm", data={"csrf_token": token, "chosen_matches": ["x"]})
    assert "Tick at least one proposed match" in client.get("/imports/matches").get_data(
        as_text=True
    )
    client.post(
        "/imports/matches/confirm",
        data={"csrf_token": token, "chosen_matches": [str(one.public_id), str(two.public_id)]},
    )
    assert "already rejected" in client.get("/imports/matches").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ShortageMatch, one.id).status == MatchStatus.PROPOSED
    assert count_products() == 0
    assert site.id != other.id


def count_products() -> int:
    return len(db.session.scalars(select(Product)).all())


def test_proposing_matches_keeps_only_the_sites_that_share_a_key_with_a_company(app):
    """Every import ends by proposing matches over all sites; FDA's lists name ~180,000.
    Holding them all with their name keys took the import worker past 150 MB (issue 15)."""
    import tracemalloc
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from portal.sites.models import Site

    moment = datetime(2026, 1, 5, tzinfo=UTC)
    db.session.execute(
        insert(Site),
        [
            {
                "fei_number": str(7_100_000_000 + n),
                "legal_name": f"Unrelated Laboratories {n} Private Limited",
                "created_at": moment,
                "updated_at": moment,
            }
            for n in range(10_000)
        ],
    )
    listed = factories.site(legal_name="Cascade Sterile Manufacturing LLC")
    factories.shortage_entry(
        company_name="Cascade Sterile Manufacturing, LLC", company_key="cascade sterile"
    )
    db.session.commit()
    tracemalloc.start()
    try:
        added = matching.propose_matches()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    proposed = db.session.scalars(select(ShortageMatch)).all()
    assert added == 1 and [match.site_id for match in proposed] == [listed.id]
    # Streamed, and reduced outside reduce_name's cache, 10,000 sites peak at 3.3 MB (the
    # bounded key caches hold most of it); held, with their reductions cached, 11.6 MB.
    assert peak < 5_000_000, peak
