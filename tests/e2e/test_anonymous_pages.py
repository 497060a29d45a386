"""SPEC "Who uses it": no anonymous page names a site, firm or product, crawled against gunicorn.

The crawl starts at /login and at a real invitation link (the demo letter's, read
from its email in the outbox, as the firm gets it), follows every same-site link
an anonymous visitor is shown, and also reads the answer to a wrong address at
the link's gate. What must not appear is taken from the demo database: every
firm's name, site's legal name, street address and FEI, and product name. Pages
added later are crawled without editing this file, as long as something links
to them.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from tests.e2e.invitation_links import identifying_strings, leaks, open_letter_links

HREF = re.compile(r'href="([^"#]*)')
MAX_PAGES = 200


def _same_site_paths(server_url: str, page_url: str, html: str) -> set[str]:
    paths = set()
    for href in HREF.findall(html):
        absolute = urljoin(page_url, href)
        parts = urlsplit(absolute)
        if f"{parts.scheme}://{parts.netloc}" != server_url:
            continue
        if parts.path.startswith("/static/"):
            continue
        paths.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def test_no_anonymous_page_names_a_demo_site_firm_or_product(portal, demo_db, visit):
    secrets = identifying_strings(demo_db)
    assert len(secrets) > 10
    emailed = open_letter_links(demo_db)
    assert emailed, "the demo queues one open letter"
    # The letter's email carries the link and its accept and decline links.
    start = [
        "/login",
        *(link.path + end for link in emailed for end in ("", "/accept", "/decline")),
    ]
    visitor = visit()
    seen: dict[str, int] = {}
    queue = list(start)
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        response = visitor.get(path)
        seen[path] = response.status_code
        assert response.status_code < 500, path
        assert leaks(response.text, secrets) == [], path
        if "text/html" in response.headers.get("Content-Type", ""):
            queue += sorted(_same_site_paths(portal.url, response.url, response.text) - set(seen))
    # The gate's answer to a wrong address, too.
    gate = visitor.get(emailed[0].path)
    wrong = visitor.post(emailed[0].path, {"email": "someone@example.com"})
    assert leaks(gate.text, secrets) == [] and leaks(wrong.text, secrets) == []
    # The crawl reached the pages an anonymous visitor can: sign-in, reset, the letter's link.
    assert {"/login", "/password/forgot", emailed[0].path} <= set(seen)
