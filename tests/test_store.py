"""The index on disk: roundtrip, checks on load, crash safety, the write lock."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot import vectors as vectors_module
from bot.errors import (
    IndexBusyError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
)
from bot.generations import FORMAT_VERSION, current_generation, write_lock
from bot.store import IndexInfo, Store
from bot.sync import sync
from tests.conftest import FakeEmbedder

INFO = IndexInfo(model=FakeEmbedder.name, chunk_chars=300, overlap_sentences=1)


def build(docs: Path, embedder: FakeEmbedder) -> Store:
    store, _ = sync(docs, None, embedder, INFO)
    return store


def test_roundtrip_gives_the_same_documents_chunks_and_hits(
    tmp_path: Path, corpus_docs_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    store = build(corpus_docs_dir, fake_embedder)
    store.save(tmp_path / "index")
    loaded = Store.load(tmp_path / "index", model=FakeEmbedder.name)

    assert loaded.info == store.info
    assert loaded.documents == store.documents
    assert loaded.chunks == store.chunks
    np.testing.assert_array_equal(loaded.vectors.all(), store.vectors.all())
    query = fake_embedder.embed(["volunteers need training"])[0]
    assert loaded.dense_search(query, 5) == store.dense_search(query, 5)
    np.testing.assert_allclose(
        loaded.keyword.scores("bank accounts"), store.keyword.scores("bank accounts")
    )


def test_files_are_inspectable_json_lines(
    tmp_path: Path, docs_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    gen = build(docs_dir, fake_embedder).save(tmp_path / "index")
    manifest = json.loads((gen / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model"] == FakeEmbedder.name
    chunk = json.loads((gen / "chunks.jsonl").read_text().splitlines()[0])
    document = json.loads((gen / "documents.jsonl").read_text().splitlines()[0])
    assert document["text"][chunk["start"] : chunk["end"]] == chunk["text"]
    assert not list(gen.rglob("*.pkl")) and not list(gen.rglob("*.pickle"))


def test_the_manifest_says_how_the_vectors_were_made(
    tmp_path: Path, docs_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    gen = build(docs_dir, fake_embedder).save(tmp_path / "index")
    manifest = json.loads((gen / "manifest.json").read_text())
    assert manifest["encoder_passes"] == "chunks+sentences"
    del manifest["encoder_passes"]  # written before the field existed: sentences embedded alone
    (gen / "manifest.json").write_text(json.dumps(manifest))
    assert Store.load(tmp_path / "index").info == INFO
    manifest["encoder_passes"] = "tokens"
    (gen / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match=r"encoder passes 'tokens'.*--rebuild"):
        Store.load(tmp_path / "index")


def test_missing_index_says_to_run_bot_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="run 'bot index' first"):
        Store.load(tmp_path / "nothing")


def test_other_model_is_refused_with_rebuild_advice(
    tmp_path: Path, docs_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build(docs_dir, fake_embedder).save(tmp_path / "index")
    with pytest.raises(IndexMismatchError, match=r"built with model 'fake:crc32-64'.*--rebuild"):
        Store.load(tmp_path / "index", model="packaged:all-MiniLM-L6-v2")


def test_other_format_version_is_refused(
    tmp_path: Path, docs_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    gen = build(docs_dir, fake_embedder).save(tmp_path / "index")
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["format_version"] = 999
    (gen / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="format version 999"):
        Store.load(tmp_path / "index")


@pytest.mark.parametrize("name", ["chunks.jsonl", "documents.jsonl", "vectors.faiss"])
def test_a_damaged_file_is_named(
    tmp_path: Path, docs_dir: Path, fake_embedder: FakeEmbedder, name: str
) -> None:
    gen = build(docs_dir, fake_embedder).save(tmp_path / "index")
    with open(gen / name, "r+b") as f:
        f.seek(10)
        f.write(b"\x00garbage")
    with pytest.raises(IndexCorruptError, match=rf"{name}.*rebuild"):
        Store.load(tmp_path / "index")


def test_a_damaged_manifest_or_pointer_is_reported(
    tmp_path: Path, docs_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    index = tmp_path / "index"
    gen = build(docs_dir, fake_embedder).save(index)
    (gen / "manifest.json").write_text("{ not json")
    with pytest.raises(IndexCorruptError, match="manifest.json"):
        Store.load(index)
    (index / "CURRENT").write_text("../elsewhere\n")
    with pytest.raises(IndexCorruptError, match="CURRENT"):
        Store.load(index)


DELETED = object()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("model", DELETED),
        ("dim", DELETED),
        ("chunk_chars", DELETED),
        ("overlap_sentences", DELETED),
        ("sha256", DELETED),
        ("model", 7),
        ("dim", "64"),
        ("dim", -1),
        ("chunk_chars", True),
        ("overlap_sentences", 1.5),
        ("sha256", [1]),
        ("sha256", {"chunks.jsonl": 1}),
        ("sha256", {"/etc/hostname": "0" * 64}),
        ("sha256", {"../CURRENT": "0" * 64}),
    ],
)
def test_a_manifest_field_missing_or_of_the_wrong_type_is_reported(
    tmp_path: Path, docs_dir: Path, fake_embedder: FakeEmbedder, key: str, value: object
) -> None:
    index = tmp_path / "index"
    gen = build(docs_dir, fake_embedder).save(index)
    manifest = json.loads((gen / "manifest.json").read_text())
    if value is DELETED:
        del manifest[key]
    else:
        manifest[key] = value
    (gen / "manifest.json").write_text(json.dumps(manifest))
    for model in (None, FakeEmbedder.name):
        with pytest.raises(IndexCorruptError, match=rf"manifest\.json.*{key}") as caught:
            Store.load(index, model=model)
        message = str(caught.value)
        assert "\n" not in message and message.endswith("run 'bot index --rebuild'")


def test_a_checksum_of_a_folder_is_reported(
    tmp_path: Path, docs_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    gen = build(docs_dir, fake_embedder).save(tmp_path / "index")
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["sha256"]["keyword"] = "0" * 64
    (gen / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError, match=r"keyword' cannot be read.*--rebuild"):
        Store.load(tmp_path / "index")


def test_syncing_onto_a_damaged_manifest_reports_it_and_keeps_the_index(
    tmp_path: Path, docs_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    from bot.pipeline import Bot
    from tests.conftest import make_settings

    index = tmp_path / "index"
    bot = Bot(make_settings(docs_dir, index), embedder=fake_embedder)
    bot.index()
    gen = current_generation(index)
    manifest = json.loads((gen / "manifest.json").read_text())
    del manifest["model"]
    (gen / "manifest.json").write_text(json.dumps(manifest))
    files = {p: p.read_bytes() for p in index.rglob("*") if p.is_file()}
    (docs_dir / "extra.txt").write_text("A new reading about parish councils.")

    with pytest.raises(IndexCorruptError, match=r"manifest\.json.*'model'.*--rebuild"):
        Bot(make_settings(docs_dir, index), embedder=fake_embedder).index()
    assert {p: p.read_bytes() for p in index.rglob("*") if p.is_file()} == files


def test_a_crash_during_save_leaves_the_previous_index_loadable(
    tmp_path: Path, corpus_docs_dir: Path, fake_embedder: FakeEmbedder, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    index = tmp_path / "index"
    first = build(corpus_docs_dir, fake_embedder)
    first.save(index)
    before = current_generation(index)

    (corpus_docs_dir / "extra.txt").write_text("A new reading about parish councils.")
    second = build(corpus_docs_dir, fake_embedder)

    def die(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(vectors_module.faiss, "write_index", die)
    with pytest.raises(KeyboardInterrupt):
        second.save(index)

    assert current_generation(index) == before
    assert sorted(Store.load(index).documents) == sorted(first.documents)
    assert not [p for p in index.iterdir() if p.name.startswith(".tmp-")]


def test_saving_replaces_the_generation_and_keeps_only_the_one_before(
    tmp_path: Path, docs_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    """The generation replaced stays until the next swap: a replica that read ``CURRENT``
    just before a swap can still load what it named."""
    index = tmp_path / "index"
    store = build(docs_dir, fake_embedder)
    first = store.save(index)
    second = store.save(index)
    assert current_generation(index) == second and first.exists()
    third = store.save(index)
    assert current_generation(index) == third and not first.exists()
    kept = sorted(p.name for p in index.iterdir() if p.name.startswith("gen-"))
    assert kept == sorted([second.name, third.name])


def test_a_store_knows_its_generation(
    tmp_path: Path, docs_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    store = build(docs_dir, fake_embedder)
    assert store.generation is None  # only in memory
    saved = store.save(tmp_path / "index")
    assert store.generation == saved.name
    assert Store.load(tmp_path / "index").generation == saved.name


def test_a_second_writer_is_told_to_wait(tmp_path: Path) -> None:
    with write_lock(tmp_path), pytest.raises(IndexBusyError, match="another process"):
        with write_lock(tmp_path):
            pass
    with write_lock(tmp_path):  # released again
        pass


def test_empty_index_roundtrip_and_search(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    empty = tmp_path / "docs"
    empty.mkdir()
    build(empty, fake_embedder).save(tmp_path / "index")
    loaded = Store.load(tmp_path / "index")
    assert len(loaded) == 0
    assert loaded.dense_search(fake_embedder.embed(["x"])[0], 10) == []
