"""FDA staff's site pages: the list, one site on one page, adding and editing sites (SPEC 1-3).

Contacts, products, regulatory actions, the contact log and the eligibility
override are in record_views; both register on the same blueprint.
"""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from portal.audit import services as audit
from portal.extensions import db
from portal.forms import ConfirmForm, choices
from portal.security import access
from portal.security.scoping import get_fda_record_or_404
from portal.sites import queries, record_views, review_views
from portal.sites import services as sites
from portal.sites.blueprint import bp
from portal.sites.eligibility import inspection_window
from portal.sites.forms import SiteForm, SiteSearchForm
from portal.sites.models import Site
from portal.sites.pages import details_from, render_site, show_error

#: record_views and review_views are imported for their routes, which register on the
#: same blueprint.
__all__ = ["bp", "record_views", "review_views"]

PER_PAGE = 25


def _search_form() -> tuple[SiteSearchForm, queries.SiteFilters]:
    form = SiteSearchForm(request.args)
    form.country.choices = choices([("", "Any country")] + [(c, c) for c in queries.countries()])
    form.invitation.choices = choices([("", "Any")] + list(queries.INVITATION_LABELS.items()))
    if not request.args:
        return form, queries.SiteFilters()
    form.validate()

    def valid(field) -> str:
        # A filter with a bad value (an edited URL) is dropped; the others still apply.
        return "" if field.errors else (field.data or "")

    filters = queries.SiteFilters(
        q=valid(form.q),
        country=valid(form.country),
        eligibility=valid(form.eligibility),
        invitation=valid(form.invitation),
        include_archived=bool(form.archived.data),
    )
    return form, filters


@bp.route("")
@access.fda_staff
def index():
    form, filters = _search_form()
    window = inspection_window()
    page = db.paginate(
        queries.site_list(filters, window), per_page=PER_PAGE, error_out=False, count=True
    )
    facts = queries.row_facts(page.items, window)
    query = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "sites/index.html",
        form=form,
        page=page,
        facts=facts,
        query=query,
        window=window,
        filtered=any(query.values()),
    )


@bp.route("/<uuid:site_id>")
@access.fda_staff
def detail(site_id: uuid.UUID):
    site = get_fda_record_or_404(Site, site_id, *queries.SITE_PAGE_OPTIONS)
    audit.record_view(site)
    return render_site(site)


def _lost_race(form: SiteForm) -> None:
    """Someone saved the same FEI number a moment earlier: the unique index said no."""
    db.session.rollback()
    show_error(
        form,
        sites.SiteError(
            f"Another site was just saved with FEI number {form.fei_number.data}. "
            "Search for it on the Sites page.",
            "fei_number",
        ),
    )


def _site_page(site: Site | None):
    """Adding (``site`` None) and editing share one form; both end on the site's page."""
    form = SiteForm(obj=site)
    if form.validate_on_submit():
        try:
            # ``saved``, not ``site``: a lost race re-renders the form as it was, for a new site.
            if site is None:
                saved = sites.create_site(details_from(form, sites.SiteDetails))
                message = f"Site FEI {saved.fei_number} added."
            else:
                saved, changed = (
                    site,
                    sites.update_site(site, details_from(form, sites.SiteDetails)),
                )
                message = "Site saved." if changed else "Nothing had changed."
            db.session.commit()
        except sites.SiteError as error:
            show_error(form, error)
        except IntegrityError:
            _lost_race(form)
        else:
            flash(message, "success")
            return redirect(url_for("sites.detail", site_id=saved.public_id))
    return render_template("sites/site_form.html", form=form, site=site)


@bp.route("/new", methods=["GET", "POST"])
@access.fda_staff
def new():
    return _site_page(None)


@bp.route("/<uuid:site_id>/edit", methods=["GET", "POST"])
@access.fda_staff
def edit(site_id: uuid.UUID):
    return _site_page(get_fda_record_or_404(Site, site_id))


@bp.route("/<uuid:site_id>/archive", methods=["GET", "POST"])
@access.fda_staff
def archive(site_id: uuid.UUID):
    site = get_fda_record_or_404(Site, site_id)
    if site.archived_at is not None:
        flash("This site is already archived.", "info")
        return redirect(url_for("sites.detail", site_id=site.public_id))
    form = ConfirmForm()
    if form.validate_on_submit():
        sites.archive_site(site)
        db.session.commit()
        flash(f"Site FEI {site.fei_number} archived. You can restore it from its page.", "success")
        return redirect(url_for("sites.detail", site_id=site.public_id))
    return render_template("sites/archive.html", site=site, form=form)


@bp.route("/<uuid:site_id>/restore", methods=["POST"])
@access.fda_staff
def restore(site_id: uuid.UUID):
    site = get_fda_record_or_404(Site, site_id)
    if ConfirmForm().validate_on_submit():
        sites.restore_site(site)
        db.session.commit()
        flash(f"Site FEI {site.fei_number} restored.", "success")
    return redirect(url_for("sites.detail", site_id=site.public_id))
