"""The guide to the readings over HTTP (``/guide``, ``/api/guide``, a reading's "In brief"),
and the document view's Markdown, on an app with the fake embedder."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.conftest import FIXTURES, SEED_ID, SHIPPED_DOCS, FakeEmbedder
from tests.test_web_api import HOSTILE_ID, serve_app

MEH_ID = "ianrenton-2010-the-meh-society.md"


@pytest.fixture(scope="module")
def web(tmp_path_factory) -> Iterator:  # type: ignore[no-untyped-def]
    readings = [SHIPPED_DOCS / SEED_ID, FIXTURES / HOSTILE_ID, FIXTURES / MEH_ID]
    yield from serve_app(tmp_path_factory.mktemp("guide"), FakeEmbedder(), readings)


def test_api_guide_gives_key_terms_and_exact_central_sentences(web) -> None:  # type: ignore[no-untyped-def]
    guide = web.get("/api/guide").json()
    assert guide["examples"][0] == "Why did co-production fail in Aspley?"
    assert [r["doc_id"] for r in guide["readings"]] == [HOSTILE_ID, MEH_ID, SEED_ID]  # by title
    for reading in guide["readings"]:
        text = web.bot.store.documents[reading["doc_id"]].text
        assert reading["key_terms"] and reading["sentences"]
        assert reading["url"] == f"/documents/{reading['doc_id']}"
        for s in reading["sentences"]:
            assert text[s["start"] : s["end"]] == s["extract"]
            assert s["url"].startswith(f"/documents/{reading['doc_id']}?start={s['start']}&")


def test_guide_page_lists_every_reading_inert(web) -> None:  # type: ignore[no-untyped-def]
    page = web.get("/guide")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "Questions to start with" in page.text and "Why did co-production fail" in page.text
    assert "co-production" in page.text  # a key term of the shipped reading
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in page.text
    assert re.findall(r"<script[^>]*>", page.text) == []
    assert "javascript:" not in "".join(re.findall(r'href="([^"]*)"', page.text))


def test_a_reading_shows_its_guide_and_renders_markdown(web) -> None:  # type: ignore[no-untyped-def]
    page = web.get(f"/documents/{MEH_ID}").text
    assert '<details class="guide" open><summary>In brief' in page  # open: no passage marked
    assert '<div class="reading markdown" id="reading">' in page
    assert "<em>The Good Society</em>" in page
    assert '<a href="http://www.westminsterhubble.com/Edward_Miliband" target="_blank" ' in page
    assert "[Ed Miliband](" not in page  # no raw Markdown
    marked = web.get(f"/documents/{MEH_ID}?start=0&end=20").text
    assert '<details class="guide"><summary>' in marked  # closed: the passage comes first


def test_a_plain_text_reading_keeps_its_text(web) -> None:  # type: ignore[no-untyped-def]
    docs = web.bot.settings.docs_dir
    (docs / "notes.txt").write_text("Notes on *stars* and [links](http://x.invalid).\n")
    web.bot.index()
    try:
        page = web.get("/documents/notes.txt?start=9&end=18").text
        assert '<div class="reading plain" id="reading">' in page
        assert '<mark id="extract" tabindex="-1">*stars* a</mark>' in page
    finally:
        (docs / "notes.txt").unlink()
        web.bot.index()
