"""A conversation: which earlier questions a follow-up leans on, and what it has seen.

- ``refers_back``: a question with a referring word and little topic of its own
  ("why did they fail there?") is asked together with its ``topic``: the last
  question that stood on its own, and the follow-ups since;
- ``asks_for_more``: "what else did the study find?" leaves out what the answers
  since the topic showed (``replayed`` says which earlier questions to ask again);
- every one of these is bounded (``MAX_HISTORY``, ``MAX_REPLAYED``,
  ``MAX_REPLAYED_CHARS``, ``MAX_TOPIC_CHARS``), so a long history costs a bounded
  amount of work, whoever sends it;
- ``repeats``: an answer that would only show again what the previous answer
  showed says so instead (``repeated``).

Pure functions over question texts and answers: no index, no model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from bot.keyword import content_terms
from bot.types import Answer

#: A conversation is read from its last this many questions (a chat's history may be longer).
MAX_HISTORY = 20
#: At most this many earlier answers, of at most this many characters of questions in all,
#: are replayed to learn what a "what else?" has seen: every replay is a whole answer.
MAX_REPLAYED = 8
MAX_REPLAYED_CHARS = 3000
#: A follow-up is searched with at most this much of its topic.
MAX_TOPIC_CHARS = 1000
#: What an answer that would repeat the previous one says instead.
REPEATED = (
    "The previous answer already shows what the readings say on this; "
    "ask \u201cwhat else?\u201d for other passages, or ask about something else."
)


_REFERRING = frozenset(
    "else more also other another further they them their it its this that these those "
    "he him his she her there then same".split()
)


def refers_back(question: str) -> bool:
    """Whether a question leans on an earlier one: a referring word and little topic
    of its own ("what else did the study find?", "why did they do it?")."""
    words = re.findall(r"[a-z]+", question.lower())
    return any(w in _REFERRING for w in words) and len(content_terms(question)) <= 3


_MORE = re.compile(
    r"\b(what|who|where|why|how|anything|something|anyone) else\b"
    r"|\b(tell me|say|said|find|found|know|anything|something|what|any) more\b"
    r"|\b(any|what|which|some) (other|others|further|additional)\b"
    r"|\b(is|was) there another\b|\bare there (any )?(other|more|further)\b"
    r"|^\W*(and )?(more|else)\W*$",
    re.IGNORECASE,
)


def asks_for_more(question: str) -> bool:
    """Whether a follow-up asks for what the earlier answers did not show yet
    ("what else did the study find?", "tell me more")."""
    return refers_back(question) and _MORE.search(question) is not None


def topic_start(questions: Sequence[str]) -> int:
    """Where the current topic starts: the last question that stands on its own."""
    last = len(questions) - 1
    return next((n for n in range(last, -1, -1) if not refers_back(questions[n])), 0)


def topic(questions: Sequence[str]) -> str | None:
    """What a follow-up to ``questions`` is about: the last question that stands on
    its own, and the latest follow-ups asked since ("why? ... what else?") that fit
    within ``MAX_TOPIC_CHARS``."""
    start = topic_start(questions)
    if start >= len(questions):
        return None
    head, room = questions[start], MAX_TOPIC_CHARS - len(questions[start])
    kept: list[str] = []
    for question in reversed(questions[start + 1 :]):
        room -= len(question) + 1
        if room < 0:
            break
        kept.insert(0, question)
    return " ".join([head, *kept])[:MAX_TOPIC_CHARS]


def replayed(questions: Sequence[str]) -> range:
    """The earlier questions whose answers a "what else?" must not show again: those
    since the topic was set, the latest first, within ``MAX_REPLAYED`` and
    ``MAX_REPLAYED_CHARS``."""
    first, chars = len(questions), 0
    for n in range(len(questions) - 1, topic_start(questions) - 1, -1):
        chars += len(questions[n])
        if len(questions) - n > MAX_REPLAYED or chars > MAX_REPLAYED_CHARS:
            break
        first = n
    return range(first, len(questions))


def repeats(answer: Answer, previous: Answer) -> bool:
    """Whether ``answer`` cites nothing that ``previous`` did not already show."""
    return (
        answer.answered
        and previous.answered
        and bool(answer.citations)
        and all(
            any(p.doc_id == c.doc_id and p.start <= c.start and c.end <= p.end
                for p in previous.citations)
            for c in answer.citations
        )
    )  # fmt: skip


def repeated(answer: Answer) -> Answer:
    """``answer`` saying that the previous answer showed its passages already; the
    citations stay, so what it points back to can still be checked."""
    refs = " ".join(f"[{c.n}]" for c in answer.citations)
    return replace(answer, text=f"{REPEATED} {refs}")
