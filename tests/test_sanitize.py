"""portal.sanitize: typed text renders inert and light formatting survives (SPEC 8)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from portal.sanitize import ALLOWED_TAGS, LINK_REL, clean_html, editable_text, plain_text

#: Script tags, event handlers, javascript:/data:/vbscript: links, SVG and MathML, style,
#: malformed markup, entity and encoding tricks: each must come out unable to run.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<script/xss src=//evil.example/x.js></script>",
    "<<script>alert(1)//<</script>",
    "<script>alert(String.fromCharCode(88,83,83))</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    "<img src=`javascript:alert(1)`>",
    "<img/src=x/onerror=alert(1)>",
    '<body onload="alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></math>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JAVASCRIPT:alert(1)">click</a>',
    '<a href=" javascript:alert(1)">click</a>',
    '<a href="java\tscript:alert(1)">click</a>',
    '<a href="java&#x09;script:alert(1)">click</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">click</a>',
    '<a href="&#x6A;avascript:alert(1)">click</a>',
    '<a href="jav&#x0A;ascript:alert(1)">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    '<a href="data:text/html,<script>alert(1)</script>">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<a href="https://fda.gov" onclick="alert(1)">click</a>',
    '<a href="https://fda.gov" onmouseover=alert(1)>hover</a>',
    '<a href="https://fda.gov" style="position:fixed;top:0;left:0;width:100%;height:100%">x</a>',
    '<a href="https://fda.gov" target="_blank" rel="opener">x</a>',
    '<a href="//evil.example/">protocol-relative</a>',
    '<a href="/admin/users">relative</a>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="width: expression(alert(1))">ie</div>',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "<input onfocus=alert(1) autofocus>",
    "<textarea onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    '<video><source onerror="alert(1)"></video>',
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    '<p onclick="alert(1)">para</p>',
    '<strong onmouseover="alert(1)">bold</strong>',
    "<li onclick=alert(1)>item</li>",
    "<!--<script>alert(1)</script>-->",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<p>unclosed <em>tags <strong>everywhere",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
    '<a href="https://fda.gov"\nonclick=alert(1)>newline attr</a>',
    '<a href="https://fda.gov"><img src=x onerror=alert(1)></a>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    "<xmp><script>alert(1)</script></xmp>",
    "<plaintext><script>alert(1)</script>",
]

DANGEROUS_ELEMENTS = re.compile(
    r"<\s*/?\s*(script|style|svg|math|iframe|img|object|embed|link|meta|base|form|input|textarea|"
    r"details|video|audio|source|marquee|body|template|xmp|plaintext|noscript|div|b)\b",
    re.IGNORECASE,
)


class _Elements(HTMLParser):
    """Every element and attribute a browser-like parse of the output yields."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_comment(self, data):
        self.comments.append(data)


def elements_of(markup: str) -> _Elements:
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    return parser


def assert_inert(markup: str) -> None:
    parsed = elements_of(markup)
    assert not parsed.comments, markup
    assert not DANGEROUS_ELEMENTS.search(markup), markup
    for tag, attributes in parsed.elements:
        assert tag in ALLOWED_TAGS, (tag, markup)
        if tag != "a":
            assert not attributes, (tag, attributes, markup)
            continue
        assert set(attributes) <= {"href", "rel"}, (attributes, markup)
        if "href" in attributes:
            assert attributes["rel"] == LINK_REL, markup
            assert urlsplit(attributes["href"].strip()).scheme in {"http", "https", "mailto"}, (
                markup
            )


def test_there_are_at_least_fifty_distinct_payloads():
    assert len(set(XSS_PAYLOADS)) >= 50


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_renders_inert(payload):
    cleaned = clean_html(payload)
    assert cleaned, "the text itself is kept, escaped, not silently dropped"
    assert_inert(cleaned)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_survives_an_edit_round_trip_inert(payload):
    """What the edit form shows, saved again, is still inert (the edit path is an input too)."""
    assert_inert(clean_html(editable_text(clean_html(payload))))


def test_script_shows_as_the_text_that_was_typed():
    cleaned = clean_html("<script>alert(1)</script>")
    assert "&lt;script&gt;" in cleaned
    assert plain_text(cleaned) == "<script>alert(1)</script>"


def test_allowed_formatting_survives():
    typed = (
        "First paragraph with <strong>bold</strong> and <em>italic</em>.\n"
        "A line break.\n\n"
        "<ul><li>one</li><li>two</li></ul>\n\n"
        "<ol><li>first</li></ol>\n\n"
        'See <a href="https://www.fda.gov/drugs">FDA</a> or '
        '<a href="mailto:sep@fda.hhs.gov">write</a>.'
    )
    cleaned = clean_html(typed)
    assert "<p>First paragraph with <strong>bold</strong> and <em>italic</em>.<br>" in cleaned
    assert "<ul><li>one</li><li>two</li></ul>" in cleaned
    assert "<ol><li>first</li></ol>" in cleaned
    assert '<a href="https://www.fda.gov/drugs" rel="nofollow noopener">FDA</a>' in cleaned
    assert '<a href="mailto:sep@fda.hhs.gov" rel="nofollow noopener">write</a>' in cleaned
    assert_inert(cleaned)


