"""Chunks → chunk and sentence vectors, by one of three ways through the encoder.

``IndexInfo.encoder_passes`` (``bot.config.ENCODER_PASSES``) says which:

- ``chunks+sentences``: every chunk, and then every distinct sentence, encoded on
  its own (title in front of each). Every token is read about twice.
- ``chunks``: one pass per chunk (title in front). The chunk's vector is the mean of
  all its tokens, as before; each distinct sentence is the mean of its own tokens in
  the first chunk that the encoder read it whole in (late chunking), so it keeps
  the sense of its neighbours and is never encoded again.
- ``windows``: one pass per window of a document: as many whole sentences as fit
  the model's token limit after the title, windows not overlapping. Chunks and
  sentences are both pooled from the windows' tokens (a chunk across two windows
  from its tokens in both). The fewest tokens: no overlap, one title per window.

A span the encoder could not read whole in its pass (a sentence longer than the
token limit, or cut off at the end of a truncated chunk) is embedded on its own,
as ``chunks+sentences`` would; ``Vectors`` counts how often.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.chunking import passage_text, unique_sentences
from bot.embedding import Embedder, unit_rows
from bot.types import Chunk, Document, Span

#: Called as ``progress(done, total)`` while texts are encoded.
PassProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class Vectors:
    """Vectors for new chunks (in the order given) and their distinct sentences
    (``unique_sentences`` order, document after document), and how they were made."""

    chunks: np.ndarray
    sentences: np.ndarray
    chunks_embedded: int = 0  # chunks encoded in a pass of their own
    sentences_embedded: int = 0  # sentences encoded in a pass of their own
    chunks_pooled: int = 0  # chunk vectors pooled from a window's pass
    sentences_pooled: int = 0  # sentence vectors pooled from a chunk's or a window's pass
    windows_embedded: int = 0  # document windows encoded


def embed_chunks(
    documents: Mapping[str, Document],
    chunks: Mapping[str, Sequence[Chunk]],
    embedder: Embedder,
    passes: str,
    progress: PassProgress | None = None,
) -> Vectors:
    """The vectors of ``chunks`` (document id → its chunks) and their sentences."""
    sentences = [pair for cs in chunks.values() for pair in unique_sentences(cs)]
    flat = [c for cs in chunks.values() for c in cs]
    if not flat:  # nothing to embed: the model need not even load
        return Vectors(np.zeros((0, 0), np.float32), np.zeros((0, 0), np.float32))
    if passes == "chunks+sentences":
        return _separate(documents, flat, sentences, embedder, progress)
    if passes == "chunks":
        return _chunk_passes(documents, flat, sentences, embedder, progress)
    if passes == "windows":
        return _window_passes(documents, chunks, sentences, embedder, progress)
    raise ValueError(f"unknown encoder passes {passes!r}")


def _separate(
    documents: Mapping[str, Document],
    chunks: list[Chunk],
    sentences: list[tuple[str, Span]],
    embedder: Embedder,
    progress: PassProgress | None,
) -> Vectors:
    texts = [passage_text(documents[c.doc_id], c) for c in chunks]
    texts += [passage_text(documents[d], span) for d, span in sentences]
    total = len(texts)
    embedded = embedder.embed(texts, progress=_counting(progress, total))
    return Vectors(
        embedded[: len(chunks)],
        embedded[len(chunks) :],
        chunks_embedded=len(chunks),
        sentences_embedded=len(sentences),
    )


def _chunk_passes(
    documents: Mapping[str, Document],
    chunks: list[Chunk],
    sentences: list[tuple[str, Span]],
    embedder: Embedder,
    progress: PassProgress | None,
) -> Vectors:
    texts, spans = [], []
    for c in chunks:
        texts.append(passage_text(documents[c.doc_id], c))
        spans.append([_shifted(s, _shift(documents[c.doc_id], c.start)) for s in c.sentences])
    pooled = embedder.embed_with_spans(texts, spans, progress=_counting(progress, len(texts)))
    # every sentence of every chunk was pooled: take each from the first chunk that read it whole
    row_of: dict[tuple[str, int], int] = {}
    row = 0
    for c in chunks:
        for s in c.sentences:
            if not pooled.cut[row]:
                row_of.setdefault((c.doc_id, s.start), row)
            row += 1
    span_vectors = pooled.span_vectors
    found = [row_of.get((d, span.start)) for d, span in sentences]
    vectors = np.zeros((len(sentences), pooled.vectors.shape[1]), np.float32)
    for i, r in enumerate(found):
        if r is not None:
            vectors[i] = span_vectors[r]
    alone = [i for i, r in enumerate(found) if r is None]
    if alone:
        texts = [passage_text(documents[sentences[i][0]], sentences[i][1]) for i in alone]
        vectors[alone] = embedder.embed(texts)
    return Vectors(
        pooled.vectors,
        vectors,
        chunks_embedded=len(chunks),
        sentences_embedded=len(alone),
        sentences_pooled=len(sentences) - len(alone),
    )


def _window_passes(
    documents: Mapping[str, Document],
    chunks: Mapping[str, Sequence[Chunk]],
    sentences: list[tuple[str, Span]],
    embedder: Embedder,
    progress: PassProgress | None,
) -> Vectors:
    costs = iter(
        embedder.count_tokens(
            [documents[d].title for d in chunks]
            + [documents[d].text[span.start : span.end] for d, span in sentences]
        )
    )
    title_costs = {d: next(costs) for d in chunks}
    texts: list[str] = []
    spans: list[list[Span]] = []
    #: for each window span: ("sentence", its row) or ("chunk", its row)
    owners: list[tuple[str, int]] = []
    chunk_row = sentence_row = 0  # the document's first rows among all chunks and sentences
    for doc_id, doc_chunks in chunks.items():
        doc = documents[doc_id]
        doc_sentences = [span for _, span in unique_sentences(doc_chunks)]
        doc_costs = [next(costs) for _ in doc_sentences]
        for first, last in windows(doc_costs, title_costs[doc_id], embedder.max_tokens):
            window = Span(doc_sentences[first].start, doc_sentences[last - 1].end)
            shift = _shift(doc, window.start)
            texts.append(f"{doc.title}\n{doc.text[window.start : window.end]}")
            inside = [_shifted(s, shift) for s in doc_sentences[first:last]]
            owners += [("sentence", sentence_row + i) for i in range(first, last)]
            for number, c in enumerate(doc_chunks):
                part = Span(max(c.start, window.start), min(c.end, window.end))
                if part.start < part.end:
                    inside.append(_shifted(part, shift))
                    owners.append(("chunk", chunk_row + number))
            spans.append(inside)
        sentence_row += len(doc_sentences)
        chunk_row += len(doc_chunks)
    pooled = embedder.embed_with_spans(texts, spans, progress=_counting(progress, len(texts)))

    flat = [c for cs in chunks.values() for c in cs]
    dim = pooled.vectors.shape[1]
    sums = {"chunk": np.zeros((len(flat), dim)), "sentence": np.zeros((len(sentences), dim))}
    cut = {"chunk": np.zeros(len(flat), bool), "sentence": np.zeros(len(sentences), bool)}
    for (kind, row), span_sum, span_cut in zip(owners, pooled.span_sums, pooled.cut, strict=True):
        sums[kind][row] += span_sum  # a chunk across windows: its tokens in each
        cut[kind][row] |= span_cut
    chunk_vectors, sentence_vectors = unit_rows(sums["chunk"]), unit_rows(sums["sentence"])
    lone_chunks = np.flatnonzero(cut["chunk"])
    lone_sentences = np.flatnonzero(cut["sentence"])
    alone = [passage_text(documents[flat[i].doc_id], flat[i]) for i in lone_chunks]
    alone += [passage_text(documents[sentences[i][0]], sentences[i][1]) for i in lone_sentences]
    if alone:
        embedded = embedder.embed(alone)
        chunk_vectors[lone_chunks] = embedded[: len(lone_chunks)]
        sentence_vectors[lone_sentences] = embedded[len(lone_chunks) :]
    return Vectors(
        chunk_vectors,
        sentence_vectors,
        chunks_embedded=len(lone_chunks),
        sentences_embedded=len(lone_sentences),
        chunks_pooled=len(flat) - len(lone_chunks),
        sentences_pooled=len(sentences) - len(lone_sentences),
        windows_embedded=len(texts),
    )


def windows(costs: Sequence[int], title_cost: int, max_tokens: int) -> list[tuple[int, int]]:
    """Consecutive sentences grouped into windows ``[first, last)`` that fit ``max_tokens``.

    ``costs`` are the sentences' token counts and ``title_cost`` the title's, each with
    the encoder's two special tokens, which a window holds once: a window costs the
    title plus its sentences less two per sentence. A sentence too long for any window
    is a window alone (the encoder truncates it; its span is then embedded on its own).
    """
    groups: list[tuple[int, int]] = []
    first = 0
    while first < len(costs):
        used = title_cost + costs[first] - 2
        last = first + 1
        while last < len(costs) and used + costs[last] - 2 <= max_tokens:
            used += costs[last] - 2
            last += 1
        groups.append((first, last))
        first = last
    return groups


def _shift(document: Document, start: int) -> int:
    """What to add to a document offset to find it in ``title\\ntext[start:...]``."""
    return len(document.title) + 1 - start


def _shifted(span: Span, shift: int) -> Span:
    return Span(span.start + shift, span.end + shift)


def _counting(progress: PassProgress | None, total: int) -> Callable[[int], None] | None:
    return (lambda done: progress(done, total)) if progress else None
