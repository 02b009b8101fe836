"""Corrected titles, authors and dates: checked, kept beside the readings, applied by the
loader, part of a reading's fingerprint, and kept through re-indexing."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from bot.documents import content_hash, iter_document_files, load_document
from bot.errors import ConfigError, MetadataError, NotFoundError, StorageError
from bot.metadata import (
    FILE,
    Corrections,
    checked,
    read_corrections,
    write_corrections,
)
from bot.pipeline import Bot
from bot.store import Store
from tests.conftest import SEED_ID, SHIPPED_DOCS, FakeEmbedder, make_settings

SEED_TITLE = "Whatever happened to Cameron's Big Society?"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "the title must not be empty"),
        ({"title": "x" * 301}, "301 characters long, over 300"),
        ({"author": "y" * 301}, "over 300"),
        ({"date": "2015-13-01"}, "'2015-13-01' is not a date"),
        ({"date": "April 2015"}, "write it as YYYY-MM-DD"),
        ({"licence": "CC0"}, "'licence' cannot be corrected"),
        ({"title": 42}, "title must be text, not 42"),
    ],
)
def test_a_bad_correction_is_refused_naming_the_field(fields, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MetadataError, match=message):
        checked(fields)


def test_corrections_are_tidied_and_applied_over_the_file() -> None:
    fixed = checked({"title": " The  real\ntitle ", "author": "", "date": "2015-04"})
    assert fixed == Corrections(title="The real title", author="", date="2015-04")
    assert fixed.apply("Draft3.docx", "Word user", None) == ("The real title", None, "2015-04")
    assert checked({"author": None}, fixed) == Corrections("The real title", None, "2015-04")
    assert Corrections().apply("t", "a", "d") == ("t", "a", "d") and not Corrections()


def test_the_corrections_file_is_hidden_and_roundtrips(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("A reading about parks.")
    write_corrections(tmp_path, {"a.txt": Corrections(title="Parks"), "b.txt": Corrections()})
    assert [p.name for p in iter_document_files(tmp_path)] == ["a.txt"]  # not a reading
    data = json.loads((tmp_path / FILE).read_text())
    assert data == {
        "format": "reading-corrections",
        "version": 1,
        "readings": {"a.txt": {"title": "Parks"}},
    }
    assert read_corrections(tmp_path) == {"a.txt": Corrections(title="Parks")}
    write_corrections(tmp_path, {})
    assert not (tmp_path / FILE).exists() and read_corrections(tmp_path) == {}


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"format": "other"}',
        '{"format": "reading-corrections", "version": 9, "readings": {}}',
        '{"format": "reading-corrections", "version": 1, "readings": {"a.txt": {"date": "x"}}}',
    ],
)
def test_a_damaged_corrections_file_is_named(tmp_path: Path, content: str) -> None:
    (tmp_path / FILE).write_text(content)
    with pytest.raises(ConfigError, match=r"\.meta\.json.*delete it"):
        read_corrections(tmp_path)


def test_the_loader_applies_corrections_and_they_change_the_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / SEED_ID
    path.write_bytes((SHIPPED_DOCS / SEED_ID).read_bytes())
    plain = load_document(path, tmp_path)
    assert plain.content_hash == content_hash(path.read_bytes())  # no corrections: as before
    fixed = Corrections(title="The Big Society, revisited", author="", date="2015")
    write_corrections(tmp_path, {SEED_ID: fixed})
    doc = load_document(path, tmp_path)
    assert (doc.title, doc.author, doc.date) == ("The Big Society, revisited", None, "2015")
    assert doc.text == plain.text and doc.source == plain.source
    assert doc.content_hash == content_hash(path.read_bytes(), fixed) != plain.content_hash


def test_a_correction_reindexes_that_reading_and_survives_reindexing(
    tmp_path: Path, corpus_docs_dir: Path
) -> None:
    embedder = FakeEmbedder()
    bot = Bot(make_settings(corpus_docs_dir, tmp_path / "index"), embedder=embedder)
    bot.index()
    report = bot.correct(SEED_ID, {"title": "Co-production in Aspley", "author": "S. Roberts"})
    assert report.updated == (SEED_ID,) and len(report.unchanged) == 2
    doc = bot.store.documents[SEED_ID]
    assert (doc.title, doc.author) == ("Co-production in Aspley", "S. Roberts")
    assert doc.date == "2015-04-10"  # not corrected: the file's own
    cited = bot.ask("Why did co-production fail in Aspley?").citations
    assert cited and all(c.title == "Co-production in Aspley" for c in cited if c.doc_id == SEED_ID)
    assert {r.doc_id: r.status for r in bot.status()}[SEED_ID] == "indexed"

    before = embedder.embedded
    again = Bot(make_settings(corpus_docs_dir, tmp_path / "index"), embedder=embedder)
    assert again.index().changed is False and embedder.embedded == before  # kept, not redone
    assert again.index(rebuild=True) and again.store.documents[SEED_ID].title.startswith("Co-")

    back = bot.correct(SEED_ID, {"title": None, "author": None})
    assert back.updated == (SEED_ID,) and bot.store.documents[SEED_ID].title == SEED_TITLE
    assert not (corpus_docs_dir / FILE).exists()  # nothing corrected any more


def test_removing_a_reading_forgets_its_corrections(tmp_path: Path, corpus_docs_dir: Path) -> None:
    bot = Bot(make_settings(corpus_docs_dir, tmp_path / "index"), embedder=FakeEmbedder())
    bot.index()
    bot.correct(SEED_ID, {"date": "2015-04"})
    bot.remove([SEED_ID])
    assert SEED_ID not in read_corrections(corpus_docs_dir)
    with pytest.raises(NotFoundError, match=repr(SEED_ID)):
        bot.correct(SEED_ID, {"title": "Back again?"})


def test_a_correction_that_cannot_be_indexed_is_put_back(
    tmp_path: Path, docs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = Bot(make_settings(docs_dir, tmp_path / "index"), embedder=FakeEmbedder())
    bot.index()

    def full(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Store, "save", full)
    with pytest.raises(StorageError):
        bot.correct(SEED_ID, {"title": "Lost"})
    assert read_corrections(docs_dir) == {}
    assert bot.store.documents[SEED_ID].title == SEED_TITLE
    with pytest.raises(MetadataError, match="not a date"):
        bot.correct(SEED_ID, {"date": "someday"})
