"""Hits → an extractive ``Answer``: the sentences that best answer the question, cited.

No text is generated. Every sentence of the retrieved chunks is weighed on three
kinds of evidence:

- meaning: its cosine similarity to the question;
- coverage: the share of the question's content words it contains, each word
  weighted by the square root of its rarity in the index (IDF), so "Aspley"
  counts for more than "society" without a place name alone covering a question
  about something else there, and a word the readings never use counts as missing;
- context: the cosine similarity of the chunk around it, so a sentence such as
  "this reduces the capacity ..." keeps the sense of its neighbours.

Whether the readings answer at all is the refusal model's call (``bot.refusal``,
fitted on the development questions); otherwise the answer says so plainly.
The extracts are the best few sentences, each grown into a passage of one to three
consecutive sentences (``_whole_passage``), neighbours merged, best first. The weights
were measured on the development questions (see BENCHMARKS.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from bot.keyword import content_terms, terms
from bot.reflow import LIST_ITEM
from bot.refusal import Evidence, RefusalModel, default_model
from bot.store import Store
from bot.types import Answer, Chunk, Citation, Hit, Span

REFUSAL = "The readings don't answer this question."
NOTHING_MORE = "The readings say nothing more on this than the extracts already shown."
_LANGUAGES = {"en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian",
              "pt": "Portuguese", "nl": "Dutch", "pl": "Polish", "cy": "Welsh", "ga": "Irish",
              "zh": "Chinese", "ar": "Arabic", "ru": "Russian", "tr": "Turkish",
              "ja": "Japanese"}  # fmt: skip


def foreign_refusal(language: str, expected: str = "en") -> str:
    """The answer to a question in another language than the readings' (``expected``)."""
    name = _LANGUAGES.get(language, "another language")
    theirs = _LANGUAGES.get(expected, f"the language '{expected}'")
    return (
        f"The readings are in {theirs} and this question seems to be in {name}; "
        f"please ask it in {theirs}."
    )


def refusal_text(subject: str = "") -> str:
    """What a refusal says; it names what the readings are about, when that is known."""
    return f"The readings on {subject} don't answer this question." if subject else REFUSAL


@dataclass(frozen=True)
class Shown:
    """A passage an earlier answer of the conversation showed: ``text[start:end]``."""

    doc_id: str
    start: int
    end: int

    def holds(self, doc_id: str, span: Span) -> bool:
        return doc_id == self.doc_id and self.start <= span.start and span.end <= self.end

    def touches(self, chunk: Chunk) -> bool:
        return chunk.doc_id == self.doc_id and self.start < chunk.end and chunk.start < self.end


#: What composes an answer's text over its chosen extracts: (question, citations) → text.
#: The default quotes them; a generative writer could summarise them instead, keeping
#: the ``[n]`` markers so every claim stays checkable.
Writer = Callable[[str, Sequence[Citation]], str]


def quote_extracts(question: str, citations: Sequence[Citation]) -> str:
    """The extracts themselves, each followed by its ``[n]`` marker."""
    return " ".join(f"{' '.join(c.extract.split())} [{c.n}]" for c in citations)


@dataclass(frozen=True)
class AnswerPolicy:
    """The weights and thresholds of sentence selection and refusal."""

    coverage_weight: float = 0.75
    context_weight: float = 0.25
    #: Whether the readings answer at all; None: the fitted model (``bot.refusal``).
    refusal: RefusalModel | None = None
    #: Keep sentences scoring at least this share of the best one.
    relative_cutoff: float = 0.7
    max_extracts: int = 3
    max_extract_chars: int = 600
    #: A chosen sentence takes the next one of its paragraph up to this many characters.
    passage_chars: int = 450
    min_sentence_words: int = 5
    closest: int = 3
    writer: Writer = quote_extracts
    #: What a refusal says (``refusal_text``: it may name the readings' subject).
    refusal_text: str = REFUSAL
    #: Added to the score (not the evidence) of a sentence holding a number when the
    #: question asks how many, how much, what share ...
    figure_bonus: float = 0.2


