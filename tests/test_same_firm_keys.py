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
from portal.questions.models import Question
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
