"""Company names reduced to a key, so the shortage list's companies can be matched to sites.

FDA's drug shortage list names the company that markets a product ("Hospira, Inc.,
a Pfizer Company"); a site is known by its legal name ("Hospira Inc"). Neither
carries the other's identifier (SPEC 1), so the portal compares the names after
removing what does not tell companies apart: case, accents, punctuation, the
corporate form ("Inc.", "LLC", "Pvt. Ltd.", "GmbH", "S.A. de C.V." ...) and a
trailing affiliation ("a Pfizer Company"). Equal keys make a *proposal* only;
FDA staff confirm or reject each one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Corporate forms, as token sequences after dots are dropped ("S.A." -> "sa").
#: Removed from the end of a name, repeatedly ("Co., Ltd." loses both).
CORPORATE_FORMS: tuple[tuple[str, ...], ...] = tuple(
    tuple(form.split())
    for form in (
        "s de rl de cv",
        "sa de cv",
        "sp z oo",
        "de cv",
        "incorporated",
        "inc",
        "llc",
        "l l c",
        "llp",
        "lp",
        "ltd",
        "limited",
        "pvt",
        "private",
        "pte",
        "pty",
        "plc",
        "co",
        "corp",
        "corporation",
        "company",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "gmbh",
        "ag",
        "kg",
        "bv",
        "nv",
        "ab",
        "as",
        "oy",
        "kk",
        "sdn bhd",
        "bhd",
    )
)
# Longest first, so "sa de cv" is tried before "de cv".
CORPORATE_FORMS = tuple(sorted(CORPORATE_FORMS, key=len, reverse=True))

#: ", a Pfizer Company", "(a subsidiary of Pfizer Inc.)", ", an Amneal company".
_AFFILIATION = re.compile(
    r"[\s,(]+(an?\s+[^,()]+?\s+(company|business|subsidiary)|an?\s+subsidiary\s+of\s+[^()]+)\)?\s*$",
    re.IGNORECASE,
)
_DROPPED = re.compile(r"[.'\u2019`]")
_SEPARATORS = re.compile(r"[^0-9A-Za-z]+")


@dataclass(frozen=True)
class NameReduction:
    """A name, its matching key, and the words taken off to get there (the evidence)."""

    name: str
    key: str
    removed: tuple[str, ...]


def _fold(text: str) -> str:
    """Accents off and "&" spelled out; case is kept here for the evidence text."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("&", " and ")


def _tokens(text: str) -> list[str]:
    return [t for t in _SEPARATORS.split(_DROPPED.sub("", _fold(text))) if t]


def reduce_name(name: str) -> NameReduction:
    """The matching key of a company or site name, with what was removed and why."""
    removed: list[str] = []
    text = name.strip()
    affiliation = _AFFILIATION.search(text)
    if affiliation and affiliation.start() > 0:
        removed.append(affiliation.group(1).strip())
        text = text[: affiliation.start()]
    tokens = _tokens(text)
    if len(tokens) > 1 and tokens[0].lower() == "the":
        removed.append(tokens.pop(0))
    forms: list[str] = []
    stripped = True
    while stripped:
        stripped = False
        lowered = tuple(t.lower() for t in tokens)
        for form in CORPORATE_FORMS:
            # Never strip a whole name: "Company" alone stays "company".
            if len(tokens) > len(form) and lowered[-len(form) :] == form:
                forms.insert(0, " ".join(tokens[-len(form) :]))
                del tokens[-len(form) :]
                stripped = True
                break
    key = " ".join(t.lower() for t in tokens)[:300]
    return NameReduction(name=name, key=key, removed=(*forms, *removed))


def company_key(name: str) -> str:
    """Just the key: what ShortageEntry.company_key and Site.name_key hold."""
    return reduce_name(name or "").key


def match_evidence(company_name: str, site_name: str) -> str:
    """Why the portal thinks a shortage-list company and a site are the same company."""
    company = reduce_name(company_name)
    site = reduce_name(site_name)
    ignored = sorted({*company.removed, *site.removed}, key=str.lower)
    ignoring = "case and punctuation"
    if ignored:
        ignoring = "case, punctuation and " + ", ".join(f'"{word}"' for word in ignored)
    return (
        f"The shortage list's company \"{company_name}\" and the site's legal name "
        f'"{site_name}" are the same name ("{company.key}") once {ignoring} are set aside.'
    )
