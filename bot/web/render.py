"""Untrusted text → inert HTML or Markdown, and an ``Answer`` → chat messages.

Reading text, titles and questions come from files and people we do not control.
Everything here escapes them itself instead of trusting a renderer's sanitizer:

- ``html_text`` for HTML pages (``<``, ``>``, ``&`` and quotes become entities);
- ``markdown_text`` for the Gradio chat, which renders Markdown: ``<``, ``>``, ``&``
  and quotes become entities and every other ASCII punctuation mark is
  backslash-escaped, so neither HTML (``<img onerror>``) nor Markdown
  (``[x](javascript:...)``, ``![](http://...)``, ``*``, ``#``) survives as markup,
  yet the reader sees the same characters. (Entities alone are not enough: Gradio's
  ``Markdown`` sanitizes before it parses, which turns ``&#33;&#91;`` back into ``![``.)

Links are built here only: a source link only for an http(s) URL, and always with
``target="_blank" rel="noopener"``.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import string
from typing import Any
from urllib.parse import quote, urlsplit

from bot.reference import in_text, reference
from bot.types import Answer, Citation

#: Characters a URL keeps as they are; everything else is percent-encoded.
_URL_SAFE = "/:?#[]@!$&*+,;=%~"
_MARKDOWN_ESCAPES = {ord(c): "\\" + c for c in string.punctuation if c not in "&<>\"'"}


def html_text(text: str) -> str:
    """``text`` as HTML text or attribute value that displays literally."""
    return html.escape(text, quote=True)


def markdown_text(text: str) -> str:
    """``text`` as Markdown that displays literally, on one line (whitespace collapsed)."""
    return html_text(" ".join(text.split()).translate(_MARKDOWN_ESCAPES))


def http_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (no ``javascript:`` and friends).

    Quotes, angle brackets, parentheses, backslashes and spaces are percent-encoded, so
    the URL is inert in an HTML attribute and in Markdown alike.
    """
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return quote(url.strip(), safe=_URL_SAFE)
    return None


def document_url(doc_id: str, base: str = "") -> str:
    """The document view of a whole reading; ``base`` is where the course is served
    (``""``, or ``/courses/<slug>``)."""
    return f"{base}/documents/{quote(doc_id)}"


def passage_url(doc_id: str, start: int, end: int, version: str = "", base: str = "") -> str:
    """The document view of ``doc_id`` with ``[start, end)`` highlighted and scrolled to;
    ``version`` lets the view tell when the reading has changed since."""
    v = f"&v={quote(version)}" if version else ""
    return f"{document_url(doc_id, base)}?start={start}&end={end}{v}#extract"


def new_tab_link(href: str, label: str) -> str:
    """An ``<a>`` that opens ``href`` in a new tab; ``label`` is plain text.

    In the chat, give only our own fixed labels: Gradio's Markdown re-reads the text
    inside raw HTML tags as Markdown, so reading text there could become an image.
    """
    return f'<a href="{html_text(href)}" target="_blank" rel="noopener">{html_text(label)}</a>'


def byline(author: str | None, date: str | None, page: int | None = None) -> str:
    """``"Simon Roberts, 2015-04-10, page 3"`` from whichever parts are known (plain text)."""
    return ", ".join(x for x in (author, date, f"page {page}" if page else None) if x)


# -- the chat ----------------------------------------------------------------


def question_message(question: str) -> dict[str, Any]:
    """The student's question as a chat message."""
    return {"role": "user", "content": markdown_text(question)}


