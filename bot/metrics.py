"""Ranking metrics with the standard BEIR / trec_eval definitions. Pure functions.

``qrels`` maps a query id to ``{doc_id: relevance}`` (relevance > 0 is relevant);
``run`` maps a query id to its ranked list of doc ids, best first.

- nDCG@k: DCG = Σ rel_i / log2(i + 1) over the top k (i from 1), divided by the
  DCG of the ideal ordering of that query's judged documents.
- Recall@k: relevant documents in the top k / relevant documents judged.
- MRR@k: 1 / rank of the first relevant document in the top k (0 if none).

Each is averaged over the queries in ``qrels``; a query missing from ``run`` scores 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

Qrels = Mapping[str, Mapping[str, int]]
Run = Mapping[str, Sequence[str]]


def ndcg_at(qrels: Qrels, run: Run, k: int) -> float:
    return _mean(qrels, run, lambda rels, ranked: _ndcg(rels, ranked, k))


def recall_at(qrels: Qrels, run: Run, k: int) -> float:
    def recall(rels: Mapping[str, int], ranked: Sequence[str]) -> float:
        relevant = {d for d, r in rels.items() if r > 0}
        return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0

    return _mean(qrels, run, recall)


def mrr_at(qrels: Qrels, run: Run, k: int) -> float:
    def reciprocal_rank(rels: Mapping[str, int], ranked: Sequence[str]) -> float:
        for rank, doc_id in enumerate(ranked[:k], start=1):
            if rels.get(doc_id, 0) > 0:
                return 1.0 / rank
        return 0.0

    return _mean(qrels, run, reciprocal_rank)


def _ndcg(rels: Mapping[str, int], ranked: Sequence[str], k: int) -> float:
    dcg = sum(rels.get(d, 0) / math.log2(i + 1) for i, d in enumerate(ranked[:k], start=1))
    ideal = sorted((r for r in rels.values() if r > 0), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 1) for i, r in enumerate(ideal, start=1))
    return dcg / idcg if idcg else 0.0


def _mean(qrels: Qrels, run: Run, per_query) -> float:  # type: ignore[no-untyped-def]
    if not qrels:
        return 0.0
    return sum(per_query(rels, run.get(q, ())) for q, rels in qrels.items()) / len(qrels)
