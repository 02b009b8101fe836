"""Corrections to a reading's title, author and date, kept beside the readings.

A file's own metadata is often wrong (a PDF titled "Microsoft Word - draft3.docx", a
blog post without its author). An instructor's corrections live in the documents
folder, in a hidden file (hidden names are never readings), keyed by reading id::

    documents/.meta.json
    {"format": "reading-corrections", "version": 1,
     "readings": {"report.pdf": {"title": "Community rights in practice",
                                 "author": "Miriam Okafor", "date": "2013-06"}}}

The loader (``bot.documents.load_document``) applies them over what the file says, so
the index, answers and citations use them. They are part of the reading's fingerprint
(``bot.documents.content_hash``): an edit counts as a change, and the next sync
re-indexes that reading (its title is embedded with its passages). A value of ``""``
for the author or date means "none"; a field left out keeps what the file says.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from bot.errors import ConfigError, MetadataError, StorageError

FILE = ".meta.json"
FORMAT = "reading-corrections"
VERSION = 1
MAX_TITLE_CHARS = 300
MAX_AUTHOR_CHARS = 300
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@dataclass(frozen=True)
class Corrections:
    """What an instructor corrected; None: the file's own value stands."""

    title: str | None = None
    author: str | None = None
    date: str | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in asdict(self).values())

    def given(self) -> dict[str, str]:
        """The corrected fields only, for the fingerprint and the file."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    def apply(
        self, title: str, author: str | None, date: str | None
    ) -> tuple[str, str | None, str | None]:
        """The title, author and date a reading shows, these corrections applied."""
        return (
            self.title if self.title is not None else title,
            (self.author if self.author is not None else author) or None,
            (self.date if self.date is not None else date) or None,
        )


def corrections_file(docs_dir: Path) -> Path:
    return docs_dir / FILE


def read_corrections(docs_dir: Path) -> dict[str, Corrections]:
    """Every reading's corrections (none if the file does not exist).

    Raises ``ConfigError`` naming the file if it cannot be read.
    """
    path = corrections_file(docs_dir)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {str(path)!r} ({exc}); check the file") from None
    fix = "fix it, or delete it to go back to the files' own titles, authors and dates"
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"{str(path)!r} is not valid JSON ({exc}); {fix}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(f"{str(path)!r} is not a file of reading corrections; {fix}")
    if data.get("version") != VERSION:
        raise ConfigError(
            f"{str(path)!r} is version {data.get('version')!r}, this bot reads version "
            f"{VERSION}; {fix}"
        )
    readings = data.get("readings")
    if not isinstance(readings, dict):
        raise ConfigError(f"{str(path)!r} has no 'readings' object; {fix}")
    found = {}
    for doc_id, fields in readings.items():
        try:
            if not isinstance(fields, dict):
                raise MetadataError(f"{fields!r} is not an object of title, author and date")
            found[doc_id] = checked(fields)
        except MetadataError as exc:
            raise ConfigError(f"{str(path)!r}, reading {doc_id!r}: {exc}; {fix}") from None
    return found


def checked(fields: Mapping[str, Any], base: Corrections | None = None) -> Corrections:
    """``base`` with ``fields`` applied (a value of None removes that correction);
    raises ``MetadataError`` naming the field and what is wrong with it."""
    unknown = sorted(set(fields) - {"title", "author", "date"})
    if unknown:
        raise MetadataError(f"{unknown[0]!r} cannot be corrected; give title, author or date")
    values: dict[str, str | None] = {}
    for name, value in fields.items():
        if value is not None and not isinstance(value, str):
            raise MetadataError(f"{name} must be text, not {value!r}")
        values[name] = None if value is None else " ".join(value.split())
    title, author, date = values.get("title"), values.get("author"), values.get("date")
    if "title" in values and title is not None:
        if not title:
            raise MetadataError("the title must not be empty; give the reading's title")
        if len(title) > MAX_TITLE_CHARS:
            raise MetadataError(
                f"the title is {len(title)} characters long, over {MAX_TITLE_CHARS}; shorten it"
            )
    if author and len(author) > MAX_AUTHOR_CHARS:
        raise MetadataError(
            f"the author is {len(author)} characters long, over {MAX_AUTHOR_CHARS}; shorten it"
        )
    if date:
        check_date(date)
    return replace(base or Corrections(), **values)


def check_date(date: str) -> None:
    """A date is ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, and a real one."""
    match = _DATE.fullmatch(date)
    problem = match is None
    if match:
        year, month, day = (int(g) if g else 1 for g in match.groups())
        try:
            dt.date(year, month, day)
        except ValueError:
            problem = True
    if problem:
        raise MetadataError(
            f"the date {date!r} is not a date; write it as YYYY-MM-DD, YYYY-MM or YYYY "
            "(e.g. 2015-04-10), or leave it empty for none"
        )


def write_corrections(docs_dir: Path, corrections: Mapping[str, Corrections]) -> None:
    """Replace the folder's corrections file whole (or remove it when there are none);
    raises ``StorageError`` if it cannot be written, leaving the old one."""
    path = corrections_file(docs_dir)
    kept = {doc_id: c.given() for doc_id, c in sorted(corrections.items()) if c}
    try:
        if not kept:
            path.unlink(missing_ok=True)
            return
        data = {"format": FORMAT, "version": VERSION, "readings": kept}
        staged = docs_dir / f".meta-{secrets.token_hex(6)}.tmp"
        try:
            with staged.open("w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False, indent=2)
                out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(staged, path)
        finally:
            staged.unlink(missing_ok=True)
    except OSError as exc:
        raise StorageError(
            f"cannot write {str(path)!r} ({exc.strerror}); nothing was changed. "
            "Free some disk space, then try again"
        ) from None
