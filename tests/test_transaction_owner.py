"""The request owns the transaction (docs/LAYOUT.md "A request's path").

Services add and flush; the view commits once the whole change has succeeded, and
commands and workers commit in their own loop. A change, its audit event, its
email in the outbox and the event of the view that loaded its record are saved
together or not at all. What is saved is read here through a connection of its
own, as another process would see it, not through the test's session.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import text

from portal.audit.models import AuditEvent
from portal.engagements import services as engagement_services
from portal.engagements.models import EngagementStatus
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.survey_templates import ensure_default_template
from portal.transaction import savepoint
from tests import factories
from tests import factories_feedback as ff

PORTAL = Path(__file__).resolve().parent.parent / "portal"

#: Modules that are a request, a command or a worker: their functions may commit.
#: A view module is named views.py or <audience>_views.py; these are the others.
REQUEST_MODULES = {
    "cli.py": "flask commands",
    "demo.py": "flask seed-demo",
    "errors.py": "error pages end the request",
    "api/errors.py": "API error answers end the request",
    "security/hooks.py": "request hooks: the view audit of pages that changed nothing",
    "jobs/runner.py": "the job worker commits each step with its progress",
    "invitations/public.py": "the public pages an invitation link opens (views)",
    "quality/pages.py": "page functions shared by the FDA and firm quality views",
}

#: Functions outside those modules that are the start of a request or a worker loop.
REQUEST_FUNCTIONS = {
    # Before the view runs: the touch is saved at once, so no write lock is held meanwhile.
    ("auth/sessions.py", "register_hooks._refuse_ended_sessions"),
    # Before an API view runs: the token's last use.
    ("security/access.py", "api_token.wrapper"),
    # A kept draft is used up on the GET that restores it, which changes nothing else.
    ("forms.py", "PortalForm.__init__"),
    # The mail worker (`flask mail send`): claims, sends and records one message at a time.
    ("mail.py", "deliver_outbox"),
    ("mail.py", "_deliver_in_outbox"),
    ("mail.py", "_send_next"),
    ("mail.py", "_something_due"),
    ("mail.py", "_server_unreachable"),
}


def _is_request_module(relative: str) -> bool:
    name = relative.rsplit("/", 1)[-1]
    return (
        name == "views.py"
        or name.endswith("_views.py")
        or name == "commands.py"
        or relative in REQUEST_MODULES
        or name == "demo.py"
    )


def _transaction_calls(tree: ast.AST) -> list[tuple[str, int, str]]:
    """(enclosing function, line, method) for each ``.commit()`` or ``.rollback()`` call."""
    found = []

    def visit(node: ast.AST, scope: list[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                visit(child, [*scope, child.name])
                continue
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr in ("commit", "rollback")
            ):
                found.append((".".join(scope), child.lineno, child.func.attr))
            visit(child, scope)

    visit(tree, [])
    return found


def test_services_never_commit_or_roll_back_their_callers_work():
    offenders = []
    allowed_seen = set()
    for path in sorted(PORTAL.rglob("*.py")):
        relative = path.relative_to(PORTAL).as_posix()
        if _is_request_module(relative):
            continue
        for function, line, method in _transaction_calls(ast.parse(path.read_text())):
            if (relative, function) in REQUEST_FUNCTIONS:
                allowed_seen.add((relative, function))
                continue
            offenders.append(f"portal/{relative}:{line} {function or '<module>'} .{method}()")
    assert not offenders, (
        "Services add and flush; the view, command or worker commits. A conflict is "
        "caught in portal.transaction.savepoint(), which undoes only its own work:\n"
        + "\n".join(offenders)
    )
    # An exception that no longer commits is an exception no longer needed.
    assert allowed_seen == REQUEST_FUNCTIONS, REQUEST_FUNCTIONS - allowed_seen


# --- behaviour -----------------------------------------------------------------------------


def _saved(sql: str, **params) -> int:
    """A count through a new connection: only what was committed."""
    with db.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


@pytest.fixture
def closing(app, no_csrf, sign_in, fda_staff, firm_admin, firm_a):
    engagement = factories.engagement(firm_a, sent_by=fda_staff)
    db.session.commit()
    client = sign_in(fda_staff)

    def close():
        return client.post(
            f"/engagements/{engagement.public_id}/close", data={"reason": "Goals met."}
        )

    close.engagement_id = engagement.id
    close.public_id = str(engagement.public_id)
    return close


def _what_was_saved(closing) -> dict[str, object]:
    with db.engine.connect() as connection:
        status = connection.execute(
            text("SELECT status FROM engagement WHERE id = :id"), {"id": closing.engagement_id}
        ).scalar_one()
    return {
        "closed": status in (EngagementStatus.CLOSED.name, EngagementStatus.CLOSED.value),
        "change audited": _saved(
            "SELECT count(*) FROM audit_event WHERE action = 'engagement.close'"
        ),
        "view audited": _saved(
            "SELECT count(*) FROM audit_event WHERE action = 'engagement.view' AND object_id = :id",
            id=closing.public_id,
        ),
        "emails": _saved(
            "SELECT count(*) FROM outbox_message WHERE template = 'engagements_closed'"
        ),
    }


def test_a_change_its_audit_its_email_and_its_view_event_are_saved_together(closing):
    assert closing().status_code == 302
    assert _what_was_saved(closing) == {
        "closed": True,
        "change audited": 1,
        "view audited": 1,
        "emails": 1,
    }


def test_a_view_that_fails_after_the_service_ran_leaves_nothing(closing, monkeypatch):
    close_engagement = engagement_services.close_engagement

    def then_the_page_fails(*args, **kwargs):
        close_engagement(*args, **kwargs)
        raise RuntimeError("the page broke after the change was made")

    monkeypatch.setattr(engagement_services, "close_engagement", then_the_page_fails)
    assert closing().status_code == 500
    assert _what_was_saved(closing) == {
        "closed": False,
        "change audited": 0,
        "view audited": 0,
        "emails": 0,
    }


@pytest.mark.fresh_app
def test_a_committed_change_keeps_its_view_event_when_the_response_then_fails(app, closing):
    """The view event is in the change's commit, not in a later one the failure skips."""

    def response_breaks(response):
        raise RuntimeError("the response broke after the view committed")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: an error page, logged
    app.after_request(response_breaks)
    assert closing().status_code == 500
    assert _what_was_saved(closing) == {
        "closed": True,
        "change audited": 1,
        "view audited": 1,
        "emails": 1,
    }


