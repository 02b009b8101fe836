"""Sentence spans and chunks: known offsets, whole sentences, overlap, edge inputs."""

from __future__ import annotations

import pytest

from bot.chunking import chunk_document, split_sentences
from bot.types import Document, Span

TEXT = "Title line\n\nThe first sentence. The second one!  A third?\n\nNew paragraph here."


def doc(text: str) -> Document:
    return Document(doc_id="d.txt", text=text, title="d", content_hash="h")


def test_sentence_spans_known_answer() -> None:
    spans = split_sentences(TEXT)
    assert spans == [
        Span(0, 10),
        Span(12, 31),
        Span(32, 47),
        Span(49, 57),
        Span(59, 78),
    ]
    assert [TEXT[s.start : s.end] for s in spans] == [
        "Title line",
        "The first sentence.",
        "The second one!",
        "A third?",
        "New paragraph here.",
    ]


def test_abbreviations_and_curly_quotes_do_not_split_wrongly() -> None:
    text = "Much was hung by Cameron on the ‘Big Society’. Dr. Smith met Mr. Jones at 3 p.m. today."
    sentences = [text[s.start : s.end] for s in split_sentences(text)]
    assert sentences == [
        "Much was hung by Cameron on the ‘Big Society’.",
        "Dr. Smith met Mr. Jones at 3 p.m. today.",
    ]


def test_a_markdown_image_stays_inside_its_sentence() -> None:
    text = "Aspley is here ![a map](https://example.org/map.png) on the map. Really! Yes."
    sentences = [text[s.start : s.end] for s in split_sentences(text)]
    assert sentences == [
        "Aspley is here ![a map](https://example.org/map.png) on the map.",
        "Really!",
        "Yes.",
    ]


def test_chunks_known_answer_with_overlap() -> None:
    chunks = chunk_document(doc(TEXT), chunk_chars=40, overlap_sentences=1)
    assert [(c.start, c.end) for c in chunks] == [(0, 31), (12, 47), (32, 57), (49, 78)]
    assert chunks[0].chunk_id == "d.txt#0" and chunks[-1].chunk_id == "d.txt#3"
    for c in chunks:
        assert TEXT[c.start : c.end] == c.text


def test_chunks_without_overlap_partition_the_sentences() -> None:
    chunks = chunk_document(doc(TEXT), chunk_chars=40, overlap_sentences=0)
    flattened = [s for c in chunks for s in c.sentences]
    assert flattened == split_sentences(TEXT)


def test_a_sentence_longer_than_a_chunk_is_never_cut() -> None:
    long_sentence = "word " * 100 + "end."
    text = f"Short one. {long_sentence} Short two."
    chunks = chunk_document(doc(text), chunk_chars=50, overlap_sentences=1)
    assert any(c.text == long_sentence for c in chunks)
    for c in chunks:
        for s in c.sentences:
            assert c.start <= s.start < s.end <= c.end


def test_overlap_larger_than_chunk_still_advances() -> None:
    chunks = chunk_document(doc(TEXT), chunk_chars=40, overlap_sentences=10)
    starts = [c.start for c in chunks]
    assert starts == sorted(set(starts))
    assert chunks[-1].end == 78


@pytest.mark.parametrize("text", ["", "   \n\n\t "])
def test_empty_text_has_no_chunks(text: str) -> None:
    assert split_sentences(text) == []
    assert chunk_document(doc(text)) == []


def test_document_shorter_than_a_chunk_is_one_chunk() -> None:
    chunks = chunk_document(doc("  Only one sentence, with café and naïveté.  "), chunk_chars=800)
    assert len(chunks) == 1
    assert chunks[0].text == "Only one sentence, with café and naïveté."
    assert (chunks[0].start, chunks[0].end) == (2, 43)


def test_offsets_are_exact_for_every_chunk_of_the_seed_article() -> None:
    from bot.documents import load_document
    from tests.conftest import SEED_ID, SHIPPED_DOCS

    document = load_document(SHIPPED_DOCS / SEED_ID, SHIPPED_DOCS)
    chunks = chunk_document(document, chunk_chars=800, overlap_sentences=1)
    assert len(chunks) >= 3
    covered = set()
    for c in chunks:
        assert document.text[c.start : c.end] == c.text
        assert len(c.text) <= 800 or len(c.sentences) == 1
        for s in c.sentences:
            sentence = document.text[s.start : s.end]
            assert sentence == sentence.strip() and sentence
            covered.add(s)
    assert sorted(covered, key=lambda s: s.start) == split_sentences(document.text)
