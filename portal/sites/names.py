"""Company names reduced to a key, so the shortage list's companies can be matched to sites.

FDA's drug shortage list names the company that markets a product ("Hospira, Inc.,
a Pfizer Company"); a site is known by its legal name ("Hospira Inc"). Neither
carries the other's identifier (SPEC 1), so the portal compares the names after
removing what does not tell companies apart: case, accents, punctuation, the
corporate form ("Inc.", "LLC", "Pvt. Ltd.", "GmbH", "S.A. de C.V." ...) and a
trailing affiliation ("a Pfizer Company"), a note in brackets, a site after a dash
(" - Karkhadi"), a trade name ("dba ..."), an earlier name ("formerly ..."), and a
division ("Pfizer Laboratories Div Pfizer Inc" is the legal entity Pfizer Inc).
Each proposal has a strength -- the same legal entity, or only the same group
(other legal forms, a division's name, "Pharma USA" against "Pharmaceuticals
Limited") -- and its reason. Matches are *proposals* only; FDA staff confirm or
reject each one.
"""

from __future__ import annotations

import enum
import functools
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
        "a s",
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
#: A note in brackets: "(formerly West-Ward)", "[Site 2]".
_BRACKETS = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]")
#: A site after a spaced dash: "Sun Pharmaceutical Industries Limited - Karkhadi".
_SITE_SUFFIX = re.compile(r"\s+[-\u2013\u2014]\s+([^-\u2013\u2014]+)$")
#: A trade name ("dba Sagent") or an earlier name ("formerly West-Ward").
_TRADE_NAME = re.compile(
    r"[\s,]+(d\.?/?b\.?/?a\.?|doing business as|trading as|t/a)\s+(?P<alias>.+)$", re.IGNORECASE
)
_EARLIER_NAME = re.compile(
    r"^[\s,]*(formerly|f/k/a|fka|previously)(\s+known\s+as)?\s+(?P<alias>.+)$", re.IGNORECASE
)
_EARLIER_NAME_TAIL = re.compile(
    r"[\s,]+(formerly|f/k/a|fka|previously)(\s+known\s+as)?\s+(?P<alias>.+)$", re.IGNORECASE
)
#: "Salix Pharmaceuticals, a division of Bausch Health US, LLC".
_DIVISION_OF = re.compile(r"[\s,]+an?\s+division\s+of\s+(?P<parent>.+)$", re.IGNORECASE)
#: "Pfizer Laboratories Div Pfizer Inc".
_DIV_PARENT = re.compile(r"\s+(div|division)\.?\s+(of\s+)?(?P<parent>\S.+)$", re.IGNORECASE)
#: "Baxter Healthcare Renal Div": the division's own word goes with it.
_TRAILING_DIV = re.compile(r"\s+\S+\s+(div|division)\.?$", re.IGNORECASE)
_DROPPED = re.compile(r"[.'\u2019`]")
_SEPARATORS = re.compile(r"[^0-9A-Za-z]+")

#: Words that differ between members of one group ("Torrent Pharma Inc." and "Torrent
#: Pharmaceuticals Limited"), spelled one way for the group key.
SYNONYMS = {
    "pharma": "pharmaceuticals",
    "pharmaceutical": "pharmaceuticals",
    "pharms": "pharmaceuticals",
    "labs": "laboratories",
    "lab": "laboratories",
    "laboratory": "laboratories",
    "mfg": "manufacturing",
    "intl": "international",
}
#: Country words ending a group member's name ("Aurobindo Pharma USA").
COUNTRY_WORDS = frozenset(
    {"usa", "us", "america", "india", "uk", "canada", "europe", "china", "japan", "germany"}
)
#: Legal forms written in more than one way, for telling two legal entities apart.
SAME_FORM = {"incorporated": "inc", "limited": "ltd", "company": "co", "corporation": "corp"}


class Strength(enum.StrEnum):
    """How sure a proposal is: the same legal entity, or only the same company group."""

    SAME_ENTITY = "same legal entity"
    SAME_GROUP = "same group"


@dataclass(frozen=True)
class NameReduction:
    """A name, its matching key, and the words taken off to get there (the evidence)."""

    name: str
    #: The legal entity's name reduced: for "A Div B", B's.
    key: str
    removed: tuple[str, ...]
    #: The corporate form(s) found at the end, normalized ("inc", "as"); empty if none.
    forms: tuple[str, ...] = ()
    #: Other names the text gives (key, how related, as written): a division,
    #: a trade name, an earlier name.
    aliases: tuple[tuple[str, str, str], ...] = ()

    @property
    def group(self) -> str:
        return group_key(self.key)


