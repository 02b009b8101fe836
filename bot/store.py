"""The index on disk and in memory: documents, chunks, vectors (FAISS) and the keyword ranker.

An index folder holds generations; ``CURRENT`` names the live one::

    index/
      CURRENT                   one line: the live generation's folder name
      gen-<time>-<random>/
        manifest.json           format version, model, chunking, counts, file checksums
        documents.jsonl         one document per line, with its full text
        chunks.jsonl            one chunk per line: offsets, sentence spans, text
        vectors.faiss           one unit vector per chunk, in chunks.jsonl order
        keyword/                the BM25 index (bm25s: json + npy)

A save writes a new generation beside the old one and then replaces ``CURRENT``
atomically, so a crash at any point leaves the previous index loadable.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from bot.chunking import passage_text
from bot.errors import (
    IndexBusyError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
)
from bot.keyword import KeywordIndex
from bot.types import Chunk, Document, Span

FORMAT = "big-society-bot-index"
FORMAT_VERSION = 1
_REQUIRED_FILES = ("documents.jsonl", "chunks.jsonl", "vectors.faiss")


@dataclass(frozen=True)
class IndexInfo:
    """How an index was built; two indexes with different infos cannot be mixed."""

    model: str
    chunk_chars: int
    overlap_sentences: int


class Store:
    """A loaded index. Immutable once built: an update makes a new ``Store``."""

    def __init__(
        self,
        info: IndexInfo,
        documents: list[Document],
        chunks: list[Chunk],
        vectors: np.ndarray,
        keyword: KeywordIndex | None = None,
    ) -> None:
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        self.info = info
        self.documents = {d.doc_id: d for d in documents}
        self.chunks = chunks
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.dim = int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0
        self._faiss = faiss.IndexFlatIP(self.dim)
        if len(self.vectors):
            self._faiss.add(self.vectors)
        self.keyword = keyword or KeywordIndex.build(
            [passage_text(self.documents[c.doc_id], c) for c in chunks]
        )
        self._rows_by_doc: dict[str, list[int]] = {}
        for row, chunk in enumerate(chunks):
            self._rows_by_doc.setdefault(chunk.doc_id, []).append(row)

    def __len__(self) -> int:
        return len(self.chunks)

    def chunk_count(self, doc_id: str) -> int:
        return len(self._rows_by_doc.get(doc_id, ()))

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return [self.chunks[row] for row in self._rows_by_doc.get(doc_id, ())]

    def vectors_of(self, doc_id: str) -> np.ndarray:
        """The stored vectors of a document's chunks, in chunk order."""
        return self.vectors[self._rows_by_doc.get(doc_id, [])]

    def dense_search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` chunk rows most similar to a unit query vector, with cosine scores."""
        k = min(k, len(self.chunks))
        if k <= 0:
            return []
        scores, rows = self._faiss.search(query_vector.reshape(1, -1).astype(np.float32), k)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    # -- persistence --------------------------------------------------------

    def save(self, index_dir: Path) -> Path:
        """Write this index as a new generation and make it the live one; returns its folder."""
        index_dir.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        gen = index_dir / f"gen-{stamp}-{secrets.token_hex(3)}"
        tmp = index_dir / f".tmp-{gen.name}"
        tmp.mkdir()
        try:
            self._write_files(tmp)
            tmp.rename(gen)
            _fsync_dir(index_dir)
            _write_atomic(index_dir / "CURRENT", gen.name + "\n")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _remove_stale_generations(index_dir, keep=gen.name)
        return gen

    def _write_files(self, folder: Path) -> None:
        with open(folder / "documents.jsonl", "w", encoding="utf-8") as f:
            for doc in self.documents.values():
                f.write(json.dumps(asdict(doc), ensure_ascii=False) + "\n")
        with open(folder / "chunks.jsonl", "w", encoding="utf-8") as f:
            for c in self.chunks:
                row = {
                    "chunk_id": c.chunk_id,
                    "doc_id": c.doc_id,
                    "start": c.start,
                    "end": c.end,
                    "sentences": [[s.start, s.end] for s in c.sentences],
                    "text": c.text,
                }
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        faiss.write_index(self._faiss, str(folder / "vectors.faiss"))
        self.keyword.save(folder / "keyword")
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            **asdict(self.info),
            "dim": self.dim,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "documents": len(self.documents),
            "chunks": len(self.chunks),
            "sha256": {name: _sha256(folder / name) for name in _data_files(folder)},
        }
        for name in manifest["sha256"]:
            _fsync_file(folder / name)
        _write_atomic(folder / "manifest.json", json.dumps(manifest, indent=2) + "\n")

    @classmethod
    def load(cls, index_dir: Path, model: str | None = None) -> Store:
        """Load the live generation; refuses an index built by a model other than ``model``."""
        folder = current_generation(index_dir)
        manifest = read_manifest(folder)
        info = IndexInfo(
            model=manifest["model"],
            chunk_chars=manifest["chunk_chars"],
            overlap_sentences=manifest["overlap_sentences"],
        )
        if model is not None and info.model != model:
            raise IndexMismatchError(
                f"the index in {str(index_dir)!r} was built with model {info.model!r}, "
                f"but the configured model is {model!r}; "
                "run 'bot index --rebuild' to rebuild it with the configured model"
            )
        checksums = manifest.get("sha256", {})
        for name in sorted(set(_REQUIRED_FILES) | set(checksums)):
            if _sha256(folder / name) != checksums.get(name):
                raise IndexCorruptError(
                    f"index file {str(folder / name)!r} does not match its checksum "
                    "(damaged or edited); run 'bot index --rebuild'"
                )
        documents = [_document_from(row) for row in _read_jsonl(folder / "documents.jsonl")]
        chunks = [_chunk_from(row) for row in _read_jsonl(folder / "chunks.jsonl")]
        vectors_index = faiss.read_index(str(folder / "vectors.faiss"))
        if vectors_index.ntotal:
            vectors = vectors_index.reconstruct_n(0, vectors_index.ntotal)
        else:
            vectors = np.zeros((0, manifest["dim"]), dtype=np.float32)
        try:
            keyword = KeywordIndex.load(folder / "keyword", len(chunks))
        except (OSError, ValueError, KeyError) as exc:
            raise IndexCorruptError(
                f"index folder {str(folder / 'keyword')!r} cannot be read ({exc}); "
                "run 'bot index --rebuild'"
            ) from None
        if len(vectors) != len(chunks):
            raise IndexCorruptError(
                f"index in {str(folder)!r} has {len(vectors)} vectors for {len(chunks)} "
                "chunks; run 'bot index --rebuild'"
            )
        return cls(info, documents, chunks, vectors, keyword)


def current_generation(index_dir: Path) -> Path:
    """The live generation folder named by ``CURRENT``."""
    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        raise IndexMissingError(f"no index in {str(index_dir)!r}; run 'bot index' first")
    name = pointer.read_text(encoding="utf-8").strip()
    folder = index_dir / name
    if not name.startswith("gen-") or not folder.is_dir():
        raise IndexCorruptError(
            f"{str(pointer)!r} names {name!r}, which is not an index generation; "
            "run 'bot index --rebuild'"
        )
    return folder


def read_manifest(folder: Path) -> dict[str, Any]:
    """A generation's manifest, checked for format and version."""
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(
            f"index file {str(path)!r} cannot be read ({exc}); run 'bot index --rebuild'"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexCorruptError(
            f"{str(path)!r} is not a manifest of this bot's index; run 'bot index --rebuild'"
        )
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"the index in {str(folder.parent)!r} has format version "
            f"{manifest.get('format_version')!r}, this bot reads version {FORMAT_VERSION}; "
            "run 'bot index --rebuild'"
        )
    return manifest


@contextlib.contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's write lock; another writer gets ``IndexBusyError`` at once."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusyError(
                f"another process is updating the index in {str(index_dir)!r}; "
                "wait for it to finish and try again"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _data_files(folder: Path) -> list[str]:
    """Every file of a generation but its manifest, as relative paths."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    )


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            try:
                yield json.loads(line)
            except ValueError:
                raise IndexCorruptError(
                    f"index file {str(path)!r} is damaged at line {number}; "
                    "run 'bot index --rebuild'"
                ) from None


def _document_from(row: dict[str, Any]) -> Document:
    return Document(**{**row, "pages": tuple(row.get("pages", ()))})


def _chunk_from(row: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=row["chunk_id"],
        doc_id=row["doc_id"],
        start=row["start"],
        end=row["end"],
        text=row["text"],
        sentences=tuple(Span(s, e) for s, e in row["sentences"]),
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        raise IndexCorruptError(
            f"index file {str(path)!r} is missing; run 'bot index --rebuild'"
        ) from None
    return digest.hexdigest()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(3)}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_generations(index_dir: Path, keep: str) -> None:
    """Delete every generation (and abandoned temporary folder) but the live one."""
    for path in index_dir.iterdir():
        if path.is_dir() and path.name != keep and path.name.startswith(("gen-", ".tmp-gen-")):
            shutil.rmtree(path, ignore_errors=True)