@dataclass(frozen=True)
class _Scored:
    doc_id: str
    span: Span
    score: float  # meaning + weighted coverage + weighted context
    evidence: float  # meaning + coverage: does this sentence answer at all?
    rank: int  # rank of the best hit containing the sentence
    words: frozenset[str] = frozenset()
    coverage: float = 0.0  # share of the question's content words (√IDF-weighted) it has


def compose_answer(
    question: str,
    query: str,
    query_vector: np.ndarray,
    hits: list[Hit],
    store: Store,
    policy: AnswerPolicy = AnswerPolicy(),
    shown: Collection[Shown] = (),
) -> Answer:
    """The extractive answer to ``question`` from ``hits`` (best first).

    ``query`` is what was searched (``bot.query.prepare``: the question's asking
    sentences, spelt as the readings spell them, maybe with its conversation's topic);
    sentences are weighed against it, and the answer echoes ``question``.

    A follow-up asking for more passes the passages already ``shown``: their
    sentences are left out, and the other sentences of the chunks around them may
    answer too if they are complete sentences sharing a word with the question, since
    that context already answered the conversation's question.
    """
    scored = [
        s
        for s in score_sentences(query, query_vector, hits, store, policy)
        if not any(passage.holds(s.doc_id, s.span) for passage in shown)
    ]
    refusal = NOTHING_MORE if shown else policy.refusal_text
    beside = _beside(hits, shown)
    evidence = question_evidence(query, scored, hits, store)
    answers = scored and (policy.refusal or default_model()).answers(evidence)
    answering = [
        s
        for s in scored
        if answers or ((s.doc_id, s.span) in beside and s.coverage > 0 and _complete(store, s))
    ]
    if not answering:
        closest = _citations(store, _best_per_hit(scored)[: policy.closest])
        return Answer(question=question, answered=False, text=refusal, closest=tuple(closest))

    if shown:  # only what may answer: the chunk-neighbour route admits weak sentences
        scored = answering
    best = scored[0]
    chosen = [s for s in scored if s.score >= policy.relative_cutoff * best.score]
    chosen = [
        _whole_passage(s, store, policy, shown) for s in _distinct(chosen)[: policy.max_extracts]
    ]
    citations = _citations(store, _merge_neighbours(chosen, store, policy.max_extract_chars))
    text = policy.writer(question, citations)
    return Answer(question=question, answered=True, text=text, citations=tuple(citations))


#: A sentence opening like this leans on the one before it ("This reduces ...").
_LEANS_BACK = re.compile(
    r"^[\"“‘']?(this|these|that|those|it|its|they|their|them|such|he|she|his|her|however|but|"
    r"yet|so|thus|hence|therefore|instead|indeed|also|still|both|neither|nor|the latter|"
    r"the former|in (this|that|turn|contrast|short)|as a result|for (example|instance))\b",
    re.IGNORECASE,
)
#: A sentence ending like this announces the ones after it ("... three recommendations:").
_ANNOUNCES = re.compile(r"[:：]\s*$")


def _whole_passage(
    s: _Scored, store: Store, policy: AnswerPolicy, shown: Collection[Shown] = ()
) -> _Scored:
    """A chosen sentence as a passage of one to three consecutive sentences.

    The sentence takes the one before it when it leans on it ("This reduces ..."),
    the next two when it announces them ("... three recommendations:"), and else the
    next one of its paragraph while the passage stays within ``policy.passage_chars``
    (a finding often follows the sentence that sets it up). A passage never crosses
    a line break (but an announcement takes the list below it) nor repeats one shown.
    """
    sentences = store.sentences_of(s.doc_id)
    text = store.documents[s.doc_id].text
    at = store.sentence_index(s.doc_id, s.span)

    def said(i: int) -> str:
        return text[sentences[i].start : sentences[i].end]

    def same_line(i: int, j: int) -> bool:
        return "\n" not in text[sentences[i].end : sentences[j].start]

    def fresh(i: int) -> bool:
        return not any(p.holds(s.doc_id, sentences[i]) for p in shown)

    first = last = at
    if at > 0 and _LEANS_BACK.match(said(at)) and same_line(at - 1, at) and fresh(at - 1):
        first = at - 1
    if _ANNOUNCES.search(said(at)):
        while last < min(len(sentences) - 1, at + 2) and fresh(last + 1):
            last += 1
    elif (
        first == at
        and at + 1 < len(sentences)
        and same_line(at, at + 1)
        and fresh(at + 1)
        and (
            sentences[at + 1].end - sentences[first].start <= policy.passage_chars
            or _LEANS_BACK.match(said(at + 1))
        )
    ):
        last = at + 1
    span = Span(sentences[first].start, sentences[last].end)
    return _Scored(s.doc_id, span, s.score, s.evidence, s.rank, s.words, s.coverage)


