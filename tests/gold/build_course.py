"""Build the binary course readings (PDF and DOCX) from their plain-text sources.

Run from the repository root::

    python tests/gold/build_course.py

Every ``tests/gold/course_src/<stem>.txt`` becomes ``tests/gold/course/<stem>.pdf`` or
``tests/gold/course/<stem>.docx``:

* a source whose metadata block has a ``header:`` line becomes a **PDF** (the header text is
  the running header printed at the top of every page but the first);
* any other source becomes a **DOCX**.

Source markup (one block per blank-line-separated paragraph)::

    title: ...
    author: ...
    date: YYYY-MM-DD
    header: <running header text>        (PDF only)

    # Heading            a level-1 heading
    ## Heading           a level-2 heading
    - item               bulleted list items (consecutive lines form one list)
    1. item              numbered list items
    anything else        an ordinary paragraph (one line per paragraph, no hard wraps)

The PDFs are drawn line by line with ``canvas.drawString`` on A4 pages: the text is wrapped
to a fixed width with ``pdfmetrics.stringWidth``, justified with word spacing, long words
(8+ letters) that do not fit are hyphenated ("volun-" / "teering"), headings are bold and
larger, bullets are "•" with hanging indents, and every page carries a footer page number.
The document info holds the title, author and the source's date as the creation date.

The DOCX files use the Title, "Heading 1", "Heading 2", "List Bullet" and "List Number"
styles, with core properties title, author and created (the source's date).

Output is deterministic (reportlab's ``invariant`` mode plus a fixed date formatter; fixed
zip timestamps for the DOCX), so rebuilding does not churn git.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC_DIR = HERE / "course_src"
OUT_DIR = HERE / "course"

NUMBERED = re.compile(r"^(\d+)\.\s+(.*)$")


# --------------------------------------------------------------------------- parsing


@dataclass
class Block:
    kind: str  # "h1", "h2", "para", "bullets", "numbers"
    text: str = ""
    items: list[str] = field(default_factory=list)


@dataclass
class Source:
    meta: dict[str, str]
    blocks: list[Block]

    @property
    def date(self) -> dt.datetime:
        return dt.datetime.strptime(self.meta["date"], "%Y-%m-%d")


def parse(text: str) -> Source:
    lines = text.replace("\r\n", "\n").split("\n")
    meta: dict[str, str] = {}
    i = 0
    while i < len(lines) and lines[i].strip():
        key, _, value = lines[i].partition(":")
        meta[key.strip().lower()] = value.strip()
        i += 1
    for key in ("title", "author", "date"):
        if key not in meta:
            raise ValueError(f"metadata block lacks '{key}:'")

    blocks: list[Block] = []
    chunk: list[str] = []

    def flush() -> None:
        if not chunk:
            return
        if all(line.startswith("- ") for line in chunk):
            blocks.append(Block("bullets", items=[line[2:].strip() for line in chunk]))
        elif all(NUMBERED.match(line) for line in chunk):
            items = [NUMBERED.match(line).group(2).strip() for line in chunk]  # type: ignore[union-attr]
            blocks.append(Block("numbers", items=items))
        elif len(chunk) == 1 and chunk[0].startswith("## "):
            blocks.append(Block("h2", chunk[0][3:].strip()))
        elif len(chunk) == 1 and chunk[0].startswith("# "):
            blocks.append(Block("h1", chunk[0][2:].strip()))
        else:
            blocks.append(Block("para", " ".join(line.strip() for line in chunk)))
        chunk.clear()

    for line in lines[i:]:
        if line.strip():
            chunk.append(line.rstrip())
        else:
            flush()
    flush()
    return Source(meta, blocks)


# --------------------------------------------------------------------------- PDF


PAGE_W, PAGE_H = 595.2756, 841.8898  # A4 in points
MARGIN_L = MARGIN_R = 72.0
MARGIN_TOP = 78.0
MARGIN_BOTTOM = 72.0
TEXT_W = PAGE_W - MARGIN_L - MARGIN_R

BODY_FONT, BODY_SIZE, BODY_LEAD = "Times-Roman", 11.0, 14.6
H1_FONT, H1_SIZE = "Helvetica-Bold", 14.0
H2_FONT, H2_SIZE = "Helvetica-Bold", 12.0
PARA_GAP = 8.0
BULLET_INDENT, ITEM_INDENT = 12.0, 28.0
HYPHEN_MIN_SLACK = 0.06  # fraction of the line width left empty before we hyphenate


def _width(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, font, size)


VOWELS = set("aeiouy")
DIGRAPHS = {"ch", "ck", "gh", "ph", "qu", "sh", "th", "wh", "wr", "gn", "kn"}
SUFFIXES = ("tion", "sion", "ment", "ness", "ship", "ance", "ence", "able", "ible", "ities")
BAD_TAIL = re.compile(r"^[^aeiouy]?(ing|ings|ed|es|er|ers|ly)$")


def _cut_points(letters: str) -> list[int]:
    """Plausible hyphenation points in a lower-case word, as indexes into it.

    A rough syllable rule: break before a common suffix, between two consonants that sit
    between vowels (VC-CV, "volun-teer"), or after a vowel before a single consonant
    (V-CV, "commu-nity"); never inside a digraph, never leaving a bare "-ing"/"-ed" tail.
    """
    w = letters.lower()
    cuts = set()
    for i in range(4, len(w) - 2):
        head_c, tail_c = w[i - 1], w[i]
        nxt = w[i + 1] if i + 1 < len(w) else ""
        if BAD_TAIL.match(w[i:]):
            continue
        if w[i:].startswith(SUFFIXES):
            cuts.add(i)
        elif (
            head_c not in VOWELS
            and tail_c not in VOWELS
            and w[i - 2] in VOWELS
            and nxt in VOWELS
            and head_c != "-"
            and head_c + tail_c not in DIGRAPHS
        ):
            cuts.add(i)
        elif head_c in VOWELS and tail_c not in VOWELS and nxt in VOWELS and tail_c != "x":
            cuts.add(i)
    return sorted(cuts, reverse=True)


def _split_long_word(word: str, room: float, font: str, size: float) -> tuple[str, str] | None:
    """Split ``word`` as "head-" / "tail" so that "head-" fits in ``room``.

    Only lower-case words of 8+ letters are split, after at least 4 letters and leaving at
    least 3 for the next line; words with digits, hyphens or capitals are never split.
    """
    m = re.match(r"^([a-z]+)(.*)$", word)
    if not m or len(m.group(1)) < 8 or "-" in word or any(c.isdigit() for c in word):
        return None
    letters = m.group(1)
    for cut in _cut_points(letters):
        head = letters[:cut] + "-"
        if _width(head, font, size) <= room:
            return head, word[cut:]
    return None


def wrap(text: str, width: float, font: str, size: float, hyphenate: bool = True) -> list[str]:
    """Greedy wrap of ``text`` to ``width`` points, hyphenating long words at line ends."""
    words = text.split()
    lines: list[str] = []
    current = ""
    space = _width(" ", font, size)
    while words:
        word = words.pop(0)
        candidate = f"{current} {word}" if current else word
        if _width(candidate, font, size) <= width:
            current = candidate
            continue
        # hyphenate only when the line would otherwise be left noticeably loose
        slack = width - _width(current, font, size)
        if hyphenate and current and slack > HYPHEN_MIN_SLACK * width:
            room = slack - space
            split = _split_long_word(word, room, font, size)
            if split:
                head, tail = split
                lines.append(f"{current} {head}")
                current = ""
                words.insert(0, tail)
                continue
        if current:
            lines.append(current)
        current = word
    if current:
        lines.append(current)
    return lines


class PdfWriter:
    def __init__(self, path: Path, src: Source) -> None:
        from reportlab.pdfgen import canvas

        self.src = src
        self.header = src.meta["header"]
        self.c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=1)
        date = src.date
        stamp = date.strftime("D:%Y%m%d090000+00'00'")
        # invariant mode fixes the timestamp; the formatter replaces it with the reading's date.
        self.c.setDateFormatter(lambda *_args: stamp)
        self.c.setTitle(src.meta["title"])
        self.c.setAuthor(src.meta["author"])
        self.c.setSubject(src.meta.get("subject", src.meta["title"]))
        self.c.setCreator("tests/gold/build_course.py (reportlab)")
        self.page = 1
        self.y = PAGE_H - MARGIN_TOP
        self._header()

    # page furniture ---------------------------------------------------------------
    def _header(self) -> None:
        """Running header, drawn first so it leads each page's text (not on page 1)."""
        if self.page > 1:
            c = self.c
            c.setFont("Helvetica-Oblique", 8.5)
            c.drawString(MARGIN_L, PAGE_H - 44, self.header)
            c.setLineWidth(0.4)
            c.line(MARGIN_L, PAGE_H - 50, PAGE_W - MARGIN_R, PAGE_H - 50)

    def _footer(self) -> None:
        """Page number, drawn last so it ends each page's text."""
        self.c.setFont("Helvetica", 9)
        self.c.drawCentredString(PAGE_W / 2, 40, f"Page {self.page}")

    def new_page(self) -> None:
        self._footer()
        self.c.showPage()
        self.page += 1
        self.y = PAGE_H - MARGIN_TOP
        self._header()

    def need(self, height: float) -> None:
        if self.y - height < MARGIN_BOTTOM:
            self.new_page()

    # drawing -----------------------------------------------------------------------
    def line(
        self, x: float, text: str, font: str, size: float, lead: float, width: float, justify: bool
    ) -> None:
        self.need(lead)
        self.y -= lead
        self.c.setFont(font, size)
        gaps = text.count(" ")
        if justify and gaps:
            extra = (width - _width(text, font, size)) / gaps
            self.c.drawString(x, self.y, text, wordSpace=extra)
        else:
            self.c.drawString(x, self.y, text)

    def paragraph(self, text: str, x: float = MARGIN_L, width: float = TEXT_W) -> None:
        lines = wrap(text, width, BODY_FONT, BODY_SIZE)
        for n, ln in enumerate(lines):
            last = n == len(lines) - 1
            self.line(x, ln, BODY_FONT, BODY_SIZE, BODY_LEAD, width, justify=not last)

    def heading(self, text: str, font: str, size: float) -> None:
        # keep a heading with at least three lines of what follows
        self.need(size * 1.6 + PARA_GAP + 3 * BODY_LEAD)
        if self.y < PAGE_H - MARGIN_TOP:
            self.y -= 6
        for ln in wrap(text, TEXT_W, font, size, hyphenate=False):
            self.line(MARGIN_L, ln, font, size, size * 1.35, TEXT_W, justify=False)
        self.y -= 4

    def list_items(self, items: list[str], numbered: bool) -> None:
        width = TEXT_W - ITEM_INDENT
        for n, item in enumerate(items, start=1):
            lines = wrap(item, width, BODY_FONT, BODY_SIZE)
            self.need(BODY_LEAD * min(2, len(lines)))
            mark = f"{n}." if numbered else "\u2022"
            for k, ln in enumerate(lines):
                self.line(
                    MARGIN_L + ITEM_INDENT,
                    ln,
                    BODY_FONT,
                    BODY_SIZE,
                    BODY_LEAD,
                    width,
                    justify=k < len(lines) - 1,
                )
                if k == 0:
                    self.c.setFont(BODY_FONT, BODY_SIZE)
                    self.c.drawString(MARGIN_L + BULLET_INDENT, self.y, mark)
            self.y -= 2

    def title_block(self) -> None:
        meta = self.src.meta
        for ln in wrap(meta["title"], TEXT_W, "Helvetica-Bold", 20, hyphenate=False):
            self.line(MARGIN_L, ln, "Helvetica-Bold", 20, 25, TEXT_W, justify=False)
        self.y -= 6
        self.line(MARGIN_L, meta["author"], "Helvetica", 11, 15, TEXT_W, justify=False)
        pretty = self.src.date.strftime("%-d %B %Y")
        self.line(MARGIN_L, pretty, "Helvetica", 11, 15, TEXT_W, justify=False)
        self.y -= 10
        self.c.setLineWidth(0.8)
        self.c.line(MARGIN_L, self.y, PAGE_W - MARGIN_R, self.y)
        self.y -= 10

    def build(self) -> int:
        self.title_block()
        for block in self.src.blocks:
            if block.kind == "h1":
                self.heading(block.text, H1_FONT, H1_SIZE)
            elif block.kind == "h2":
                self.heading(block.text, H2_FONT, H2_SIZE)
            elif block.kind == "bullets":
                self.list_items(block.items, numbered=False)
            elif block.kind == "numbers":
                self.list_items(block.items, numbered=True)
            else:
                self.paragraph(block.text)
            self.y -= PARA_GAP
        self._footer()
        self.c.showPage()
        self.c.save()
        return self.page


