"""FDA staff's import pages: past runs, an upload page per export, one run's report,
and the shortage-list matches to confirm or reject (SPEC 1)."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.forms import ConfirmForm
from portal.imports import compliance, inspections, matching, shortages
from portal.imports.forms import MatchFilterForm, UploadForm
from portal.imports.models import ImportKind, ImportRun, MatchStatus, ShortageMatch
from portal.imports.services import (
    CONCURRENT_IMPORT,
    KIND_LABELS,
    ImportRefused,
    rejections_of,
    run_import,
)
from portal.paging import clamp_page, requested_page
from portal.security import access
from portal.security.scoping import get_fda_record_or_404
from portal.sites.models import Site

bp = Blueprint("imports", __name__, url_prefix="/imports")

RUNS_PER_PAGE = 20
MATCHES_PER_PAGE = 20
REJECTIONS_PER_PAGE = 100


@dataclass(frozen=True)
class ImportPage:
    kind: ImportKind
    endpoint: str
    columns: tuple[str, ...]
    source: str


PAGES = {
    ImportKind.INSPECTIONS: ImportPage(
        ImportKind.INSPECTIONS,
        "imports.upload_inspections",
        inspections.COLUMNS,
        "FDA Data Dashboard, Inspections, Classification: export as CSV. The two lines the "
        "dashboard writes above the column names are expected.",
    ),
    ImportKind.COMPLIANCE_ACTIONS: ImportPage(
        ImportKind.COMPLIANCE_ACTIONS,
        "imports.upload_compliance_actions",
        compliance.COLUMNS,
        "FDA Data Dashboard, Compliance Actions: export as CSV. FEI numbers the portal does "
        "not know yet become new sites, named as in the file.",
    ),
    ImportKind.SHORTAGES: ImportPage(
        ImportKind.SHORTAGES,
        "imports.upload_shortages",
        shortages.COLUMNS,
        "FDA Drug Shortages list: download as CSV. Other columns in the file are ignored. "
        "Afterwards, the portal proposes which sites are the listed companies.",
    ),
}


@bp.route("")
@access.fda_staff
def index():
    page = db.paginate(
        select(ImportRun)
        .options(joinedload(ImportRun.by))
        .order_by(ImportRun.started_at.desc(), ImportRun.id.desc()),
        per_page=RUNS_PER_PAGE,
        error_out=False,
        count=True,
    )
    proposed = db.session.scalar(
        select(func.count(ShortageMatch.id)).where(ShortageMatch.status == MatchStatus.PROPOSED)
    )
    return render_template(
        "imports/index.html", page=page, pages=PAGES, labels=KIND_LABELS, proposed=proposed
    )


def _filename(raw: str | None) -> str:
    """The name the person's computer gave the file, without any folder part."""
    return (raw or "").replace("\\", "/").rsplit("/", 1)[-1]


def _upload(kind: ImportKind):
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            run = run_import(kind, upload.read(), _filename(upload.filename), by=current_user)
            db.session.commit()
        except ImportRefused as error:
            db.session.rollback()
            form.file.errors = [*form.file.errors, str(error)]
        except IntegrityError:
            db.session.rollback()
            form.file.errors = [*form.file.errors, CONCURRENT_IMPORT]
        else:
            flash(
                f"Imported {run.filename}: {run.created} created, {run.updated} updated, "
                f"{run.unchanged} unchanged, {run.rejected} rejected.",
                "success" if not run.rejected else "warning",
            )
            return redirect(url_for("imports.detail", import_run_id=run.public_id))
    return render_template(
        "imports/upload.html", form=form, page=PAGES[kind], label=KIND_LABELS[kind]
    )


@bp.route("/inspections", methods=["GET", "POST"])
@access.fda_staff
def upload_inspections():
    return _upload(ImportKind.INSPECTIONS)


@bp.route("/compliance-actions", methods=["GET", "POST"])
@access.fda_staff
def upload_compliance_actions():
    return _upload(ImportKind.COMPLIANCE_ACTIONS)


@bp.route("/shortages", methods=["GET", "POST"])
@access.fda_staff
def upload_shortages():
    return _upload(ImportKind.SHORTAGES)


@dataclass(frozen=True)
class ListPage:
    """A page of an in-memory list, shaped like db.paginate's result for the macro."""

    items: list
    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _page_of(items: list, per_page: int) -> ListPage:
    pages = max(1, math.ceil(len(items) / per_page))
    number = clamp_page(requested_page(), len(items), per_page)
    return ListPage(items[(number - 1) * per_page : number * per_page], number, pages)


@bp.route("/runs/<uuid:import_run_id>")
@access.fda_staff
def detail(import_run_id: uuid.UUID):
    run = get_fda_record_or_404(ImportRun, import_run_id, joinedload(ImportRun.by))
    rejections = _page_of(rejections_of(run), REJECTIONS_PER_PAGE)
    return render_template(
        "imports/detail.html",
        run=run,
        label=KIND_LABELS[run.kind],
        rejections=rejections,
        upload_endpoint=PAGES[run.kind].endpoint,
    )


@bp.route("/matches")
@access.fda_staff
def matches():
    form = MatchFilterForm(request.args)
    status = form.status.data if form.validate() and form.status.data else "proposed"
    stmt = (
        select(ShortageMatch)
        .join(ShortageMatch.site)
        .options(joinedload(ShortageMatch.site), joinedload(ShortageMatch.decided_by))
        .order_by(ShortageMatch.company_key, Site.legal_name, ShortageMatch.id)
    )
    if status != "all":
        stmt = stmt.where(ShortageMatch.status == status)
    page = db.paginate(stmt, per_page=MATCHES_PER_PAGE, error_out=False, count=True)
    entries = matching.entries_by_company({m.company_key for m in page.items})
    return render_template(
        "imports/matches.html", form=form, page=page, entries=entries, status=status
    )


def _decide(shortage_match_id: uuid.UUID, confirm: bool):
    match = get_fda_record_or_404(ShortageMatch, shortage_match_id, joinedload(ShortageMatch.site))
    if ConfirmForm().validate_on_submit():
        try:
            if confirm:
                applied = matching.confirm_match(match, by=current_user)
            else:
                matching.reject_match(match, by=current_user)
        except matching.MatchError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            site = f"{match.site.legal_name} (FEI {match.site.fei_number})"
            if confirm:
                flash(f"Confirmed: {match.company_name} is {site}. {applied.summary}.", "success")
            else:
                flash(f"Rejected: {match.company_name} is not {site}.", "success")
    return redirect(url_for("imports.matches"))


@bp.route("/matches/<uuid:shortage_match_id>/confirm", methods=["POST"])
@access.fda_staff
def confirm_match(shortage_match_id: uuid.UUID):
    return _decide(shortage_match_id, confirm=True)


@bp.route("/matches/<uuid:shortage_match_id>/reject", methods=["POST"])
@access.fda_staff
def reject_match(shortage_match_id: uuid.UUID):
    return _decide(shortage_match_id, confirm=False)