def question_evidence(
    question: str, scored: list[_Scored], hits: list[Hit], store: Store
) -> Evidence:
    """The signals the refusal model weighs (``bot.refusal``), from the scored sentences."""
    passages = [store.documents[h.chunk.doc_id].text[h.chunk.start : h.chunk.end] for h in hits[:3]]
    numbers = _NUMBER.findall(question)
    return Evidence(
        cosine=max((s.evidence - s.coverage for s in scored), default=0.0),
        coverage=max((s.coverage for s in scored), default=0.0),
        context=max((h.dense for h in hits), default=0.0),
        number_missing=float(any(not any(n in p for p in passages) for n in numbers)),
    )


#: A number a question names: "2016", "2013-14", "147".
_NUMBER = re.compile(r"\d+(?:[-–]\d+)?")


def _beside(hits: list[Hit], shown: Collection[Shown]) -> set[tuple[str, Span]]:
    """The sentences sharing a retrieved chunk with a passage already shown."""
    return {
        (hit.chunk.doc_id, span)
        for hit in hits
        if any(passage.touches(hit.chunk) for passage in shown)
        for span in hit.chunk.sentences
    }


def _complete(store: Store, s: _Scored) -> bool:
    """Whether a sentence ends like prose, not like a label ("Creative Commons License")."""
    sentence = store.documents[s.doc_id].text[s.span.start : s.span.end]
    return _closes(sentence, ".!…")


def score_sentences(
    question: str,
    query_vector: np.ndarray,
    hits: list[Hit],
    store: Store,
    policy: AnswerPolicy,
) -> list[_Scored]:
    """Every distinct sentence of the hits, scored, best first."""
    seen: dict[tuple[str, int], tuple[Span, Hit, int]] = {}
    for rank, hit in enumerate(hits):
        text = store.documents[hit.chunk.doc_id].text
        for span in hit.chunk.sentences:
            key = (hit.chunk.doc_id, span.start)
            if key in seen or not answer_like(text[span.start : span.end], policy):
                continue
            if label_line(text, span):
                continue
            seen[key] = (span, hit, rank)
    if not seen:
        return []
    entries = list(seen.values())
    sentences = [store.documents[h.chunk.doc_id].text[s.start : s.end] for s, h, _ in entries]
    rows = [store.sentence_row[(h.chunk.doc_id, s.start)] for s, h, _ in entries]
    vector = query_vector.astype(np.float32)
    cosines = store.sentence_vectors[rows] @ vector
    wanted = content_terms(question)
    weights = np.sqrt(store.keyword.idf(wanted))
    total = float(weights.sum())
    asks_figure = _ASKS_FIGURE.search(question) is not None
    scored = []
    for (span, hit, rank), sentence, cosine in zip(entries, sentences, cosines, strict=True):
        doc_id = hit.chunk.doc_id
        asked = _asked_before(store, doc_id, span)
        if asked is not None:  # the answer to a question in the reading that matches
            row = store.sentence_row[(doc_id, asked.start)]
            cosine = max(cosine, store.sentence_vectors[row] @ vector)
        words = frozenset(terms(sentence))
        covered = sum(w for w, t in zip(weights, wanted, strict=True) if t in words)
        coverage = float(covered) / total if total else 0.0
        # a question asking for a figure prefers sentences that give one (ranking only)
        bonus = policy.figure_bonus if asks_figure and _FIGURE.search(sentence) else 0.0
        scored.append(
            _Scored(
                doc_id=doc_id,
                span=span,
                score=float(cosine)
                + policy.coverage_weight * coverage
                + policy.context_weight * hit.dense
                + bonus,
                evidence=float(cosine) + coverage,
                rank=rank,
                words=words,
                coverage=coverage,
            )
        )
    scored.sort(key=lambda s: -s.score)
    return scored


