"""The JSON form of an answer, shared by ``bot ask --json`` and the web API.

``{"question", "answered", "answer", "citations": [...], "readings": [...],
"closest": [...]}``: ``readings`` groups the citations by reading, in the order the
answer first cites them: ``{"doc_id", "title", "author", "date", "citations": [n, ...]}``.
``closest`` is present only for a refusal that has near passages (not an answer).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.types import Answer


def answer_to_dict(answer: Answer) -> dict[str, Any]:
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
        "citations": [asdict(c) for c in answer.citations],
        "readings": list(readings.values()),
    }
    if answer.closest:
        payload["closest"] = [asdict(c) for c in answer.closest]
    return payload
