"""Light formatting for questions and answers, made safe (SPEC 8).

The only module that imports bleach (STYLE). Firm users and FDA staff type
into a plain textarea: a blank line starts a paragraph, a line break stays a
line break, and the few tags below may be used for emphasis, lists and links.
Everything else is escaped, so it shows as the text that was typed and never
runs: a pasted ``<script>`` reads as ``<script>`` on the page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import bleach
from bleach.html5lib_shim import Filter

#: The formatting SPEC 8 allows: paragraphs, line breaks, lists, bold, italic, links.
ALLOWED_TAGS = frozenset({"p", "br", "ul", "ol", "li", "strong", "em", "a"})
#: Links may only leave the portal for the web or an email program.
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
#: Every link gets this: no ranking credit for spam, no handle on the portal's window.
LINK_REL = "nofollow noopener"

# What browsers ignore inside a URL scheme ("java\tscript:"), removed before judging it.
_URL_NOISE = re.compile(r"[`\x00-\x20\x7f-\xa0\s]+")
_BLOCK_START = re.compile(r"^<(p|ul|ol)[\s>]", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# A line break in the text, not one inside a tag someone typed over two lines.
_LINE_BREAK = re.compile(r"\n(?![^<>]*>)")
# People type <b> and <i> out of habit; they mean what <strong> and <em> say.
_HABITS = (
    (re.compile(r"<(/?)b>", re.IGNORECASE), r"<\1strong>"),
    (re.compile(r"<(/?)i>", re.IGNORECASE), r"<\1em>"),
)


def _is_allowed_href(value: str) -> bool:
    """An absolute http, https or mailto address; nothing relative, nothing scripted."""
    normalized = _URL_NOISE.sub("", html.unescape(value)).lower()
    normalized = re.sub(r"[^\x00-\x7f]", "", normalized)
    try:
        scheme = urlsplit(normalized).scheme
    except ValueError:
        return False
    return scheme in ALLOWED_PROTOCOLS


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    return tag == "a" and name == "href" and _is_allowed_href(value)


class _LinkRelFilter(Filter):
    """Sets rel on every link the sanitizer let through (what the person typed is dropped)."""

    def __iter__(self) -> Iterator[dict]:
        for token in super().__iter__():
            if token["type"] == "StartTag" and token["name"] == "a":
                attributes = dict(token.get("data") or {})
                attributes.pop((None, "rel"), None)
                if (None, "href") in attributes:
                    attributes[(None, "rel")] = LINK_REL
                token = {**token, "data": attributes}
            yield token


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allowed_attribute,
    protocols=ALLOWED_PROTOCOLS,
    strip=False,
    strip_comments=True,
    filters=[_LinkRelFilter],
)


def _paragraphs(text: str) -> str:
    """Blank-line separated blocks become paragraphs; single line breaks become <br>."""
    for pattern, replacement in _HABITS:
        text = pattern.sub(replacement, text)
    blocks = []
    for block in _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").replace("\r", "\n").strip()):
        block = block.strip()
        if not block:
            continue
        if _BLOCK_START.match(block):
            blocks.append(block)
        else:
            blocks.append("<p>" + _LINE_BREAK.sub("<br>\n", block) + "</p>")
    return "\n".join(blocks)


def clean_html(text: str) -> str:
    """Typed text with light formatting, as HTML that is safe to render as it is."""
    if not text or not text.strip():
        return ""
    return _cleaner.clean(_paragraphs(text))


def editable_text(safe_html: str) -> str:
    """Stored HTML back into what a person edits: the inverse of `clean_html` for its output.

    Paragraphs and line breaks turn back into blank lines and line breaks;
    escaped characters are shown as typed, so saving again changes nothing.
    """
    text = re.sub(r"<br\s*/?>\n?", "\n", safe_html)
    text = re.sub(r"</p>\s*", "\n\n", text)
    text = re.sub(r"<p>", "", text)
    text = re.sub(r"\s*(<(?:ul|ol)>)", r"\n\n\1", text)
    text = re.sub(r"(</(?:ul|ol)>)\s*", r"\1\n\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return html.unescape(text)


def plain_text(safe_html: str) -> str:
    """The words of stored HTML without markup (for checks such as "is it empty")."""
    return html.unescape(re.sub(r"<[^>]*>", " ", safe_html)).strip()
