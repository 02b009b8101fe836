"""Hybrid retrieval: both rankers contribute, fusion variants, edge sizes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.keyword import KeywordIndex, terms
from bot.retrieval import _minmax, _rrf, retrieve
from bot.store import IndexInfo, Store
from bot.types import Chunk, Document, Span
from tests.conftest import FakeEmbedder

TEXTS = [
    "Volunteers ran the village library after the council cuts.",
    "The parish council took over the swimming pool.",
    "Co-production asks citizens to help deliver public services.",
    "Cameron launched the Big Society in Liverpool in 2010.",
]


def make_store(embedder: FakeEmbedder) -> Store:
    documents, chunks = [], []
    for i, text in enumerate(TEXTS):
        doc_id = f"d{i}.txt"
        documents.append(Document(doc_id, text, doc_id, "h"))
        chunks.append(Chunk(f"{doc_id}#0", doc_id, 0, len(text), text, (Span(0, len(text)),)))
    vectors = embedder.embed(TEXTS)  # one sentence per chunk: the same vectors serve both
    return Store(IndexInfo(embedder.name, 800, 1), documents, chunks, vectors, vectors)


def ask(store: Store, embedder: FakeEmbedder, query: str, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    hits = retrieve(store, query, embedder.embed([query])[0], **kwargs)
    return [h.chunk.doc_id for h in hits]


@pytest.mark.parametrize("fusion", ["minmax", "rrf"])
def test_best_chunk_comes_first(fake_embedder: FakeEmbedder, fusion: str) -> None:
    store = make_store(fake_embedder)
    assert (
        ask(store, fake_embedder, "who took over the swimming pool?", fusion=fusion)[0] == "d1.txt"
    )
    assert (
        ask(store, fake_embedder, "Big Society launched by Cameron", fusion=fusion)[0] == "d3.txt"
    )


def test_keyword_ranker_rescues_a_stemmed_match(fake_embedder: FakeEmbedder) -> None:
    store = make_store(fake_embedder)
    # "volunteering" is not a word of any text, but it stems like "Volunteers": BM25 finds it.
    hits = retrieve(store, "volunteering", fake_embedder.embed(["volunteering"])[0], top_k=4)
    assert hits[0].chunk.doc_id == "d0.txt"
    assert hits[0].keyword > 0 and all(h.keyword == 0 for h in hits[1:])


def test_scores_are_sorted_and_carry_both_signals(fake_embedder: FakeEmbedder) -> None:
    store = make_store(fake_embedder)
    hits = retrieve(store, "council cuts", fake_embedder.embed(["council cuts"])[0], top_k=4)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert hits[0].chunk.doc_id == "d0.txt"
    assert hits[0].dense > 0 and hits[0].keyword > 0


def test_top_k_larger_than_the_index(fake_embedder: FakeEmbedder) -> None:
    store = make_store(fake_embedder)
    assert len(ask(store, fake_embedder, "council", top_k=50)) == len(TEXTS)
    assert ask(store, fake_embedder, "council", top_k=0) == []


def test_empty_store_returns_nothing(fake_embedder: FakeEmbedder) -> None:
    nothing = np.zeros((0, 64), np.float32)
    empty = Store(IndexInfo(fake_embedder.name, 800, 1), [], [], nothing, nothing)
    assert retrieve(empty, "anything", fake_embedder.embed(["anything"])[0]) == []


def test_keyword_terms_and_scores(tmp_path: Path) -> None:
    assert terms("Why did the volunteers run libraries?") == [
        "whi",
        "did",
        "volunt",
        "run",
        "librari",
    ]
    index = KeywordIndex.build(TEXTS)
    scores = index.scores("swimming pools")
    assert int(np.argmax(scores)) == 1 and scores[1] > 0
    assert not index.scores("zzz unknown").any()
    index.save(tmp_path / "kw")
    np.testing.assert_allclose(
        KeywordIndex.load(tmp_path / "kw", len(TEXTS)).scores("pool"), index.scores("pool")
    )


def test_fusion_helpers_known_answers() -> None:
    np.testing.assert_allclose(_minmax(np.array([2.0, 4.0, 3.0])), [0.0, 1.0, 0.5])
    np.testing.assert_allclose(_minmax(np.array([0.0, 0.0])), [0.0, 0.0])
    fused = _rrf(np.array([0.9, 0.5]), np.array([0.0, 3.0]), k=60)
    np.testing.assert_allclose(fused, [1 / 61, 1 / 62 + 1 / 61])


def test_one_matching_sentence_lifts_its_chunk(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    from bot.sync import sync

    docs = tmp_path / "docs"
    docs.mkdir()
    filler = " ".join(f"Sentence {w} talks about weather and the harvest." for w in "abcdefgh")
    (docs / "long.txt").write_text(filler + " Volunteers staffed the Sneinton foodbank.")
    (docs / "short.txt").write_text("The weather and the harvest were poor that year.")
    store, _ = sync(docs, None, fake_embedder, IndexInfo(fake_embedder.name, 2000, 0))
    assert len(store.chunks_of("long.txt")) == 1 and len(store.sentences) == 10
    query = "volunteers foodbank"
    hits = retrieve(store, query, fake_embedder.embed([query])[0], top_k=2)
    assert hits[0].chunk.doc_id == "long.txt"