_ASKS_FIGURE = re.compile(
    r"\bhow (many|much|long|often|big|large)\b|\bwhat (share|percentage|proportion|fraction|"
    r"number|amount|sum|rate|figure)\b|\bby how much\b|\bby what (percentage|share)\b",
    re.IGNORECASE,
)
_FIGURE = re.compile(r"\d")
_ASKS = re.compile(r"^\s*(q|question|interviewer)\s*[:.]|\?[\"'”’)\]*_ ]*$", re.IGNORECASE)


def _asked_before(store: Store, doc_id: str, span: Span) -> Span | None:
    """The question a sentence answers: the sentence before it, if it is a question
    ending its line ("Q: Tell me about the scheme." / "A: It's our ...")."""
    sentences = store.sentences_of(doc_id)
    at = store.sentence_index(doc_id, span)
    if at <= 0:
        return None
    before, text = sentences[at - 1], store.documents[doc_id].text
    if "\n" in text[before.end : span.start] and _ASKS.search(text[before.start : before.end]):
        return before
    return None


def answer_like(sentence: str, policy: AnswerPolicy) -> bool:
    """Questions and headings are not answers: a statement of a few words at least,
    ending like one unless it is long (a list item may have no stop)."""
    words = len(sentence.split())
    if words < policy.min_sentence_words or _ASKS.search(sentence) or sentence.startswith("#"):
        return False
    return words >= 10 or _closes(sentence, ".!…:;")


def label_line(text: str, span: Span) -> bool:
    """Whether a sentence is a whole line that ends without punctuation and is no list
    item or table row: a title, a byline, a caption ("Tom Hellier 21 September 2012")."""
    alone = (span.start == 0 or text[span.start - 1] == "\n") and (
        span.end == len(text) or text[span.end] == "\n"
    )
    sentence = text[span.start : span.end]
    listed = LIST_ITEM.match(sentence) or sentence.lstrip().startswith("|")
    return alone and not _closes(sentence, ".!…:;?") and not listed


def _closes(sentence: str, marks: str) -> bool:
    """Whether ``sentence`` ends with one of ``marks``, closing quotes and brackets aside."""
    return sentence.rstrip("\"'”’)]*_ ").endswith(tuple(marks))


def _distinct(scored: list[_Scored]) -> list[_Scored]:
    """Drop sentences whose words nearly repeat a better one (copies across readings)."""
    kept: list[_Scored] = []
    for s in scored:
        if all(_jaccard(s.words, k.words) < 0.8 for k in kept):
            kept.append(s)
    return kept


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _best_per_hit(scored: list[_Scored]) -> list[_Scored]:
    """The best sentence of each hit, best first, for the closest-passages list."""
    best: dict[int, _Scored] = {}
    for s in scored:  # best first
        best.setdefault(s.rank, s)
    return list(best.values())


def _merge_neighbours(chosen: list[_Scored], store: Store, max_chars: int) -> list[_Scored]:
    """Join chosen sentences that follow each other in a document into one extract.

    The result is ordered best first.
    """
    by_doc: dict[str, list[_Scored]] = {}
    for s in chosen:
        by_doc.setdefault(s.doc_id, []).append(s)
    merged: list[_Scored] = []
    for doc_id, items in by_doc.items():
        text = store.documents[doc_id].text
        items.sort(key=lambda s: s.span.start)
        run = items[0]
        for s in items[1:]:
            gap = text[run.span.end : s.span.start]
            if not gap.strip() and s.span.end - run.span.start <= max_chars:
                run = _Scored(
                    doc_id,
                    Span(run.span.start, max(run.span.end, s.span.end)),
                    max(run.score, s.score),
                    max(run.evidence, s.evidence),
                    min(run.rank, s.rank),
                )
            else:
                merged.append(run)
                run = s
        merged.append(run)
    return sorted(merged, key=lambda s: -s.score)


def _citations(store: Store, scored: list[_Scored]) -> list[Citation]:
    return [
        Citation.of(n, store.documents[s.doc_id], s.span.start, s.span.end, round(s.score, 4))
        for n, s in enumerate(scored, start=1)
    ]
