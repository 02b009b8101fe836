"""Questions about the readings themselves, and questions that set readings side by side."""

from __future__ import annotations

import pytest

from bot.catalogue import about_readings, across_readings, compared_readings, surnames
from bot.types import Document


def _doc(doc_id: str, title: str, author: str | None, text: str, **meta: str) -> Document:
    return Document(doc_id, text, title, "hash-" + doc_id, author, **meta)


DOCS = {
    d.doc_id: d
    for d in [
        _doc(
            "rights.pdf",
            "Community Rights in Practice",
            "Dr Miriam Okafor, The Hearth Institute",
            "Community Rights in Practice\nDr Miriam Okafor\nThe Localism Act gave rights.",
        ),
        _doc(
            "interview.docx",
            "The Co-operative Council: An Interview",
            "Jonah Feld",
            "The Co-operative Council\nCouncillor Anita Sorensen has led the council since 2011.",
            date="2013-10-02",
        ),
        _doc(
            "post.md",
            "Whatever Happened to the Big Society?",
            "Simon Roberts and Bruce Stafford",
            "April 10, 2015, by the blog\nCo-production failed.\n"
            "This work is licensed under a Creative Commons Attribution 4.0 International License",
            licence="CC BY 4.0",
        ),
        _doc("bank.md", "Can a Bank Build a Big Society?", "Priya Raman (Notes blog)", "A bank."),
    ]
}


def test_surnames_are_people_not_organisations() -> None:
    assert surnames(DOCS["rights.pdf"]) == {"okafor"}
    assert surnames(DOCS["post.md"]) == {"roberts", "stafford"}
    assert surnames(DOCS["bank.md"]) == {"raman"}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How does Okafor's view differ from Raman's?", {"rights.pdf", "bank.md"}),
        ("Do Sorensen and Stafford agree about co-production?", {"interview.docx", "post.md"}),
        ("Compare Community Rights in Practice with Can a Bank Build", {"rights.pdf", "bank.md"}),
        ("Compare the Big Society readings", set()),  # words every title shares name none
        ("What did Okafor find?", set()),  # nothing compares
        ("How does Okafor's view differ?", set()),  # one reading
    ],
)
def test_compared_readings(question: str, expected: set[str]) -> None:
    assert {d.doc_id for d in compared_readings(question, DOCS)} == expected


def test_a_licence_question_cites_the_line_that_states_it() -> None:
    answer = about_readings("What licence is the Roberts and Stafford post under?", DOCS)
    assert answer is not None and "CC BY 4.0" in answer.text
    assert answer.citations[0].extract.startswith("This work is licensed under")


def test_an_author_question_names_the_reading_by_its_title() -> None:
    answer = about_readings("Who wrote The Co-operative Council interview?", DOCS)
    assert answer is not None and "Jonah Feld" in answer.text
    assert answer.citations[0].doc_id == "interview.docx"


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Which readings discuss food banks?", "food banks"),
        ("What do the readings say about co-production?", "co-production"),
        ("what does each reading say about volunteering", "volunteering"),
        ("How do the authors see localism?", "localism"),
        ("What did Okafor find about co-production?", None),
        ("Which readings are there?", None),
    ],
)
def test_questions_across_the_readings_give_their_topic(question: str, topic: str | None) -> None:
    assert across_readings(question) == topic


def test_who_says_something_is_left_to_the_passages() -> None:
    assert about_readings("Which author says a flat rate is not neutral?", DOCS) is None
    assert about_readings("Whose report argues that rights favour the organised?", DOCS) is None
