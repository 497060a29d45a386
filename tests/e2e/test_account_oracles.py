"""Issue 9 item 6: nothing tells an outsider or a firm which accounts exist, against gunicorn.

"Invite a colleague" answers alike for another firm's user, an FDA address and a
new one (the program manager hears of conflicts); password reset answers alike
and does the same work on the request path, the mail worker deciding later
(`flask mail send`, run as an operator would).
"""

from __future__ import annotations

import re

from tests.e2e import harness


def _invite(visitor, email: str) -> str:
    visitor.get("/firm/team")
    response = visitor.post("/firm/team", {"full_name": "Pat Doe", "email": email})
    assert response.status_code == 200
    text = re.sub(r'name="csrf_token"[^>]*>', "", response.text)
    return text


def test_inviting_a_colleague_answers_alike_whatever_exists(
    demo_db, make_demo_database, start_portal, visit, demo_people
):
    database = make_demo_database("oracles")
    server = start_portal(database, workers=1)
    lead = visit("firm_admin@a", server=server, database=database)
    answers = {}
    for kind, email in (
        ("another firm's user", demo_people["firm_admin@b"]["email"]),
        ("FDA", demo_people["fda_staff"]["email"]),
        ("unknown", "pat.doe.new@example.com"),
    ):
        page = _invite(lead, email)
        assert "Pat Doe has been invited." in page, kind
        assert "already exists" not in page, kind
        answers[kind] = page
    notices = database.scalar(
        "SELECT count(*) FROM outbox_message WHERE template = 'firm_invite_conflict'"
    )
    assert notices == 2
    created = database.scalar(
        "SELECT count(*) FROM user_account WHERE email = 'pat.doe.new@example.com'"
    )
    assert created == 1


def test_password_reset_answers_alike_and_the_mail_worker_decides(
    make_demo_database, start_portal, demo_people
):
    database = make_demo_database("reset")
    server = start_portal(database, workers=1)
    known = demo_people["firm_staff@a"]["email"]
    answers = []
    for email in (known, "nobody.here@example.com"):
        visitor = harness.Visitor(server)
        visitor.get("/password/forgot")
        response = visitor.post("/password/forgot", {"email": email})
        assert response.status_code == 200
        answers.append(response.text.replace(email, "X").replace(visitor.csrf_token or "", ""))
    assert answers[0] == answers[1]
    waiting = "SELECT count(*) FROM outbox_message WHERE template = 'password_reset'"
    assert database.scalar(waiting) == 0
    assert database.scalar("SELECT count(*) FROM password_reset_request") == 2
    done = harness.flask_command(database.url, "mail", "send")
    assert done.returncode == 0, done.stderr
    rows = database.rows("SELECT recipients FROM outbox_message WHERE template = 'password_reset'")
    assert [row.recipients for row in rows] == [known]
