"""Feedback results for FDA staff: program-wide figures, each meeting's answers, CSV (SPEC 10)."""

from __future__ import annotations

import uuid

from flask import render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.audit import services as audit
from portal.csvutil import csv_response
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.feedback import results, services
from portal.feedback.blueprint import bp
from portal.feedback.forms import FiscalYearForm
from portal.feedback.models import FeedbackResponse, MeetingSurvey, SurveyTemplate
from portal.feedback.paging import paginate_rows
from portal.forms import choices
from portal.meetings.models import Meeting
from portal.security import access
from portal.security.scoping import get_owned_or_404

PER_PAGE = 25


def _year_filter() -> tuple[FiscalYearForm, int | None]:
    """The fiscal year asked for in ``?year=``, checked against the years that have data."""
    years = results.available_years()
    form = FiscalYearForm(request.args)
    form.year.choices = choices([("", "All years")] + [(y, f"FY{y}") for y in years])
    raw = (request.args.get("year") or "").strip()
    if not raw:
        return form, None
    if raw.isdigit() and int(raw) in years:
        return form, int(raw)
    form.year.errors = [
        "Choose a fiscal year from the list; it shows the years with surveyed meetings."
    ]
    form.year.data = ""
    return form, None


@bp.route("/feedback", endpoint="results")
@access.fda_staff
def results_page():
    """Across the program: each rating question's count, mean and spread; yes/no shares; text."""
    form, year = _year_filter()
    audit.note_view("feedback.results_view", detail=f"fiscal year {year or 'all'}")
    return render_template(
        "feedback/results.html",
        form=form,
        year=year,
        totals=results.totals(year),
        ratings=results.rating_figures(year),
        yes_no=results.yes_no_figures(year),
        texts=paginate_rows(results.text_answers(year), PER_PAGE),
    )


@bp.route("/feedback/meetings")
@access.fda_staff
def meetings():
    """Each surveyed meeting, its firm, whether the survey is open, how many answered."""
    form, year = _year_filter()
    return render_template(
        "feedback/meetings.html",
        form=form,
        year=year,
        page=paginate_rows(results.surveys_overview(year), PER_PAGE),
        is_open=services.survey_is_open,
    )


@bp.route("/feedback/meetings/<uuid:meeting_survey_id>")
@access.fda_staff
def meeting_results(meeting_survey_id: uuid.UUID):
    """One meeting: each response, who gave it, and every answer."""
    survey = get_owned_or_404(
        MeetingSurvey,
        meeting_survey_id,
        joinedload(MeetingSurvey.meeting)
        .joinedload(Meeting.engagement)
        .options(joinedload(Engagement.site), joinedload(Engagement.firm)),
        joinedload(MeetingSurvey.template).selectinload(SurveyTemplate.questions),
    )
    responses = db.session.scalars(
        select(FeedbackResponse)
        .options(selectinload(FeedbackResponse.answers), joinedload(FeedbackResponse.user))
        .where(FeedbackResponse.survey_id == survey.id)
        .order_by(FeedbackResponse.submitted_at, FeedbackResponse.id)
    ).all()
    return render_template(
        "feedback/meeting_results.html",
        survey=survey,
        meeting=survey.meeting,
        questions=list(survey.template.questions),
        responses=responses,
        is_open=services.survey_is_open(survey),
    )


@bp.route("/feedback/export.csv")
@access.fda_staff
def export():
    """Every answer as a spreadsheet row; the export itself is audited."""
    _form, year = _year_filter()
    audit.note_view("feedback.export", detail=f"fiscal year {year or 'all'}")
    name = f"sep-feedback-FY{year}.csv" if year else "sep-feedback-all-years.csv"
    return csv_response(name, results.CSV_HEADER, results.csv_rows(year))