def test_a_conflict_caught_by_a_service_leaves_its_callers_work(app, monkeypatch):
    """Two first answers at once: the loser's insert is undone, not what its caller did before."""
    people = ff.engagement_with_people()
    survey = ff.survey(ff.held_meeting(people.engagement), ensure_default_template())
    db.session.commit()
    questions = list(survey.template.questions)
    answers = {questions[0].id: "4", questions[1].id: "4", questions[2].id: "yes"}
    feedback_services.save_response(survey, people.admin, answers)
    db.session.commit()  # the other request's answer, saved a moment ago
    # This request looked before that answer was saved, so it inserts and meets the unique key.
    look = feedback_services._locked_response
    calls = []

    def found_nothing_the_first_time(*args):
        calls.append(args)
        return None if len(calls) == 1 else look(*args)

    monkeypatch.setattr(feedback_services, "_locked_response", found_nothing_the_first_time)
    db.session.add(AuditEvent(action="caller.work", detail="done before the service was called"))
    feedback_services.save_response(survey, people.admin, answers)
    db.session.commit()
    assert len(calls) == 2  # the insert failed and the answer was saved as an edit
    assert _saved("SELECT count(*) FROM audit_event WHERE action = 'caller.work'") == 1
    assert _saved("SELECT count(*) FROM feedback_response") == 1


def test_a_savepoint_on_sqlite_does_not_commit_behind_the_callers_back(app):
    """pysqlite starts no transaction before a write: a bare SAVEPOINT would, and commit."""
    db.session.commit()
    with savepoint():
        db.session.add(AuditEvent(action="service.work", detail="not yet committed"))
    assert _saved("SELECT count(*) FROM audit_event WHERE action = 'service.work'") == 0
    db.session.rollback()
    assert _saved("SELECT count(*) FROM audit_event WHERE action = 'service.work'") == 0
