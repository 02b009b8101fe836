"""The values that cross module boundaries: small frozen dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` into a document's text."""

    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """One reading, as text plus what we know about it.

    ``doc_id`` is the path relative to the documents folder (``posix`` form).
    ``pages`` holds the start offset of each page for paginated formats (PDF),
    so ``page_at(offset)`` can name the page a passage is on.
    """

    doc_id: str
    text: str
    title: str
    content_hash: str
    author: str | None = None
    date: str | None = None
    source: str | None = None
    licence: str | None = None
    pages: tuple[int, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding ``offset``, or None for unpaginated documents."""
        if not self.pages:
            return None
        page = 0
        for number, start in enumerate(self.pages, start=1):
            if start > offset:
                break
            page = number
        return max(page, 1)


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences from one document.

    ``sentences`` are the spans of the sentences inside ``[start, end)``,
    trimmed of surrounding whitespace, in document order.
    """

    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]


@dataclass(frozen=True)
class Hit:
    """A chunk retrieved for a query, with its fused relevance score.

    ``dense`` is the cosine similarity of the chunk to the query and
    ``keyword`` its BM25 score (0.0 when the keyword ranker did not find it).
    """

    chunk: Chunk
    score: float
    dense: float = 0.0
    keyword: float = 0.0


def version_of(doc: Document) -> str:
    """A short fingerprint of a reading's content, for links to its passages."""
    return doc.content_hash[:12]


@dataclass(frozen=True)
class Citation:
    """A verbatim extract backing part of an answer: ``text[start:end] == extract``."""

    n: int
    doc_id: str
    title: str
    author: str | None
    date: str | None
    source: str | None
    page: int | None
    start: int
    end: int
    extract: str
    score: float
    #: The reading's version (its content hash, shortened): a link to the passage can
    #: tell when the reading has changed since the answer was given.
    version: str = ""

    @classmethod
    def of(cls, n: int, doc: Document, start: int, end: int, score: float) -> Citation:
        """The citation of ``doc.text[start:end]``, with the reading's metadata."""
        return cls(
            n=n,
            doc_id=doc.doc_id,
            title=doc.title,
            author=doc.author,
            date=doc.date,
            source=doc.source,
            page=doc.page_at(start),
            start=start,
            end=end,
            extract=doc.text[start:end],
            score=score,
            version=version_of(doc),
        )


@dataclass(frozen=True)
class Answer:
    """What the bot says to a question.

    When ``answered`` is false, ``text`` says plainly that the readings do not
    answer the question, ``citations`` is empty and ``closest`` may hold the
    nearest passages, which are not an answer.
    """

    question: str
    answered: bool
    text: str
    citations: tuple[Citation, ...] = ()
    closest: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class SyncReport:
    """What an index update did: document ids per outcome, and files skipped with why."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()
    chunks_embedded: int = 0  # encoded in a pass of their own
    sentences_embedded: int = 0  # encoded in a pass of their own
    chunks_pooled: int = 0  # pooled from a document window's pass
    sentences_pooled: int = 0  # pooled from a chunk's or a window's pass
    windows_embedded: int = 0  # document windows encoded
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass(frozen=True)
class AddReport:
    """What adding files did: the readings copied in, the files rejected with why, the update."""

    copied: tuple[str, ...]
    rejected: tuple[tuple[str, str], ...]
    index: SyncReport


@dataclass(frozen=True)
class DocumentStatus:
    """One row of ``bot list``: a document and how it stands against the index."""

    doc_id: str
    title: str
    author: str | None
    date: str | None
    chunks: int
    status: str  # "indexed", "new", "changed", "deleted" or "error: <why>"
