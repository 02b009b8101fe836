"""A student's question → the query the rankers and the answer read.

The question stays as asked (it is what the answer echoes); the query is what is
searched:

- only its question sentences, when the question carries others around it
  ("I'm writing an essay on localism. Why did ...? Please explain in detail.");
- words the readings never use, spelt as the readings spell them when one word
  of theirs is close ("apsley" → "Aspley", "coproduction" → "co-production",
  "co operative" → "co-operative"), so a typo neither misses the passage nor
  counts as a topic the readings lack.

``foreign_language`` says when a question is confidently not in the language of the
readings (English unless the course says otherwise). Pure functions over a
``Vocabulary``: no index, no model.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
#: Closeness a correction needs: 1 - edits / length, a swap of two letters one edit
#: (Damerau-Levenshtein); words shorter than ``MIN_CORRECTED_CHARS`` are left alone.
MIN_SIMILARITY = 0.8
MIN_CORRECTED_CHARS = 5
#: At most this many unknown words of one query are looked up (each is a fuzzy search
#: of the vocabulary), so a long question of nonsense costs a bounded amount.
MAX_LOOKUPS = 12


@dataclass(frozen=True)
class Vocabulary:
    """The words of a collection: how often each occurs, and hyphenated words closed up."""

    counts: dict[str, int]
    closed: dict[str, str]  # "coproduction" → "co-production"

    @classmethod
    def of(cls, texts: Iterable[str]) -> Vocabulary:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(w.lower() for w in _WORD.findall(text))
        closed = {w.replace("-", ""): w for w in counts if "-" in w}
        for word in list(counts):  # "co-production" also knows its parts
            if "-" in word:
                counts.update(word.split("-"))
        return cls(dict(counts), closed)

    def knows(self, word: str) -> bool:
        return word in self.counts

    def correct(self, word: str) -> str | None:
        """The collection's spelling of an unknown ``word``, or None if none is close."""
        if word in self.closed:
            return self.closed[word]
        if len(word) < MIN_CORRECTED_CHARS:
            return None
        from rapidfuzz import process
        from rapidfuzz.distance import DamerauLevenshtein

        candidates = self._by_initial().get(word[0], ())
        best = process.extractOne(
            word,
            candidates,
            scorer=DamerauLevenshtein.normalized_similarity,
            score_cutoff=MIN_SIMILARITY,
        )
        return best[0] if best else None

    @functools.cache  # noqa: B019 - a vocabulary lives as long as its index
    def _by_initial(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for word in self.counts:
            if len(word) >= MIN_CORRECTED_CHARS - 1:
                groups.setdefault(word[0], []).append(word)
        return groups

    def __hash__(self) -> int:
        return id(self)


@dataclass(frozen=True)
class Query:
    question: str  # as asked
    text: str  # what is searched
    corrections: tuple[tuple[str, str], ...] = ()


def prepare(question: str, vocabulary: Vocabulary) -> Query:
    """The query for ``question``: its question sentences, misspellings corrected."""
    text = question_part(question)
    words = list(_WORD.finditer(text))
    out, corrections, cursor, skip, lookups = [], [], 0, False, 0
    for i, match in enumerate(words):
        if skip:
            skip = False
            continue
        word = match.group().lower().replace("’", "'")
        replacement = None
        nxt = words[i + 1] if i + 1 < len(words) else None
        if nxt is not None and text[match.end() : nxt.start()] == " ":
            pair = word + nxt.group().lower()
            joined = vocabulary.closed.get(pair) or (pair if vocabulary.knows(pair) else None)
            split_word = not (vocabulary.knows(word) and vocabulary.knows(nxt.group().lower()))
            if joined is not None and (split_word or pair in vocabulary.closed):
                replacement, skip = joined, True
        unknown = not vocabulary.knows(word) and not _common(word)
        if replacement is None and unknown and lookups < MAX_LOOKUPS:
            lookups += 1
            replacement = vocabulary.correct(word)
        if replacement is None:
            continue
        end = nxt.end() if skip and nxt is not None else match.end()
        out.append(text[cursor : match.start()] + replacement)
        corrections.append((text[match.start() : end], replacement))
        cursor = end
    out.append(text[cursor:])
    return Query(question, "".join(out), tuple(corrections))


def question_part(question: str) -> str:
    """The sentences of ``question`` that ask something, when others surround them."""
    sentences = [s.strip() for s in _SENTENCE.findall(question) if s.strip()]
    asking = [s for s in sentences if s.endswith("?")]
    if len(sentences) > 1 and asking:
        return " ".join(asking)
    return question.strip()


def _common(word: str) -> bool:
    """English function words are never 'corrected' into a reading's words."""
    from bot.keyword import function_words

    return word in function_words()


@functools.cache
def _identifier():  # type: ignore[no-untyped-def]
    import py3langid.langid as langid

    return langid.LanguageIdentifier.from_modelpath(
        langid.MODEL_DIR / langid.MODEL_FILE, norm_probs=True
    )


#: How sure the language identifier must be that a question is not English.
FOREIGN_CONFIDENCE = 0.9


def foreign_language(question: str, expected: str = "en") -> str | None:
    """The ISO 639-1 code of the question's language when it is confidently not
    ``expected`` and has at least three words; otherwise None."""
    if len(_WORD.findall(question)) < 3:
        return None
    language, confidence = _identifier().classify(question)
    return language if language != expected and confidence >= FOREIGN_CONFIDENCE else None