def test_habitual_b_and_i_become_strong_and_em():
    assert clean_html("<b>x</b> <i>y</i>") == "<p><strong>x</strong> <em>y</em></p>"


def test_a_link_loses_a_forbidden_href_but_keeps_its_text():
    cleaned = clean_html('<a href="javascript:alert(1)">read me</a>')
    assert "read me" in cleaned
    assert "href" not in cleaned and "javascript" not in cleaned


def test_plain_text_keeps_its_paragraphs_and_line_breaks():
    assert clean_html("one\ntwo\n\nthree") == "<p>one<br>\ntwo</p>\n<p>three</p>"


def test_special_characters_are_escaped_not_lost():
    cleaned = clean_html("pH < 7 & temperature > 2 \u00b0C")
    assert cleaned == "<p>pH &lt; 7 &amp; temperature &gt; 2 \u00b0C</p>"
    assert html.unescape(cleaned[3:-4]) == "pH < 7 & temperature > 2 \u00b0C"


@pytest.mark.parametrize(
    "typed",
    [
        "Plain question\n\nwith two paragraphs",
        "<script>x</script> & <b>bold</b>",
        "<ul><li>a</li></ul>\n\nafter the list",
        'A <a href="https://fda.gov">link</a>\nand a break',
    ],
)
def test_editing_shows_what_was_typed_and_saving_again_changes_nothing(typed):
    once = clean_html(typed)
    assert clean_html(editable_text(once)) == once


def test_empty_and_blank_input_give_nothing():
    assert clean_html("") == ""
    assert clean_html("  \n\n ") == ""
    assert plain_text(clean_html("<p></p>")) == ""


def test_a_tag_typed_over_two_lines_stays_one_link():
    cleaned = clean_html('<a href="https://fda.gov"\nonclick=alert(1)>the guidance</a>\nnext line')
    assert cleaned == (
        '<p><a href="https://fda.gov" rel="nofollow noopener">the guidance</a><br>\nnext line</p>'
    )


def test_markdown_marks_give_the_allowed_formatting():
    typed = (
        "First with **bold** and *italic*.\nA line break.\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n"
        "See [FDA](https://www.fda.gov/drugs) or [write](mailto:sep@fda.hhs.gov)."
    )
    assert clean_html(typed) == (
        "<p>First with <strong>bold</strong> and <em>italic</em>.<br>\nA line break.</p>\n"
        "<ul><li>one</li><li>two</li></ul>\n<ol><li>first</li><li>second</li></ol>\n"
        '<p>See <a href="https://www.fda.gov/drugs" rel="nofollow noopener">FDA</a> or '
        '<a href="mailto:sep@fda.hhs.gov" rel="nofollow noopener">write</a>.</p>'
    )


@pytest.mark.parametrize(
    "typed",
    ["# Heading", "> quoted", "    indented code", "`code`", "---"],
)
def test_markdown_beyond_the_allowed_marks_stays_text(typed):
    cleaned = clean_html(typed)
    assert_inert(cleaned)
    assert cleaned.startswith("<p>") and "<a" not in cleaned


@pytest.mark.parametrize(
    "typed",
    [
        '<a href="javascript:alert(1)">read me</a>',
        "[read me](javascript:alert(1))",
        '<a href="/relative">read me</a>',
        "<a>read me</a>",
    ],
)
def test_a_refused_link_does_not_look_like_a_link(typed):
    cleaned = clean_html(typed)
    assert "<a" not in cleaned and "read me" in cleaned


@pytest.mark.parametrize(
    "typed",
    [
        "**bold** *it* [FDA](https://fda.gov)\n\n- a\n  - nested\n- b\n\n1. x\n2. y",
        "1\\. not a list\n\\- nor this\nfile_name 3 \\* 4 \\[x\\]",
        "&copy; R&D &lt;strong&gt; stays text",
    ],
)
def test_markdown_edit_round_trip_changes_nothing(typed):
    once = clean_html(typed)
    assert clean_html(editable_text(once)) == once


def test_an_image_mark_shows_no_image():
    cleaned = clean_html("![x](https://e.example/i.png)")
    assert_inert(cleaned)
    assert "<img" not in cleaned


def test_join_details_make_https_addresses_links_and_escape_the_rest():
    from portal.sanitize import link_https

    shown = link_https('Join: https://fda.zoomgov.com/j/16?pwd=ab1. Passcode: 4455 <b>"x"</b>')
    assert shown.startswith('Join: <a href="https://fda.zoomgov.com/j/16?pwd=ab1" rel="')
    assert "</a>. Passcode: 4455 &lt;b&gt;&quot;x&quot;&lt;/b&gt;" in shown
    assert "<wbr>" in shown, "a long address may wrap at its separators"
    assert_inert(shown.replace("<wbr>", ""))


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "http://plain.example/",
        'https://x.example/"onmouseover="alert(1)',
        "https://x.example/<script>alert(1)</script>",
    ],
)
def test_join_details_never_link_anything_but_https(text):
    from portal.sanitize import link_https

    shown = link_https(text).replace("<wbr>", "")
    assert_inert(shown)
    assert "<script" not in shown
    for href in re.findall(r'href="([^"]*)"', shown):
        assert href.startswith("https://") and '"' not in html.unescape(href)
