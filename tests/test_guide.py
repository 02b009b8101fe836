"""The guide to the readings: central sentences (exact offsets, no labels) and key terms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.errors import NotFoundError
from bot.guide import course_guide, guide_for, mmr, reading_guide
from bot.store import IndexInfo, Store
from bot.sync import sync
from tests.conftest import SEED_ID, FakeEmbedder

INFO = IndexInfo(model=FakeEmbedder.name, chunk_chars=300, overlap_sentences=1)

#: A reading with everything a guide must leave out: a heading, a byline, a date line, a
#: label, a question, a table row and a one-line caption.
ALLOTMENTS = """# Allotments in the Big Society

By Jo Gardener

12 March 2012

Allotment societies ran the sites for the council, and the council kept the leases.
Who pays for the water?
The allotment society pays for the water from its members' rents every spring.
| Site | Plots |
Photo: the Lenton allotments in spring
Volunteer gardeners teach children to grow vegetables on the allotment every Saturday.
The waiting list for an allotment is longer than it has ever been in the city.
Allotment holders share tools, seeds and the shed with their neighbours on the site.
"""


def build(docs: Path) -> Store:
    store, _ = sync(docs, None, FakeEmbedder(), INFO)
    return store


@pytest.fixture
def store(corpus_docs_dir: Path) -> Store:
    (corpus_docs_dir / "allotments.md").write_text(ALLOTMENTS, encoding="utf-8")
    return build(corpus_docs_dir)


def test_central_sentences_are_exact_extracts_in_reading_order(store: Store) -> None:
    for guide in course_guide(store):
        text = store.documents[guide.doc_id].text
        assert 1 <= len(guide.sentences) <= 3, guide.doc_id
        assert [c.n for c in guide.sentences] == list(range(1, len(guide.sentences) + 1))
        assert [c.start for c in guide.sentences] == sorted(c.start for c in guide.sentences)
        for c in guide.sentences:
            assert text[c.start : c.end] == c.extract
            assert c.doc_id == guide.doc_id and c.title == store.documents[c.doc_id].title
            assert store.sentence_index(c.doc_id, _span(c)) >= 0  # a whole sentence


def test_headings_labels_questions_and_short_lines_are_never_central(store: Store) -> None:
    guide = reading_guide(store, "allotments.md", sentences=10)
    chosen = {c.extract for c in guide.sentences}
    assert chosen == {
        "Allotment societies ran the sites for the council, and the council kept the leases.",
        "The allotment society pays for the water from its members' rents every spring.",
        "Volunteer gardeners teach children to grow vegetables on the allotment every Saturday.",
        "The waiting list for an allotment is longer than it has ever been in the city.",
        "Allotment holders share tools, seeds and the shed with their neighbours on the site.",
    }


def test_the_guide_is_deterministic(store: Store, corpus_docs_dir: Path) -> None:
    again = build(corpus_docs_dir)
    assert course_guide(again) == [reading_guide(store, g.doc_id) for g in course_guide(again)]


def test_key_terms_are_written_as_the_reading_writes_them(store: Store) -> None:
    seed = reading_guide(store, SEED_ID, key_terms=8)
    assert len(seed.key_terms) == 8 and len(set(seed.key_terms)) == 8
    assert "co-production" in seed.key_terms  # a hyphenated word whole, not "production"
    assert "Aspley" in seed.key_terms  # a name keeps its capital
    text = store.documents[SEED_ID].text
    assert all(term in text for term in seed.key_terms)
    allotments = reading_guide(store, "allotments.md", key_terms=3)
    assert allotments.key_terms[0] == "allotment"


def test_a_guide_is_computed_once_per_store(store: Store, corpus_docs_dir: Path) -> None:
    first = guide_for(store, SEED_ID)
    assert guide_for(store, SEED_ID) is first
    assert guide_for(build(corpus_docs_dir), SEED_ID) is not first  # a new index, a new guide
    with pytest.raises(NotFoundError, match="'nope.md'"):
        guide_for(store, "nope.md")


def test_a_reading_with_nothing_to_summarise_has_an_empty_guide(tmp_path: Path) -> None:
    (tmp_path / "list.md").write_text("# Readings\n\nWeek one\n\nWeek two\n", encoding="utf-8")
    guide = reading_guide(build(tmp_path), "list.md")
    assert guide.sentences == () and guide.key_terms == ()


def test_mmr_prefers_a_different_second_pick_over_a_near_copy() -> None:
    vectors = np.array([[1.0, 0.0], [0.999, 0.045], [0.6, 0.8]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    relevance = np.array([0.95, 0.94, 0.80])
    assert mmr(vectors, relevance, 2, trade_off=0.7) == [0, 2]
    assert mmr(vectors, relevance, 2, trade_off=1.0) == [0, 1]  # relevance alone
    assert mmr(vectors, relevance, 10, trade_off=0.7) == [0, 2, 1]  # k over the count


def _span(c):  # type: ignore[no-untyped-def]
    from bot.types import Span

    return Span(c.start, c.end)
