"""The ``Bot`` as shared by the web app: reads never wait for, nor see half of, an update."""

from __future__ import annotations

import errno
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.errors import IndexBusyError, StorageError
from bot.pipeline import Bot
from bot.store import Store
from tests.conftest import SEED_ID, FakeEmbedder, make_settings


class GatedEmbedder(FakeEmbedder):
    """Blocks batch embedding (an index update) until released; single queries pass."""

    def __init__(self) -> None:
        super().__init__()
        self.closed = False
        self.entered = threading.Event()
        self.release = threading.Event()

    def embed(self, texts: Sequence[str], progress=None) -> np.ndarray:  # type: ignore[no-untyped-def]
        if self.closed and len(texts) > 1:
            self.entered.set()
            assert self.release.wait(30), "the test never released the update"
        return super().embed(texts, progress)


def test_questions_are_answered_from_the_old_index_while_an_update_runs(
    tmp_path: Path, docs_dir: Path
) -> None:
    embedder = GatedEmbedder()
    bot = Bot(make_settings(docs_dir, tmp_path / "index"), embedder=embedder)
    bot.index()
    (docs_dir / "foodbank.txt").write_text(
        "Volunteers staff the Sneinton foodbank on Tuesdays and Fridays."
    )
    embedder.closed = True
    update = threading.Thread(target=bot.index)
    update.start()
    try:
        assert embedder.entered.wait(30)
        # The update is half-way (embedding): questions still get the whole old index.
        hits = bot.search("Sneinton foodbank volunteers", top_k=10)
        assert hits and {h.chunk.doc_id for h in hits} == {SEED_ID}
        assert bot.ask("Why did co-production fail in Aspley?").question
        other = Bot(make_settings(docs_dir, tmp_path / "index"), embedder=FakeEmbedder())
        assert sorted(other.store.documents) == [SEED_ID]  # on disk too, only the old index
        try:
            other.index()
        except IndexBusyError as exc:
            assert "another process is updating" in str(exc)
        else:
            raise AssertionError("a second writer was let in")
    finally:
        embedder.release.set()
        update.join(30)
    hits = bot.search("Sneinton foodbank volunteers", top_k=1)
    assert hits[0].chunk.doc_id == "foodbank.txt"


