"""The JSON form of an answer, shared by ``bot ask --json`` and the web API.

``{"question", "answered", "answer", "citations": [...], "readings": [...],
"closest": [...]}``: each citation is the ``Citation`` with how to cite it, its
Harvard-style ``reference`` and ``in_text`` citation (``bot.reference``, accessed
today); ``readings`` groups the citations by reading, in the order the answer first
cites them: ``{"doc_id", "title", "author", "date", "citations": [n, ...]}``.
``closest`` is present only for a refusal that has near passages (not an answer).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from bot.reference import in_text, reference
from bot.types import Answer, Citation


def citation_to_dict(c: Citation, accessed: dt.date | None = None) -> dict[str, Any]:
    """A citation's JSON form, with how to cite it (``accessed``: today by default)."""
    day = accessed or dt.date.today()
    return {**asdict(c), "reference": reference(c, day), "in_text": in_text(c)}


def answer_to_dict(answer: Answer, accessed: dt.date | None = None) -> dict[str, Any]:
    """The JSON form of an answer."""
    readings: dict[str, dict[str, Any]] = {}
    for c in answer.citations:
        group = readings.setdefault(
            c.doc_id,
            {"doc_id": c.doc_id, "title": c.title, "author": c.author, "date": c.date,
             "citations": []},
        )  # fmt: skip
        group["citations"].append(c.n)
    payload: dict[str, Any] = {
        "question": answer.question,
        "answered": answer.answered,
        "answer": answer.text,
        "citations": [citation_to_dict(c, accessed) for c in answer.citations],
        "readings": list(readings.values()),
    }
    if answer.closest:
        payload["closest"] = [citation_to_dict(c, accessed) for c in answer.closest]
    return payload