def build_pdf(src: Source, out: Path) -> int:
    return PdfWriter(out, src).build()


# --------------------------------------------------------------------------- DOCX


FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def build_docx(src: Source, out: Path) -> int:
    from docx import Document

    doc = Document()
    props = doc.core_properties
    props.title = src.meta["title"]
    props.author = src.meta["author"]
    props.created = src.date
    props.modified = src.date
    props.last_modified_by = src.meta["author"]
    props.revision = 1
    props.subject = src.meta.get("subject", "")

    doc.add_paragraph(src.meta["title"], style="Title")
    doc.add_paragraph(f"{src.meta['author']} \u2014 {src.date.strftime('%-d %B %Y')}")
    for block in src.blocks:
        if block.kind == "h1":
            doc.add_paragraph(block.text, style="Heading 1")
        elif block.kind == "h2":
            doc.add_paragraph(block.text, style="Heading 2")
        elif block.kind == "bullets":
            for item in block.items:
                doc.add_paragraph(item, style="List Bullet")
        elif block.kind == "numbers":
            for item in block.items:
                doc.add_paragraph(item, style="List Number")
        else:
            doc.add_paragraph(block.text, style="Normal")

    buf = io.BytesIO()
    doc.save(buf)
    # python-docx stamps zip members with the current time; rewrite them with a fixed one.
    buf.seek(0)
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            zout.writestr(fixed, zin.read(info.filename))
    return 0


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    sources = sorted(SRC_DIR.glob("*.txt"))
    if not sources:
        print(f"no sources in {SRC_DIR}", file=sys.stderr)
        return 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for path in sources:
        src = parse(path.read_text(encoding="utf-8"))
        if "header" in src.meta:
            out = OUT_DIR / f"{path.stem}.pdf"
            pages = build_pdf(src, out)
            print(f"{out.relative_to(HERE.parent.parent)}: {pages} pages")
        else:
            out = OUT_DIR / f"{path.stem}.docx"
            build_docx(src, out)
            print(f"{out.relative_to(HERE.parent.parent)}: {len(src.blocks)} blocks")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
