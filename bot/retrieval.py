"""Question → ranked chunks: dense (FAISS) and keyword (BM25) rankers, fused.

Both rankers propose their best ``candidates`` chunks; every proposed chunk is
then scored by both (exact cosine and BM25), each score is min-max normalised
over the proposals, and the two are mixed with weight ``alpha`` on the dense side.
Reciprocal rank fusion is available for comparison (``fusion="rrf"``).
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
    alpha: float = 0.5,
    fusion: Fusion = "minmax",
) -> list[Hit]:
    """The ``top_k`` chunks most relevant to ``query``, best first."""
    if len(store) == 0 or top_k <= 0:
        return []
    dense_rows = [row for row, _ in store.dense_search(query_vector, candidates)]
    keyword_all = store.keyword.scores(query)
    keyword_rows = _top_rows(keyword_all, candidates)
    rows = np.array(sorted(set(dense_rows) | set(keyword_rows)), dtype=np.int64)

    dense = store.vectors[rows] @ query_vector.astype(np.float32)
    keyword = keyword_all[rows]
    if fusion == "rrf":
        fused = _rrf(dense, keyword)
    else:
        fused = alpha * _minmax(dense) + (1.0 - alpha) * _minmax(keyword)

    order = np.argsort(-fused, kind="stable")[:top_k]
    return [
        Hit(
            chunk=store.chunks[int(rows[i])],
            score=float(fused[i]),
            dense=float(dense[i]),
            keyword=float(keyword[i]),
        )
        for i in order
    ]


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
    """Reciprocal rank fusion; chunks the keyword ranker did not match get no keyword share."""
    fused = 1.0 / (k + 1 + _ranks(dense))
    matched = keyword > 0
    fused[matched] += 1.0 / (k + 1 + _ranks(keyword)[matched])
    return fused


def _ranks(values: np.ndarray) -> np.ndarray:
    """0-based rank of each value, highest first."""
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[np.argsort(-values, kind="stable")] = np.arange(len(values))
    return ranks
