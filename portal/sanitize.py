"""Light formatting for questions, answers and other long texts, made safe (SPEC 8).

The only module that imports bleach (STYLE). People type Markdown-style marks
(``**bold**``, ``*italic*``, ``- item``, ``1. item``, ``[words](https://...)``)
into a plain textarea, which a small toolbar can write for them; a blank line
starts a paragraph and a line break stays a line break. The few HTML tags below
still work for those who type them. Everything else is escaped, so it shows as
the text that was typed and never runs: a pasted ``<script>`` reads as
``<script>`` on the page. The Markdown parser only turns marks into tags;
bleach decides, before and after it, what may reach a page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import urlsplit

import bleach
from bleach.html5lib_shim import Filter
from markdown_it import MarkdownIt

#: The formatting SPEC 8 allows: paragraphs, line breaks, lists, bold, italic, links.
ALLOWED_TAGS = frozenset({"p", "br", "ul", "ol", "li", "strong", "em", "a"})
#: Links may only leave the portal for the web or an email program.
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
#: Every link gets this: no ranking credit for spam, no handle on the portal's window.
LINK_REL = "nofollow noopener"
#: What the hint under a formatted text area says works (shown where JavaScript does not run).
FORMATTING_HINT = (
    "Leave a blank line between paragraphs. For bold type **two stars** around words, for "
    "italic *one star*; start lines with - for a list or 1. for a numbered list; write a link "
    "as [words](https://...). Other marks are shown as typed."
)

# What browsers ignore inside a URL scheme ("java\tscript:"), removed before judging it.
_URL_NOISE = re.compile(r"[`\x00-\x20\x7f-\xa0\s]+")
# People type <b> and <i> out of habit; they mean what <strong> and <em> say.
_HABITS = (
    (re.compile(r"<(/?)b>", re.IGNORECASE), r"<\1strong>"),
    (re.compile(r"<(/?)i>", re.IGNORECASE), r"<\1em>"),
)
# One canonical layout of the output, so an edit saved unchanged stores the same bytes.
_LIST_TAG_SPACE = re.compile(r"\s*(</?(?:ul|ol|li)>)\s*")
_BLOCK_JOIN = re.compile(r"(</(?:p|ul|ol)>)\s*(?=<(?:p|ul|ol)>)")


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
    """Sets rel on every link the sanitizer let through (what the person typed is dropped).

    A link whose address was refused loses its tag too, keeping only its words:
    an ``<a>`` without an address would still look like a link that goes nowhere.
    """

    def __iter__(self) -> Iterator[dict]:
        kept: list[bool] = []
        for token in super().__iter__():
            if token["type"] == "StartTag" and token["name"] == "a":
                attributes = dict(token.get("data") or {})
                attributes.pop((None, "rel"), None)
                if (None, "href") not in attributes:
                    kept.append(False)
                    continue
                kept.append(True)
                attributes[(None, "rel")] = LINK_REL
                token = {**token, "data": attributes}
            elif token["type"] == "EndTag" and token["name"] == "a":
                if kept and not kept.pop():
                    continue
            yield token


def _cleaner(filters: list) -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=False,
        strip_comments=True,
        filters=filters,
    )


#: The hint for a text that stays one paragraph inside a page (FDA's paragraph in a letter).
INLINE_FORMATTING_HINT = (
    "For bold type **two stars** around words, for italic *one star*; write a link as "
    "[words](https://...). Other marks are shown as typed."
)

# Before Markdown: escape every tag that is not allowed, so the parser never sees raw HTML
# it would pass through as a block. After it: the same rules on what the parser made.
_escape_tags = _cleaner([])
_final = _cleaner([_LinkRelFilter])


def _markdown() -> MarkdownIt:
    """CommonMark with only the marks SPEC 8 allows; the rest stays as typed."""
    md = MarkdownIt("commonmark", {"html": True, "breaks": True, "linkify": False})
    md.disable(["code", "fence", "blockquote", "hr", "heading", "lheading", "backticks", "image"])
    return md


_md = _markdown()


#: Texts up to this long are remembered with their output (see `_remembered`).
CACHED_TEXT_CHARS = 8192
#: How many different texts each mode remembers: a page shows dozens, a worker serves
#: a few firms' worth; with CACHED_TEXT_CHARS this bounds the memory at tens of MB.
CACHED_TEXTS = 2048


def _remembered(convert):
    """``convert`` (a pure function of the exact text) with its recent answers kept.

    Pages show the same descriptions and titles on every request, and bleach with the
    Markdown parser costs about a millisecond a text (issue 15). The output depends on
    nothing but the text, so a remembered answer is the same string. Long texts are
    converted every time, so the cache stays small whatever people paste.
    """
    cached = lru_cache(maxsize=CACHED_TEXTS)(convert)

    def convert_or_recall(text):
        # str(...): a str subclass (InlineFormatted) is the same text, one entry.
        if type(text) is not str:
            text = "" if text is None else str(text)
        if len(text) > CACHED_TEXT_CHARS:
            return convert(text)
        return cached(text)

    convert_or_recall.__doc__ = convert.__doc__
    convert_or_recall.__wrapped__ = convert
    convert_or_recall.cache_info = cached.cache_info
    convert_or_recall.cache_clear = cached.cache_clear
    return convert_or_recall


@_remembered
def clean_html(text: str) -> str:
    """Typed text with light formatting, as HTML that is safe to render as it is."""
    if not text or not text.strip():
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for pattern, replacement in _HABITS:
        text = pattern.sub(replacement, text)
    # Comments, CDATA and doctypes are shown as typed, like any other markup not allowed.
    text = text.replace("<!", "&lt;!")
    rendered = _md.render(_escape_tags.clean(text))
    cleaned = _final.clean(rendered)
    cleaned = _LIST_TAG_SPACE.sub(r"\1", cleaned)
    return _BLOCK_JOIN.sub(r"\1\n", cleaned).strip()


_ONE_PARAGRAPH = re.compile(r"<p>((?:(?!</?p>).)*)</p>", re.DOTALL)


def inline_html(text: str) -> str:
    """One paragraph's bold, italic and links, as HTML to put inside a paragraph of its own.

    Anything that would need a block of its own (a list, a second paragraph) is
    not formatting this place allows: the text is then shown escaped, as typed.
    """
    whole = _ONE_PARAGRAPH.fullmatch(clean_html(text))
    if whole is None or "<br>" in whole.group(1):
        return html.escape(text)
    return whole.group(1)


class InlineFormatted(str):
    """Text as typed that an HTML template shows through :func:`inline_html`.

    In a plain-text template (an email's text part) it is just its source, so the
    same value serves both parts of a message and the printable page.
    """

    def __html__(self) -> str:
        return inline_html(self)


# Marks that would turn words into formatting when the stored text is edited again.
_MD_SPECIAL = re.compile(r"([\\*\[\]])")
_MD_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_MD_LINE_START = re.compile(r"^(\s*)([-+]|\d+[.)])(?=\s|$)", re.MULTILINE)
_TAG_LOOKALIKE = re.compile(r"<(?=/?(?:p|br|ul|ol|li|strong|em|a|b|i)\b)", re.IGNORECASE)
_ENTITY_LOOKALIKE = re.compile(r"&(?=#?\w+;)")


def _escape_markdown(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _MD_UNDERSCORE.sub(r"\\_", text)
    text = _ENTITY_LOOKALIKE.sub("&amp;", text)
    return _TAG_LOOKALIKE.sub("&lt;", text)


def _escape_line_start(match: re.Match) -> str:
    """Words that open a line like a list marker ("1. ", "- ") stay words."""
    indent, marker = match.groups()
    if marker[-1] in ".)":
        return indent + marker[:-1] + "\\" + marker[-1]
    return indent + "\\" + marker


class _MarkdownWriter(HTMLParser):
    """Stored (already clean) HTML back into the marks a person types."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []  # [kind, next number]
        self.href: list[str | None] = []
        self.after_break = False

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def _block_break(self) -> None:
        if self.out and not "".join(self.out[-2:]).endswith("\n\n"):
            self.out.append("\n\n")

    def handle_starttag(self, tag, attrs):
        self.after_break = False
        if tag == "p" and not self.lists:
            self._block_break()
        elif tag == "br":
            self.out.append("\n" + "   " * len(self.lists))
            self.after_break = True
            return
        elif tag in ("ul", "ol"):
            if not self.lists:
                self._block_break()
            self.lists.append([tag, 1])
        elif tag == "li" and self.lists:
            kind = self.lists[-1]
            marker = "-" if kind[0] == "ul" else f"{kind[1]}."
            kind[1] += 1
            if self.out and not self.out[-1].endswith("\n"):
                self.out.append("\n")
            self.out.append("   " * (len(self.lists) - 1) + marker + " ")
        elif tag == "strong":
            self.out.append("**")
        elif tag == "em":
            self.out.append("*")
        elif tag == "a":
            href = dict(attrs).get("href")
            self.href.append(href)
            if href:
                self.out.append("[")

    def handle_endtag(self, tag):
        if tag == "p" and not self.lists:
            self.out.append("\n\n")
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            if not self.lists:
                self.out.append("\n\n")
        elif tag == "strong":
            self.out.append("**")
        elif tag == "em":
            self.out.append("*")
        elif tag == "a" and self.href:
            href = self.href.pop()
            if href:
                address = href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
                self.out.append(f"]({address})")

    def handle_data(self, data):
        if self.after_break:
            data = data.lstrip("\n")
            self.after_break = False
        if self.lists and not data.strip():
            return
        text = _escape_markdown(data)
        if not self.out or self.out[-1].endswith(("\n", " ")):
            text = _MD_LINE_START.sub(_escape_line_start, text)
        self.out.append(text)


def editable_text(safe_html: str) -> str:
    """Stored HTML back into what a person edits: the inverse of `clean_html` for its output.

    Paragraphs, line breaks, lists, emphasis and links turn back into the marks
    that make them; text that merely looks like a mark is escaped, so saving
    again changes nothing.
    """
    writer = _MarkdownWriter()
    writer.feed(safe_html)
    writer.close()
    text = "".join(writer.out)
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+\n", "\n", text)).strip()


def plain_text(safe_html: str) -> str:
    """The words of stored HTML without markup (for checks such as "is it empty")."""
    return html.unescape(re.sub(r"<[^>]*>", " ", safe_html)).strip()


# Emphasis and links sit inside words; paragraphs, lists and breaks separate them.
_INLINE_TAGS = re.compile(r"</?(?:strong|em|a)\b[^>]*>")


@_remembered
def formatted_words(text: str | None) -> str:
    """The words of a formatted text (as typed, with its marks) on one line, marks gone.

    For titles, shortened lines and sentences built around the text (the eligibility
    evidence), where paragraphs and emphasis have no place but ``**`` would show.
    """
    inline_marks_gone = _INLINE_TAGS.sub("", clean_html(text or ""))
    return " ".join(plain_text(inline_marks_gone).split())


# An https address in plain text, up to the first space or closing bracket/quote.
_HTTPS_URL = re.compile(r"https://[^\s<>\"')\]]+")
# Trailing punctuation that ends the sentence, not the address.
_URL_TAIL = re.compile(r"[.,;:!?]+$")
# Where a long address may wrap: after these characters, never inside a word.
_URL_BREAKS = re.compile(r"([/?&=#.])")


def _wrappable(text: str) -> str:
    """Escaped text with <wbr> after each separator: a long address wraps at sensible points."""
    return "".join(
        html.escape(part) + ("<wbr>" if _URL_BREAKS.fullmatch(part) else "")
        for part in _URL_BREAKS.split(text)
        if part
    )


def link_https(text: str | None) -> str:
    """Plain text (join details of a meeting) as HTML, its https addresses made links.

    Everything is escaped; only addresses that pass the same check as links in
    questions (``https`` only here: join links are web pages) become ``<a>``.
    """
    if not text:
        return ""
    out: list[str] = []
    position = 0
    for match in _HTTPS_URL.finditer(text):
        address = match.group(0)
        tail = _URL_TAIL.search(address)
        if tail:
            address = address[: tail.start()]
        out.append(html.escape(text[position : match.start()]))
        if _is_allowed_href(address):
            out.append(
                f'<a href="{html.escape(address)}" rel="{LINK_REL}">{_wrappable(address)}</a>'
            )
        else:
            out.append(html.escape(address))
        position = match.start() + len(address)
    out.append(html.escape(text[position:]))
    return "".join(out)