def answer_messages(
    answer: Answer, base: str = "", turn: int = 1, accessed: dt.date | None = None
) -> list[dict[str, Any]]:
    """An answer as chat messages: the text with its ``[n]`` markers linked to their
    sources, the answer's tools (copy, helpful / not helpful), then its sources.

    ``turn`` numbers the answer in the conversation: its sources' ids are
    ``a<turn>-<n>``. Sources (or, for a refusal, the closest passages) go in a
    collapsible message; an answer citing several readings has one per reading.
    The buttons do nothing by themselves: the chat's script (``static/chat.js``) acts on
    them, reading what it needs from the page.
    """
    numbers = {c.n for c in answer.citations}
    text = _with_markers(answer.text, numbers, turn)
    body = f'<div class="answer-text">\n\n{text}\n\n</div>\n\n{ANSWER_TOOLS}'
    messages: list[dict[str, Any]] = [{"role": "assistant", "content": body}]
    by_reading: dict[str, list[Citation]] = {}
    for c in answer.citations:
        by_reading.setdefault(c.doc_id, []).append(c)
    day = accessed or dt.date.today()
    if len(by_reading) == 1:
        title = f"Sources ({len(answer.citations)})"
        messages.append(_collapsible(title, answer.citations, base, turn, day))
    groups = list(by_reading.values()) if len(by_reading) > 1 else []
    for i, cited in enumerate(groups, start=1):  # grouped by reading; no untrusted title here
        title = f"Sources, reading {i} of {len(groups)} ({len(cited)})"
        messages.append(_collapsible(title, tuple(cited), base, turn, day))
    if answer.closest:
        title = f"Closest passages, not an answer ({len(answer.closest)})"
        messages.append(_collapsible(title, answer.closest, base, turn, None))
    return messages


#: What every answer offers; labels are ours, so raw HTML is safe here.
ANSWER_TOOLS = (
    '<div class="answer-tools"><button type="button" class="copy-answer">Copy with references'
    '</button> <button type="button" class="feedback-yes">Helpful</button> '
    '<button type="button" class="feedback-no">Not helpful</button></div>'
)
_MARKER = re.compile(r"\[(\d+)\]")


def _with_markers(text: str, numbers: set[int], turn: int) -> str:
    """``text`` as Markdown on one line, each ``[n]`` of a citation a link to its source."""
    out = []
    for i, piece in enumerate(_MARKER.split(" ".join(text.split()))):
        if i % 2 and int(piece) in numbers:
            out.append(f'<a href="#a{turn}-{piece}" class="cite-marker">\\[{piece}\\]</a>')
        else:
            out.append(html_text((f"[{piece}]" if i % 2 else piece).translate(_MARKDOWN_ESCAPES)))
    return "".join(out)


def citation_markdown(
    c: Citation, base: str = "", turn: int | None = None, accessed: dt.date | None = None
) -> str:
    """One citation: number, title and byline, the verbatim extract, and its links; with
    ``turn``, in a ``<div id="a<turn>-<n>">`` that its ``[n]`` marker leads to; with
    ``accessed``, how to cite it (Harvard, ``bot.reference``) in a *Cite* disclosure."""
    head = f"**{markdown_text(f'[{c.n}]')}** {markdown_text(c.title)}"
    by = byline(c.author, c.date, c.page)
    if by:
        head += " — " + markdown_text(by)
    links = [
        new_tab_link(
            passage_url(c.doc_id, c.start, c.end, c.version, base), "Open the reading here"
        )
    ]
    source = http_url(c.source)
    if source:
        links.append(new_tab_link(source, "Source ↗"))
    elif c.source:
        links.append("Source: " + markdown_text(c.source))
    quote_line = f"> “{markdown_text(c.extract)}”"
    parts = [head, quote_line, " · ".join(links)]
    if accessed is not None:
        parts.append(
            f'<details class="cite"><summary>Cite [{c.n}]</summary>\n\n'
            f'In the text: <span class="in-text">{markdown_text(in_text(c))}</span>\n\n'
            f'Reference: <span class="reference">{markdown_text(reference(c, accessed))}</span>'
            '\n\n<button type="button" class="copy-reference">Copy reference</button>'
            "\n\n</details>"
        )
    if turn is None:
        return "\n\n".join(parts)
    inner = "\n\n".join(parts)
    return f'<div class="citation" id="a{turn}-{c.n}" tabindex="-1">\n\n{inner}\n\n</div>'


def _collapsible(
    title: str,
    citations: tuple[Citation, ...],
    base: str,
    turn: int,
    accessed: dt.date | None,
) -> dict[str, Any]:
    """A native ``<details>`` disclosure: a keyboard-operable, named control (Gradio's own
    collapsible message nests an unnamed button inside another button)."""
    cited = accessed is not None  # closest passages are not sources: no id, no Cite
    body = "\n\n".join(
        citation_markdown(c, base, turn if cited else None, accessed) for c in citations
    )
    summary = f'<details class="sources"><summary>{html_text(title)}</summary>'
    return {"role": "assistant", "content": f"{summary}\n\n{body}\n\n</details>"}
