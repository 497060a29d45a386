"""What every signed-in page costs before its own work (issue 15): the signed-in person is
read once, and a page that changed nothing commits nothing: its audit event commits itself
(or joins the transaction the page read in, and that is committed)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from portal.extensions import db
from tests.conftest import build_world, login_as
from tests.sweep import get_pages, people

#: A load of one user_account row by its key, in either database's parameter style; the
#: user loader's read also joins the browser's session record (one statement for both).
ONE_USER = re.compile(
    r"FROM user_account (?:LEFT OUTER JOIN user_session ON .+ )?"
    r"WHERE user_account\.(?:public_id|id) = \S+$"
)


class Recorder:
    def __init__(self) -> None:
        self.statements: list[tuple[str, object]] = []
        self.commits = 0

    def statement(self, _conn, _cursor, statement, parameters, *_args) -> None:
        self.statements.append((" ".join(statement.split()), parameters))

    def commit(self, _conn) -> None:
        self.commits += 1
        self.statements.append(("COMMIT", None))

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self.statement)
        event.listen(db.engine, "commit", self.commit)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(db.engine, "before_cursor_execute", self.statement)
        event.remove(db.engine, "commit", self.commit)

    @property
    def wrote(self) -> bool:
        """Whether the page wrote anything besides its audit event."""
        return any(
            statement.startswith(("INSERT", "UPDATE", "DELETE"))
            and not statement.startswith("INSERT INTO audit_event")
            for statement, _parameters in self.statements
        )

    @property
    def own_commits(self) -> int:
        """Commits before the page's last audit row: the page's own, not its event's."""
        marks = [statement for statement, _parameters in self.statements]
        audit = [i for i, mark in enumerate(marks) if mark.startswith("INSERT INTO audit_event")]
        before = marks[: audit[-1]] if audit else marks
        return before.count("COMMIT")

    def reads_of_user(self, user) -> list[str]:
        """Loads of the person's own row: by the session's public id, or again by primary key
        (an expired instance reloading). Queries that merely mention the id are not counted."""
        keys = {user.id, user.public_id, str(user.public_id), user.public_id.hex}
        found = []
        for statement, parameters in self.statements:
            if not statement.startswith("SELECT") or not ONE_USER.search(statement):
                continue
            values = list(parameters.values() if isinstance(parameters, dict) else parameters)
            # The key is the statement's last parameter (the joined record's token hash
            # comes before it).
            if values and values[-1] in keys:
                found.append(statement)
        return found


def test_the_firm_home_page_reads_the_user_once_and_its_audit_row_commits_itself(app, world):
    person = world.by_firm["a"].admin
    client = app.test_client()
    login_as(client, person)
    client.get("/firm")  # the session's "last seen" is fresh: no touch is due now
    with Recorder() as recorder:
        response = client.get("/firm")
        assert response.status_code == 200
    assert len(recorder.reads_of_user(person)) == 1, recorder.reads_of_user(person)
    # The session check wrote nothing, and the audit row, sent with no transaction open,
    # committed itself: nothing for the session to commit.
    assert recorder.commits == 0
    assert recorder.statements[-1][0].startswith("INSERT INTO audit_event")


@pytest.mark.parametrize("role", ["fda_admin", "fda_staff", "firm_admin", "firm_staff"])
def test_every_page_reads_the_signed_in_user_once(app, role):
    world = build_world()
    person = people(world)[role]
    client = app.test_client()
    login_as(client, person)
    client.get("/account")
    twice = {}
    for url in get_pages(app, world, role):
        with Recorder() as recorder:
            client.get(url).close()
        reads = recorder.reads_of_user(person)
        # A page that commits a change of its own (a thread marked read, the default survey
        # template, a search's index) reads the person again after it, as it should: what
        # matters is the page that changed nothing and committed only its audit event.
        if len(reads) != 1 and not recorder.wrote and recorder.own_commits == 0:
            twice[url] = len(reads)
    assert not twice, f"pages that read the signed-in user other than once: {twice}"


def test_a_session_check_reads_as_whether_the_session_is_live():
    from portal.auth.sessions import SessionCheck

    assert not SessionCheck(live=False)
    assert SessionCheck(live=True)
    live, touched = SessionCheck(live=True, touched=True)
    assert live and touched
