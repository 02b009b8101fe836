"""The index in memory and its files: documents, chunks, vectors (FAISS), keyword rankers.

An index folder holds generations (see ``bot.generations``); ``CURRENT`` names the live one::

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

The vectors live in ``bot.vectors`` (FAISS), the seam another vector engine
would replace.
"""

from __future__ import annotations

import bisect
import functools
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot import generations
from bot.chunking import passage_text, unique_sentences
from bot.config import ENCODER_PASSES
from bot.errors import IndexCorruptError, IndexMismatchError
from bot.keyword import KeywordIndex
from bot.query import Vocabulary
from bot.types import Chunk, Document, Span
from bot.vectors import Vectors

_REQUIRED_FILES = ("documents.jsonl", "chunks.jsonl", "vectors.faiss", "sentences.faiss")
#: The manifest fields ``Store.load`` reads, with their types (checked by ``read_manifest``).
_MANIFEST_FIELDS = {"model": str, "chunk_chars": int, "overlap_sentences": int, "dim": int}


@dataclass(frozen=True)
class IndexInfo:
    """How an index was built; two indexes with different infos cannot be mixed."""

    model: str
    chunk_chars: int
    overlap_sentences: int
    #: How the vectors were made (``bot.config.ENCODER_PASSES``): an index whose sentence
    #: vectors were pooled from chunk passes is never mixed with one that embedded them.
    encoder_passes: str = "chunks+sentences"


class Store:
    """A loaded index. Immutable once built: an update makes a new ``Store``.

    Chunks and their sentences both have vectors: chunks carry context, sentences
    say precisely what matches, and the answer reads its sentences' vectors from
    here instead of embedding them at question time.
    """

    #: The generation folder's name it was loaded from or saved as (None: only in memory).
    generation: str | None = None

    def __init__(
        self,
        info: IndexInfo,
        documents: list[Document],
        chunks: list[Chunk],
        vectors: np.ndarray | Vectors,
        sentence_vectors: np.ndarray | Vectors,
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
        self.vectors = vectors if isinstance(vectors, Vectors) else Vectors.of(vectors)
        self.sentence_vectors = (
            sentence_vectors
            if isinstance(sentence_vectors, Vectors)
            else Vectors.of(sentence_vectors, self.vectors.dim)
        )
        self.dim = self.vectors.dim
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
        self._doc_sentences = {
            doc_id: sorted((self.sentences[row][1] for row in rows), key=lambda span: span.start)
            for doc_id, rows in self._sentence_rows_by_doc.items()
        }
        self._doc_sentence_starts = {
            doc_id: [span.start for span in spans] for doc_id, spans in self._doc_sentences.items()
        }

    def __len__(self) -> int:
        return len(self.chunks)

    @functools.cached_property
    def vocabulary(self) -> Vocabulary:
        """The words of the readings, for spelling a question's words as they do."""
        return Vocabulary.of(f"{d.title}\n{d.text}" for d in self.documents.values())

    def chunk_count(self, doc_id: str) -> int:
        return len(self._rows_by_doc.get(doc_id, ()))

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return [self.chunks[row] for row in self._rows_by_doc.get(doc_id, ())]

    def sentences_of(self, doc_id: str) -> list[Span]:
        """A document's sentences, in order."""
        return self._doc_sentences.get(doc_id, [])

    def sentence_index(self, doc_id: str, span: Span) -> int:
        """Where ``span`` is in ``sentences_of(doc_id)``, or -1 if it is not a sentence."""
        starts = self._doc_sentence_starts.get(doc_id, [])
        at = bisect.bisect_left(starts, span.start)
        found = at < len(starts) and self._doc_sentences[doc_id][at] == span
        return at if found else -1

    def vectors_of(self, doc_id: str) -> tuple[np.ndarray, np.ndarray]:
        """The stored chunk and sentence vectors of a document, in index order."""
        return (
            self.vectors[self._rows_by_doc.get(doc_id, [])],
            self.sentence_vectors[self._sentence_rows_by_doc.get(doc_id, [])],
        )

    def dense_search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` chunk rows most similar to a unit query vector, with cosine scores."""
        return self.vectors.search(query_vector, k)

    def sentence_search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` sentence rows most similar to a unit query vector, with cosine scores."""
        return self.sentence_vectors.search(query_vector, k)

    # -- persistence --------------------------------------------------------

    def save(self, index_dir: Path) -> Path:
        """Write this index as a new generation and make it the live one; returns its folder."""
        with generations.new_generation(index_dir) as folder:
            self._write_files(folder)
        live = generations.current_generation(index_dir)
        self.generation = live.name
        return live

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
        self.vectors.save(folder / "vectors.faiss")
        self.sentence_vectors.save(folder / "sentences.faiss")
        self.keyword.save(folder / "keyword")
        self.document_keyword.save(folder / "keyword-documents")
        generations.write_manifest(
            folder,
            {
                **asdict(self.info),
                "dim": self.dim,
                "documents": len(self.documents),
                "chunks": len(self.chunks),
                "sentences": len(self.sentences),
            },
        )

    @classmethod
    def load(cls, index_dir: Path, model: str | None = None) -> Store:
        """Load the live generation; refuses an index built by a model other than ``model``."""
        folder = generations.current_generation(index_dir)
        manifest = generations.read_manifest(folder, _MANIFEST_FIELDS)
        # Indexes written before the field existed embedded every sentence on its own.
        passes = manifest.get("encoder_passes", ENCODER_PASSES[0])
        if passes not in ENCODER_PASSES:
            raise IndexMismatchError(
                f"the index in {str(index_dir)!r} was built with encoder passes {passes!r}, "
                f"which this bot does not know; run 'bot index --rebuild'"
            )
        info = IndexInfo(
            model=manifest["model"],
            chunk_chars=manifest["chunk_chars"],
            overlap_sentences=manifest["overlap_sentences"],
            encoder_passes=passes,
        )
        if model is not None and info.model != model:
            raise IndexMismatchError(
                f"the index in {str(index_dir)!r} was built with model {info.model!r}, "
                f"but the configured model is {model!r}; "
                "run 'bot index --rebuild' to rebuild it with the configured model (BOT_MODEL, "
                "BOT_BACKEND)"
            )
        generations.verify_checksums(folder, manifest, _REQUIRED_FILES)
        documents = [_document_from(row) for row in _read_jsonl(folder / "documents.jsonl")]
        chunks = [_chunk_from(row) for row in _read_jsonl(folder / "chunks.jsonl")]
        try:
            vectors = Vectors.load(folder / "vectors.faiss", manifest["dim"])
            sentence_vectors = Vectors.load(folder / "sentences.faiss", manifest["dim"])
        except (RuntimeError, ValueError) as exc:  # FAISS raises RuntimeError
            raise IndexCorruptError(
                f"the vectors in {str(folder)!r} cannot be read ({exc}); run 'bot index --rebuild'"
            ) from None
        try:
            keyword = KeywordIndex.load(folder / "keyword", len(chunks))
            document_keyword = KeywordIndex.load(folder / "keyword-documents", len(documents))
        except (OSError, ValueError, KeyError) as exc:
            raise IndexCorruptError(
                f"the keyword index in {str(folder)!r} cannot be read ({exc}); "
                "run 'bot index --rebuild'"
            ) from None
        try:
            store = cls(
                info, documents, chunks, vectors, sentence_vectors, keyword, document_keyword
            )
        except ValueError as exc:
            raise IndexCorruptError(
                f"index in {str(folder)!r} is inconsistent ({exc}); run 'bot index --rebuild'"
            ) from None
        store.generation = folder.name
        return store


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
