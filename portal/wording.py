"""Small rules of written English that pages and emails share (issue 16).

One definition each, so "American Regent, Inc." ends a sentence with one full
stop everywhere, in a page, an email or a flash message.
"""

from __future__ import annotations

from collections.abc import Iterable

_SENTENCE_ENDS = (".", "?", "!", "\u2026")


def full_stop(text: object) -> str:
    """The text ending a sentence: a full stop added unless it already ends with one.

    "American Regent, Inc." stays as it is; "Northwind Pharmaceuticals" gains the stop.
    """
    words = "" if text is None else str(text).rstrip()
    if not words or words.endswith(_SENTENCE_ENDS):
        return words
    return words + "."


def join_names(names: Iterable[str]) -> str:
    """ "Ana", "Ana and Ben", "Ana, Ben and Cy": names as a sentence lists them."""
    listed = [name for name in names if name]
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " and " + listed[-1]


def lower_first(text: object) -> str:
    """A label inside a sentence: "Verified by FDA" becomes "verified by FDA".

    Only the first letter is lowered, so acronyms later in the label keep their
    capitals; a label that opens with an acronym ("FDA review") is left alone.
    """
    words = "" if text is None else str(text)
    first = words.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return words
    return words[:1].lower() + words[1:]
