"""Files on disk → ``Document``: plain text, Markdown with front matter, HTML, PDF and DOCX.

Every loader returns the document's text exactly as it will be indexed and cited;
citation offsets point into this text. That text is the file's as read, not its
layout (``bot.reflow``): the lines of a paragraph are joined into one, so a
sentence never breaks at a line end. Plain text keeps its hard-wrapped paragraphs'
words, joined; Markdown keeps its syntax, one paragraph, item or heading a line;
a PDF loses its running headers, footers and page numbers and its line-end
hyphenation. A file that cannot be used raises ``DocumentError`` naming the file
and what to do about it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.errors import DocumentError, UnsupportedFileError
from bot.metadata import Corrections, read_corrections
from bot.reflow import pdf_text, reflow_markdown, reflow_plain
from bot.types import Document

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")


@dataclass(frozen=True)
class _Parsed:
    """What a format loader found; ``load_document`` adds the id, hash and fallbacks."""

    text: str
    title: str | None = None
    author: str | None = None
    date: str | None = None
    source: str | None = None
    licence: str | None = None
    pages: tuple[int, ...] = ()


def content_hash(data: bytes, corrections: Corrections | None = None) -> str:
    """The hash that decides whether a reading changed since it was indexed: its file,
    and the corrections to its title, author and date (``bot.metadata``), if any."""
    digest = hashlib.sha256(data)
    if corrections:
        digest.update(b"\0" + json.dumps(corrections.given(), sort_keys=True).encode())
    return "sha256:" + digest.hexdigest()


def doc_id_for(path: Path, root: Path) -> str:
    """A document's id: its path relative to the documents folder, with forward slashes.

    Symbolic links are not followed: a linked reading is known by the link's name.
    """
    return path.absolute().relative_to(root.absolute()).as_posix()


def iter_document_files(root: Path) -> Iterator[Path]:
    """Every non-hidden file under ``root``, in a stable order (supported or not)."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            yield path


def load_document(
    path: Path,
    root: Path,
    data: bytes | None = None,
    corrections: Mapping[str, Corrections] | None = None,
) -> Document:
    """Read one file as a ``Document``; raises ``DocumentError`` naming the file.

    ``corrections`` are the folder's corrected titles, authors and dates (read from
    ``root`` when not given; ``bot.metadata``), applied over the file's own.
    """
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        supported = " ".join(SUPPORTED_SUFFIXES)
        raise UnsupportedFileError(
            path,
            f"{str(path)!r} is a {suffix or 'suffix-less'} file, which we do not read; "
            f"convert it to one of: {supported}",
        )
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DocumentError(path, f"cannot read {str(path)!r}: {exc.strerror}") from exc
    if not data.strip():
        raise DocumentError(path, f"{str(path)!r} is empty; add text to it or remove it")
    parsed = loader(path, data)
    if not parsed.text.strip():
        raise DocumentError(
            path, f"{str(path)!r} has no readable text; check the file or remove it"
        )
    doc_id = doc_id_for(path, root)
    if corrections is None:
        corrections = read_corrections(root)
    corrected = corrections.get(doc_id, Corrections())
    title, author, date = corrected.apply(
        _real_title(parsed.title) or _first_heading(parsed.text, suffix) or path.stem,
        parsed.author,
        parsed.date,
    )
    return Document(
        doc_id=doc_id,
        text=parsed.text,
        title=title,
        content_hash=content_hash(data, corrected),
        author=author,
        date=date,
        source=parsed.source,
        licence=parsed.licence,
        pages=parsed.pages,
    )


