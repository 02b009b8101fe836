"""Text as laid out → text as read: the lines of a paragraph joined into one.

Loaders call these, so that a line break that is only layout never cuts a sentence:

- plain text: hard-wrapped lines (a line that ends where the next word would not
  have fitted) are joined; short lines (a title, a byline, a list) stay lines;
- Markdown: the lines of a paragraph, list item or quote are joined, as Markdown
  itself reads them; headings, list items, quotes, tables and code keep their lines;
- PDF pages: the lines of each text block are joined, hyphenation at line ends is
  undone, and running headers, footers and page numbers are dropped.

After reflow every line break is meant, so the sentence splitter never crosses one.
Pure functions: no I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

_SPACES = re.compile(r"[^\S\n]+")
#: Bullet glyphs that PDF text extraction gives as stray code points (a standard
#: font's bullet as DEL, Symbol and Wingdings bullets from the private use area).
_PDF_BULLETS = str.maketrans({"\x7f": "•", "\uf0b7": "•", "\uf0a7": "▪", "\uf076": "•"})
_BLANK = re.compile(r"\n[^\S\n]*\n\s*")
#: A line that starts a list item, in any format.
LIST_ITEM = re.compile(r"^\s*([-*+•●▪◦–—]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+")
_MD_BLOCK = re.compile(r"^\s{0,3}(#{1,6}\s|>|\||```|~~~|<|([-*_]\s*){3,}$)")
_MD_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_MD_UNDERLINE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_WORD_END = re.compile(r"(\w+)-$")
_WORD_START = re.compile(r"^(\w+)")
_SENTENCE_END = re.compile(r"[.!?:;\"”’)\]]$")
#: A line holding only a page number: "7", "- 7 -", "Page 7", "7 of 12", "vii".
_PAGE_NUMBER = re.compile(
    r"^[-–—\s]*(page\s+)?(\d{1,4}|[ivxlc]{1,6})(\s*(of|/)\s*\d{1,4})?[-–—\s]*$", re.I
)


def reflow_plain(text: str) -> str:
    """Plain text with hard-wrapped paragraphs joined into one line each.

    Only a text that looks hard-wrapped (most lines of its multi-line paragraphs
    end near one width) is changed: a line is joined to the next when the next
    line's first word would not have fitted on it.
    """
    width = _wrap_width(text)
    if width is None:
        return text
    blocks = []
    for block in _BLANK.split(text.strip("\n")):
        lines = block.split("\n")
        out = [lines[0].rstrip()]
        for line in lines[1:]:
            first = line.strip().split(" ", 1)[0]
            wrapped = len(out[-1]) + 1 + len(first) > width - 1
            if wrapped and line.strip() and not LIST_ITEM.match(line) and out[-1].strip():
                out[-1] = _join(out[-1], line.strip(), text, soft_hyphens=False)
            else:
                out.append(line.rstrip())
        blocks.append("\n".join(out))
    return "\n\n".join(blocks)


def _wrap_width(text: str) -> int | None:
    """The width a text was hard-wrapped at, or None if it does not look wrapped."""
    lengths = []
    for block in _BLANK.split(text):
        lines = [line.rstrip() for line in block.split("\n") if line.strip()]
        if len(lines) > 1:
            lengths += [len(line) for line in lines[:-1]]  # a paragraph's last line is short
    if len(lengths) < 5:
        return None
    lengths.sort()
    width = lengths[int(0.95 * (len(lengths) - 1))]
    near = sum(width - 25 <= n <= width + 5 for n in lengths)
    return width if width <= 120 and near >= 0.7 * len(lengths) else None


def reflow_markdown(text: str) -> str:
    """Markdown with each hard-wrapped paragraph, list item and quote on one line.

    As in plain text, lines are joined only where the text looks hard-wrapped, so
    the separate short lines of a page saved as Markdown stay separate; headings,
    list items, quotes, tables and code never take in the next line.
    """
    width = _wrap_width(text)
    out: list[str] = []
    joinable = False  # whether the last line of ``out`` may take the next line
    fenced = False
    for line in text.split("\n"):
        stripped = line.strip()
        if _MD_FENCE.match(line) or fenced or not stripped:
            fenced = fenced != bool(_MD_FENCE.match(line))
            out.append(line)
            joinable = False
            continue
        quoted = stripped.startswith(">")
        continued = quoted and out[-1].lstrip().startswith(">") if out else False
        starts_block = bool(_MD_BLOCK.match(line) or LIST_ITEM.match(line)) and not continued
        words = stripped.lstrip("> ").split(" ", 1)[0]
        wrapped = width is not None and len(out[-1]) + 1 + len(words) > width - 1 if out else False
        hard_break = bool(out) and out[-1].endswith(("  ", "\\"))
        if joinable and wrapped and not starts_block and not hard_break:
            if not _MD_UNDERLINE.match(line):
                rest = stripped.lstrip(">").strip() if continued else stripped
                out[-1] = _join(out[-1], rest, text, soft_hyphens=False)
                continue
        out.append(line.rstrip() if not line.endswith("  ") else line)
        heading = stripped.startswith("#") or bool(_MD_UNDERLINE.match(line))
        joinable = not heading and not stripped.startswith(("|", "<"))
    return "\n".join(out)


def pdf_text(pages: Sequence[str]) -> tuple[str, tuple[int, ...]]:
    """The text of a PDF's pages as read, and the offset where each page starts.

    ``pages`` are the pages' texts with their layout kept (a blank line where the
    page leaves a gap). Lines repeated at the top or bottom of most pages and lone
    page numbers are dropped; the lines of a block are joined; a paragraph that
    runs over a page break is joined too, the next page starting inside it.
    """
    page_lines = [
        [_SPACES.sub(" ", line.translate(_PDF_BULLETS)).strip() for line in page.split("\n")]
        for page in pages
    ]
    page_lines = _drop_running_lines(page_lines)
    whole = " ".join(" ".join(lines) for lines in page_lines)
    text, starts = "", []
    for lines in page_lines:
        blocks = _blocks(lines, whole)
        if not blocks:
            starts.append(len(text))
            continue
        if text and _continues(text, blocks[0]):
            joined = _join(text, blocks[0], whole, soft_hyphens=True)
            starts.append(len(joined) - len(blocks[0]))
            text = joined
            blocks = blocks[1:]
        else:
            if text:
                text += "\n\n"
            starts.append(len(text))
        text += "\n\n".join(blocks)
    return text, tuple(starts)


def _blocks(lines: list[str], whole: str) -> list[str]:
    """The blank-line separated blocks of a page, each one line per paragraph or item."""
    blocks: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if not line:
            if current:
                blocks.append("\n".join(current))
            current = []
        elif current and not LIST_ITEM.match(line):
            current[-1] = _join(current[-1], line, whole, soft_hyphens=True)
        else:
            current.append(line)
    return blocks


def _continues(text: str, block: str) -> bool:
    """Whether ``block`` goes on with the paragraph ``text`` ends with (a page break)."""
    last = text.rstrip()
    return not _SENTENCE_END.search(last) and (block[:1].islower() or last.endswith("-"))


def _drop_running_lines(pages: list[list[str]], edge: int = 3) -> list[list[str]]:
    """Pages without their running headers, footers and page numbers.

    A running line is one of the first or last ``edge`` lines of a page that recurs
    (digits aside) at the edge of at least half the pages, or a lone page number there.
    """

    def edges(lines: list[str]) -> list[int]:
        filled = [i for i, line in enumerate(lines) if line]
        return sorted(set(filled[:edge] + filled[-edge:]))

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", line.lower())

    seen = Counter(k for lines in pages for k in {key(lines[i]) for i in edges(lines)})
    needed = max(2, (len(pages) + 1) // 2)
    kept = []
    for lines in pages:
        drop = {
            i
            for i in edges(lines)
            if _PAGE_NUMBER.match(lines[i]) or (len(pages) > 1 and seen[key(lines[i])] >= needed)
        }
        kept.append(["" if i in drop else line for i, line in enumerate(lines)])
    return kept


def _join(before: str, after: str, whole: str, *, soft_hyphens: bool) -> str:
    """Two lines of one paragraph as one, undoing a hyphenation at the line end.

    "commu-" + "nity" becomes "community" and "co-" + "production" stays
    "co-production": whichever form the rest of the text uses more wins; with no
    evidence, a PDF's hyphen (``soft_hyphens``) is the typesetter's and is dropped.
    """
    head, tail = _WORD_END.search(before), _WORD_START.match(after)
    if head is None or tail is None or not tail.group(1)[:1].islower():
        return f"{before.rstrip()} {after.lstrip()}"
    left, right = head.group(1), tail.group(1)
    lowered = whole.lower()
    hyphenated = lowered.count(f"{left}-{right}".lower())
    closed = len(re.findall(rf"\b{re.escape(left + right)}", lowered, re.IGNORECASE))
    keep = hyphenated > closed or (hyphenated == closed and not soft_hyphens)
    return before + after if keep else before[:-1] + after
