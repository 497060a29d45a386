"""What FDA's and the firm's quality pages share: loading, filtering, forms, status changes."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from portal.auth.models import Firm
from portal.documents import pages as document_pages
from portal.documents import queries as document_queries
from portal.documents import services as document_services
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.forms import PortalForm, choices, show_error
from portal.meetings.models import Meeting
from portal.quality import services
from portal.quality.forms import ActionFilterForm, ActionForm, TransitionForm
from portal.quality.models import ActionKind, ActionStatus, QualityAction, QualityActionEvent
from portal.questions.models import Question
from portal.security.scoping import firm_scoped, get_owned_or_404, scope_to_viewer
from portal.templating import local_datetime
from portal.timeutil import program_today
from portal.wording import lower_first

PER_PAGE = 25


def list_options() -> tuple:
    """What every row of a list shows: the site and the firm, loaded with the rows."""
    engagement = joinedload(QualityAction.engagement)
    return (
        engagement.joinedload(Engagement.site),
        engagement.joinedload(Engagement.firm),
    )


def load_action(quality_action_id: uuid.UUID) -> QualityAction:
    """The action with everything its page shows, for the viewer, or 404 (view logged)."""
    return get_owned_or_404(
        QualityAction,
        quality_action_id,
        *list_options(),
        joinedload(QualityAction.meeting),
        joinedload(QualityAction.question),
        selectinload(QualityAction.events).joinedload(QualityActionEvent.by),
    )


def filtered_list(*, with_firms: bool) -> tuple[ActionFilterForm, Select, dict]:
    """The filter form from ``?status=&kind=&overdue=&firm=`` and the matching query."""
    form = ActionFilterForm(request.args)
    if with_firms:
        firms = db.session.execute(select(Firm.public_id, Firm.name).order_by(Firm.name)).all()
        form.firm.choices = choices([("", "Any firm")] + [(str(f[0]), f[1]) for f in firms])
    else:
        form.firm.choices = choices([("", "Any firm")])
    stmt = firm_scoped(QualityAction, *list_options())
    query: dict = {}
    if request.args and form.validate():
        if form.status.data:
            stmt = stmt.where(QualityAction.status == ActionStatus(form.status.data))
            query["status"] = form.status.data
        if form.kind.data:
            stmt = stmt.where(QualityAction.kind == ActionKind(form.kind.data))
            query["kind"] = form.kind.data
        if form.overdue.data:
            stmt = stmt.where(QualityAction.is_overdue(program_today()))
            query["overdue"] = "y"
        if with_firms and form.firm.data:
            stmt = stmt.join(Firm, Firm.id == QualityAction.firm_id).where(
                Firm.public_id == uuid.UUID(form.firm.data)
            )
            query["firm"] = form.firm.data
    stmt = stmt.order_by(QualityAction.target_date.asc().nulls_last(), QualityAction.id.desc())
    return form, stmt, query


def list_page(template: str, *, with_firms: bool, **context):
    form, stmt, query = filtered_list(with_firms=with_firms)
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template(
        template,
        form=form,
        page=page,
        query=query,
        today=program_today(),
        **context,
    )


def detail_page(template: str, action: QualityAction, **forms: PortalForm) -> str:
    """One action's page, FDA's or the firm's: its history, the changes open to the viewer."""
    return render_template(
        template,
        action=action,
        transitions=services.transitions_for(action, current_user),
        today=program_today(),
        documents=document_queries.evidence_documents(action.id),
        may_withdraw=_may_withdraw,
        document_limits=document_pages.limits(),
        **forms,
    )


def _may_withdraw(document) -> bool:
    return document_services.may_withdraw(document, current_user)


def saved(form: PortalForm, change: Callable[[], object], done: str) -> bool:
    """Make the change through the service and commit; if refused, the message beside its field."""
    try:
        change()
    except services.QualityError as error:
        show_error(form, error)
        return False
    db.session.commit()
    flash(done, "success")
    return True


def engagement_links(engagement: Engagement) -> tuple[list[Meeting], list[Question]]:
    """The engagement's meetings and questions, which an action may be linked to."""
    meetings = db.session.scalars(
        scope_to_viewer(
            select(Meeting).where(Meeting.engagement_id == engagement.id), Meeting
        ).order_by(Meeting.starts_at.desc())
    ).all()
    questions = db.session.scalars(
        scope_to_viewer(
            select(Question).where(Question.engagement_id == engagement.id), Question
        ).order_by(Question.submitted_at.desc())
    ).all()
    return list(meetings), list(questions)


def action_form_page(
    engagement: Engagement, action: QualityAction | None, detail_endpoint: str, template: str
):
    """New (``action`` None) or edit: the form, the service call, the messages beside fields."""
    form = ActionForm()
    meetings, questions = engagement_links(engagement)
    form.set_links(meetings, questions, local_datetime)
    if request.method == "GET" and action is not None:
        form.kind.data = action.kind.value
        form.description.data = action.description
        form.owner_name.data = action.owner_name
        form.target_date.data = action.target_date
        form.meeting.data = str(action.meeting.public_id) if action.meeting else ""
        form.question.data = str(action.question.public_id) if action.question else ""
    if form.validate_on_submit():
        try:
            if action is None:
                action = services.create_action(engagement, form.details(), by=current_user)
                message = "Quality action recorded."
            else:
                services.update_action(action, form.details(), by=current_user)
                message = "Changes saved."
        except services.QualityError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for(detail_endpoint, quality_action_id=action.public_id))
    return render_template(template, form=form, engagement=engagement, action=action)


def transition_page(action: QualityAction, detail_endpoint: str, template: str):
    """Confirm a status change (with its note), then make it through the service."""
    detail = url_for(detail_endpoint, quality_action_id=action.public_id)
    wanted = request.values.get("to", "")
    allowed = {t.target.value: t for t in services.transitions_for(action, current_user)}
    transition = allowed.get(wanted)
    if transition is None:
        flash(
            "That change is not possible for an action that is "
            f"{lower_first(action.status.label)}.",
            "error" if request.method == "POST" else "info",
        )
        return redirect(detail)
    form = TransitionForm(data={"to": wanted} if request.method == "GET" else None)
    form.note.label.text = transition.note_label
    form.submit.label.text = transition.verb
    if form.validate_on_submit() and saved(
        form,
        lambda: services.change_status(
            action, transition.target, by=current_user, note=form.note.data or ""
        ),
        f"The action is now {lower_first(transition.target.label)}.",
    ):
        return redirect(detail)
    return render_template(template, form=form, action=action, transition=transition, detail=detail)
