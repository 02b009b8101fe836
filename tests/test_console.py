"""Terminal rendering: golden strings."""

from __future__ import annotations

from bot import console
from bot.types import Answer, Citation, DocumentStatus, SyncReport

CITATION = Citation(
    n=1, doc_id="a.md", title="Big Society", author="A. Writer", date="2015-04-10",
    source="https://example.org/a", page=2, start=10, end=52,
    extract="Cuts  undermined\nco-production in Aspley.", score=1.2,
)  # fmt: skip


def test_answer_golden() -> None:
    answer = Answer("Why?", True, "Cuts undermined co-production in Aspley. [1]", (CITATION,))
    assert console.answer(answer) == (
        "Cuts undermined co-production in Aspley. [1]\n"
        "\n"
        "Sources:\n"
        "[1] Big Society — A. Writer, 2015-04-10\n"
        "    a.md, characters 10-52, page 2\n"
        "    https://example.org/a\n"
        "    “Cuts undermined co-production in Aspley.”"
    )


def test_sources_from_several_readings_are_grouped_by_reading() -> None:
    other = Citation(2, "b.txt", "Letters", None, None, None, None, 0, 9, "Something.", 0.5)
    third = Citation(3, "a.md", "Big Society", "A. Writer", "2015-04-10", None, None, 60, 70,
                     "More cuts.", 0.4)  # fmt: skip
    answer = Answer("Compare?", True, "x [1] y [2] z [3]", (CITATION, other, third))
    assert console.answer(answer).split("\n")[2:] == [
        "Sources, from 2 readings:",
        "Reading 1 of 2: Big Society — A. Writer, 2015-04-10",
        "  [1] Big Society — A. Writer, 2015-04-10",
        "      a.md, characters 10-52, page 2",
        "      https://example.org/a",
        "      “Cuts undermined co-production in Aspley.”",
        "  [3] Big Society — A. Writer, 2015-04-10",
        "      a.md, characters 60-70",
        "      “More cuts.”",
        "Reading 2 of 2: Letters",
        "  [2] Letters",
        "      b.txt, characters 0-9",
        "      “Something.”",
    ]


def test_refusal_golden() -> None:
    bare = Citation(1, "b.txt", "b", None, None, None, None, 0, 9, "Something", 0.1)
    answer = Answer("Capital?", False, "The readings don't answer this question.", (), (bare,))
    assert console.answer(answer) == (
        "The readings don't answer this question.\n"
        "\n"
        "Closest passages (not an answer):\n"
        "[1] b\n"
        "    b.txt, characters 0-9\n"
        "    “Something”"
    )


def test_sync_report_and_status_table_golden() -> None:
    report = SyncReport(added=("a",), unchanged=("b", "c"), chunks_embedded=3, sentences_embedded=9)
    assert console.sync_report(report) == (
        "index: 1 added, 0 updated, 0 removed, 2 unchanged, 0 skipped; "
        "3 chunks and 9 sentences embedded in 0.0s"
    )
    pooled = SyncReport(added=("a",), chunks_embedded=3, sentences_pooled=9)
    assert console.sync_report(pooled).endswith(
        "3 chunks and 0 sentences embedded, 9 sentences pooled from the chunks in 0.0s"
    )
    windows = SyncReport(added=("a",), windows_embedded=2, chunks_pooled=3, sentences_pooled=8,
                         sentences_embedded=1)  # fmt: skip
    assert console.sync_report(windows).endswith(
        "2 document windows embedded, 3 chunks and 8 sentences pooled from them, "
        "0 chunks and 1 sentences embedded on their own in 0.0s"
    )
    rows = [
        DocumentStatus("a.md", "A title", None, None, 3, "indexed"),
        DocumentStatus("long-name.txt", "T", "Au", "2020", 0, "new"),
    ]
    assert console.status_table(rows).splitlines() == [
        "ID             TITLE    AUTHOR  DATE  CHUNKS  STATUS",
        "a.md           A title  -       -     3       indexed",
        "long-name.txt  T        Au      2020  0       new",
    ]
