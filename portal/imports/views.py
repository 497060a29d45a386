"""FDA staff's import pages: past runs, an upload page per export, one run's report,
and the shortage-list matches to confirm or reject (SPEC 1)."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import BinaryIO

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.audiences import Audience, audience_blueprint
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.imports import (
    background,
    compliance,
    inspections,
    matching,
    shortages,
    warning_letters,
)
from portal.imports.background import count_rows, import_kind_of, inline_rows, queue_import
from portal.imports.forms import MatchFilterForm, UploadForm
from portal.imports.models import (
    ImportKind,
    ImportRun,
    MatchStatus,
    ShortageMatch,
    WarningLetterMatch,
)
from portal.imports.services import (
    CONCURRENT_IMPORT,
    KIND_LABELS,
    ImportRefused,
    notes_of,
    rejections_of,
    run_import,
    skipped_by_of,
)
from portal.jobs.models import BackgroundJob, JobStatus
from portal.paging import clamp_page, requested_page
from portal.security import access
from portal.security.scoping import get_fda_record_or_404
from portal.sites.models import RegulatoryAction, Site

bp = audience_blueprint("imports", __name__, audience=Audience.FDA, url_prefix="/imports")

RUNS_PER_PAGE = 20
MATCHES_PER_PAGE = 20
REJECTIONS_PER_PAGE = 100
#: Skipped lines and remarks listed on a run's page (the categories count them all).
NOTES_SHOWN = 200


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
    ImportKind.WARNING_LETTERS: ImportPage(
        ImportKind.WARNING_LETTERS,
        "imports.upload_warning_letters",
        warning_letters.COLUMNS,
        "FDA's public Warning Letters list: download as CSV. Each close-out closes the "
        "matching open warning letter; uncertain matches are proposed for you to confirm.",
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


UPLOAD_ENDPOINTS = frozenset(page.endpoint for page in PAGES.values())


def _allow_large_imports() -> None:
    """FDA staff may upload an export larger than other requests may be (IMPORT_MAX_BYTES).

    Runs before every other hook: the CSRF check reads the body, and the limit
    must be set before anything does.
    """
    if (
        request.method == "POST"
        and request.endpoint in UPLOAD_ENDPOINTS
        and current_user.is_authenticated
        and current_user.is_fda
    ):
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]


@bp.record_once
def _install_upload_limit(state) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_large_imports)


def _limits() -> dict[str, int]:
    return {
        "inline_rows": inline_rows(),
        "max_megabytes": current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024),
    }


def _rewound(stream: BinaryIO) -> BinaryIO:
    stream.seek(0)
    return stream


def _whole(stream: BinaryIO) -> bytes:
    return _rewound(stream).read()


def _line_breaks(stream: BinaryIO) -> int:
    stream = _rewound(stream)
    return sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))


def _import_now(kind: ImportKind, data: bytes, filename: str):
    run = run_import(kind, data, filename, by=current_user)
    db.session.commit()
    flash(
        f"Imported {run.filename}: {run.created} created, {run.updated} updated, "
        f"{run.unchanged} unchanged, {run.rejected} rejected, {run.skipped} skipped.",
        "success" if not run.rejected else "warning",
    )
    return redirect(url_for("imports.detail", import_run_id=run.public_id))


def _queue(kind: ImportKind, data: BinaryIO, filename: str, rows: int):
    job = queue_import(kind, data, filename, by=current_user, rows=rows)
    db.session.commit()
    flash(f"{job.label}: {rows:,} rows will be imported in the background.", "success")
    return redirect(url_for("imports.job", background_job_id=job.public_id))


def _upload(kind: ImportKind):
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        # A large file is read from the upload's (spooled) stream a line or a chunk at a
        # time and stored compressed, never held whole (issue 15: a worker stays under
        # 150 MB); only a file small enough to import now is read into memory.
        stream, filename = upload.stream, _filename(upload.filename)
        try:
            # A file with few lines cannot have many rows: only a long one is counted first.
            if _line_breaks(stream) <= inline_rows():
                return _import_now(kind, _whole(stream), filename)
            rows = count_rows(kind, _rewound(stream))
            if rows <= inline_rows():
                return _import_now(kind, _whole(stream), filename)
            return _queue(kind, _rewound(stream), filename, rows)
        except ImportRefused as error:
            db.session.rollback()
            form.file.errors = [*form.file.errors, str(error)]
        except IntegrityError:
            db.session.rollback()
            form.file.errors = [*form.file.errors, CONCURRENT_IMPORT]
    return render_template(
        "imports/upload.html", form=form, page=PAGES[kind], label=KIND_LABELS[kind], **_limits()
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


def _import_job_or_404(background_job_id: uuid.UUID) -> BackgroundJob:
    job = get_fda_record_or_404(BackgroundJob, background_job_id, joinedload(BackgroundJob.by))
    if job.kind != background.JOB_KIND:
        abort(404)
    return job


def _progress(job: BackgroundJob) -> dict:
    return {
        "status": job.status.value,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "text": f"{job.rows_done:,} of {job.rows_total:,} rows",
        "finished": job.finished,
    }


@bp.route("/jobs/<uuid:background_job_id>")
@access.fda_staff
def job(background_job_id: uuid.UUID):
    """A background import: its progress while it runs, its result when done."""
    job = _import_job_or_404(background_job_id)
    run = None
    if job.status == JobStatus.DONE and job.result_ref:
        run = db.session.scalar(
            select(ImportRun).where(ImportRun.public_id == uuid.UUID(job.result_ref))
        )
    return render_template(
        "imports/job.html",
        job=job,
        run=run,
        progress=_progress(job),
        label=KIND_LABELS[import_kind_of(job)],
        upload_endpoint=PAGES[import_kind_of(job)].endpoint,
    )


@bp.route("/jobs/<uuid:background_job_id>/progress")
@access.fda_staff
def job_progress(background_job_id: uuid.UUID):
    """The same figures as JSON, for the page's script to update them without a reload."""
    response = jsonify(_progress(_import_job_or_404(background_job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


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
    notes = notes_of(run)
    return render_template(
        "imports/detail.html",
        run=run,
        label=KIND_LABELS[run.kind],
        rejections=rejections,
        notes=notes[:NOTES_SHOWN],
        notes_total=len(notes),
        skipped_by=skipped_by_of(run),
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
    keys = {m.company_key for m in page.items}
    entries = matching.entries_by_company(keys)
    return render_template(
        "imports/matches.html",
        form=form,
        page=page,
        entries=entries,
        status=status,
        names=matching.company_names(keys),
        bulk=ConfirmForm(),
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


@bp.route("/matches/confirm", methods=["POST"])
@access.fda_staff
def confirm_matches():
    """Confirm the ticked proposals together (identical proposals for several sites)."""
    if ConfirmForm().validate_on_submit():
        ids = []
        # Not "matches": a form control of that name would shadow the form's own
        # Element.matches() for every script on the page (axe among them).
        for raw in request.form.getlist("chosen_matches")[: MATCHES_PER_PAGE * 5]:
            try:
                ids.append(uuid.UUID(raw))
            except ValueError:
                continue
        chosen = list(
            db.session.scalars(
                select(ShortageMatch)
                .options(joinedload(ShortageMatch.site))
                .where(ShortageMatch.public_id.in_(ids))
            )
        )
        try:
            applied = matching.confirm_matches(chosen, by=current_user)
        except matching.MatchError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Confirmed {len(chosen)} matches. {applied.summary}.", "success")
    return redirect(url_for("imports.matches"))


# --- FDA's Warning Letters list (issue 10 item 4a) -------------------------------------------


@bp.route("/warning-letters", methods=["GET", "POST"])
@access.fda_staff
def upload_warning_letters():
    return _upload(ImportKind.WARNING_LETTERS)


@bp.route("/warning-letter-matches")
@access.fda_staff
def warning_letter_matches():
    form = MatchFilterForm(request.args)
    status = form.status.data if form.validate() and form.status.data else "proposed"
    stmt = (
        select(WarningLetterMatch)
        .options(
            joinedload(WarningLetterMatch.action).joinedload(RegulatoryAction.site),
            joinedload(WarningLetterMatch.decided_by),
        )
        .order_by(WarningLetterMatch.letter_issue_date, WarningLetterMatch.id)
    )
    if status != "all":
        stmt = stmt.where(WarningLetterMatch.status == status)
    page = db.paginate(stmt, per_page=MATCHES_PER_PAGE, error_out=False, count=True)
    return render_template(
        "imports/letter_matches.html", form=form, page=page, status=status, decide=ConfirmForm()
    )


@bp.route("/warning-letter-matches/decide", methods=["POST"])
@access.fda_staff
def decide_warning_letter_match():
    """Confirm (the close-out closes the action) or reject one proposal."""
    form = ConfirmForm()
    try:
        match_id = uuid.UUID(request.form.get("match", ""))
    except ValueError:
        match_id = None
    match = (
        db.session.scalar(
            select(WarningLetterMatch).where(WarningLetterMatch.public_id == match_id)
        )
        if match_id
        else None
    )
    decision = request.form.get("decision")
    if not form.validate_on_submit() or match is None or decision not in ("confirm", "reject"):
        flash("Choose a proposed match and confirm or reject it.", "error")
        return redirect(url_for("imports.warning_letter_matches"))
    try:
        if decision == "confirm":
            warning_letters.confirm_letter_match(match, by=current_user)
        else:
            warning_letters.reject_letter_match(match, by=current_user)
    except warning_letters.LetterMatchError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        site = match.action.site
        if decision == "confirm":
            flash(
                f"Confirmed: the warning letter at {site.legal_name} (FEI {site.fei_number}) is "
                "recorded closed.",
                "success",
            )
        else:
            flash(f"Rejected: the close-out is not {site.legal_name}'s letter.", "success")
    return redirect(url_for("imports.warning_letter_matches"))
