"""Gold questions: a course's own questions with what a right answer must cite.

A gold file holds one JSON object per line:

``question``  what a student asks;
``kind``      what sort of question it is (``KINDS``): answerable kinds must be
              answered from the right passage, ``REFUSE_KINDS`` must be refused;
``doc_id``    the reading that answers it, or ``doc_ids`` for a question that
              must cite several readings (``compare``); null or absent: none does;
``expect``    phrases one of which a right extract contains (for ``about``, the
              value may instead be the citation's author, date or title);
``history``   optional earlier questions of the conversation, oldest first.

``evaluate`` asks every question through the app's own ``Bot.ask`` and scores it;
the report breaks the results down by kind and keeps every miss for printing.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.types import Answer, Citation, Document

#: Kinds of question the readings answer.
ANSWER_KINDS = (
    "close",  # worded like the text
    "paraphrase",  # the same meaning in other words
    "figure",  # how many, what share, how much
    "which",  # which of several readings says it
    "about",  # about a reading itself: author, date, title, source, licence
    "compare",  # spans readings: every named reading must be cited
    "typo",  # misspelt
    "extra",  # with words around the question (an essay's context, politeness)
    "followup",  # leans on ``history``
    "answerable",  # a file without kinds
)
#: Kinds of question the readings do not answer: a right answer refuses.
REFUSE_KINDS = ("absent", "offtopic", "foreign")
KINDS = ANSWER_KINDS + REFUSE_KINDS


@dataclass(frozen=True)
class GoldQuestion:
    question: str
    kind: str
    doc_ids: tuple[str, ...] = ()  # empty: the readings don't answer it
    expect: tuple[str, ...] = ()
    history: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        return bool(self.doc_ids)


@dataclass(frozen=True)
class GoldResult:
    gold: GoldQuestion
    answer: Answer
    hit_rank: int | None  # the rank of the citation that makes it right (1-based)
    ms: float

    @property
    def right(self) -> bool:
        """Refused if it should be; else answered from the right passage in the top 3."""
        if not self.gold.answerable:
            return not self.answer.answered
        return self.hit_rank is not None and self.hit_rank <= 3


@dataclass(frozen=True)
class KindScore:
    kind: str
    questions: int
    right: float  # share right: refused, or a right citation in the top 3
    hit_at_1: float
    refused: float


@dataclass(frozen=True)
class GoldReport:
    answerable: int
    unanswerable: int
    hit_at_1: float
    hit_at_3: float
    false_refusals: float  # share of answerable questions refused
    refusals: float  # share of unanswerable questions refused
    kinds: tuple[KindScore, ...]
    at_boundaries: dict[str, float]  # format → share of citations at sentence boundaries
    ask_ms_p50: float
    results: tuple[GoldResult, ...]

    @property
    def misses(self) -> list[GoldResult]:
        return [r for r in self.results if not r.right]


def load_gold(path: Path) -> list[GoldQuestion]:
    """Read a gold file; raises ``ConfigError`` naming the line that is wrong."""
    gold = []
    for number, row in enumerate(read_jsonl(path), start=1):

        def wrong(what: str, number: int = number) -> ConfigError:
            return ConfigError(f"{str(path)!r} line {number}: {what}")

        question = row.get("question")
        if not isinstance(question, str) or not question.strip():
            raise wrong("'question' must be a non-empty string")
        doc_ids = row.get("doc_ids", [row["doc_id"]] if row.get("doc_id") is not None else [])
        if row.get("doc_id") is not None and not isinstance(row["doc_id"], str):
            raise wrong("'doc_id' must be a string or null")
        if not _strings(doc_ids):
            raise wrong("'doc_ids' must be a list of strings")
        kind = row.get("kind", "answerable" if doc_ids else "absent")
        if kind not in KINDS:
            raise wrong(f"'kind' is {kind!r}; use one of {', '.join(KINDS)}")
        if (kind in REFUSE_KINDS) == bool(doc_ids):
            raise wrong(f"a {kind!r} question needs " + ("no" if doc_ids else "a") + " 'doc_id'")
        expect, history = row.get("expect", []), row.get("history", [])
        if not _strings(expect):
            raise wrong("'expect' must be a list of strings")
        if not _strings(history):
            raise wrong("'history' must be a list of strings")
        gold.append(GoldQuestion(question, kind, tuple(doc_ids), tuple(expect), tuple(history)))
    if not gold:
        raise ConfigError(f"{str(path)!r} has no questions")
    return gold


def evaluate(
    ask: Callable[[str, Sequence[str]], Answer],
    gold: Sequence[GoldQuestion],
    documents: dict[str, Document],
) -> GoldReport:
    """Ask every gold question and score its citations or its refusal."""
    results = []
    for item in gold:
        began = time.perf_counter()
        answer = ask(item.question, item.history)
        ms = (time.perf_counter() - began) * 1000
        results.append(GoldResult(item, answer, _hit_rank(item, answer), ms))
    answerable = [r for r in results if r.gold.answerable]
    unanswerable = [r for r in results if not r.gold.answerable]
    kinds = tuple(
        KindScore(
            kind=kind,
            questions=len(rs),
            right=_share(rs, lambda r: r.right),
            hit_at_1=_share(rs, lambda r: r.hit_rank == 1),
            refused=_share(rs, lambda r: not r.answer.answered),
        )
        for kind in KINDS
        if (rs := [r for r in results if r.gold.kind == kind])
    )
    return GoldReport(
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        hit_at_1=_share(answerable, lambda r: r.hit_rank == 1),
        hit_at_3=_share(answerable, lambda r: r.right),
        false_refusals=_share(answerable, lambda r: not r.answer.answered),
        refusals=_share(unanswerable, lambda r: not r.answer.answered),
        kinds=kinds,
        at_boundaries=_boundary_shares(results, documents),
        ask_ms_p50=statistics.median(r.ms for r in results) if results else 0.0,
        results=tuple(results),
    )


def _hit_rank(item: GoldQuestion, answer: Answer) -> int | None:
    if not item.answerable or not answer.answered:
        return None
    if item.kind == "compare":  # every named reading, by the rank of the last one cited
        firsts = [
            next((c.n for c in answer.citations if c.doc_id == d), None) for d in item.doc_ids
        ]
        return None if None in firsts else max(n for n in firsts if n is not None)
    for citation in answer.citations:
        if citation.doc_id in item.doc_ids and _expected(item, citation, answer.text):
            return citation.n
    return None


def _expected(item: GoldQuestion, citation: Citation, text: str) -> bool:
    if not item.expect:
        return True
    places = [citation.extract]
    if item.kind == "about":  # a metadata answer: its text states the value the reading holds
        places += [citation.author or "", citation.date or "", citation.title, text]
    said = [_normal(p) for p in places]
    return any(_normal(e) in p for e in item.expect for p in said)


def _normal(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").split()).lower()


# -- sentence boundaries ----------------------------------------------------------

_OPENING = re.compile(r"""^["'“‘(\[*_#>\-•]*\s*[A-Z0-9£$€]""")
_CLOSING = re.compile(r"""[.!?…:;]["'”’)\]*_]*$""")


