"""Question → ranked chunks: dense and keyword evidence at two granularities, fused.

Candidates are the best ``candidates`` chunks by chunk vector, the chunks holding
the best ``candidates`` sentences by sentence vector, and the best ``candidates``
chunks by BM25. Each candidate is then scored on

- dense: the mean of its own cosine and its best sentence's cosine (a chunk's
  vector carries context, a sentence's vector pinpoints a statement);
- keyword: its document's BM25 score and its own (min-max normalised each,
  weighted ``document_weight`` : 1 - ``document_weight``): keyword evidence says
  mostly which reading is about the question's words, dense evidence says where;

and the two are mixed after min-max normalisation over the candidates, with
weight ``alpha`` on the dense side. Reciprocal rank fusion of the same two
scores is available for comparison (``fusion="rrf"``). The defaults were chosen
by measurement on BEIR SciFact; see BENCHMARKS.md.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from bot.store import Store
from bot.types import Hit

Fusion = Literal["minmax", "rrf"]


def retrieve(
    store: Store,
    query: str,
    query_vector: np.ndarray,
    top_k: int = 5,
    *,
    candidates: int = 100,
    alpha: float = 0.6,
    document_weight: float = 0.7,
    fusion: Fusion = "minmax",
) -> list[Hit]:
    """The ``top_k`` chunks most relevant to ``query``, best first."""
    if len(store) == 0 or top_k <= 0:
        return []
    query_vector = query_vector.astype(np.float32)
    keyword_all = store.keyword.scores(query)
    proposed = {row for row, _ in store.dense_search(query_vector, candidates)}
    for sentence, _ in store.sentence_search(query_vector, candidates):
        proposed.update(store.sentence_chunk_rows[sentence])
    proposed.update(_top_rows(keyword_all, candidates))
    rows = np.array(sorted(proposed), dtype=np.int64)

    chunk_cosine = store.vectors[rows] @ query_vector
    dense = 0.5 * chunk_cosine + 0.5 * _best_sentence_cosine(store, rows, query_vector)
    keyword = keyword_all[rows]
    document_keyword = store.document_keyword.scores(query)[store.chunk_doc_rows[rows]]
    keyword_mix = (1 - document_weight) * _minmax(keyword) + document_weight * _minmax(
        document_keyword
    )
    if fusion == "rrf":
        fused = _rrf(dense, keyword_mix)
    else:
        fused = alpha * _minmax(dense) + (1.0 - alpha) * _minmax(keyword_mix)

    order = np.argsort(-fused, kind="stable")[:top_k]
    return [
        Hit(
            chunk=store.chunks[int(rows[i])],
            score=float(fused[i]),
            dense=float(chunk_cosine[i]),
            keyword=float(keyword[i]),
        )
        for i in order
    ]


def _best_sentence_cosine(store: Store, rows: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
    """For each chunk row, the highest cosine of one of its sentences."""
    groups = [store.chunk_sentence_rows[int(r)] for r in rows]
    cosines = store.sentence_vectors[np.concatenate(groups)] @ query_vector
    starts = np.cumsum([0] + [len(g) for g in groups[:-1]])
    return np.maximum.reduceat(cosines, starts)


def _top_rows(scores: np.ndarray, k: int) -> list[int]:
    """Rows of the ``k`` highest positive scores."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > k:
        positive = positive[np.argpartition(-scores[positive], k - 1)[:k]]
    return [int(r) for r in positive]


def _minmax(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.ones_like(values) if high > 0 else np.zeros_like(values)
    return (values - low) / (high - low)


def _rrf(dense: np.ndarray, keyword: np.ndarray, k: int = 60) -> np.ndarray:
    """Reciprocal rank fusion; chunks without keyword evidence get no keyword share."""
    fused = 1.0 / (k + 1 + _ranks(dense))
    matched = keyword > 0
    fused[matched] += 1.0 / (k + 1 + _ranks(keyword)[matched])
    return fused


def _ranks(values: np.ndarray) -> np.ndarray:
    """0-based rank of each value, highest first."""
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[np.argsort(-values, kind="stable")] = np.arange(len(values))
    return ranks
