"""Hits → an extractive ``Answer``: the sentences that best answer the question, cited.

No text is generated. Each candidate sentence from the retrieved chunks is scored
by three kinds of evidence:

- its own cosine similarity to the question (what it says),
- the cosine similarity of the chunk around it (its context: "this reduces ..."),
- the share of the question's content words it contains (keyword evidence).

The answer takes the best few sentences, merges neighbours into one extract,
and orders them by document and position. When the evidence is weak, the answer
says plainly that the readings do not answer the question.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from bot.embedding import Embedder
from bot.keyword import terms
from bot.store import Store
from bot.types import Answer, Citation, Hit, Span

REFUSAL = "The readings don't answer this question."

#: Question words that carry no topic: ignored when measuring keyword coverage.
_QUESTION_TERMS = frozenset(
    terms(
        "why what how who whom whose which when where did does do is are was were can could would"
    )
)


@dataclass(frozen=True)
class AnswerPolicy:
    """The weights and thresholds of sentence selection and refusal."""

    sentence_weight: float = 0.5
    context_weight: float = 0.3
    keyword_weight: float = 0.2
    #: Answer only if the best chunk's cosine reaches this ...
    min_chunk_cosine: float = 0.30
    #: ... and the best sentence's combined score reaches this.
    min_sentence_score: float = 0.35
    #: Keep sentences scoring at least this share of the best one.
    relative_cutoff: float = 0.8
    max_extracts: int = 4
    max_extract_chars: int = 600
    min_sentence_words: int = 5
    closest: int = 3


@dataclass(frozen=True)
class _Scored:
    doc_id: str
    span: Span
    score: float
    rank: int  # rank of the best hit containing the sentence
    words: frozenset[str] = frozenset()


def compose_answer(
    question: str,
    query_vector: np.ndarray,
    hits: list[Hit],
    store: Store,
    embedder: Embedder,
    policy: AnswerPolicy = AnswerPolicy(),
) -> Answer:
    """The extractive answer to ``question`` from ``hits`` (best first)."""
    scored = _score_sentences(question, query_vector, hits, store, embedder, policy)
    if not scored:
        return Answer(question=question, answered=False, text=REFUSAL)
    best = scored[0]
    top_chunk = max(h.dense for h in hits)
    if top_chunk < policy.min_chunk_cosine or best.score < policy.min_sentence_score:
        closest = _citations(store, _dedupe_by_chunk(scored, hits)[: policy.closest])
        return Answer(question=question, answered=False, text=REFUSAL, closest=tuple(closest))

    chosen = [s for s in scored if s.score >= policy.relative_cutoff * best.score]
    chosen = _distinct(chosen)[: policy.max_extracts]
    citations = _citations(store, _merge_neighbours(chosen, store, policy.max_extract_chars))
    text = " ".join(f"{' '.join(c.extract.split())} [{c.n}]" for c in citations)
    return Answer(question=question, answered=True, text=text, citations=tuple(citations))


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    """The JSON form of an answer, shared by ``bot ask --json`` and the web API."""
    payload: dict[str, Any] = {
        "question": answer.question,
        "answered": answer.answered,
        "answer": answer.text,
        "citations": [asdict(c) for c in answer.citations],
    }
    if answer.closest:
        payload["closest"] = [asdict(c) for c in answer.closest]
    return payload


def _score_sentences(
    question: str,
    query_vector: np.ndarray,
    hits: list[Hit],
    store: Store,
    embedder: Embedder,
    policy: AnswerPolicy,
) -> list[_Scored]:
    """Every distinct sentence of the hits, scored, best first."""
    seen: dict[tuple[str, int], tuple[Span, Hit, int]] = {}
    for rank, hit in enumerate(hits):
        text = store.documents[hit.chunk.doc_id].text
        for span in hit.chunk.sentences:
            key = (hit.chunk.doc_id, span.start)
            if key in seen or not _answer_like(text[span.start : span.end], policy):
                continue
            seen[key] = (span, hit, rank)
    if not seen:
        return []
    entries = list(seen.values())
    sentences = [store.documents[h.chunk.doc_id].text[s.start : s.end] for s, h, _ in entries]
    cosines = embedder.embed(sentences) @ query_vector.astype(np.float32)
    wanted = set(terms(question)) - _QUESTION_TERMS
    scored = []
    for (span, hit, rank), sentence, cosine in zip(entries, sentences, cosines, strict=True):
        words = frozenset(terms(sentence))
        coverage = len(wanted & words) / len(wanted) if wanted else 0.0
        score = (
            policy.sentence_weight * float(cosine)
            + policy.context_weight * hit.dense
            + policy.keyword_weight * coverage
        )
        scored.append(_Scored(hit.chunk.doc_id, span, score, rank, words))
    scored.sort(key=lambda s: -s.score)
    return scored


def _answer_like(sentence: str, policy: AnswerPolicy) -> bool:
    """Questions and headings are not answers: a statement of a few words at least."""
    return len(sentence.split()) >= policy.min_sentence_words and not sentence.endswith("?")


def _distinct(scored: list[_Scored]) -> list[_Scored]:
    """Drop sentences whose words nearly repeat a better one (copies across readings)."""
    kept: list[_Scored] = []
    for s in scored:
        if all(_jaccard(s.words, k.words) < 0.8 for k in kept):
            kept.append(s)
    return kept


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _dedupe_by_chunk(scored: list[_Scored], hits: list[Hit]) -> list[_Scored]:
    """The best sentence of each hit, for the closest-passages list."""
    best: dict[int, _Scored] = {}
    for s in scored:
        best.setdefault(s.rank, s)
    return [best[r] for r in sorted(best)]


def _merge_neighbours(chosen: list[_Scored], store: Store, max_chars: int) -> list[_Scored]:
    """Join chosen sentences that follow each other in a document into one extract.

    The result is ordered by the best score of each document, then by position.
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
                    Span(run.span.start, s.span.end),
                    max(run.score, s.score),
                    min(run.rank, s.rank),
                )
            else:
                merged.append(run)
                run = s
        merged.append(run)
    return merged


def _citations(store: Store, scored: list[_Scored]) -> list[Citation]:
    citations = []
    for n, s in enumerate(scored, start=1):
        doc = store.documents[s.doc_id]
        citations.append(
            Citation(
                n=n,
                doc_id=doc.doc_id,
                title=doc.title,
                author=doc.author,
                date=doc.date,
                source=doc.source,
                page=doc.page_at(s.span.start),
                start=s.span.start,
                end=s.span.end,
                extract=doc.text[s.span.start : s.span.end],
                score=round(s.score, 4),
            )
        )
    return citations
