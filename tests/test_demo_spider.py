"""The demo, followed link by link: every page a demo person can reach renders.

The sweeps elsewhere use one record of each kind; the demo has records in every
state (held and cancelled meetings, overdue actions, closed surveys, declined
letters), so following its links reaches templates in states the sweeps do not.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest

from portal.demo import FDA_PEOPLE, FIRMS
from tests.conftest import login_as

LINK = re.compile(r'href="(/[^"]*)"')
#: Downloads and the sign-out button are not pages.
SKIP = (".csv", ".ics", ".json", "/session/", "/logout", "/static/")


def spider(client, start: str, limit: int = 400) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = deque([start])
    while queue and len(seen) < limit:
        url = urldefrag(queue.popleft())[0].replace("&amp;", "&")
        if url in seen or any(part in url for part in SKIP):
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code in (301, 302, 303) and response.location.startswith("/"):
            queue.append(response.location)
        if response.status_code == 200 and response.mimetype == "text/html":
            for link in LINK.findall(response.get_data(as_text=True)):
                path = urlsplit(link).path
                if path not in seen:
                    queue.append(link)
        response.close()
    return seen


@pytest.mark.parametrize(
    "email",
    [FDA_PEOPLE[0][0], FDA_PEOPLE[1][0], FIRMS[0]["people"][0][0], FIRMS[1]["people"][1][0]],
)
def test_every_linked_page_of_the_demo_renders(app, runner, email):
    from portal.auth.services import find_user_by_email

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    login_as(client, find_user_by_email(email))
    visited = spider(client, "/")
    broken = {url: status for url, status in visited.items() if status >= 500}
    assert not broken, broken
    assert len(visited) > 10
    missing = {url: status for url, status in visited.items() if status == 404}
    assert not missing, f"links to pages that do not exist: {missing}"
