"""A reading's text as HTML for the document view, with a cited passage marked, and the
reading's guide ("In brief": key terms and central passages, ``bot.guide``) above it.

Markdown readings are rendered (headings, emphasis, lists, quotes, tables, code, links)
with markdown-it-py, configured safely: raw HTML is off (``<script>`` stays text),
links are made only for http(s) and relative addresses (``javascript:`` and friends
stay text), images show their description only, and every piece of text is escaped
here (``render.html_text``), not by the library. Other formats are their text as it is.

The marked passage is exactly ``text[start:end]`` of the document text (for Markdown,
the source after the front matter): every piece of text markdown-it shows is found at
its place in the source, so the characters shown from inside the range are marked,
piece by piece (a passage running through a link or an emphasis becomes several
``<mark>`` elements; the first is ``#extract``). Syntax the rendering hides (``**``,
``[...](url)``, list markers) is simply not shown, inside the range or out.
"""

from __future__ import annotations

import functools
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from bot.guide import ReadingGuide
from bot.reflow import LIST_ITEM
from bot.types import Citation, Document, Span
from bot.web.render import html_text, http_url, passage_url

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

MARKDOWN_SUFFIXES = (".md", ".markdown")
#: Block tags a reading may have; a reading's headings sit under the page's own <h1>.
_BLOCKS = {"p", "ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tr", "th", "td"}
_HEADINGS = {"h1": "h2", "h2": "h3", "h3": "h4", "h4": "h5", "h5": "h6", "h6": "h6"}
_INLINE = {"em_open": "<em>", "em_close": "</em>", "strong_open": "<strong>",
           "strong_close": "</strong>", "s_open": "<s>", "s_close": "</s>"}  # fmt: skip


def is_markdown(doc_id: str) -> bool:
    return PurePosixPath(doc_id).suffix.lower() in MARKDOWN_SUFFIXES


def reading_html(text: str, markdown: bool, marked: Span | None = None) -> str:
    """The body of the document view: ``text`` as HTML with ``marked`` marked."""
    if markdown:
        rendered = _Renderer(text, marked).document()
        if marked is None or marked.start == marked.end or 'id="extract"' in rendered:
            return f'<div class="reading markdown" id="reading">{rendered}</div>'
    return f'<div class="reading plain" id="reading">{plain_html(text, marked)}</div>'


def plain_html(text: str, marked: Span | None = None) -> str:
    """``text`` escaped, with ``marked`` as one ``<mark id="extract">``."""
    if marked is None:
        return html_text(text)
    return (
        html_text(text[: marked.start])
        + f'<mark id="extract" tabindex="-1">{html_text(text[marked.start : marked.end])}</mark>'
        + html_text(text[marked.end :])
    )


def sentence_html(c: Citation, markdown: bool) -> str:
    """A guide sentence as it reads (a Markdown list item without its marker)."""
    if not markdown:
        return html_text(c.extract)
    item = LIST_ITEM.match(c.extract)
    return inline_html(c.extract[item.end() :] if item else c.extract)


def guide_section(doc: Document, guide: ReadingGuide, base: str, open_: bool) -> str:
    """The "In brief" disclosure on top of a reading: key terms, central sentences."""
    if not guide.sentences and not guide.key_terms:
        return ""
    return (
        f'<details class="guide"{" open" if open_ else ""}><summary>In brief: key terms and '
        f"central passages</summary>{guide_body(doc, guide, base)}</details>"
    )


def guide_body(doc: Document, guide: ReadingGuide, base: str) -> str:
    terms = "".join(f"<li>{html_text(t)}</li>" for t in guide.key_terms)
    parts = []
    if terms:
        parts.append(f'<p class="terms-label">Key terms</p><ul class="terms">{terms}</ul>')
    items = []
    for c in guide.sentences:
        href = passage_url(c.doc_id, c.start, c.end, c.version, base)
        items.append(
            f"<li><blockquote>{sentence_html(c, is_markdown(doc.doc_id))}</blockquote>"
            f'<a href="{html_text(href)}" aria-label="Central passage {c.n} of '
            f'{html_text(doc.title)}, in the reading">In the reading</a></li>'
        )
    if items:
        parts.append(f'<p class="terms-label">Central passages</p><ol class="central">'
                     f'{"".join(items)}</ol>')  # fmt: skip
    return "".join(parts)


def inline_html(text: str) -> str:
    """One passage of Markdown (a guide sentence, say) as inline HTML, safely."""
    tokens = _markdown().parseInline(text)
    renderer = _Renderer(text, None)
    return "".join(renderer.inline(t.children or [], 0, len(text))[0] for t in tokens)


@functools.cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # Escapes and entities stay tokens of their own (text_join off), each with its source.
    return (
        MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        .enable(["table", "strikethrough"])
        .disable("text_join")
    )


