"""Words as search sees them: one normalization, done in Python, for both databases.

SQLite's FTS5 and PostgreSQL's text search split and fold text differently (FTS5's
``unicode61`` folds ASCII case only; PostgreSQL's parser keeps "3.5", e-mail addresses and
paths as single tokens). So neither engine is trusted to read the text: Python strips the
markup, decomposes (NFKD), drops the accents, casefolds and keeps only runs of letters and
digits, and each engine indexes that column, already split by single spaces. The query's
words go through the same function, and snippets are cut here from the stored plain text:
the same ids and the same snippet HTML on both databases (issue 13).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup

from portal.sanitize import formatted_words, plain_text

#: A word: a run of letters and digits (the underscore is punctuation here, as in FTS5).
_WORD = re.compile(r"[^\W_]+")
#: Longer "words" are pasted hashes or encoded data nobody types; PostgreSQL refuses
#: lexemes past 2 KB, so both engines leave them out alike.
WORD_MAX = 60
#: A query longer than this is not a search someone typed.
QUERY_MAX = 200
#: More words than this are refused rather than run as a slow many-way AND.
TERMS_MAX = 8
#: Characters of context either side of the first match in a snippet.
SNIPPET_CONTEXT = 90
#: Snippet length when the body has no match (the title matched): its opening.
SNIPPET_OPENING = 180


def fold(word: str) -> str:
    """Compatibility-decomposed, accents dropped, casefolded: "Ｍédia" -> "media"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def word_terms(word: str) -> list[str]:
    """The index terms one written word gives (usually one; "½" gives "1" and "2")."""
    return [term for term in _WORD.findall(fold(word)) if len(term) <= WORD_MAX]


def terms_of(*texts: str) -> str:
    """What the index reads: every term of ``texts``, separated by single spaces."""
    out: list[str] = []
    for text in texts:
        if text.isascii():
            # The same terms as below, without Unicode work: most texts are plain ASCII,
            # and indexing 500,000 questions spends its time here.
            out.extend(t for t in _WORD.findall(text.lower()) if len(t) <= WORD_MAX)
            continue
        for match in _WORD.finditer(unicodedata.normalize("NFC", text)):
            out.extend(word_terms(match.group(0)))
    return " ".join(out)


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def from_html(safe_html: str) -> str:
    """Stored (sanitized) HTML as one line of plain words."""
    return _nfc(" ".join(plain_text(safe_html).split()))


def from_typed(text: str) -> str:
    """Text as typed with light formatting marks, as one line of plain words."""
    return _nfc(formatted_words(text))


class QueryError(ValueError):
    """A search that cannot be run, with a message for the person."""


@dataclass(frozen=True)
class Query:
    #: Every term, each matched as a word prefix; all are required.
    terms: tuple[str, ...]
    #: Quoted phrases, as their terms: these must also follow each other in this order.
    phrases: tuple[tuple[str, ...], ...] = ()

    def __str__(self) -> str:
        return " ".join(self.terms)


_QUOTED = re.compile(r'"([^"]*)"')


def parse_query(raw: str | None) -> Query:
    """The person's words as terms; raises QueryError with a message when there are none.

    Everything that is not a letter or digit is a separator, so FTS5's syntax (``*``,
    ``-``, ``NEAR(``, ``^``, a stray quote) and tsquery's (``&``, ``!``, ``:*``) never
    reach the engines. Whole quotes mark phrases; an unmatched quote is only a character.
    """
    text = (raw or "").strip()
    if not text:
        raise QueryError("Type a word to search for.")
    if len(text) > QUERY_MAX:
        raise QueryError(f"Keep the search to {QUERY_MAX} characters.")
    phrases = []
    for quoted in _QUOTED.findall(text):
        words = tuple(terms_of(quoted).split())
        if len(words) > 1:
            phrases.append(words)
    terms: list[str] = []
    for term in terms_of(text).split():
        if term not in terms:
            terms.append(term)
    if not terms:
        raise QueryError("Type a word to search for: letters or digits, not only punctuation.")
    if len(terms) > TERMS_MAX:
        raise QueryError(f"Use at most {TERMS_MAX} different words.")
    return Query(terms=tuple(terms), phrases=tuple(phrases))


def _hit(word: str, terms: Iterable[str]) -> bool:
    return any(part.startswith(term) for part in word_terms(word) for term in terms)


def highlight(text: str, terms: Iterable[str]) -> Markup:
    """``text`` escaped, each word that a term prefixes wrapped in ``<mark>``."""
    terms = tuple(terms)
    out: list[str] = []
    position = 0
    for match in _WORD.finditer(text):
        if _hit(match.group(0), terms):
            out.append(html.escape(text[position : match.start()]))
            out.append(f"<mark>{html.escape(match.group(0))}</mark>")
            position = match.end()
    out.append(html.escape(text[position:]))
    return Markup("".join(out))  # noqa: S704 - every piece was escaped above


def snippet(text: str, terms: Iterable[str]) -> Markup:
    """A window of ``text`` around its first match, cut at word boundaries, highlighted."""
    terms = tuple(terms)
    first = next((m for m in _WORD.finditer(text) if _hit(m.group(0), terms)), None)
    if first is None:
        start, end = 0, SNIPPET_OPENING
    else:
        start, end = first.start() - SNIPPET_CONTEXT, first.end() + SNIPPET_CONTEXT
    start, end = max(start, 0), min(end, len(text))
    # Never cut a word in two: move the edges out to the next space.
    if start > 0:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 else 0
    if end < len(text):
        space = text.find(" ", end)
        end = space if space >= 0 else len(text)
    body = highlight(text[start:end], terms)
    prefix = "\u2026 " if start > 0 else ""
    suffix = " \u2026" if end < len(text) else ""
    # Adding plain strings to Markup escapes them: the ellipses need no exception.
    return prefix + body + suffix
