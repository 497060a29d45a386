"""The sanitizer remembers its recent answers (issue 15) without changing any of them."""

from __future__ import annotations

import pytest

from portal import sanitize
from portal.sanitize import (
    CACHED_TEXT_CHARS,
    InlineFormatted,
    clean_html,
    formatted_words,
    inline_html,
)
from tests.test_sanitize import XSS_PAYLOADS

TEXTS = [
    *XSS_PAYLOADS,
    "",
    "   \n ",
    "**Bold** and *italic* with [a link](https://www.fda.gov/drugs)",
    "- one\n- two\n\n1. first\n2. second",
    "one\r\ntwo\r\n\r\nthree",
    "pH < 7 & temperature > 2 \u00b0C",
]


@pytest.fixture(autouse=True)
def _empty_caches():
    clean_html.cache_clear()
    formatted_words.cache_clear()
    yield
    clean_html.cache_clear()
    formatted_words.cache_clear()


@pytest.mark.parametrize("convert", [clean_html, formatted_words], ids=lambda f: f.__name__)
def test_a_remembered_answer_is_the_one_the_sanitizer_gives(convert):
    for text in TEXTS:
        fresh = convert.__wrapped__(text)
        assert convert(text) == fresh
        assert convert(text) == fresh
        assert type(convert(text)) is str
    info = convert.cache_info()
    assert info.hits >= len(set(TEXTS))
    assert info.currsize == len(set(TEXTS))


def test_the_second_request_for_a_text_does_not_run_the_sanitizer(monkeypatch):
    calls = []
    real = sanitize._final.clean

    def counting(text):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(sanitize._final, "clean", counting)
    first = clean_html("**Overdue** CAPA for line 3")
    assert len(calls) == 1
    assert clean_html("**Overdue** CAPA for line 3") == first
    assert formatted_words("**Overdue** CAPA for line 3") == "Overdue CAPA for line 3"
    assert len(calls) == 1
    assert clean_html("**Overdue** CAPA for line 4") != first
    assert len(calls) == 2


def test_each_mode_keeps_its_own_answers():
    text = "**Bold** words\n\n- a list"
    assert clean_html(text) == "<p><strong>Bold</strong> words</p>\n<ul><li>a list</li></ul>"
    assert formatted_words(text) == "Bold words a list"
    assert clean_html(text) == "<p><strong>Bold</strong> words</p>\n<ul><li>a list</li></ul>"


def test_no_text_and_a_str_subclass_are_the_same_text():
    assert formatted_words(None) == formatted_words("") == ""
    clean_html.cache_clear()
    assert clean_html(InlineFormatted("*x*")) == clean_html("*x*") == "<p><em>x</em></p>"
    assert clean_html.cache_info().currsize == 1
    assert str(InlineFormatted("*x*").__html__()) == inline_html("*x*") == "<em>x</em>"


def test_long_texts_are_converted_every_time_not_kept():
    long_text = "**word** " * (CACHED_TEXT_CHARS // 9 + 1)
    assert len(long_text) > CACHED_TEXT_CHARS
    assert clean_html(long_text) == clean_html.__wrapped__(long_text)
    assert clean_html(long_text) == clean_html.__wrapped__(long_text)
    assert clean_html.cache_info().currsize == 0


def test_the_cache_is_bounded():
    assert clean_html.cache_info().maxsize == sanitize.CACHED_TEXTS
    for n in range(sanitize.CACHED_TEXTS + 10):
        clean_html(f"text {n}")
    assert clean_html.cache_info().currsize == sanitize.CACHED_TEXTS
