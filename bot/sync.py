"""Bring an index in line with a set of documents, embedding only what changed.

A document is unchanged when its content hash and the index settings match the
old index; its chunks and vectors are reused. ``sync`` reads a documents folder:
one unreadable file is reported and skipped, and if an earlier version of it was
indexed, that version is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.chunking import chunk_document, unique_sentences
from bot.documents import content_hash, doc_id_for, iter_document_files, load_document
from bot.embedding import Embedder
from bot.errors import ConfigError, DocumentError
from bot.metadata import read_corrections
from bot.passes import Vectors, embed_chunks
from bot.store import IndexInfo, Store
from bot.types import Chunk, Document, SyncReport

#: Called as ``progress(done, total)`` while chunks are embedded.
SyncProgress = Callable[[int, int], None]


def check_docs_dir(docs_dir: Path) -> None:
    if not docs_dir.is_dir():
        raise ConfigError(
            f"documents folder {str(docs_dir)!r} does not exist; "
            "create it and put readings in it, or pass --docs DIR"
        )


def sync(
    docs_dir: Path,
    old: Store | None,
    embedder: Embedder,
    info: IndexInfo,
    progress: SyncProgress | None = None,
) -> tuple[Store, SyncReport]:
    """A new ``Store`` matching ``docs_dir``, and a report of what changed."""
    began = time.perf_counter()
    check_docs_dir(docs_dir)
    reusable = old if old is not None and old.info == info else None
    plan = _plan(docs_dir, old, reusable)
    built = index_documents(plan.documents, embedder, info, reusable, progress)
    present = {d.doc_id for d in plan.documents}
    report = SyncReport(
        added=tuple(plan.added),
        updated=tuple(plan.updated),
        removed=tuple(sorted(set(old.documents) - present)) if old else (),
        unchanged=tuple(plan.unchanged),
        skipped=tuple(plan.skipped),
        chunks_embedded=built.made.chunks_embedded,
        sentences_embedded=built.made.sentences_embedded,
        chunks_pooled=built.made.chunks_pooled,
        sentences_pooled=built.made.sentences_pooled,
        windows_embedded=built.made.windows_embedded,
        seconds=time.perf_counter() - began,
    )
    return built.store, report


@dataclass(frozen=True)
class Built:
    """A store made by ``index_documents``, and what embedding it took."""

    store: Store
    made: Vectors

    @property
    def chunks_embedded(self) -> int:
        return self.made.chunks_embedded

    @property
    def sentences_embedded(self) -> int:
        return self.made.sentences_embedded


_NOTHING = Vectors(np.zeros((0, 0), np.float32), np.zeros((0, 0), np.float32))


def index_documents(
    documents: Sequence[Document],
    embedder: Embedder,
    info: IndexInfo,
    old: Store | None = None,
    progress: SyncProgress | None = None,
) -> Built:
    """A store of ``documents``, and what embedding it took.

    Documents that ``old`` holds with the same content hash (and settings) keep
    their chunks and vectors; the rest are chunked and embedded in one run, through
    the encoder as ``info.encoder_passes`` says (``bot.passes``).
    """
    reusable = old if old is not None and old.info == info else None
    ordered = sorted(documents, key=lambda d: d.doc_id)

    def reused(doc: Document) -> bool:
        kept = reusable.documents.get(doc.doc_id) if reusable else None
        return kept is not None and kept.content_hash == doc.content_hash

    if reusable is not None and len(ordered) == len(reusable.documents):
        if all(map(reused, ordered)):
            return Built(reusable, _NOTHING)  # nothing changed: the old index is the new one

    new_chunks = {
        d.doc_id: chunk_document(d, info.chunk_chars, info.overlap_sentences)
        for d in ordered
        if not reused(d)
    }
    made = embed_chunks(
        {d.doc_id: d for d in ordered}, new_chunks, embedder, info.encoder_passes, progress
    )
    new_sentences = {doc_id: unique_sentences(chunks) for doc_id, chunks in new_chunks.items()}
    new_chunk_vectors = iter(np.split(made.chunks, _offsets(new_chunks)))
    new_sentence_vectors = iter(np.split(made.sentences, _offsets(new_sentences)))

    chunks: list[Chunk] = []
    vectors: list[np.ndarray] = []
    sentence_vectors: list[np.ndarray] = []
    for doc in ordered:
        if doc.doc_id in new_chunks:
            chunks.extend(new_chunks[doc.doc_id])
            vectors.append(next(new_chunk_vectors))
            sentence_vectors.append(next(new_sentence_vectors))
        else:
            assert reusable is not None  # only reused documents are missing from new_chunks
            chunks.extend(reusable.chunks_of(doc.doc_id))
            chunk_vectors, doc_sentence_vectors = reusable.vectors_of(doc.doc_id)
            vectors.append(chunk_vectors)
            sentence_vectors.append(doc_sentence_vectors)
    store = Store(info, ordered, chunks, _stack(vectors), _stack(sentence_vectors))
    return Built(store, made)


def _offsets(groups: dict[str, list[Any]]) -> list[int]:
    """Where each group after the first starts in their concatenation (for ``np.split``)."""
    return list(np.cumsum([len(g) for g in groups.values()])[:-1])


def _stack(parts: list[np.ndarray]) -> np.ndarray:
    parts = [p for p in parts if len(p)]
    return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)


@dataclass
class _Plan:
    """The folder's documents (new, changed, or kept from the index) and what happened."""

    documents: list[Document] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _plan(docs_dir: Path, old: Store | None, reusable: Store | None) -> _Plan:
    plan = _Plan()
    corrections = read_corrections(docs_dir)  # corrected titles are part of a reading
    for path in iter_document_files(docs_dir):
        doc_id = doc_id_for(path, docs_dir)
        previous = old.documents.get(doc_id) if old else None
        try:
            data = path.read_bytes()
        except OSError as exc:
            message = f"cannot read {str(path)!r}: {exc.strerror}"
            plan.skipped.append(_skip(doc_id, message, previous, plan, reusable))
            continue
        if reusable is not None and previous is not None:
            if previous.content_hash == content_hash(data, corrections.get(doc_id)):
                plan.documents.append(previous)
                plan.unchanged.append(doc_id)
                continue
        try:
            document = load_document(path, docs_dir, data, corrections)
        except DocumentError as exc:
            plan.skipped.append(_skip(doc_id, str(exc), previous, plan, reusable))
            continue
        plan.documents.append(document)
        (plan.updated if previous is not None else plan.added).append(doc_id)
    return plan


def _skip(
    doc_id: str, message: str, previous: Document | None, plan: _Plan, reusable: Store | None
) -> tuple[str, str]:
    """Record an unreadable file, keeping its earlier indexed version when that is still valid."""
    if previous is not None and reusable is not None:
        plan.documents.append(previous)
        message += " (the previously indexed version is kept)"
    return doc_id, message


def load_folder(docs_dir: Path) -> list[Document]:
    """Every readable document of a folder; raises ``ConfigError`` naming a bad file."""
    check_docs_dir(docs_dir)
    documents = []
    for path in iter_document_files(docs_dir):
        try:
            documents.append(load_document(path, docs_dir))
        except DocumentError as exc:
            raise ConfigError(str(exc)) from None
    if not documents:
        raise ConfigError(f"no readable documents in {str(docs_dir)!r}")
    return documents