def _fold(text: str) -> str:
    """Accents off and "&" spelled out; case is kept here for the evidence text."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("&", " and ").replace("/", " ")


def _tokens(text: str) -> list[str]:
    return [t for t in _SEPARATORS.split(_DROPPED.sub("", _fold(text))) if t]


#: The corporate forms by their number of words, for looking up a name's last words.
_FORMS_BY_LENGTH: dict[int, frozenset[tuple[str, ...]]] = {
    size: frozenset(f for f in CORPORATE_FORMS if len(f) == size)
    for size in {len(f) for f in CORPORATE_FORMS}
}
_LONGEST_FIRST = sorted(_FORMS_BY_LENGTH, reverse=True)


def _strip_forms(tokens: list[str]) -> tuple[list[str], list[str]]:
    forms: list[str] = []
    stripped = True
    while stripped:
        stripped = False
        for size in _LONGEST_FIRST:
            # Never strip a whole name: "Company" alone stays "company".
            if (
                len(tokens) > size
                and tuple(t.lower() for t in tokens[-size:]) in (_FORMS_BY_LENGTH[size])
            ):
                forms.insert(0, " ".join(tokens[-size:]))
                del tokens[-size:]
                stripped = True
                break
    return tokens, forms


def _plain_key(text: str) -> tuple[str, list[str], list[str]]:
    """Key, forms removed and other words removed of a name without clauses."""
    removed: list[str] = []
    tokens = _tokens(text)
    if len(tokens) > 1 and tokens[0].lower() == "the":
        removed.append(tokens.pop(0))
    tokens, forms = _strip_forms(tokens)
    return " ".join(t.lower() for t in tokens)[:300], forms, removed


@functools.lru_cache(maxsize=65536)
def group_key(key: str) -> str:
    """The key a company group's members share: one spelling of "Pharma(ceuticals)" and
    "Lab(oratorie)s", and no country word at the end ("Aurobindo Pharma USA")."""
    tokens = [SYNONYMS.get(t, t) for t in key.split()]
    while len(tokens) > 1 and tokens[-1] in COUNTRY_WORDS:
        tokens.pop()
    return " ".join(tokens)


@functools.lru_cache(maxsize=65536)
def reduce_name(name: str) -> NameReduction:
    """The matching key of a company or site name, with what was removed and why.

    Cached: the imports compare the same few thousand names many times over.
    """
    removed: list[str] = []
    aliases: list[tuple[str, str, str]] = []
    text = (name or "").strip()

    def alias(written: str, relation: str) -> None:
        key = _plain_key(written)[0]
        if key:
            aliases.append((key, relation, written.strip(" ,")))

    for note in _BRACKETS.findall(text):
        if earlier := _EARLIER_NAME.match(note):
            alias(earlier.group("alias"), "earlier name")
        removed.append(f"({note.strip()})")
    text = _BRACKETS.sub("", text).strip()
    if suffix := _SITE_SUFFIX.search(text):
        removed.append(f"- {suffix.group(1).strip()}")
        text = text[: suffix.start()]
    for pattern, relation in ((_TRADE_NAME, "trade name"), (_EARLIER_NAME_TAIL, "earlier name")):
        if (found := pattern.search(text)) and found.start() > 0:
            alias(found.group("alias"), relation)
            removed.append(found.group(0).strip(" ,"))
            text = text[: found.start()]
    affiliation = _AFFILIATION.search(text)
    if affiliation and affiliation.start() > 0:
        removed.append(affiliation.group(1).strip())
        text = text[: affiliation.start()]
    parent = None
    for pattern in (_DIVISION_OF, _DIV_PARENT):
        if (found := pattern.search(text)) and found.start() > 0:
            parent = found.group("parent").strip(" ,")
            alias(text[: found.start()], "division")
            removed.append(found.group(0).strip(" ,"))
            text = parent
            break
    if parent is None and (trailing := _TRAILING_DIV.search(text)) and trailing.start() > 0:
        removed.append(trailing.group(0).strip())
        text = text[: trailing.start()]
    key, forms, more = _plain_key(text)
    normalized = tuple(
        SAME_FORM.get(f.lower().replace(" ", ""), f.lower().replace(" ", "")) for f in forms
    )
    return NameReduction(
        name=name,
        key=key,
        removed=(*forms, *more, *removed),
        forms=normalized,
        aliases=tuple(aliases),
    )


def company_key(name: str) -> str:
    """Just the key: what ShortageEntry.company_key and Site.name_key hold."""
    return reduce_name(name or "").key


@dataclass(frozen=True)
class NameMatch:
    strength: Strength
    reason: str


def _set_aside(*names: NameReduction) -> str:
    ignored = sorted({word for n in names for word in n.removed}, key=str.lower)
    if not ignored:
        return "case and punctuation"
    return "case, punctuation and " + ", ".join(f'"{word}"' for word in ignored)


def compare_names(company_name: str, site_name: str) -> NameMatch | None:
    """Whether a shortage-list company and a site's legal name name one company, how
    surely, and why in words FDA staff can check (issue 10: strength and reason)."""
    company, site = reduce_name(company_name), reduce_name(site_name)
    if not company.key or not site.key:
        return None
    said = f'The shortage list\'s company "{company_name}" and the site\'s legal name "{site_name}"'
    if company.key == site.key:
        if company.forms and site.forms and company.forms != site.forms:
            return NameMatch(
                Strength.SAME_GROUP,
                f'{said} are the same name ("{company.key}") but different legal forms '
                f"({' '.join(company.removed[: len(company.forms)])} and "
                f"{' '.join(site.removed[: len(site.forms)])}): likely two companies of one "
                "group.",
            )
        return NameMatch(
            Strength.SAME_ENTITY,
            f'{said} are the same name ("{company.key}") once {_set_aside(company, site)} '
            "are set aside.",
        )
    for one, other, whose in ((company, site, "company"), (site, company, "site")):
        for key, relation, written in one.aliases:
            if key in (other.key, other.group) or group_key(key) == other.group:
                strength = Strength.SAME_ENTITY if relation == "trade name" else Strength.SAME_GROUP
                return NameMatch(
                    strength,
                    f'{said} match through the {whose}\'s {relation} "{written}" '
                    f'("{key}"), once {_set_aside(company, site)} are set aside.',
                )
    if company.group == site.group:
        return NameMatch(
            Strength.SAME_GROUP,
            f'{said} share the group name "{company.group}" once {_set_aside(company, site)}, '
            "country words and the spelling of Pharma/Laboratories are set aside; they may be "
            "different companies of one group.",
        )
    return None


def match_keys(reduction: NameReduction) -> set[str]:
    """Every key under which a name may meet another: its own, its group's, its aliases'."""
    keys = {reduction.key, reduction.group}
    for key, _relation, _written in reduction.aliases:
        keys.update((key, group_key(key)))
    keys.discard("")
    return keys