def safe_href(url: str) -> tuple[str, bool] | None:
    """``(href, external)`` for an http(s) or relative address; None for anything else."""
    url = url.strip()
    absolute = http_url(url)
    if absolute:
        return absolute, True
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("//", "\\")) or "\\" in url:
        return None
    return quote(url, safe="/:?#[]@!$&*+,;=%~"), False


class _Renderer:
    """Tokens → HTML, each shown piece of text located in the source and marked if inside."""

    def __init__(self, text: str, marked: Span | None) -> None:
        self.text = text
        self.marked = marked if marked is not None and marked.start < marked.end else None
        self.first = True
        lines = text.split("\n")
        self.line_starts = [0]
        for line in lines:
            self.line_starts.append(self.line_starts[-1] + len(line) + 1)

    def document(self) -> str:
        out: list[str] = []
        for token in _markdown().parse(self.text):
            lo, hi = self._lines(token)
            if token.type == "inline":
                out.append(self.inline(token.children or [], lo, hi)[0])
            elif token.type in ("fence", "code_block"):
                out.append(f"<pre><code>{self._code(token.content, lo, hi)}</code></pre>\n")
            elif token.type == "hr":
                out.append("<hr>\n")
            elif token.hidden or token.tag not in _BLOCKS | set(_HEADINGS):
                continue  # a tight list's paragraphs; nothing else is expected
            elif token.nesting == 1:
                start = token.attrGet("start") if token.tag == "ol" else None
                extra = f' start="{int(start)}"' if isinstance(start, int | str) else ""
                out.append(f"<{_HEADINGS.get(token.tag, token.tag)}{extra}>")
            elif token.nesting == -1:
                out.append(f"</{_HEADINGS.get(token.tag, token.tag)}>\n")
        return "".join(out)

    def inline(self, children: list[Token], lo: int, hi: int) -> tuple[str, int]:
        """Inline tokens as HTML, their source looked for from ``lo`` on (up to ``hi``);
        and where their source ends."""
        out: list[str] = []
        cursor = lo
        links: list[bool] = []  # whether each open link was made a link
        for child in children:
            kind = child.type
            if kind in _INLINE:
                out.append(_INLINE[kind])
            elif kind == "link_open":
                href = safe_href(str(child.attrGet("href") or ""))
                links.append(href is not None)
                if href is not None:
                    target = ' target="_blank" rel="noopener"' if href[1] else ' rel="noopener"'
                    out.append(f'<a href="{html_text(href[0])}"{target}>')
            elif kind == "link_close":
                if links.pop() if links else False:
                    out.append("</a>")
            elif kind == "image":  # its description, never the picture (no request for it)
                alt, cursor = self.inline(child.children or [], cursor, hi)
                out.append(f'<span class="image-alt">{alt}</span>')
            elif kind in ("softbreak", "hardbreak"):
                out.append("<br>\n" if kind == "hardbreak" else "\n")
            elif kind in ("text", "text_special", "code_inline"):
                source = child.markup if kind == "text_special" else child.content
                found = self.text.find(source, cursor, hi) if source else -1
                span = Span(found, found + len(source)) if found >= 0 else None
                if span is not None:
                    cursor = span.end
                shown = self._marked(child.content, span, exact=kind == "text")
                out.append(f"<code>{shown}</code>" if kind == "code_inline" else shown)
        return "".join(out), cursor

    def _code(self, content: str, lo: int, hi: int) -> str:
        out, cursor = [], lo
        for line in content.split("\n"):
            found = self.text.find(line, cursor, hi) if line else -1
            span = Span(found, found + len(line)) if found >= 0 else None
            cursor = span.end if span else cursor
            out.append(self._marked(line, span, exact=True))
        return "\n".join(out)

    def _marked(self, shown: str, source: Span | None, exact: bool) -> str:
        """``shown`` escaped, its part inside the marked range in ``<mark>``. ``exact``:
        ``shown`` is the source itself, so the range is cut at the very character."""
        m = self.marked
        if m is None or source is None or source.end <= m.start or m.end <= source.start:
            return html_text(shown)
        if not exact:  # an escape or an entity: marked whole
            return self._mark(shown)
        a, b = max(m.start, source.start) - source.start, min(m.end, source.end) - source.start
        return html_text(shown[:a]) + self._mark(shown[a:b]) + html_text(shown[b:])

    def _mark(self, text: str) -> str:
        if not text:
            return ""
        if self.first:
            self.first = False
            return f'<mark id="extract" tabindex="-1">{html_text(text)}</mark>'
        return f'<mark class="extract-more">{html_text(text)}</mark>'

    def _lines(self, token: Token) -> tuple[int, int]:
        """The source offsets of the lines a block token covers (the whole text if unknown)."""
        if not token.map:
            return 0, len(self.text)
        first, last = token.map
        return self.line_starts[first], min(self.line_starts[last], len(self.text))
