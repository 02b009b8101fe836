"""Gold questions: loading with clear errors, scoring by kind, sentence boundaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.gold import GoldQuestion, _normal, at_sentence_boundaries, evaluate, load_gold
from bot.sync import load_folder
from bot.types import Answer, Citation


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2 is not JSON"),
        ('["a list"]', "line 2 is not a JSON object"),
        ('{"question": ""}', "line 2: 'question' must be a non-empty string"),
        ('{"question": "q", "doc_id": 3}', "line 2: 'doc_id' must be a string or null"),
        ('{"question": "q", "doc_id": null, "expect": "x"}', "line 2: 'expect' must be a list"),
        ('{"question": "q", "kind": "nonsense"}', "line 2: 'kind' is 'nonsense'"),
        ('{"question": "q", "kind": "offtopic", "doc_id": "a.md"}', "needs no 'doc_id'"),
        ('{"question": "q", "kind": "close"}', "needs a 'doc_id'"),
        ('{"question": "q", "doc_ids": "a.md"}', "'doc_ids' must be a list of strings"),
    ],
)
def test_load_gold_names_the_bad_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text('{"question": "ok?", "doc_id": "a.md", "expect": ["x"]}\n' + line + "\n")
    with pytest.raises(ConfigError, match=message):
        load_gold(path)


def test_load_gold_kinds_default_from_the_doc_id(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(
        '{"question": "a?", "doc_id": "a.md"}\n{"question": "b?", "doc_id": null}\n'
        '{"question": "c?", "kind": "compare", "doc_ids": ["a.md", "b.md"], "history": ["x"]}\n'
    )
    gold = load_gold(path)
    assert [g.kind for g in gold] == ["answerable", "absent", "compare"]
    assert gold[2].doc_ids == ("a.md", "b.md") and gold[2].history == ("x",)


def citation(n: int, doc_id: str, extract: str, author: str | None = None) -> Citation:
    return Citation(n, doc_id, "t", author, None, None, None, 0, len(extract), extract, 1.0)


def test_evaluate_known_answer() -> None:
    gold = [
        GoldQuestion("q-first", "close", ("a.md",), ("the cuts",)),
        GoldQuestion("q-second", "close", ("a.md",), ("volunteers",)),
        GoldQuestion("q-missed", "paraphrase", ("a.md",), ("nowhere",)),
        GoldQuestion("q-refused", "paraphrase", ("a.md",)),
        GoldQuestion("q-absent-ok", "absent"),
        GoldQuestion("q-offtopic-answered", "offtopic"),
        GoldQuestion("q-compare", "compare", ("a.md", "b.md")),
        GoldQuestion("q-compare-half", "compare", ("a.md", "c.md")),
        GoldQuestion("q-about", "about", ("a.md",), ("Ann Smith",)),
        GoldQuestion("q-followup", "followup", ("a.md",), ("more",), ("q-first",)),
    ]
    answers = {
        "q-first": Answer("", True, "x", (citation(1, "a.md", "Because of The  Cuts."),)),
        "q-second": Answer(
            "", True, "x", (citation(1, "b.md", "volunteers"), citation(2, "a.md", "volunteers"))
        ),
        "q-missed": Answer("", True, "x", (citation(1, "a.md", "something else"),)),
        "q-refused": Answer("", False, "no"),
        "q-absent-ok": Answer("", False, "no"),
        "q-offtopic-answered": Answer("", True, "x", (citation(1, "a.md", "x"),)),
        "q-compare": Answer(
            "",
            True,
            "x",
            (citation(1, "b.md", "y"), citation(2, "b.md", "z"), citation(3, "a.md", "x")),
        ),
        "q-compare-half": Answer("", True, "x", (citation(1, "a.md", "x"),)),
        "q-about": Answer("", True, "x", (citation(1, "a.md", "by her", author="Ann Smith"),)),
        "q-followup": Answer("", True, "x", (citation(1, "a.md", "more here"),)),
    }
    asked = []

    def ask(question: str, history: object) -> Answer:
        asked.append((question, tuple(history)))  # type: ignore[arg-type]
        return answers[question]

    report = evaluate(ask, gold, {})
    assert ("q-followup", ("q-first",)) in asked
    assert (report.answerable, report.unanswerable) == (8, 2)
    assert [r.hit_rank for r in report.results] == [1, 2, None, None, None, None, 3, None, 1, 1]
    assert report.hit_at_3 == pytest.approx(5 / 8)
    assert report.false_refusals == pytest.approx(1 / 8)
    assert report.refusals == pytest.approx(1 / 2)
    kinds = {k.kind: k for k in report.kinds}
    assert kinds["compare"].right == pytest.approx(1 / 2)
    assert kinds["close"].hit_at_1 == pytest.approx(1 / 2)
    assert kinds["paraphrase"].refused == pytest.approx(1 / 2)
    assert [m.gold.question for m in report.misses] == [
        "q-missed", "q-refused", "q-offtopic-answered", "q-compare-half",
    ]  # fmt: skip


TEXT = "First sentence here. Second one, e.g. with more.\nA line without a stop\nThird."


@pytest.mark.parametrize(
    ("extract", "expected"),
    [
        ("First sentence here.", True),
        ("Second one, e.g. with more.", True),
        ("First sentence here. Second one, e.g. with more.", True),
        ("A line without a stop", True),
        ("sentence here.", False),  # starts mid-sentence
        ("First sentence", False),
    ],
)
def test_at_sentence_boundaries(extract: str, expected: bool) -> None:
    start = TEXT.index(extract)
    assert at_sentence_boundaries(TEXT, start, start + len(extract)) is expected


GOLD = Path(__file__).parent / "gold"


@pytest.mark.parametrize("split", ["course-dev.jsonl", "course-test.jsonl"])
def test_every_expected_phrase_is_in_its_reading_as_loaded(split: str) -> None:
    """The course's gold stays true to its readings: a loader or a reading that changes
    a phrase a right answer must cite fails here, not as a silent miss in the scores."""
    texts = {d.doc_id: _normal(d.text) for d in load_folder(GOLD / "course")}
    for item in load_gold(GOLD / split):
        assert set(item.doc_ids) <= texts.keys(), item.question
        if item.kind in ("about", "compare"):  # metadata values, or no phrase at all
            continue
        missing = [e for e in item.expect if not any(_normal(e) in texts[d] for d in item.doc_ids)]
        assert not missing, f"{item.question!r}: {missing} not in {item.doc_ids}"
