"""The formal invitation letter (SPEC 3-4): its words, fixed at the moment it is sent.

The text is rendered once from ``templates/invitations/letter.txt`` and kept on
the invitation (``letter_body``), so FDA's record shows exactly what the site
received even if the site's address or the program's wording changes later.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template

from portal.auth.models import User
from portal.program.settings import get_setting
from portal.sites.models import Site
from portal.timeutil import DEFAULT_TIMEZONE, format_date, to_local

#: Letters are dated in the program office's zone (FDA, Silver Spring, Maryland).
LETTER_TIMEZONE = DEFAULT_TIMEZONE


def letter_date(moment: datetime) -> str:
    """The date as a letter shows it, in the program office's zone."""
    return format_date(to_local(moment, LETTER_TIMEZONE))


def address_lines(site: Site) -> list[str]:
    """The site's postal address, one line each, blanks left out."""
    city_state = ", ".join(part for part in (site.city, site.state) if part)
    place = " ".join(part for part in (city_state, site.postal_code) if part)
    return [line for line in (site.legal_name, site.address_line1, place, site.country) if line]


def compose_letter(
    site: Site, *, addressee: str, sender: User, sent_at: datetime, expires_at: datetime
) -> str:
    """The letter's full text as it is sent, from the date line to the signature."""
    return render_template(
        "invitations/letter.txt",
        site=site,
        addressee=addressee,
        address=address_lines(site),
        sender=sender,
        date=letter_date(sent_at),
        reply_by=letter_date(expires_at),
        window_start=get_setting("inspection_window_start_fy"),
        window_end=get_setting("inspection_window_end_fy"),
        contact_email=current_app.config["PROGRAM_CONTACT_EMAIL"],
    ).strip()


def letter_blocks(text: str) -> list[list[str]]:
    """Paragraphs (split on blank lines), each a list of its lines, for HTML rendering.

    The stored text is plain; templates print each line escaped with a line
    break between, so nothing in a letter is ever interpreted as markup.
    """
    blocks: list[list[str]] = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.rstrip() for line in chunk.strip("\n").split("\n")]
        if any(lines):
            blocks.append(lines)
    return blocks
