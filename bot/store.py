"""The index on disk and in memory: documents, chunks, vectors (FAISS) and the keyword ranker.

An index folder holds generations; ``CURRENT`` names the live one::

    index/
      CURRENT                   one line: the live generation's folder name
      gen-<time>-<random>/
        manifest.json           format version, model, chunking, counts, file checksums
        documents.jsonl         one document per line, with its full text
        chunks.jsonl            one chunk per line: offsets, sentence spans, text
        vectors.faiss           one unit vector per chunk, in chunks.jsonl order
        sentences.faiss         one unit vector per distinct sentence, in order of first
                                appearance in chunks.jsonl
        keyword/                BM25 over chunks (bm25s: json + npy)
        keyword-documents/      BM25 over whole documents, in documents.jsonl order

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

from bot.chunking import passage_text, unique_sentences
from bot.errors import (
    IndexBusyError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
)
from bot.keyword import KeywordIndex
from bot.types import Chunk, Document, Span

FORMAT = "big-society-bot-index"
FORMAT_VERSION = 2
_REQUIRED_FILES = ("documents.jsonl", "chunks.jsonl", "vectors.faiss", "sentences.faiss")


@dataclass(frozen=True)
class IndexInfo:
    """How an index was built; two indexes with different infos cannot be mixed."""

    model: str
    chunk_chars: int
    overlap_sentences: int


class Store:
    """A loaded index. Immutable once built: an update makes a new ``Store``.

    Chunks and their sentences both have vectors: chunks carry context, sentences
    say precisely what matches, and the answer reads its sentences' vectors from
    here instead of embedding them at question time.
    """

    def __init__(
        self,
        info: IndexInfo,
        documents: list[Document],
        chunks: list[Chunk],
        vectors: np.ndarray,
        sentence_vectors: np.ndarray,
        keyword: KeywordIndex | None = None,
        document_keyword: KeywordIndex | None = None,
    ) -> None:
        self.info = info
        self.documents = {d.doc_id: d for d in documents}
        self.chunks = chunks
        self.sentences = unique_sentences(chunks)
        if len(chunks) != len(vectors) or len(self.sentences) != len(sentence_vectors):
            raise ValueError(
                f"{len(chunks)} chunks and {len(self.sentences)} sentences, but "
                f"{len(vectors)} and {len(sentence_vectors)} vectors"
            )
        self.vectors = _unit_rows(vectors)
        self.sentence_vectors = _unit_rows(sentence_vectors)
        self.dim = self.vectors.shape[1]
        self._faiss = _flat_index(self.vectors)
        self._sentence_faiss = _flat_index(self.sentence_vectors)
        self.keyword = keyword or KeywordIndex.build(
            [passage_text(self.documents[c.doc_id], c) for c in chunks]
        )
        self.doc_ids = list(self.documents)
        self.document_keyword = document_keyword or KeywordIndex.build(
            [f"{d.title}\n{d.text}" for d in self.documents.values()]
        )

        doc_row = {doc_id: i for i, doc_id in enumerate(self.doc_ids)}
        self.chunk_doc_rows = np.array([doc_row[c.doc_id] for c in chunks], dtype=np.int64)
        self.sentence_row = {(d, span.start): i for i, (d, span) in enumerate(self.sentences)}
        self.chunk_sentence_rows = [
            np.array([self.sentence_row[(c.doc_id, s.start)] for s in c.sentences], np.int64)
            for c in chunks
        ]
        self.sentence_chunk_rows: list[list[int]] = [[] for _ in self.sentences]
        for row, sentence_rows in enumerate(self.chunk_sentence_rows):
            for sentence in sentence_rows:
                self.sentence_chunk_rows[sentence].append(row)
        self._rows_by_doc: dict[str, list[int]] = {}
        for row, chunk in enumerate(chunks):
            self._rows_by_doc.setdefault(chunk.doc_id, []).append(row)
        self._sentence_rows_by_doc: dict[str, list[int]] = {}
        for row, (doc_id, _) in enumerate(self.sentences):
            self._sentence_rows_by_doc.setdefault(doc_id, []).append(row)

    def __len__(self) -> int:
        return len(self.chunks)

    def chunk_count(self, doc_id: str) -> int:
        return len(self._rows_by_doc.get(doc_id, ()))

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return [self.chunks[row] for row in self._rows_by_doc.get(doc_id, ())]

    def vectors_of(self, doc_id: str) -> tuple[np.ndarray, np.ndarray]:
        """The stored chunk and sentence vectors of a document, in index order."""
        return (
            self.vectors[self._rows_by_doc.get(doc_id, [])],
            self.sentence_vectors[self._sentence_rows_by_doc.get(doc_id, [])],
        )

    def dense_search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` chunk rows most similar to a unit query vector, with cosine scores."""
        return _search(self._faiss, query_vector, k)

    def sentence_search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` sentence rows most similar to a unit query vector, with cosine scores."""
        return _search(self._sentence_faiss, query_vector, k)

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
        faiss.write_index(self._sentence_faiss, str(folder / "sentences.faiss"))
        self.keyword.save(folder / "keyword")
        self.document_keyword.save(folder / "keyword-documents")
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            **asdict(self.info),
            "dim": self.dim,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "documents": len(self.documents),
            "chunks": len(self.chunks),
            "sentences": len(self.sentences),
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
        vectors = _read_vectors(folder / "vectors.faiss", manifest["dim"])
        sentence_vectors = _read_vectors(folder / "sentences.faiss", manifest["dim"])
        try:
            keyword = KeywordIndex.load(folder / "keyword", len(chunks))
            document_keyword = KeywordIndex.load(folder / "keyword-documents", len(documents))
        except (OSError, ValueError, KeyError) as exc:
            raise IndexCorruptError(
                f"the keyword index in {str(folder)!r} cannot be read ({exc}); "
                "run 'bot index --rebuild'"
            ) from None
        try:
            return cls(
                info, documents, chunks, vectors, sentence_vectors, keyword, document_keyword
            )
        except ValueError as exc:
            raise IndexCorruptError(
                f"index in {str(folder)!r} is inconsistent ({exc}); run 'bot index --rebuild'"
            ) from None


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(vectors, dtype=np.float32)
    return array if array.ndim == 2 else array.reshape(0, 0)


def _flat_index(vectors: np.ndarray) -> faiss.IndexFlatIP:
    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(vectors)
    return index


def _search(index: faiss.IndexFlatIP, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
    k = min(k, index.ntotal)
    if k <= 0:
        return []
    scores, rows = index.search(query_vector.reshape(1, -1).astype(np.float32), k)
    return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]


def _read_vectors(path: Path, dim: int) -> np.ndarray:
    index = faiss.read_index(str(path))
    if index.ntotal == 0:
        return np.zeros((0, dim), dtype=np.float32)
    return index.reconstruct_n(0, index.ntotal)


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
