"""Document text → sentences → overlapping chunks of whole sentences, with exact offsets.

Pure functions: no I/O, no model. Sentences come from pysbd, which keeps every
character of the input, so walking its segments recovers exact offsets.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from bot.types import Chunk, Document, Span

_LINE_BREAK = re.compile(r"[^\S\n]*\n\s*")


@functools.cache
def _segmenter():  # type: ignore[no-untyped-def]
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str) -> list[Span]:
    """Sentence spans in ``text``, trimmed of surrounding whitespace, in order.

    Lines are segmented one at a time: the loaders join the lines of a paragraph
    (``bot.reflow``), so every line break left is meant and a sentence never spans
    one (a heading, a byline, a list item is a line of its own); long documents
    stay linear in time.
    """
    spans: list[Span] = []
    for para in _paragraph_spans(text):
        cursor = para.start
        for segment in _segmenter().segment(text[para.start : para.end]):
            start = text.find(segment, cursor, para.end)
            if start < 0:  # pysbd altered the text: fall back to the rest of the paragraph
                start, segment = cursor, text[cursor : para.end]
            cursor = start + len(segment)
            span = _trim(text, start, cursor)
            if span is not None and spans and _glued(text, spans[-1], span):
                spans[-1] = Span(spans[-1].start, span.end)
            elif span is not None:
                spans.append(span)
            if cursor >= para.end:
                break
    return spans


def chunk_document(
    document: Document, chunk_chars: int = 800, overlap_sentences: int = 1
) -> list[Chunk]:
    """Group a document's sentences into chunks of at most ``chunk_chars`` characters.

    A chunk never cuts a sentence: one longer than ``chunk_chars`` is a chunk on
    its own. Each chunk after the first starts with the last ``overlap_sentences``
    sentences of the previous one (never all of them, so chunks always advance).
    """
    sentences = split_sentences(document.text)
    chunks: list[Chunk] = []
    first = 0
    while first < len(sentences):
        last = first
        while (
            last + 1 < len(sentences)
            and sentences[last + 1].end - sentences[first].start <= chunk_chars
        ):
            last += 1
        group = tuple(sentences[first : last + 1])
        start, end = group[0].start, group[-1].end
        chunks.append(
            Chunk(
                chunk_id=f"{document.doc_id}#{len(chunks)}",
                doc_id=document.doc_id,
                start=start,
                end=end,
                text=document.text[start:end],
                sentences=group,
            )
        )
        if last + 1 >= len(sentences):
            break
        first = max(last + 1 - overlap_sentences, first + 1)
    return chunks


def passage_text(document: Document, span: Span | Chunk) -> str:
    """What the rankers see of a chunk or sentence: its document's title, then its text.

    The title gives every passage its context ("Whatever happened to Cameron's Big
    Society?"); offsets and extracts always refer to the passage text alone.
    """
    return f"{document.title}\n{document.text[span.start : span.end]}"


def unique_sentences(chunks: Sequence[Chunk]) -> list[tuple[str, Span]]:
    """Each sentence of ``chunks`` once (overlapping chunks share some), in order."""
    seen: dict[tuple[str, int], Span] = {}
    for chunk in chunks:
        for span in chunk.sentences:
            seen.setdefault((chunk.doc_id, span.start), span)
    return [(doc_id, span) for (doc_id, _), span in seen.items()]


def _glued(text: str, before: Span, after: Span) -> bool:
    """Whether pysbd cut inside a word at a "!": the "![alt](url)" of a Markdown image."""
    return before.end == after.start and text[before.end - 1] == "!"


def _paragraph_spans(text: str) -> list[Span]:
    """Runs of text separated by line breaks, trimmed."""
    bounds = [0]
    for match in _LINE_BREAK.finditer(text):
        bounds += [match.start(), match.end()]
    bounds.append(len(text))
    spans = (_trim(text, bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2))
    return [span for span in spans if span is not None]


def _trim(text: str, start: int, end: int) -> Span | None:
    """``[start, end)`` without leading and trailing whitespace, or None if nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if start < end else None
