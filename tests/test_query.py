"""Questions → queries: misspellings spelt as the readings do, question sentences, language."""

from __future__ import annotations

import pytest

from bot.query import Vocabulary, foreign_language, prepare, question_part

VOCABULARY = Vocabulary.of(
    [
        "Why co-production failed in Aspley, a ward of Nottingham. The co-operative council "
        "of Eastmere. Volunteering rates in Brackenford fell. Professor Whitcombe disagreed."
    ]
)


@pytest.mark.parametrize(
    ("question", "query"),
    [
        ("why did coproduction fail in apsley?", "why did co-production fail in aspley?"),
        ("volunteerign rates in brakenford", "volunteering rates in brackenford"),
        ("the co operative council", "the co-operative council"),
        ("What about Wales?", "What about Wales?"),  # unknown, but no close reading word
        ("Why did it fail in Aspley?", "Why did it fail in Aspley?"),
    ],
)
def test_misspellings_are_spelt_as_the_readings_do(question: str, query: str) -> None:
    assert prepare(question, VOCABULARY).text == query


def test_sentences_around_a_question_are_left_out() -> None:
    asked = (
        "I am writing an essay on localism. Why did it fail in Aspley? Please explain in detail."
    )
    assert question_part(asked) == "Why did it fail in Aspley?"
    assert question_part("Why did it fail? And when?") == "Why did it fail? And when?"
    assert question_part("tell me about Aspley") == "tell me about Aspley"


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Pourquoi la coproduction a-t-elle échoué à Aspley ?", "fr"),
        ("Wie viele Freiwillige gab es in Brackenford?", "de"),
        ("Why did co-production fail in Aspley?", None),
        ("volunteerign rates in brakenford", None),
        ("Big Society Capital", None),
    ],
)
def test_foreign_language(question: str, language: str | None) -> None:
    assert foreign_language(question) == language
