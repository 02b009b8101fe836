"""Escaping and chat rendering (pure functions): golden strings and hostile inputs."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bot.types import Answer, Citation
from bot.web.render import (
    ANSWER_TOOLS,
    answer_messages,
    citation_markdown,
    html_text,
    http_url,
    markdown_text,
    passage_url,
    question_message,
)


def citation(**changes: object) -> Citation:
    values: dict[str, object] = dict(
        n=1,
        doc_id="dir/a b.md",
        title="A *title*",
        author="Ann",
        date="2015-04-10",
        source="https://example.org/post",
        page=None,
        start=10,
        end=20,
        extract="Some\n  text.",
        score=0.5,
    )
    values.update(changes)
    return Citation(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words", "plain words"),
        ("", ""),
        ("  two\n\nlines ", "two lines"),
        ("<script>alert('x')</script>", "&lt;script&gt;alert\\(&#x27;x&#x27;\\)&lt;\\/script&gt;"),
        ("![p](http://t.invalid/p.png)", "\\!\\[p\\]\\(http\\:\\/\\/t\\.invalid\\/p\\.png\\)"),
        ("[x](javascript:alert(1))", "\\[x\\]\\(javascript\\:alert\\(1\\)\\)"),
        ("# 1. *a* _b_ `c` $d$ | ~e~", "\\# 1\\. \\*a\\* \\_b\\_ \\`c\\` \\$d\\$ \\| \\~e\\~"),
        ("a \\ b & c", "a \\\\ b &amp; c"),
        ("café – “quoted”", "café – “quoted”"),
    ],
)
def test_markdown_text(text: str, expected: str) -> None:
    assert markdown_text(text) == expected


def test_html_text() -> None:
    assert (
        html_text("<a href=\"x\">'&'</a>")
        == "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=1&c=2#d", "https://example.org/a?b=1&c=2#d"),
        (" http://example.org/ ", "http://example.org/"),
        ('https://x.org/"><img src=x>', "https://x.org/%22%3E%3Cimg%20src=x%3E"),
        ("https://x.org/a_(b)", "https://x.org/a_%28b%29"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//example.org/x", None),
        ("example.org", None),
        ("", None),
        (None, None),
    ],
)
def test_http_url_only_http_and_https(url: str | None, expected: str | None) -> None:
    assert http_url(url) == expected


def test_passage_url_quotes_the_id() -> None:
    assert passage_url("dir/a b#1.md", 3, 9) == "/documents/dir/a%20b%231.md?start=3&end=9#extract"


def test_citation_markdown_golden() -> None:
    assert citation_markdown(citation()) == (
        "**\\[1\\]** A \\*title\\* — Ann\\, 2015\\-04\\-10\n\n"
        "> “Some text\\.”\n\n"
        '<a href="/documents/dir/a%20b.md?start=10&amp;end=20#extract" target="_blank" '
        'rel="noopener">Open the reading here</a> · '
        '<a href="https://example.org/post" target="_blank" rel="noopener">Source ↗</a>'
    )


def test_citation_markdown_never_links_other_schemes() -> None:
    text = citation_markdown(citation(source="javascript:alert(1)", page=4, author=None))
    assert "javascript\\:alert\\(1\\)" in text and 'href="javascript' not in text
    assert "— 2015\\-04\\-10\\, page 4" in text


def summary(message: dict) -> str:  # type: ignore[type-arg]
    """The title of a collapsible list of sources."""
    found = re.match(r'<details class="sources"><summary>(.*?)</summary>', message["content"])
    assert found, message["content"]
    return found.group(1)


def test_answer_messages_answered_and_refused() -> None:
    answered = Answer("q", True, "Some <b>text</b>. [1] Then [2].", citations=(citation(),))
    messages = answer_messages(answered, turn=3, accessed=dt.date(2025, 12, 3))
    assert [m["role"] for m in messages] == ["assistant", "assistant"]
    assert messages[0]["content"] == (
        '<div class="answer-text">\n\nSome &lt;b&gt;text&lt;\\/b&gt;\\. '
        '<a href="#a3-1" class="cite-marker">\\[1\\]</a> Then \\[2\\]\\.\n\n</div>\n\n'
        + ANSWER_TOOLS
    )  # [2] cites nothing here: no link
    assert messages[1]["content"].startswith(
        '<details class="sources"><summary>Sources (1)</summary>\n\n'
        '<div class="citation" id="a3-1" tabindex="-1">\n\n**\\[1\\]**'
    )
    assert messages[1]["content"].endswith("</div>\n\n</details>")
    refused = Answer("q", False, "The readings don't answer this question.", closest=(citation(),))
    messages = answer_messages(refused)
    assert messages[0]["content"].startswith(
        '<div class="answer-text">\n\nThe readings don&#x27;t answer this question\\.\n\n'
    )
    assert summary(messages[1]) == "Closest passages, not an answer (1)"
    assert 'class="citation"' not in messages[1]["content"]  # not sources: no id, no Cite
    assert "Cite" not in messages[1]["content"]
    assert question_message("<b>hi</b>") == {"role": "user", "content": "&lt;b&gt;hi&lt;\\/b&gt;"}


def test_a_citation_says_how_to_cite_it_inertly() -> None:
    hostile = citation(title="<img src=x onerror=alert(1)> [t](javascript:x)", author="Ann Bee")
    text = citation_markdown(hostile, turn=2, accessed=dt.date(2025, 12, 3))
    assert text.startswith('<div class="citation" id="a2-1" tabindex="-1">\n\n')
    assert '<details class="cite"><summary>Cite [1]</summary>' in text
    assert 'In the text: <span class="in-text">\\(Bee\\, 2015\\)</span>' in text
    assert (
        '<span class="reference">Bee\\, A\\. \\(2015\\) &lt;img src\\=x onerror\\=alert\\(1\\)'
        "&gt; \\[t\\]\\(javascript\\:x\\)\\. Available at\\: https\\:\\/\\/example\\.org\\/post "
        "\\(Accessed\\: 3 December 2025\\)\\.</span>"
    ) in text
    assert "<img" not in text and "](javascript" not in text


def test_sources_are_grouped_by_reading_when_several_are_cited() -> None:
    from bot.types import Answer, Citation
    from bot.web.render import answer_messages

    def cite(n: int, doc_id: str) -> Citation:
        return Citation(n, doc_id, f"Title {doc_id[0]}", None, None, None, None, 0, 1, "x", 1.0)

    one = answer_messages(Answer("q", True, "x [1] y [2]", (cite(1, "a.md"), cite(2, "a.md"))))
    assert 'href="#a1-2"' in one[0]["content"] and 'id="a1-2"' in one[1]["content"]
    assert [summary(m) for m in one[1:]] == ["Sources (2)"]
    two = answer_messages(
        Answer("q", True, "x", (cite(1, "a.md"), cite(2, "b.md"), cite(3, "a.md")))
    )
    titles = [summary(m) for m in two[1:]]
    assert titles == ["Sources, reading 1 of 2 (2)", "Sources, reading 2 of 2 (1)"]
    assert "Title a" in two[1]["content"] and "Title b" in two[2]["content"]
    assert "Title b" not in two[1]["content"]
