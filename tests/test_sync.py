"""Incremental updates: only new or changed files are embedded; bad files are skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.store import IndexInfo
from bot.sync import sync
from tests.conftest import SEED_ID, FakeEmbedder

INFO = IndexInfo(model=FakeEmbedder.name, chunk_chars=300, overlap_sentences=1)


def test_first_sync_adds_everything(corpus_docs_dir: Path, fake_embedder: FakeEmbedder) -> None:
    store, report = sync(corpus_docs_dir, None, fake_embedder, INFO)
    assert len(report.added) == 3 and not report.updated and not report.removed
    assert report.chunks_embedded == len(store)
    assert report.sentences_embedded == len(store.sentences)
    assert fake_embedder.embedded == len(store) + len(store.sentences)
    assert sorted(store.documents) == sorted(p.name for p in corpus_docs_dir.iterdir())


def test_second_sync_does_no_embedding(corpus_docs_dir: Path, fake_embedder: FakeEmbedder) -> None:
    first, _ = sync(corpus_docs_dir, None, fake_embedder, INFO)
    calls = len(fake_embedder.calls)
    second, report = sync(corpus_docs_dir, first, fake_embedder, INFO)
    assert len(fake_embedder.calls) == calls
    assert report.chunks_embedded == 0 and not report.changed
    assert len(report.unchanged) == 3
    assert second.chunks == first.chunks


def test_changed_added_and_deleted_files(
    corpus_docs_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    first, _ = sync(corpus_docs_dir, None, fake_embedder, INFO)
    (corpus_docs_dir / "ianrenton-2010-the-meh-society.md").unlink()
    seed = corpus_docs_dir / SEED_ID
    seed.write_text(seed.read_text() + "\n\nAn added closing sentence about libraries.")
    (corpus_docs_dir / "new.txt").write_text("Parish councils took over the libraries.")
    before = fake_embedder.embedded

    store, report = sync(corpus_docs_dir, first, fake_embedder, INFO)
    assert report.added == ("new.txt",)
    assert report.updated == (SEED_ID,)
    assert report.removed == ("ianrenton-2010-the-meh-society.md",)
    assert report.unchanged == ("ianrenton-2010-my-contribution-to-big-society.md",)
    embedded_now = fake_embedder.embedded - before
    changed = (SEED_ID, "new.txt")
    chunks = sum(store.chunk_count(d) for d in changed)
    sentences = sum(1 for d, _ in store.sentences if d in changed)
    assert embedded_now == chunks + sentences
    assert (report.chunks_embedded, report.sentences_embedded) == (chunks, sentences)
    # reused vectors are the very ones computed before
    kept = "ianrenton-2010-my-contribution-to-big-society.md"
    for now, then in zip(store.vectors_of(kept), first.vectors_of(kept), strict=True):
        assert len(now) and (now == then).all()
    assert "added closing sentence" in store.documents[SEED_ID].text


def test_one_bad_file_is_skipped_and_the_rest_index(
    docs_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    (docs_dir / "good.txt").write_text("The Big Society needed volunteers.")
    (docs_dir / "bad.txt").write_bytes(b"\xff\xfe\x00\x00binary")
    (docs_dir / "table.xlsx").write_bytes(b"PK")
    store, report = sync(docs_dir, None, fake_embedder, INFO)
    assert sorted(store.documents) == ["good.txt", SEED_ID]
    skipped = dict(report.skipped)
    assert "binary data" in skipped["bad.txt"]
    assert "which we do not read" in skipped["table.xlsx"]


def test_a_file_that_turns_bad_keeps_its_indexed_version(
    docs_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    first, _ = sync(docs_dir, None, fake_embedder, INFO)
    (docs_dir / SEED_ID).write_bytes(b"\x00\x01 corrupted")
    store, report = sync(docs_dir, first, fake_embedder, INFO)
    assert store.documents[SEED_ID] == first.documents[SEED_ID]
    assert store.chunks == first.chunks
    assert "previously indexed version is kept" in dict(report.skipped)[SEED_ID]


def test_new_chunking_settings_re_embed_everything(
    docs_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    first, _ = sync(docs_dir, None, fake_embedder, INFO)
    other = IndexInfo(model=INFO.model, chunk_chars=200, overlap_sentences=0)
    store, report = sync(docs_dir, first, fake_embedder, other)
    assert report.updated == (SEED_ID,)
    assert store.info == other
    assert all(len(c.text) <= 200 or len(c.sentences) == 1 for c in store.chunks)


def test_missing_documents_folder(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    with pytest.raises(ConfigError, match=r"documents folder '.*nowhere' does not exist.*--docs"):
        sync(tmp_path / "nowhere", None, fake_embedder, INFO)
