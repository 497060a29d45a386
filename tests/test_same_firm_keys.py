"""The database itself refuses a child record whose firm differs from its parent's.

STYLE "Confidentiality by construction" item 0: composite foreign keys
(child.parent_id, child.firm_id) -> parent(id, firm_id), added by the migration
tenancy_0001 to databases that already hold records.
"""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from portal import create_app
from portal.extensions import db
from portal.questions.models import Question, QuestionRevision
from portal.timeutil import utcnow
from tests import factories
from tests.test_migrations import _fresh_database_url


def test_a_question_cannot_belong_to_another_firms_meeting(app, world):
    a, b = world.by_firm["a"], world.by_firm["b"]
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            update(Question).where(Question.id == a.question.id).values(firm_id=b.firm.id)
        )
        db.session.flush()
    db.session.rollback()


def test_a_follow_up_follows_a_question_of_its_own_firm_only(app, world):
    a, b = world.by_firm["a"], world.by_firm["b"]
    follow_up = factories.question(a.meeting, a.admin, follows_id=a.question.id)
    db.session.commit()
    assert follow_up.follows is not None and follow_up.follows.id == a.question.id
    with pytest.raises(IntegrityError):
        db.session.execute(
            update(Question).where(Question.id == follow_up.id).values(follows_id=b.question.id)
        )
        db.session.flush()
    db.session.rollback()


def test_an_earlier_text_is_filed_under_its_own_firms_question_only(app, world):
    a, b = world.by_firm["a"], world.by_firm["b"]
    db.session.commit()

    def earlier_text(question: Question) -> QuestionRevision:
        return QuestionRevision(
            firm_id=a.firm.id,
            question_id=question.id,
            subject="Before the edit",
            topic="production_process",
            body_html="<p>Earlier text</p>",
            revised_at=utcnow(),
            revised_by_id=a.admin.id,
        )

    db.session.add(earlier_text(a.question))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.add(earlier_text(b.question))
        db.session.flush()
    db.session.rollback()


def _before_the_keys() -> str:
    from alembic.script import ScriptDirectory

    from portal.extensions import migrate

    config = migrate.get_config()
    return ScriptDirectory.from_config(config).get_revision("tenancy_0001").down_revision


def test_the_migration_keeps_existing_records_and_stops_on_a_crossed_one(tmp_path, capfd):
    from portal import demo

    url = _fresh_database_url(tmp_path)
    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        demo.seed()
        questions = db.session.scalar(select(func.count()).select_from(Question))
        db.session.remove()
        # Back to a schema without the keys, records kept: the state of a live database.
        downgrade(revision=_before_the_keys())
        upgrade()
        assert db.session.scalar(select(func.count()).select_from(Question)) == questions > 0
        db.session.remove()

        downgrade(revision=_before_the_keys())
        other_firm = db.session.execute(text("SELECT max(id) FROM firm")).scalar()
        db.session.execute(
            text("UPDATE question SET firm_id = :other WHERE id = (SELECT min(id) FROM question)"),
            {"other": other_firm},
        )
        db.session.commit()
        db.session.remove()
        # Flask-Migrate logs the migration's error and exits, as `flask db upgrade` does.
        with pytest.raises(SystemExit):
            upgrade()
        refusal = "1 question row(s) whose meeting_id is another firm's meeting"
        assert refusal in capfd.readouterr().err
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


def test_the_question_keys_keep_links_and_stop_on_a_crossed_earlier_text(tmp_path, capfd):
    """txn_0001 on a live database: follow-ups and earlier texts kept, a crossed one refused."""
    from portal import demo

    url = _fresh_database_url(tmp_path)
    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})

    def earlier_text(question_id: int, firm_id: int) -> QuestionRevision:
        author = db.session.execute(text("SELECT min(id) FROM user_account")).scalar()
        return QuestionRevision(
            firm_id=firm_id,
            question_id=question_id,
            subject="Before the edit",
            topic="production_process",
            body_html="<p>Earlier text</p>",
            revised_at=utcnow(),
            revised_by_id=author,
        )

    with app.app_context():
        # The demo needs today's schema; back to the one before the keys, records kept
        # (later migrations' tables go with their downgrades).
        upgrade()
        demo.seed()
        db.session.remove()
        downgrade(revision="misc9_0001")
        first, second = db.session.execute(
            text("SELECT id, firm_id FROM question ORDER BY id LIMIT 2")
        ).all()
        assert first.firm_id == second.firm_id
        db.session.execute(
            text("UPDATE question SET follows_id = :first WHERE id = :second"),
            {"first": first.id, "second": second.id},
        )
        db.session.add(earlier_text(first.id, first.firm_id))
        db.session.commit()
        db.session.remove()
        upgrade()
        assert db.session.execute(
            text("SELECT follows_id FROM question WHERE id = :second"), {"second": second.id}
        ).scalar() == first.id
        assert db.session.scalar(select(func.count()).select_from(QuestionRevision)) == 1
        db.session.remove()

        downgrade(revision="misc9_0001")
        other_firm = db.session.execute(
            text("SELECT min(id) FROM firm WHERE id <> :firm"), {"firm": first.firm_id}
        ).scalar()
        assert other_firm is not None
        db.session.add(earlier_text(first.id, other_firm))
        db.session.commit()
        db.session.remove()
        with pytest.raises(SystemExit):
            upgrade()
        refusal = "1 question_revision row(s) whose question_id is another firm's question"
        assert refusal in capfd.readouterr().err
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()
