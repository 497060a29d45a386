"""The dashboard's charts and tables are drawn once per cached set of figures (issue 15):
later views of the same figures reuse the HTML, and a committed change draws them afresh."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.extensions import db
from portal.metrics import views
from portal.questions.models import Question
from tests.factories_metrics import EXPECTED, NOW


def _submitted(page: str) -> str:
    return re.search(r'Questions submitted</th>\s*<td class="num">([^<]+)</td>', page)[1]


def test_the_figures_are_drawn_once_until_a_change_moves_them(
    history, sign_in, fda_staff, monkeypatch
):
    drawn = []
    draw = views._figures

    def counting(period, measures):
        drawn.append(period)
        return draw(period, measures)

    monkeypatch.setattr(views, "_figures", counting)
    client = sign_in(fda_staff)
    first = client.get("/metrics?fiscal_year=2025").get_data(as_text=True)
    second = client.get("/metrics?fiscal_year=2025").get_data(as_text=True)
    assert len(drawn) == 1
    submitted = EXPECTED[2025]["engagement"]["questions_submitted"]
    assert _submitted(second) == _submitted(first) == str(submitted)
    assert second.count('<svg class="chart__svg"') == 5

    question = db.session.scalars(
        select(Question)
        .where(
            Question.withdrawn_at.is_(None),
            Question.submitted_at >= NOW.replace(year=2024, month=10, day=1),
        )
        .order_by(Question.id)
    ).first()
    question.withdrawn_at = NOW
    db.session.commit()
    third = client.get("/metrics?fiscal_year=2025").get_data(as_text=True)
    assert len(drawn) == 2
    assert _submitted(third) == str(submitted - 1)
