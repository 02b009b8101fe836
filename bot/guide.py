"""A guide to the readings: for each one, its most central sentences and its key terms.

- Central sentences are extracts like any other: ``Citation``s of whole sentences of
  the reading, so ``text[start:end] == extract``. They are the sentences whose stored
  vectors lie closest to the reading's mean sentence vector, picked one at a time by
  maximal marginal relevance (MMR) so that they do not say the same thing twice, and
  given in reading order. Titles, bylines, labels, headings and questions are never
  picked (``bot.answer.answer_like`` and ``label_line``), nor table rows, nor sentences
  of fewer than ``MIN_SENTENCE_WORDS`` words or over ``MAX_SENTENCE_CHARS``.
- Key terms are the words of those sentences (stemmed, as the keyword index reads them),
  and pairs of words that run together ("Big Society", "co-production"), weighed by
  how often the reading uses them (TF) and how few readings do (IDF, from the index's
  document keyword ranker), shown as the reading writes them.

Nothing is embedded: the guide reads the stored vectors. It is computed lazily, once
per loaded store and reading (``guide_for``), so a question never waits for it.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from bot.answer import AnswerPolicy, answer_like, label_line
from bot.errors import NotFoundError
from bot.keyword import TermWord, function_words, term_words
from bot.store import Store
from bot.types import Citation, Document, Span

#: Central sentences and key terms a guide gives for each reading.
GUIDE_SENTENCES = 3
GUIDE_TERMS = 8
#: MMR's trade-off: 1.0 picks by centrality alone, lower values favour variety.
MMR_LAMBDA = 0.7
#: A guide sentence says something whole: at least this many words, at most this long.
MIN_SENTENCE_WORDS = 8
MAX_SENTENCE_CHARS = 400


@dataclass(frozen=True)
class ReadingGuide:
    """What a reading is about, in its own words."""

    doc_id: str
    #: Its most central sentences, in reading order (numbered 1, 2, ... in that order).
    sentences: tuple[Citation, ...]
    #: Its key terms as the reading writes them, most characteristic first.
    key_terms: tuple[str, ...]


def reading_guide(
    store: Store, doc_id: str, sentences: int = GUIDE_SENTENCES, key_terms: int = GUIDE_TERMS
) -> ReadingGuide:
    """The guide to one reading of ``store`` (computed now; ``guide_for`` caches it)."""
    doc = store.documents.get(doc_id)
    if doc is None:
        raise NotFoundError(f"no reading {doc_id!r} in the index; 'bot list' shows the ids")
    spans = [s for s in store.sentences_of(doc_id) if _summary_like(doc.text, s)]
    return ReadingGuide(
        doc_id=doc_id,
        sentences=_central(store, doc, spans, sentences),
        key_terms=_key_terms(store, doc, spans, key_terms),
    )


_cache: weakref.WeakKeyDictionary[Store, dict[str, ReadingGuide]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def guide_for(store: Store, doc_id: str) -> ReadingGuide:
    """The guide to one reading, computed once per loaded store (an update makes a new
    store, and so a new guide)."""
    with _cache_lock:
        known = _cache.setdefault(store, {}).get(doc_id)
    if known is not None:
        return known
    guide = reading_guide(store, doc_id)
    with _cache_lock:
        return _cache.setdefault(store, {}).setdefault(doc_id, guide)


def course_guide(store: Store) -> list[ReadingGuide]:
    """The guide to every reading, in the order of their titles."""
    documents = sorted(store.documents.values(), key=lambda d: (d.title.lower(), d.doc_id))
    return [guide_for(store, d.doc_id) for d in documents]


def _summary_like(text: str, span: Span) -> bool:
    sentence = text[span.start : span.end]
    return (
        len(sentence) <= MAX_SENTENCE_CHARS
        and len(sentence.split()) >= MIN_SENTENCE_WORDS
        and answer_like(sentence, _POLICY)
        and not label_line(text, span)
        and not sentence.lstrip().startswith("|")
    )


_POLICY = AnswerPolicy()


def _central(store: Store, doc: Document, spans: list[Span], k: int) -> tuple[Citation, ...]:
    everything = store.sentences_of(doc.doc_id)
    if not spans or k <= 0:
        return ()
    vectors = store.sentence_vectors
    centre = vectors[_rows(store, doc.doc_id, everything)].mean(axis=0)
    norm = float(np.linalg.norm(centre))
    if norm == 0.0:
        return ()
    candidates = vectors[_rows(store, doc.doc_id, spans)]
    centrality = candidates @ (centre / norm)
    chosen = sorted(mmr(candidates, centrality, k, MMR_LAMBDA))
    return tuple(
        Citation.of(n, doc, spans[i].start, spans[i].end, round(float(centrality[i]), 4))
        for n, i in enumerate(chosen, start=1)
    )


def _rows(store: Store, doc_id: str, spans: Iterable[Span]) -> np.ndarray:
    return np.array([store.sentence_row[(doc_id, s.start)] for s in spans], dtype=np.int64)


def mmr(vectors: np.ndarray, relevance: np.ndarray, k: int, trade_off: float) -> list[int]:
    """Rows of ``vectors`` picked one at a time by maximal marginal relevance: the most
    relevant first, then each the best of ``trade_off * relevance - (1 - trade_off) *
    its closest similarity to a row already picked`` (the first best on a tie)."""
    picked: list[int] = []
    closest = np.full(len(vectors), -np.inf, dtype=np.float64)
    for _ in range(min(k, len(vectors))):
        penalty = np.where(np.isfinite(closest), closest, 0.0)
        score = trade_off * relevance - (1.0 - trade_off) * penalty
        score[picked] = -np.inf
        best = int(np.argmax(score))
        picked.append(best)
        closest = np.maximum(closest, vectors @ vectors[best])
    return picked


def _key_terms(store: Store, doc: Document, spans: list[Span], k: int) -> tuple[str, ...]:
    """The reading's most characteristic terms and pairs of terms, as it writes them."""
    skip = _function_terms()
    singles: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    forms: dict[str | tuple[str, str], Counter[str]] = {}
    for span in spans:
        sentence = doc.text[span.start : span.end]
        words = [w for w in term_words(sentence) if w.term not in skip and not w.word.isdigit()]
        for w in words:
            if len(w.word.strip("_")) >= 3:
                singles[w.term] += 1
                forms.setdefault(w.term, Counter())[_compound(sentence, w)] += 1
        for a, b in zip(words, words[1:], strict=False):
            gap = sentence[a.end : b.start]
            if gap in (" ", "-") and a.term != b.term:
                pairs[(a.term, b.term)] += 1
                phrase = f"{a.word}{gap}{b.word}".strip("_")
                forms.setdefault((a.term, b.term), Counter())[phrase] += 1
    phrases = {pair: n for pair, n in pairs.items() if n >= 2}
    # A word that mostly comes in one phrase is shown as that phrase only.
    absorbed = {t for (a, b), n in phrases.items() for t in (a, b) if 2 * n >= singles[t]}
    known = sorted(singles)
    idf = dict(zip(known, (float(x) for x in store.document_keyword.idf(known)), strict=True))
    scored: list[tuple[float, str | tuple[str, str]]] = [
        (tf * idf[t], t) for t, tf in singles.items() if t not in absorbed
    ]
    scored += [(n * (idf.get(a, 0.0) + idf.get(b, 0.0)), (a, b)) for (a, b), n in phrases.items()]
    scored.sort(key=lambda item: (-item[0], _shown(forms[item[1]])))
    chosen: list[str | tuple[str, str]] = []
    for _, key in scored:
        if len(chosen) == k:
            break
        if isinstance(key, str):
            if not any(isinstance(c, tuple) and key in c for c in chosen):
                chosen.append(key)  # (a word says nothing more once a phrase of it is there)
            continue
        held = [i for i, c in enumerate(chosen) if c in key]
        if len(held) == 2:
            continue  # nor a phrase once both of its words are
        word = chosen[held[0]] if held else None
        if isinstance(word, str) and 2 * phrases[key] >= singles[word]:
            chosen[held[0]] = key  # the word comes mostly in the phrase: the phrase says it
        else:
            chosen.append(key)
    return tuple(_shown(forms[key]) for key in chosen)


def _compound(sentence: str, w: TermWord) -> str:
    """The hyphenated word ``w`` is part of ("co-production" for "production"), or ``w``."""
    start, end = w.start, w.end
    while start > 1 and sentence[start - 1] == "-" and sentence[start - 2].isalnum():
        start -= 2
        while start > 0 and sentence[start - 1].isalnum():
            start -= 1
    while end + 1 < len(sentence) and sentence[end] == "-" and sentence[end + 1].isalnum():
        end += 2
        while end < len(sentence) and sentence[end].isalnum():
            end += 1
    return sentence[start:end].strip("_")


def _shown(forms: Counter[str]) -> str:
    """The way the reading most often writes a term (lower case on a tie)."""
    return min(forms, key=lambda w: (-forms[w], w != w.lower(), w))


@functools.cache
def _function_terms() -> frozenset[str]:
    return frozenset(t.term for t in term_words(" ".join(function_words())))
