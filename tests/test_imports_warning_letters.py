"""FDA's Warning Letters list closes the matching open warning letters (issue 10 item 4a):
a sure match is closed by the import, an uncertain one is proposed and FDA decides."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.imports.models import ImportKind, MatchStatus, WarningLetterMatch
from portal.imports.services import notes_of, rejections_of
from portal.sites.models import RegulatoryAction
from tests import factories
from tests.conftest import csrf_token_from
from tests.test_imports_variants import Importer

FILE = "warning_letters.csv"


@pytest.fixture(params=["command", "page"])
def do_import(request, app, runner, client, sign_in, fda_staff, tmp_path):
    return Importer(request.param, runner, client, sign_in, fda_staff, tmp_path)


@pytest.fixture
def letters(app):
    """Open warning letters as the compliance-actions import records them."""
    lakeshore = factories.site(legal_name="Lakeshore Sterile Injectables, LLC")
    novo = factories.site(legal_name="Novo Nordisk Inc")
    quarry = factories.site(legal_name="Quarry Hill Oncology Corp.")
    harbor = factories.site(legal_name="Harbor Generics Inc.")
    made = {
        "lakeshore": factories.regulatory_action(lakeshore, action_date=date(2019, 3, 1)),
        "novo": factories.regulatory_action(novo, action_date=date(2018, 5, 10)),
        "quarry": factories.regulatory_action(quarry, action_date=date(2017, 2, 6)),
        "harbor": factories.regulatory_action(harbor, action_date=date(2020, 3, 30)),
        # Another kind of action on the same day is not a warning letter: never closed.
        "alert": factories.regulatory_action(
            lakeshore, action_type="Import Alert", action_date=date(2019, 3, 1)
        ),
    }
    db.session.commit()
    return made


def open_actions() -> int:
    return db.session.scalar(
        select(func.count(RegulatoryAction.id)).where(RegulatoryAction.closed_on.is_(None))
    )


def test_close_outs_close_sure_matches_and_propose_uncertain_ones(do_import, letters):
    assert open_actions() == 5
    run, shown = do_import(ImportKind.WARNING_LETTERS, FILE)
    assert (run.updated, run.unchanged, run.rejected, run.skipped) == (1, 2, 1, 3)
    assert run.matches_proposed == 2
    assert open_actions() == 4

    lakeshore = db.session.get(RegulatoryAction, letters["lakeshore"].id)
    assert lakeshore.closed_on == date(2021, 6, 15)
    assert lakeshore.closed_note.startswith(
        "Close-out letter of 15 Jun 2021 on FDA's Warning Letters list (letter to Lakeshore "
        "Sterile Injectables LLC of 1 Mar 2019"
    )
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "regulatory_action.close",
            AuditEvent.detail.contains("warning letters import"),
        )
    )
    for key in ("novo", "quarry", "harbor", "alert"):
        assert db.session.get(RegulatoryAction, letters[key].id).is_open

    proposals = {m.regulatory_action_id: m for m in db.session.scalars(select(WarningLetterMatch))}
    assert set(proposals) == {letters["novo"].id, letters["quarry"].id}
    assert proposals[letters["novo"].id].strength == "same group"
    assert "dated 3 Feb 2017; the recorded action 6 Feb 2017" in (
        proposals[letters["quarry"].id].evidence
    )
    assert {r["line"]: r["reason"] for r in rejections_of(run)} == {
        7: "Closeout Letter 1 Jan 2019 is before the Letter Issue Date 20 Jun 2019."
    }
    skipped = {n["line"]: n["category"] for n in notes_of(run) if n["kind"] == "skipped"}
    assert skipped == {
        5: "no close-out letter",
        6: "no matching open action",
        8: "exact duplicate",
    }
    assert "is before the Letter Issue Date" in shown

    again, _ = do_import(ImportKind.WARNING_LETTERS, FILE)
    assert (again.updated, again.matches_proposed) == (0, 0)
    assert db.session.scalar(select(func.count(WarningLetterMatch.id))) == 2
    assert open_actions() == 4


def test_fda_confirms_or_rejects_a_proposed_close_out(app, letters, client, sign_in, fda_staff):
    from portal.imports.services import run_import
    from tests.test_imports_variants import VARIANTS

    run_import(ImportKind.WARNING_LETTERS, (VARIANTS / FILE).read_bytes(), FILE)
    db.session.commit()
    novo = db.session.scalars(
        select(WarningLetterMatch).where(
            WarningLetterMatch.regulatory_action_id == letters["novo"].id
        )
    ).one()
    quarry = db.session.scalars(
        select(WarningLetterMatch).where(
            WarningLetterMatch.regulatory_action_id == letters["quarry"].id
        )
    ).one()
    sign_in(fda_staff)
    page = client.get("/imports/warning-letter-matches").get_data(as_text=True)
    assert "Novo Nordisk A/S: letter of 10 May 2018" in page
    token = csrf_token_from(page)
    url = "/imports/warning-letter-matches/decide"
    for match, decision in ((novo, "confirm"), (quarry, "reject")):
        client.post(
            url, data={"csrf_token": token, "match": str(match.public_id), "decision": decision}
        )
    db.session.expire_all()
    action = db.session.get(RegulatoryAction, letters["novo"].id)
    assert action.closed_on == date(2020, 1, 5) and action.closed_by_id == fda_staff.id
    assert db.session.get(RegulatoryAction, letters["quarry"].id).is_open
    assert db.session.get(WarningLetterMatch, quarry.id).status == MatchStatus.REJECTED

    # Deciding twice, or nonsense, changes nothing and says so.
    response = client.post(
        url, data={"csrf_token": token, "match": str(novo.public_id), "decision": "reject"}
    )
    assert "already confirmed" in client.get(response.headers["Location"]).get_data(as_text=True)
    client.post(url, data={"csrf_token": token, "match": "nonsense", "decision": "confirm"})
    assert "Choose a proposed match" in client.get("/imports/warning-letter-matches").get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(WarningLetterMatch, novo.id).status == MatchStatus.CONFIRMED
