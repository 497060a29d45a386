"""The session narrows a firm user's reads to their firm, whatever the query forgot.

STYLE "Confidentiality by construction" item 0: the filter lives in the session
(portal/security/tenancy.py), so these queries are written unscoped on purpose.
"""

from __future__ import annotations

import time

from flask import session
from flask_login import login_user
from sqlalchemy import func, select, update

from portal.auth.models import User
from portal.extensions import db
from portal.meetings.models import Meeting
from portal.quality.models import QualityAction
from portal.questions.models import Question
from portal.security import tenancy


def _as_request_of(app, user):
    """A request to the user's home page, with every before-request hook run, as the server does.

    The session starts empty, as each request's does: nothing of another firm is
    already in its identity map.
    """
    from portal.auth import sessions

    user_id = user.id
    token = sessions.create_record(user, user_agent="pytest", address="127.0.0.1")
    db.session.commit()
    db.session.expunge_all()
    user = db.session.get(User, user_id)
    context = app.test_request_context("/firm" if user.firm_id else "/")
    context.push()
    login_user(user)
    session[sessions.SESSION_KEY] = token
    session["login_at"] = session["seen_at"] = time.time()
    assert app.preprocess_request() is None
    return context


def test_a_firm_users_unscoped_select_sees_only_their_firm(app, world):
    a, b = world.by_firm["a"], world.by_firm["b"]
    firm_a, meeting_a, meeting_b = a.firm.id, a.meeting.id, b.meeting.id
    total = db.session.scalar(select(func.count()).select_from(Question))
    context = _as_request_of(app, a.admin)
    try:
        questions = db.session.scalars(select(Question)).all()
        assert questions and {q.firm_id for q in questions} == {firm_a}
        assert db.session.scalar(select(func.count(Question.id))) == len(questions) < total
        assert db.session.get(Meeting, meeting_b) is None
        assert db.session.get(Meeting, meeting_a) is not None
    finally:
        context.pop()


def _link_across_firms(action_id: int, meeting_id: int) -> None:
    """Point a firm A action at firm B's meeting, past the database's own composite key
    (tests/test_same_firm_keys.py): the session must hold on its own."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        else:
            connection.exec_driver_sql("SET session_replication_role = replica")
        connection.execute(
            update(QualityAction).where(QualityAction.id == action_id).values(meeting_id=meeting_id)
        )
        connection.commit()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        else:
            connection.exec_driver_sql("SET session_replication_role = DEFAULT")
        connection.commit()


def test_a_lazy_load_never_reaches_another_firms_record(app, world):
    a, b = world.by_firm["a"], world.by_firm["b"]
    meeting_b = b.meeting.id
    db.session.commit()
    _link_across_firms(a.action.id, meeting_b)
    context = _as_request_of(app, a.admin)
    try:
        action = db.session.scalars(select(QualityAction)).one()
        assert action.meeting_id == meeting_b
        assert action.meeting is None
    finally:
        context.pop()


def test_the_same_code_under_the_program_scope_sees_everything(app, world):
    a, b = world.by_firm["a"], world.by_firm["b"]
    firm_ids, meeting_b = {a.firm.id, b.firm.id}, b.meeting.id
    context = _as_request_of(app, world.fda_staff)
    try:
        firms = {q.firm_id for q in db.session.scalars(select(Question))}
        assert firms == firm_ids
        assert db.session.get(Meeting, meeting_b) is not None
    finally:
        context.pop()
    with tenancy.program_scope(db.session):
        assert len(db.session.scalars(select(Meeting)).all()) == 4


def test_an_anonymous_request_reads_no_firm_record(app, world):
    db.session.commit()
    context = app.test_request_context("/login")
    context.push()
    try:
        app.preprocess_request()
        assert db.session.scalars(select(Question)).all() == []
    finally:
        context.pop()
