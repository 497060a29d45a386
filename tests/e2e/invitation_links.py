"""Real invitation links, read from where a firm gets them: the email in the outbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

LINK = re.compile(r"https?://[^\s\"<>]+/invitation/([A-Za-z0-9_\-]+)(?=[\s\"<])")


@dataclass(frozen=True)
class EmailedLink:
    path: str
    token: str
    recipient: str
    site_id: int


def open_letter_links(database) -> list[EmailedLink]:
    """The link of every open letter whose email is still in the outbox (the demo queues one)."""
    rows = database.rows(
        "SELECT o.body_text, o.recipients, i.site_id FROM outbox_message o "
        "JOIN invitation i ON i.recipients = o.recipients AND i.status = 'sent' "
        "WHERE o.template = 'invitations_letter' ORDER BY o.id"
    )
    found = []
    for body, recipients, site_id in rows:
        match = LINK.search(body or "")
        if match:
            path = urlsplit(match.group(0)).path
            found.append(EmailedLink(path, match.group(1), recipients.split(",")[0], site_id))
    return found


def identifying_strings(database) -> set[str]:
    """Every demo firm's name, site's legal name, street address and FEI, and product names."""
    values: set[str] = set()
    for (name,) in database.rows("SELECT name FROM firm"):
        values.add(name)
    for legal_name, street, fei in database.rows(
        "SELECT legal_name, address_line1, fei_number FROM site"
    ):
        values.update({legal_name, street, fei})
    for (name,) in database.rows("SELECT name FROM product"):
        values.add(name)
    # Very short values ("1", "USA") would match ordinary words, not identify anyone.
    return {value.strip() for value in values if value and len(value.strip()) >= 6}


def leaks(text: str, secrets: set[str]) -> list[str]:
    import html

    plain = html.unescape(text)
    return sorted(secret for secret in secrets if secret in plain)
