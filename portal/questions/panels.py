"""Questions on other domains' pages: the firm's home, the engagement page, FDA's work list."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portal.panels import panel
from portal.questions import queries


@panel("firm_home", order=25)
def firm_home_questions(*, engagements) -> str:
    """The firm's latest questions with their status."""
    questions = queries.engagement_questions([e.id for e in engagements])
    return render_template("questions/_panel_questions.html", questions=questions, fda=False)


@panel("engagement", order=25)
def engagement_questions(*, engagement) -> str:
    """The engagement's latest questions with their status, linked for each side."""
    questions = queries.engagement_questions([engagement.id])
    return render_template(
        "questions/_panel_questions.html", questions=questions, fda=current_user.is_fda
    )


@panel("worklist", order=25)
def worklist_questions() -> str:
    """Questions still waiting for FDA's response, the longest wait first."""
    questions, total = queries.awaiting_response()
    return render_template("questions/_panel_worklist.html", questions=questions, total=total)