def at_sentence_boundaries(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` starts where a sentence starts and ends where one ends.

    Judged on the text alone, not by the splitter the index uses: it starts a line
    or follows a sentence's end, and begins like a sentence; it ends a line, or ends
    with a sentence's closing punctuation.
    """
    before = text[:start].rstrip()
    starts = (not before or before.endswith("\n") or "\n" in text[len(before) : start]) or bool(
        _CLOSING.search(before)
    )
    starts = starts and bool(_OPENING.match(text[start:end]))
    after = text[end:]
    line_ends = not after.strip(" \t") or after.lstrip(" \t").startswith("\n")
    ends = bool(_CLOSING.search(text[start:end])) or line_ends
    return starts and ends


def _boundary_shares(
    results: Sequence[GoldResult], documents: dict[str, Document]
) -> dict[str, float]:
    """For each format (file suffix), the share of citations at sentence boundaries."""
    checks: dict[str, list[bool]] = {}
    for result in results:
        for c in result.answer.citations:
            doc = documents.get(c.doc_id)
            if doc is None or c.end - c.start >= len(doc.text) and c.start == 0:
                continue
            suffix = Path(c.doc_id).suffix.lower().lstrip(".") or "none"
            checks.setdefault(suffix, []).append(at_sentence_boundaries(doc.text, c.start, c.end))
    return {k: sum(v) / len(v) for k, v in sorted(checks.items())}


def _share(items: Sequence[GoldResult], test: Callable[[GoldResult], bool]) -> float:
    return sum(map(test, items)) / len(items) if items else 0.0


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except OSError as exc:
        raise ConfigError(f"cannot read {str(path)!r}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{str(path)!r} is not UTF-8 text ({exc.reason}); save it as UTF-8"
        ) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ConfigError(f"{str(path)!r} line {number} is not JSON ({exc})") from None
        if not isinstance(row, dict):
            raise ConfigError(f"{str(path)!r} line {number} is not a JSON object")
        rows.append(row)
    return rows