def _decode_text(path: Path, data: bytes) -> str:
    """UTF-8 text with newlines normalised; binary data and bad bytes are errors."""
    if b"\x00" in data[:8192]:
        raise DocumentError(
            path,
            f"{str(path)!r} contains binary data, not text; "
            "save it as UTF-8 text or give it the right extension",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            path,
            f"{str(path)!r} is not valid UTF-8 (byte {data[exc.start]:#04x} at position "
            f"{exc.start}); re-save it with UTF-8 encoding",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _load_txt(path: Path, data: bytes) -> _Parsed:
    text = reflow_plain(_decode_text(path, data))
    title, author, date = _plain_heading(text)
    return _Parsed(text=text, title=title, author=author, date=date)


_BYLINE = re.compile(r"^\s*(?:by|written by|author:)\s+(.+?)\s*$", re.IGNORECASE)
_MONTHS = "january february march april may june july august september october november december"
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\s+({_MONTHS.replace(' ', '|')})\s+(\d{{4}})\b", re.I)
_MONTH_DAY_YEAR = re.compile(
    rf"\b({_MONTHS.replace(' ', '|')})\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.I
)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _plain_heading(text: str) -> tuple[str | None, str | None, str | None]:
    """Title, author and date from a plain text's opening lines, where it has them:
    a short first line, a "By ..." line and a date line among the first six lines."""
    lines = [line.strip() for line in text.split("\n") if line.strip()][:6]
    if not lines:
        return None, None, None
    title = lines[0] if len(lines[0]) <= 120 and not lines[0].endswith(".") else None
    author = date = None
    for line in lines:
        byline = _BYLINE.match(line)
        if author is None and byline and len(line) <= 120:
            author = byline.group(1).split(",")[0].strip() or None
        if date is None and len(line) <= 80:
            date = _iso_date(line)
    return title, author, date


def _iso_date(line: str) -> str | None:
    months = _MONTHS.split()
    if match := _ISO_DATE.search(line):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DAY_MONTH_YEAR.search(line):
        day, month, year = int(match[1]), months.index(match[2].lower()) + 1, int(match[3])
    elif match := _MONTH_DAY_YEAR.search(line):
        month, day, year = months.index(match[1].lower()) + 1, int(match[2]), int(match[3])
    else:
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _load_markdown(path: Path, data: bytes) -> _Parsed:
    import frontmatter  # python-frontmatter
    import yaml

    text = _decode_text(path, data)
    try:
        meta, body = frontmatter.parse(text)
    except yaml.YAMLError as exc:
        raise DocumentError(
            path,
            f"{str(path)!r} has invalid YAML front matter ({exc}); "
            "fix the block between the '---' lines",
        ) from None
    return _Parsed(
        text=reflow_markdown(body),
        title=_meta_text(meta.get("title")),
        author=_meta_text(meta.get("author") or meta.get("authors")),
        date=_meta_text(meta.get("date")),
        source=_meta_text(meta.get("source") or meta.get("url")),
        licence=_meta_text(meta.get("licence") or meta.get("license")),
    )


def _load_html(path: Path, data: bytes) -> _Parsed:
    import lxml.html
    import trafilatura

    html = _decode_text(path, data)
    text = trafilatura.extract(html, favor_recall=True, include_comments=False, include_tables=True)
    meta = trafilatura.extract_metadata(html)
    try:
        titles = lxml.html.fromstring(html).xpath("//title/text()")
    except (ValueError, lxml.etree.ParserError):
        titles = []
    title = " ".join(titles[0].split()) if titles else None
    return _Parsed(
        text=text or "",
        title=title or (meta.title if meta else None),
        author=meta.author if meta else None,
        date=meta.date if meta else None,
        source=meta.url if meta else None,
    )


def _load_pdf(path: Path, data: bytes) -> _Parsed:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        page_texts = [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
        info = reader.metadata
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(
            path, f"{str(path)!r} is not a readable PDF ({exc}); re-export it or remove it"
        ) from None
    if not any(t.strip() for t in page_texts):
        raise DocumentError(
            path,
            f"{str(path)!r} has no extractable text (a scanned PDF?); "
            "run OCR on it or add a text version",
        )
    text, pages = pdf_text(page_texts)
    created = info.creation_date if info else None
    return _Parsed(
        text=text,
        title=_meta_text(info.title) if info else None,
        author=_meta_text(info.author) if info else None,
        date=created.date().isoformat() if isinstance(created, dt.datetime) else None,
        pages=pages,
    )


def _load_docx(path: Path, data: bytes) -> _Parsed:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(
            path, f"{str(path)!r} is not a readable DOCX file ({exc}); re-save it from Word"
        ) from None
    paragraphs = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    headings = [
        p.text.strip()
        for p in document.paragraphs
        if p.text.strip()
        and p.style is not None
        and (p.style.name or "").startswith(("Title", "Heading"))
    ]
    props = document.core_properties
    return _Parsed(
        text="\n\n".join(paragraphs),
        title=_meta_text(props.title) or (headings[0] if headings else None),
        author=_meta_text(props.author),
        date=props.created.date().isoformat() if props.created else None,
    )


_LOADERS: dict[str, Callable[[Path, bytes], _Parsed]] = {
    ".txt": _load_txt,
    ".md": _load_markdown,
    ".markdown": _load_markdown,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
    ".docx": _load_docx,
}

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _first_heading(text: str, suffix: str) -> str | None:
    """The first Markdown heading, the title's fallback before the file name."""
    if suffix not in (".md", ".markdown"):
        return None
    match = _MD_HEADING.search(text)
    return match.group(1) if match else None


#: Titles that tools write when the author gave none ("Untitled", "Untitled document").
_PLACEHOLDER_TITLE = re.compile(r"(untitled|no title)(\s+(document|\d+))?", re.IGNORECASE)


def _real_title(title: str | None) -> str | None:
    """``title``, unless it is a tool's placeholder."""
    return None if title is None or _PLACEHOLDER_TITLE.fullmatch(title) else title


def _meta_text(value: object) -> str | None:
    """Front-matter or file metadata as one display string (lists joined with 'and')."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value if str(v).strip()]
        if not items:
            return None
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = " ".join(str(value).split())
    return text or None