def test_status_names_a_file_it_cannot_read_instead_of_failing(
    tmp_path: Path, docs_dir: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    bot = Bot(make_settings(docs_dir, tmp_path / "index"), embedder=FakeEmbedder())
    bot.index()
    locked = docs_dir / SEED_ID
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == locked:  # as a file the server's user may not read would
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    rows = {row.doc_id: row for row in bot.status()}
    assert rows[SEED_ID].status.startswith("error: cannot read")
    assert "Permission denied" in rows[SEED_ID].status and "permissions" in rows[SEED_ID].status


def _disk_full(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise OSError(errno.ENOSPC, "No space left on device")


def test_an_add_that_cannot_be_indexed_leaves_the_folder_as_it_was(
    tmp_path: Path, docs_dir: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    bot = Bot(make_settings(docs_dir, tmp_path / "index"), embedder=FakeEmbedder())
    bot.index()
    seed_before = (docs_dir / SEED_ID).read_bytes()
    new = tmp_path / "foodbank.txt"
    new.write_text("Volunteers staff the Sneinton foodbank on Tuesdays and Fridays.")
    changed = tmp_path / SEED_ID
    changed.write_text("A different version of the seed reading, about libraries.")
    monkeypatch.setattr(Store, "save", _disk_full)  # the disk fills while the index is written

    with pytest.raises(StorageError, match=r"No space left on device.*previous index is kept"):
        bot.add([new, changed], replace=True)

    assert sorted(p.name for p in docs_dir.iterdir()) == [SEED_ID]  # nothing added, no litter
    assert (docs_dir / SEED_ID).read_bytes() == seed_before  # the replaced reading is back
    assert [row.status for row in bot.status()] == ["indexed"]
    assert sorted(bot.store.documents) == [SEED_ID]


def test_an_add_whose_copy_fails_names_the_file_and_adds_nothing(
    tmp_path: Path, docs_dir: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    bot = Bot(make_settings(docs_dir, tmp_path / "index"), embedder=FakeEmbedder())
    bot.index()
    new = tmp_path / "foodbank.txt"
    new.write_text("Volunteers staff the Sneinton foodbank on Tuesdays and Fridays.")
    monkeypatch.setattr(shutil, "copyfile", _disk_full)
    with pytest.raises(StorageError, match=r"cannot copy '.*foodbank\.txt'.*nothing was added"):
        bot.add([new])
    assert sorted(p.name for p in docs_dir.iterdir()) == [SEED_ID]


def test_a_remove_that_cannot_be_indexed_keeps_the_reading(
    tmp_path: Path, docs_dir: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    bot = Bot(make_settings(docs_dir, tmp_path / "index"), embedder=FakeEmbedder())
    (docs_dir / "foodbank.txt").write_text("Volunteers staff the Sneinton foodbank on Tuesdays.")
    bot.index()
    monkeypatch.setattr(Store, "save", _disk_full)
    with pytest.raises(StorageError):
        bot.remove(["foodbank.txt"])
    assert sorted(p.name for p in docs_dir.iterdir()) == ["foodbank.txt", SEED_ID]
    assert sorted(bot.store.documents) == ["foodbank.txt", SEED_ID]


# -- following an index another process writes (replicas) --------------------------------

FOODBANK = "Volunteers staff the Sneinton foodbank on Tuesdays and Fridays."


def test_refresh_swaps_in_a_generation_another_process_wrote(
    tmp_path: Path, docs_dir: Path
) -> None:
    index = tmp_path / "index"
    follower = Bot(make_settings(docs_dir, index), embedder=FakeEmbedder())
    assert follower.refresh() is False and not follower.has_index()  # nothing to follow yet
    writer = Bot(make_settings(docs_dir, index), embedder=FakeEmbedder())
    writer.index()
    assert follower.refresh() is True  # the first index, once it exists
    held = follower.store  # as a question under way holds it
    assert follower.refresh() is False  # nothing new: one read of CURRENT

    (docs_dir / "foodbank.txt").write_text(FOODBANK)
    writer.index()
    assert follower.refresh() is True
    assert sorted(follower.store.documents) == ["foodbank.txt", SEED_ID]
    assert sorted(held.documents) == [SEED_ID]  # the question under way keeps its index
    assert follower.store.generation == writer.store.generation
    assert follower.refresh() is False and writer.refresh() is False


def test_a_generation_replaced_while_it_loads_is_loaded_at_the_next_refresh(
    tmp_path: Path, docs_dir: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from bot import generations

    index = tmp_path / "index"
    writer = Bot(make_settings(docs_dir, index), embedder=FakeEmbedder())
    writer.index()
    follower = Bot(make_settings(docs_dir, index), embedder=FakeEmbedder())
    _ = follower.store
    (docs_dir / "one.txt").write_text("A reading about parish councils.")
    writer.index()
    real = generations.read_manifest
    raced = []

    def writer_moves_on_twice(folder, fields):  # type: ignore[no-untyped-def]
        if not raced:  # the follower has read CURRENT; two more swaps delete what it names
            raced.append(folder.name)
            for name in ("two.txt", "three.txt"):
                (docs_dir / name).write_text(f"A reading about {name[:-4]} allotments.")
                writer.index()
            assert not folder.exists()
        return real(folder, fields)

    monkeypatch.setattr(generations, "read_manifest", writer_moves_on_twice)
    assert follower.refresh() is False  # no error: the next refresh loads the new one
    assert raced and sorted(follower.store.documents) == [SEED_ID]
    assert follower.refresh() is True
    assert len(follower.store.documents) == 4


def test_a_damaged_generation_is_reported_and_the_held_index_keeps_answering(
    tmp_path: Path, docs_dir: Path
) -> None:
    from bot.errors import IndexCorruptError
    from bot.generations import current_generation

    index = tmp_path / "index"
    writer = Bot(make_settings(docs_dir, index), embedder=FakeEmbedder())
    writer.index()
    follower = Bot(make_settings(docs_dir, index), embedder=FakeEmbedder())
    before = follower.store
    (docs_dir / "foodbank.txt").write_text(FOODBANK)
    writer.index()
    (current_generation(index) / "chunks.jsonl").write_text("{broken\n")
    with pytest.raises(IndexCorruptError, match="chunks.jsonl"):
        follower.refresh()
    assert follower.store is before
    assert follower.search("Aspley co-production")
