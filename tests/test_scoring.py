"""Sentence scoring and extract choice on a hand-built store: known vectors, known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bot.answer import AnswerPolicy, compose_answer, score_sentences
from bot.chunking import split_sentences
from bot.keyword import content_terms
from bot.refusal import ALWAYS_ANSWER
from bot.store import IndexInfo, Store
from bot.types import Chunk, Document, Hit

TEXT = (
    "Aspley is a ward in Nottingham with high deprivation. "
    "Cuts to public services undermined co-production in Aspley. "
    "This reduced the capacity of local charities.\n"
    "The weather was mild."
)


SPANS = tuple(split_sentences(TEXT))
#: Unit vectors in 3 dimensions: the question points along x.
SENTENCE_VECTORS = np.array(
    [[0.6, 0.8, 0.0], [0.8, 0.6, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], dtype=np.float32
)
QUESTION_VECTOR = np.array([1.0, 0.0, 0.0], dtype=np.float32)


@pytest.fixture
def store() -> Store:
    doc = Document("a.md", TEXT, "A reading", "h")
    chunk = Chunk("a.md#0", "a.md", 0, len(TEXT), TEXT, SPANS)
    info = IndexInfo(model="hand", chunk_chars=800, overlap_sentences=0)
    return Store(info, [doc], [chunk], np.array([[1.0, 0.0, 0.0]]), SENTENCE_VECTORS)


def test_the_spans_are_the_four_sentences() -> None:
    assert [TEXT[s.start : s.end] for s in SPANS][-1] == "The weather was mild."
    assert len(SPANS) == 4


def test_a_sentence_scores_its_cosine_plus_weighted_coverage_and_context(store: Store) -> None:
    question = "Why did co-production fail in Aspley?"
    hit = Hit(store.chunks[0], score=1.0, dense=0.5)
    policy = AnswerPolicy()
    scored = {TEXT[s.span.start : s.span.end]: s for s in score_sentences(
        question, QUESTION_VECTOR, [hit], store, policy)}  # fmt: skip
    wanted = content_terms(question)  # co-production, fail, aspley (stemmed)
    weights = np.sqrt(store.keyword.idf(wanted))
    cuts = scored["Cuts to public services undermined co-production in Aspley."]
    covered = sum(w for w, t in zip(weights, wanted, strict=True) if t != "fail")
    assert cuts.coverage == pytest.approx(covered / weights.sum())
    assert cuts.score == pytest.approx(0.8 + 0.75 * cuts.coverage + 0.25 * 0.5, abs=1e-6)
    assert max(scored.values(), key=lambda s: s.score) is cuts
    assert "The weather was mild." not in scored or scored["The weather was mild."].coverage == 0


def test_the_chosen_sentence_becomes_a_passage_with_the_sentence_leaning_on_it(
    store: Store,
) -> None:
    question = "Why did co-production fail in Aspley?"
    hit = Hit(store.chunks[0], score=1.0, dense=0.5)
    policy = AnswerPolicy(refusal=ALWAYS_ANSWER, max_extracts=1)
    answer = compose_answer(question, question, QUESTION_VECTOR, [hit], store, policy)
    assert answer.answered and answer.question == question
    (citation,) = answer.citations
    assert citation.extract == (  # the next sentence of its paragraph, not across the line
        "Cuts to public services undermined co-production in Aspley. "
        "This reduced the capacity of local charities."
    )
    assert TEXT[citation.start : citation.end] == citation.extract
    assert answer.text == f"{citation.extract} [1]"
    assert not math.isnan(citation.score)


def test_a_writer_composes_the_text_over_the_chosen_extracts(store: Store) -> None:
    def count(question: str, citations) -> str:  # type: ignore[no-untyped-def]
        return f"{len(citations)} passage(s) answer {question!r} " + " ".join(
            f"[{c.n}]" for c in citations
        )

    hit = Hit(store.chunks[0], score=1.0, dense=0.5)
    policy = AnswerPolicy(refusal=ALWAYS_ANSWER, max_extracts=1, writer=count)
    answer = compose_answer("Why?", "co-production Aspley", QUESTION_VECTOR, [hit], store, policy)
    assert answer.text == "1 passage(s) answer 'Why?' [1]"


def test_a_question_asking_for_a_figure_prefers_a_sentence_that_gives_one() -> None:
    text = "The food bank grew fast in its first years.\nThe centres now have 74 volunteers."
    spans = tuple(split_sentences(text))
    doc = Document("f.md", text, "Food", "h")
    chunk = Chunk("f.md#0", "f.md", 0, len(text), text, spans)
    # the second is closer in meaning, the first covers more words: it wins without the bonus
    vectors = np.array([[0.7, 0.714, 0.0], [0.85, 0.527, 0.0]], dtype=np.float32)
    store = Store(IndexInfo("hand", 800, 0), [doc], [chunk], np.array([[1.0, 0, 0]]), vectors)
    hit = Hit(chunk, score=1.0, dense=0.5)

    def best(question: str, bonus: float) -> str:
        policy = AnswerPolicy(figure_bonus=bonus)
        top = score_sentences(question, QUESTION_VECTOR, [hit], store, policy)[0]
        return text[top.span.start : top.span.end]

    assert best("How many volunteers does the food bank have?", 0.2).endswith("74 volunteers.")
    assert best("How many volunteers does the food bank have?", 0.0).startswith("The food bank")
    assert best("Why did the food bank grow?", 0.2).startswith("The food bank")  # no figure asked
