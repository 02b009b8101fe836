"""Ranking metrics against values worked out by hand.

qrels: q1 = {a: 1, b: 1}, q2 = {c: 2, d: 1};  run: q1 = [x, a, y, b], q2 = [d, c]

q1: DCG@10 = 1/log2(3) + 1/log2(5) = 0.630930 + 0.430677 = 1.061606
    IDCG   = 1/log2(2) + 1/log2(3) = 1 + 0.630930 = 1.630930       → nDCG 0.650918
q2: DCG@10 = 1/log2(2) + 2/log2(3) = 1 + 1.261860 = 2.261860
    IDCG   = 2/log2(2) + 1/log2(3) = 2 + 0.630930 = 2.630930       → nDCG 0.859719
"""

from __future__ import annotations

import pytest

from bot.metrics import mrr_at, ndcg_at, recall_at

QRELS = {"q1": {"a": 1, "b": 1}, "q2": {"c": 2, "d": 1}}
RUN = {"q1": ["x", "a", "y", "b"], "q2": ["d", "c"]}


def test_ndcg_known_answer() -> None:
    assert ndcg_at(QRELS, RUN, 10) == pytest.approx((0.650918 + 0.859719) / 2, abs=1e-5)
    # @1: q1 has nothing relevant first; q2 has d (1) where the ideal is c (2)
    assert ndcg_at(QRELS, RUN, 1) == pytest.approx((0 + 1 / 2) / 2)


def test_recall_known_answer() -> None:
    assert recall_at(QRELS, RUN, 2) == pytest.approx((1 / 2 + 2 / 2) / 2)
    assert recall_at(QRELS, RUN, 100) == pytest.approx(1.0)


def test_mrr_known_answer() -> None:
    assert mrr_at(QRELS, RUN, 10) == pytest.approx((1 / 2 + 1) / 2)
    assert mrr_at(QRELS, RUN, 1) == pytest.approx((0 + 1) / 2)


def test_a_query_missing_from_the_run_counts_as_zero() -> None:
    qrels = {**QRELS, "q3": {"e": 1}}
    assert ndcg_at(qrels, RUN, 10) == pytest.approx((0.650918 + 0.859719 + 0) / 3, abs=1e-5)
    assert recall_at(qrels, RUN, 100) == pytest.approx(2 / 3)


def test_perfect_and_empty() -> None:
    perfect = {"q1": ["a", "b"], "q2": ["c", "d"]}
    assert ndcg_at(QRELS, perfect, 10) == pytest.approx(1.0)
    assert mrr_at(QRELS, perfect, 10) == pytest.approx(1.0)
    assert ndcg_at({}, RUN, 10) == 0.0
