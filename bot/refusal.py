"""Whether the readings answer a question: a logistic model over several signals.

The signals (``Evidence``) are measured on the question's retrieved passages:

- ``cosine``: the best sentence's cosine similarity to the question (meaning);
- ``coverage``: the best sentence's share of the question's content words, each
  weighted by √IDF (the words themselves);
- ``context``: the best chunk's cosine (the passage around it);
- ``number_missing``: 1 if the question names a number (a year, a figure) that none
  of the best three passages holds ("How many ... in 2016?"), else 0.

``RefusalModel`` weighs them with coefficients fitted by logistic regression on the
development split of the gold questions (``benchmarks/fit_refusal.py`` writes
``bot/refusal.json``), and answers when the fitted probability reaches its threshold,
chosen on that split for few false refusals. No hand-set sum.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("refusal.json")


@dataclass(frozen=True)
class Evidence:
    cosine: float
    coverage: float
    context: float
    number_missing: float


FEATURES = tuple(f.name for f in fields(Evidence))


@dataclass(frozen=True)
class RefusalModel:
    weights: tuple[float, ...]
    bias: float
    threshold: float  # answer when the probability reaches this

    def probability(self, evidence: Evidence) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, astuple(evidence), strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def answers(self, evidence: Evidence) -> bool:
        return self.probability(evidence) >= self.threshold

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "weights": list(self.weights),
            "bias": self.bias,
            "threshold": self.threshold,
        }


@functools.cache
def default_model() -> RefusalModel:
    """The model fitted on the development questions, shipped beside this module."""
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    if data.get("features") != list(FEATURES):
        raise ValueError(f"{str(MODEL_FILE)!r} was fitted on other features; refit it")
    return RefusalModel(tuple(data["weights"]), float(data["bias"]), float(data["threshold"]))


def fit(
    evidence: Sequence[Evidence], answerable: Sequence[bool], max_false_refusals: float = 0.05
) -> RefusalModel:
    """A logistic model of ``answerable`` from ``evidence``, with the highest threshold
    that refuses at most ``max_false_refusals`` of the answerable questions."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([astuple(e) for e in evidence], dtype=np.float64)
    y = np.array(answerable, dtype=bool)
    model = LogisticRegression(C=1.0, class_weight="balanced").fit(x, y)
    fitted = RefusalModel(tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0]), 0.5)
    scores = sorted(fitted.probability(e) for e, a in zip(evidence, y, strict=True) if a)
    allowed = int(max_false_refusals * len(scores))
    threshold = scores[allowed] if scores else 0.5
    return RefusalModel(fitted.weights, fitted.bias, min(threshold, 0.5))


#: A model that always answers: for passages of readings a question names itself.
ALWAYS_ANSWER = RefusalModel(weights=(0.0,) * len(FEATURES), bias=1.0, threshold=0.5)
