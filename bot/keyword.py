"""The keyword ranker: BM25 (bm25s) over stemmed, stopword-free terms.

``terms`` is the one tokenizer for everything keyword-shaped, so the ranker and
the answer's "how much of the question does this sentence cover" agree on words;
``content_terms`` also drops a question's function words (``function_words``), the
one list the answer, the query and the catalogue share. (BM25 keeps bm25s's own
shorter list, which its index was built and measured with.)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import bm25s

_WORD = re.compile(r"(?u)\b\w\w+\b")


@functools.cache
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer  # PyStemmer

    return Stemmer.Stemmer("english")


@functools.cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@functools.cache
def function_words() -> frozenset[str]:
    """English function words of questions ("how many", "did", "according to"):
    scikit-learn's list and a few question words; never a question's topic."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    extra = "did does doing would could should shall may might must according"
    return frozenset(ENGLISH_STOP_WORDS) | frozenset(extra.split())


@functools.cache
def _function_terms() -> frozenset[str]:
    return frozenset(terms(" ".join(function_words())))


def content_terms(text: str) -> list[str]:
    """The distinct stemmed words of ``text`` that carry its topic, in order."""
    stop = _function_terms()
    return list(dict.fromkeys(t for t in terms(text) if t not in stop))


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed words of ``text`` without English stopwords."""
    stop = _stopwords()
    words = [w for w in _WORD.findall(text.lower()) if w not in stop]
    return list(_stemmer().stemWords(words))


@dataclass(frozen=True)
class TermWord:
    """A term of ``terms`` and the word it was read from, as written, at ``[start, end)``."""

    term: str
    word: str
    start: int
    end: int


def term_words(text: str) -> list[TermWord]:
    """``terms(text)`` with the words they come from (to show a term as the text writes it)."""
    stop = _stopwords()
    found = [m for m in _WORD.finditer(text) if m.group().lower() not in stop]
    stems = _stemmer().stemWords([m.group().lower() for m in found])
    return [TermWord(t, m.group(), m.start(), m.end()) for t, m in zip(stems, found, strict=True)]


class KeywordIndex:
    """BM25 scores for a fixed list of texts (row ``i`` is text ``i``)."""

    def __init__(self, model: bm25s.BM25, size: int) -> None:
        self._model = model
        self.size = size
        self._df: np.ndarray | None = None

    @classmethod
    def build(cls, texts: Sequence[str]) -> KeywordIndex:
        import bm25s

        model = bm25s.BM25()
        if texts:
            vocab: dict[str, int] = {}
            ids = [[vocab.setdefault(t, len(vocab)) for t in terms(text)] for text in texts]
            model.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
        return cls(model, len(texts))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no query term is known)."""
        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        vocab = self._model.vocab_dict
        known = [t for t in terms(query) if t in vocab]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)

    def knows(self, word: str) -> bool:
        """Whether some indexed text contains the term ``word``."""
        return self.size > 0 and word in self._model.vocab_dict

    def idf(self, words: Sequence[str]) -> np.ndarray:
        """Inverse document frequency of each term over the indexed texts.

        A term no text contains weighs as much as the rarest term that some text
        contains: a question about something the readings never mention stays
        mostly uncovered, without letting one unknown word outweigh all others.
        """
        if self._df is None:
            self._df = np.diff(self._model.scores["indptr"]) if self.size else np.zeros(0)
        vocab = self._model.vocab_dict if self.size else {}
        df = np.array([self._df[vocab[w]] if w in vocab else 1 for w in words], dtype=np.float64)
        return np.log1p((self.size - df + 0.5) / (df + 0.5))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.size:
            self._model.save(str(folder))

    @classmethod
    def load(cls, folder: Path, size: int) -> KeywordIndex:
        import bm25s

        if size == 0:
            return cls.build([])
        return cls(bm25s.BM25.load(str(folder), mmap=False), size)
