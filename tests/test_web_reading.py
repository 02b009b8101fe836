"""The document view's body: Markdown rendered safely, the cited passage marked exactly."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.chunking import split_sentences
from bot.documents import load_document
from bot.types import Span
from bot.web.reading import inline_html, reading_html, safe_href
from tests.conftest import FIXTURES, SEED_ID, SHIPPED_DOCS

MEH = FIXTURES / "ianrenton-2010-the-meh-society.md"
HOSTILE = FIXTURES / "hostile-reading.md"


class Parsed(HTMLParser):
    """Tags, attributes, the text of the marks, and the text shown."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.marks: list[str] = []
        self.shown: list[str] = []
        self._in_mark = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))
        if tag == "mark":
            self._in_mark = True
            self.marks.append("")

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "mark":
            self._in_mark = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.shown.append(data)
        if self._in_mark:
            self.marks[-1] += data


def marked(text: str, start: int, end: int) -> str:
    page = reading_html(text, markdown=True, marked=Span(start, end))
    return "".join(Parsed(page).marks)


def span_of(text: str, passage: str) -> tuple[int, int]:
    start = text.index(passage)
    return start, start + len(passage)


def test_a_passage_through_links_is_marked_without_their_addresses() -> None:
    text = load_document(MEH, MEH.parent).text
    start = text.index("Today, [Ed Miliband]")
    end = text.index("optimistic.") + len("optimistic.")
    assert marked(text, start, end) == (
        "Today, Ed Miliband gave his acceptance speech to the Labour party conference, and "
        "having watched it, I caught myself accidentally feeling cautiously optimistic."
    )
    page = reading_html(text, markdown=True, marked=Span(start, end))
    assert '<a href="http://www.westminsterhubble.com/Edward_Miliband" target="_blank" ' in page
    assert page.count('<mark id="extract" tabindex="-1">') == 1  # the first piece only
    assert '<mark id="extract" tabindex="-1">Today, </mark><a href=' in page


def test_emphasis_is_rendered_and_a_passage_in_it_marked_to_the_character() -> None:
    text = load_document(MEH, MEH.parent).text
    start, end = span_of(text, "_The Good Society_, really?")
    assert marked(text, start, end) == "The Good Society, really?"
    assert "<em>" in reading_html(text, markdown=True, marked=Span(start, end))
    inside = text.index("Good Society_, really")
    assert marked(text, inside + 5, inside + 12) == "Society"  # cut inside the emphasis


@pytest.mark.parametrize(
    ("source", "passage", "shown"),
    [
        ("Tea &amp; cake. Then & more.", "Tea &amp; cake.", "Tea & cake."),
        ("An \\*escaped\\* star here.", "An \\*escaped\\* star", "An *escaped* star"),
        ("# Title\n\n- item *two* is here\n- three", "- item *two* is here", "item two is here"),
        ("> quoted **bold** words", "quoted **bold** words", "quoted bold words"),
        ("Intro.\n\n```\ncode line\nnext\n```\n", "code line\nnext", "code linenext"),
        ("One para.\n\nTwo para.", "para.\n\nTwo", "para.Two"),  # across blocks
        ("| a | b |\n|---|---|\n| one | two |", "one | two", "onetwo"),
        ("See ![a map](http://x.invalid/m.png) here.", "See ![a map](http", "See a map"),
    ],
)
def test_the_marked_pieces_are_exactly_the_passage_shown(source, passage, shown) -> None:  # type: ignore[no-untyped-def]
    assert marked(source, *span_of(source, passage)) == shown


def _alnum(text: str) -> str:
    return re.sub(r"\W|_", "", text)


@pytest.mark.parametrize(
    "path", [MEH, FIXTURES / "ianrenton-2010-my-contribution-to-big-society.md", HOSTILE]
)
def test_every_sentence_of_a_reading_is_marked_as_it_reads(path: Path) -> None:
    text = load_document(path, path.parent).text
    for span in split_sentences(text):
        extract = text[span.start : span.end]
        page = reading_html(text, markdown=True, marked=span)
        got = "".join(Parsed(page).marks)
        # What rendering hides: link and image addresses, and Markdown's syntax characters.
        # (a javascript: "link" is no link: it is shown as written)
        expected = re.sub(r"\]\((?!javascript:)[^)\s]*\)", "", extract)
        assert _alnum(got) == _alnum(expected), extract


def test_the_shipped_reading_marks_a_cited_passage_whole() -> None:
    text = load_document(SHIPPED_DOCS / SEED_ID, SHIPPED_DOCS).text
    start = text.index("But a small scale study")
    end = text.index("public services.", start) + len("public services.")
    page = reading_html(text, markdown=True, marked=Span(start, end))
    assert (
        re.search(r'<mark id="extract" tabindex="-1">(.*?)</mark>', page).group(1)
        == (  # type: ignore[union-attr]
            html.escape(text[start:end])
        )
    )


def test_a_hostile_reading_stays_inert() -> None:
    text = load_document(HOSTILE, HOSTILE.parent).text
    parsed = Parsed(reading_html(text, markdown=True, marked=Span(0, 40)))
    allowed = {"div", "h2", "p", "em", "strong", "code", "span", "mark", "br", "a"}
    assert {tag for tag, _ in parsed.tags} <= allowed
    assert not [tag for tag, _ in parsed.tags if tag == "a"]  # its only links are javascript:
    attributes = {name for _, attrs in parsed.tags for name in attrs}
    assert attributes <= {"class", "id", "tabindex"}
    shown = "".join(parsed.shown)
    assert "<script>alert('script')</script>" in shown  # shown as text
    assert "[the minutes](javascript:alert('link'))" in shown
    assert "<img src=x onerror=\"alert('img')\">" in shown
    assert "a photo" in shown and "tracker.invalid" not in shown  # an image's words only


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://example.org/a b", ("https://example.org/a%20b", True)),
        ("other-reading.md#part", ("other-reading.md#part", False)),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<b>", None),
        ("//evil.example/x", None),
        ("\\\\evil.example\\x", None),
        ("mailto:a@b.c", None),
        ('x" onmouseover="alert(1)', ("x%22%20onmouseover=%22alert%281%29", False)),
    ],
)
def test_only_http_and_relative_links_are_links(url: str, href) -> None:  # type: ignore[no-untyped-def]
    assert safe_href(url) == href


def test_plain_readings_and_a_passage_that_shows_nothing_keep_their_text() -> None:
    assert reading_html("a <b>\nc", markdown=False) == (
        '<div class="reading plain" id="reading">a &lt;b&gt;\nc</div>'
    )
    source = "See [the notes](http://x.invalid/very/long/address) now."
    start, end = span_of(source, "x.invalid/very")  # inside an address: nothing shown
    page = reading_html(source, markdown=True, marked=Span(start, end))
    assert 'class="reading plain"' in page and '<mark id="extract"' in page


def test_a_guide_sentence_renders_inline() -> None:
    assert inline_html("It is _not_ [here](javascript:x) <b>.") == (
        "It is <em>not</em> [here](javascript:x) &lt;b&gt;."
    )
