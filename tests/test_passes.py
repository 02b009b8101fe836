"""Chunk and sentence vectors by each way through the encoder (``bot.passes``), with the fake."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.chunking import passage_text
from bot.passes import windows
from bot.store import IndexInfo, Store
from bot.sync import sync
from tests.conftest import FakeEmbedder


def info(passes: str) -> IndexInfo:
    return IndexInfo(FakeEmbedder.name, chunk_chars=300, overlap_sentences=1, encoder_passes=passes)


def alone(store: Store, embedder: FakeEmbedder, doc_id: str, span) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The vector of a chunk or sentence embedded on its own, title in front."""
    return embedder.embed([passage_text(store.documents[doc_id], span)])[0]


def words_only(embedder: FakeEmbedder, text: str) -> np.ndarray:
    return embedder.embed([text])[0]


@pytest.mark.parametrize(
    ("costs", "title", "limit", "expected"),
    [
        ([], 5, 20, []),
        ([6, 6, 6], 5, 20, [(0, 3)]),  # 5 + 4 + 4 + 4 = 17
        ([6, 6, 6, 6], 5, 20, [(0, 3), (3, 4)]),  # a fourth would make 21
        ([30, 4, 4], 5, 20, [(0, 1), (1, 3)]),  # too long for any window: alone, truncated
        ([10, 10, 10], 2, 18, [(0, 2), (2, 3)]),
    ],
)
def test_windows_hold_whole_sentences_within_the_limit(
    costs: list[int], title: int, limit: int, expected: list[tuple[int, int]]
) -> None:
    assert windows(costs, title, limit) == expected


def test_chunk_passes_pool_each_sentence_from_its_chunk(corpus_docs_dir: Path) -> None:
    embedder = FakeEmbedder()
    store, report = sync(corpus_docs_dir, None, embedder, info("chunks"))
    assert embedder.embedded == len(store)  # one pass per chunk, nothing else
    assert (report.chunks_embedded, report.sentences_embedded) == (len(store), 0)
    assert report.sentences_pooled == len(store.sentences)
    separate, _ = sync(corpus_docs_dir, None, FakeEmbedder(), info("chunks+sentences"))
    np.testing.assert_array_equal(store.vectors, separate.vectors)  # chunk vectors unchanged
    for row, (doc_id, span) in enumerate(store.sentences):
        sentence = store.documents[doc_id].text[span.start : span.end]
        # the fake's token vectors are context-free: the sentence's own words, no title
        np.testing.assert_allclose(store.sentence_vectors[row], words_only(embedder, sentence))


def test_truncated_sentences_are_embedded_on_their_own(corpus_docs_dir: Path) -> None:
    embedder = FakeEmbedder(max_tokens=40)
    store, report = sync(corpus_docs_dir, None, embedder, info("chunks"))
    assert 0 < report.sentences_embedded < len(store.sentences)
    assert report.sentences_embedded + report.sentences_pooled == len(store.sentences)
    assert embedder.embedded == len(store) + report.sentences_embedded
    on_own = 0
    for row, (doc_id, span) in enumerate(store.sentences):
        if np.allclose(store.sentence_vectors[row], alone(store, embedder, doc_id, span)):
            on_own += 1
    assert on_own >= report.sentences_embedded  # (a short title-less match may coincide)


def test_windows_pool_chunks_and_sentences(corpus_docs_dir: Path) -> None:
    embedder = FakeEmbedder(max_tokens=120)
    store, report = sync(corpus_docs_dir, None, embedder, info("windows"))
    assert report.windows_embedded > len(store.documents)  # longer documents take several
    assert report.chunks_pooled + report.chunks_embedded == len(store)
    assert report.sentences_pooled + report.sentences_embedded == len(store.sentences)
    assert embedder.embedded == (
        report.windows_embedded + report.chunks_embedded + report.sentences_embedded
    )
    for row, chunk in enumerate(store.chunks):  # across windows too: all of its own words
        if store.vectors[row].any() and len(chunk.text.split()) < 100:
            np.testing.assert_allclose(
                store.vectors[row], words_only(embedder, chunk.text), atol=1e-6
            )
    assert np.allclose(np.linalg.norm(store.sentence_vectors, axis=1), 1.0, atol=1e-5)


def test_windows_fall_back_for_a_sentence_longer_than_a_window(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    long = " ".join(f"word{i}" for i in range(60)) + "."
    (docs / "a.txt").write_text(f"Short one here. {long} Another short one.")
    embedder = FakeEmbedder(max_tokens=30)
    store, report = sync(docs, None, embedder, info("windows"))
    assert report.sentences_embedded == 1 and report.chunks_embedded >= 1
    row = next(i for i, (_, s) in enumerate(store.sentences) if s.end - s.start == len(long))
    np.testing.assert_allclose(
        store.sentence_vectors[row], alone(store, embedder, "a.txt", store.sentences[row][1])
    )


@pytest.mark.parametrize("passes", ["chunks", "windows"])
def test_an_index_made_otherwise_is_embedded_again(docs_dir: Path, passes: str) -> None:
    embedder = FakeEmbedder()
    first, _ = sync(docs_dir, None, embedder, info("chunks+sentences"))
    store, report = sync(docs_dir, first, embedder, info(passes))
    assert report.updated == tuple(first.documents)
    assert store.info.encoder_passes == passes
    again, report = sync(docs_dir, store, embedder, info(passes))
    assert not report.changed and again is store


@pytest.mark.parametrize("passes", ["chunks", "windows"])
def test_pooled_vectors_roundtrip(tmp_path: Path, corpus_docs_dir: Path, passes: str) -> None:
    store, _ = sync(corpus_docs_dir, None, FakeEmbedder(max_tokens=60), info(passes))
    store.save(tmp_path / "index")
    loaded = Store.load(tmp_path / "index", model=FakeEmbedder.name)
    assert loaded.info == store.info
    np.testing.assert_array_equal(loaded.sentence_vectors, store.sentence_vectors)
    np.testing.assert_array_equal(loaded.vectors, store.vectors)
