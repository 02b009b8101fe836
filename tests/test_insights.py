"""Insights: what is stored (and what never is), retention, the off switch, the bounds."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.insights import MAX_QUESTION_CHARS, Insights
from bot.types import Answer, Citation

ASPLEY = "Why did co-production fail in Aspley?"


class Clock:
    def __init__(self) -> None:
        self.day = dt.date(2025, 3, 1)

    def __call__(self) -> dt.date:
        return self.day


def answer(question: str, answered: bool = True, *cited: str) -> Answer:
    citations = tuple(
        Citation(n, doc_id, "T", None, None, None, None, 0, 1, "x", 1.0)
        for n, doc_id in enumerate(cited, start=1)
    )
    return Answer(question=question, answered=answered, text="...", citations=citations)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def insights(tmp_path: Path, clock: Clock) -> Insights:
    return Insights(tmp_path / "insights.sqlite3", days=90, today=clock)


def test_questions_are_counted_by_day_and_merged_across_spellings(insights, clock) -> None:  # type: ignore[no-untyped-def]
    insights.record(answer(ASPLEY, True, "seed.md"))
    insights.record(answer("  why did CO-PRODUCTION   fail in Aspley? ", True, "seed.md"))
    insights.record(answer("What is the capital of France?", False))
    clock.day += dt.timedelta(days=1)
    insights.record(answer(ASPLEY, True, "seed.md", "other.md"))
    report = insights.report()
    assert [(d.day, d.asked, d.answered) for d in report.per_day] == [
        ("2025-03-01", 3, 2),
        ("2025-03-02", 1, 1),
    ]
    aspley, france = report.questions
    assert (aspley.question, aspley.count, aspley.answered) == (ASPLEY, 3, True)
    assert (aspley.first_day, aspley.last_day) == ("2025-03-01", "2025-03-02")
    assert aspley.cited == ("other.md", "seed.md")
    assert (france.count, france.answered) == (1, False)
    assert report.unanswered == (france,)
    assert report.cited == (("seed.md", 3), ("other.md", 1))
    assert report.since == "2024-12-03"  # 90 days up to today (2025-03-02), included


def test_only_the_question_its_day_and_outcome_are_stored(insights) -> None:  # type: ignore[no-untyped-def]
    insights.record(answer(ASPLEY, True, "seed.md"))
    with sqlite3.connect(insights.path) as db:
        tables = {
            name: [c[1] for c in db.execute(f"PRAGMA table_info({name})")]
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        rows = db.execute("SELECT * FROM questions").fetchall()
    assert tables == {
        "questions": [
            "day", "key", "question", "asked", "answered", "cited", "helpful", "not_helpful"
        ],
        "days": ["day", "asked", "answered"],
    }  # fmt: skip
    assert rows == [("2025-03-01", ASPLEY.casefold(), ASPLEY, 1, 1, '["seed.md"]', 0, 0)]


def test_retention_deletes_old_questions_for_good(tmp_path: Path, clock: Clock) -> None:
    insights = Insights(tmp_path / "insights.sqlite3", days=7, today=clock)
    insights.record(answer("Who ran the Lenton greenhouse rota?"))
    clock.day += dt.timedelta(days=6)
    assert insights.report().questions[0].count == 1  # the 7th day: still kept
    insights.record(answer(ASPLEY))
    clock.day += dt.timedelta(days=1)
    report = insights.report()  # a read deletes too
    assert [q.question for q in report.questions] == [ASPLEY]
    assert [d.day for d in report.per_day] == ["2025-03-07"]
    assert b"Lenton greenhouse" not in insights.path.read_bytes()  # overwritten, not unlinked
    clock.day += dt.timedelta(days=30)
    insights.record(answer("What happened to public parks?"))  # a write deletes too
    with sqlite3.connect(insights.path) as db:
        assert db.execute("SELECT question FROM questions").fetchall() == [
            ("What happened to public parks?",)
        ]


def test_the_off_switch_stores_nothing(tmp_path: Path) -> None:
    off = Insights(tmp_path / "insights.sqlite3", days=0)
    off.record(answer(ASPLEY))
    assert off.feedback(ASPLEY, True) is False
    assert list(tmp_path.iterdir()) == []
    report = off.report()
    assert report.enabled is False and report.questions == () and report.per_day == ()
    assert off.csv_text() == "day,question,asked,answered,helpful,not_helpful,cited\r\n"


def test_feedback_counts_only_for_questions_asked_and_once_per_ask(insights, clock) -> None:  # type: ignore[no-untyped-def]
    assert insights.feedback(ASPLEY, True) is False  # never asked: nothing is made
    assert not insights.path.exists() or insights.report().questions == ()
    insights.record(answer(ASPLEY))
    insights.record(answer(ASPLEY))
    assert insights.feedback(ASPLEY.upper(), True) is True
    assert insights.feedback(ASPLEY, False) is True
    assert insights.feedback(ASPLEY, True) is False  # two asks, two verdicts: no more
    clock.day += dt.timedelta(days=1)
    insights.record(answer(ASPLEY))
    assert insights.feedback(ASPLEY, True) is True  # today's ask
    (aspley,) = insights.report().questions
    assert (aspley.count, aspley.helpful, aspley.not_helpful) == (3, 2, 1)


def test_the_questions_kept_a_day_are_bounded(tmp_path: Path, clock: Clock) -> None:
    insights = Insights(tmp_path / "insights.sqlite3", days=90, today=clock, max_per_day=2)
    for n in range(5):
        insights.record(answer(f"Question number {n} about the readings?"))
    insights.record(answer("Question number 0 about the readings?"))  # kept: counted again
    insights.record(answer("x" * 5000))
    report = insights.report()
    assert [(q.question[:17], q.count) for q in report.questions] == [
        ("Question number 0", 2),
        ("Question number 1", 1),
    ]
    assert report.per_day[0].asked == 7  # the day's count still sees every question
    clock.day += dt.timedelta(days=1)
    insights.record(answer("y" * 5000))
    assert len(insights.report().questions[-1].question) == MAX_QUESTION_CHARS


def test_csv_has_a_row_per_day_and_question_and_no_formulas(insights) -> None:  # type: ignore[no-untyped-def]
    insights.record(answer('=HYPERLINK("http://evil.example","click")', False))
    insights.record(answer(ASPLEY, True, "a.md", "b.md"))
    rows = list(csv.reader(io.StringIO(insights.csv_text())))
    assert rows == [
        ["day", "question", "asked", "answered", "helpful", "not_helpful", "cited"],
        ["2025-03-01", '\'=HYPERLINK("http://evil.example","click")', "1", "no", "0", "0", ""],
        ["2025-03-01", ASPLEY, "1", "yes", "0", "0", "a.md b.md"],
    ]


def test_a_failure_to_record_never_stops_an_answer(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    nowhere = Insights(tmp_path / "no-such-folder" / "insights.sqlite3", days=90)
    nowhere.record(answer(ASPLEY))  # logged, not raised
    assert "could not record" in caplog.text
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"not a database" * 100)
    with pytest.raises(StorageError, match="move the file away"):
        Insights(damaged, days=90).report()
