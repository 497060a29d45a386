"""The formal invitation letter (SPEC 3-4): its words, fixed at the moment it is sent.

The text is rendered once from ``templates/invitations/letter.txt`` and kept on
the invitation (``letter_body``), so FDA's record shows exactly what the site
received even if the site's address or the program's wording changes later.
The letter states only what the site's records show (SPEC 4): see
:func:`selection_sentence`; FDA's own paragraph is kept with the letter
(``Invitation.fda_paragraph``) and carried over when it is re-sent.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, render_template

from portal.auth.models import User
from portal.sanitize import InlineFormatted
from portal.sites.eligibility import assess
from portal.sites.models import Site
from portal.timeutil import DEFAULT_TIMEZONE, fiscal_year, format_date, to_local

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


#: FDA's own paragraph: one short paragraph, like the rest of the letter.
PARAGRAPH_MAX = 2000
OVERRIDE_NEEDS_PARAGRAPH = (
    "This site was admitted to the program by FDA's override, so the letter does not state "
    "the program's criteria: write the paragraph that says why FDA invites the site."
)


def selection_sentence(site: Site, *, today: date | None = None) -> str:
    """Why the site was identified, naming only the criteria its records show (SPEC 4).

    A site admitted by FDA's override gets no criteria sentence at all: FDA writes
    its own paragraph instead (:data:`OVERRIDE_NEEDS_PARAGRAPH`). Otherwise each
    criterion that holds is stated, with the fiscal year of the inspection that
    counts, and one that does not hold is left out rather than asserted.
    """
    if site.eligibility_override is True:
        return ""
    found = assess(site, today=today)
    passed = {criterion.key for criterion in found.criteria if criterion.passed}
    reasons = []
    if "shortage_vulnerable_product" in passed:
        reasons.append(
            "it makes finished drug products that, if their supply were disrupted, would put "
            "patients at higher risk"
        )
    if "inspection_in_window" in passed:
        inside = [i.end_date for i in site.inspections if found.window.contains(i.end_date)]
        reasons.append(f"FDA inspected it in fiscal year {fiscal_year(max(inside))}")
    if "no_open_regulatory_action" in passed:
        reasons.append(
            "it is not currently involved in an adverse regulatory action such as a warning letter"
        )
    if not reasons:
        return ""
    joined = reasons[0]
    for number, reason in enumerate(reasons[1:], start=2):
        joined += ("; and because " if number == len(reasons) else "; because ") + reason
    return "Your site was identified because " + joined + "."


def letter_problem(site: Site, paragraph: str) -> str | None:
    """Why this letter cannot be written as asked, or None."""
    if len(paragraph or "") > PARAGRAPH_MAX:
        return f"Keep FDA's paragraph under {PARAGRAPH_MAX:,} characters."
    if site.eligibility_override is True and not (paragraph or "").strip():
        return OVERRIDE_NEEDS_PARAGRAPH
    return None


def compose_letter(
    site: Site,
    *,
    addressee: str,
    sender: User,
    sent_at: datetime,
    expires_at: datetime,
    paragraph: str = "",
) -> str:
    """The letter's full text as it is sent, from the date line to the signature.

    ``paragraph`` is FDA's own, printed after the reasons the site was identified
    (or, for a site admitted by override, instead of them).
    """
    paragraph = " ".join((paragraph or "").split())
    return render_template(
        "invitations/letter.txt",
        site=site,
        addressee=addressee,
        address=address_lines(site),
        sender=sender,
        date=letter_date(sent_at),
        reply_by=letter_date(expires_at),
        selection=selection_sentence(site, today=to_local(sent_at, LETTER_TIMEZONE).date()),
        paragraph=paragraph,
        contact_email=current_app.config["PROGRAM_CONTACT_EMAIL"],
    ).strip()


def letter_blocks(text: str, fda_paragraph: str = "") -> list[list[str]]:
    """Paragraphs (split on blank lines), each a list of its lines, for HTML rendering.

    The stored text is plain; templates print each line escaped with a line
    break between, so nothing in a letter is interpreted as markup. The one
    exception is FDA's own paragraph, written with the toolbar's marks (issue 16):
    in an HTML template it shows its bold, italic and links through the sanitizer
    (portal.sanitize.InlineFormatted); a text email shows it as typed.
    """
    own = " ".join((fda_paragraph or "").split())
    blocks: list[list[str]] = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.rstrip() for line in chunk.strip("\n").split("\n")]
        if own and lines == [own]:
            lines = [InlineFormatted(own)]
        if any(lines):
            blocks.append(lines)
    return blocks
