"""A citation as students cite it in an essay: a Harvard-style reference.

Two strings per citation, plain text ready to paste:

- ``in_text``: ``(Roberts and Stafford, 2015, p. 3)``, where the extract is quoted;
- ``reference``: the entry of the reference list, ``Roberts, S. and Stafford, B. (2015)
  Whatever happened to Cameron's Big Society? Available at: https://… (Accessed: 3
  December 2025).``

Authors written "Given Family" become "Family, G."; anything else (an organisation, a
name already inverted) is kept as written. No date gives "n.d."; no author puts the
title first. The style follows *Cite Them Right* (Harvard), the one most UK
universities teach.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.types import Citation

_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_SPLIT_AUTHORS = re.compile(r"\s*(?:;|&|\band\b)\s*")
_PERSON = re.compile(r"[A-ZÀ-Þ][\w'’.-]*(?: [A-ZÀ-Þ][\w'’.-]*){1,3}")
#: Words that make a name an organisation's, kept as written ("Nottingham City Council").
_ORGANISATION = frozenset(
    "Agency Association Board Centre Center College Commission Committee Council Department "
    "Foundation Government Group Institute Ltd Ministry Network Office Party Press Service "
    "Services Society Trust University".split()
)
_PARENTHESES = re.compile(r"\s*\([^)]*\)")
_YEAR = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")
_URL = re.compile(r"https?://\S+")


def reference(c: Citation, accessed: dt.date) -> str:
    """The reference-list entry for the reading ``c`` cites."""
    title = c.title.strip()
    title += "" if title.endswith((".", "?", "!")) else "."
    names = _authors(c.author)
    head = (
        f"{_joined(names, inverted=True)} ({_year(c.date)}) {title}"
        if names
        else (f"{title} ({_year(c.date)})")
    )
    url = _URL.fullmatch(c.source.strip()) if c.source else None
    if url:
        return f"{head} Available at: {url.group()} (Accessed: {_day(accessed)})."
    if c.source:
        source = " ".join(c.source.split()).rstrip(".")
        return f"{head} {source}."
    return head


def in_text(c: Citation) -> str:
    """The citation in the running text: who, when, and the page when there is one."""
    names = _authors(c.author)
    who = _joined([_family(n) for n in names], inverted=False) if names else c.title.strip()
    page = f", p. {c.page}" if c.page else ""
    return f"({who}, {_year(c.date)}{page})"


def _authors(author: str | None) -> list[str]:
    if not author:
        return []
    plain = _PARENTHESES.sub("", author).strip()
    parts = [p.strip() for p in _SPLIT_AUTHORS.split(plain) if p.strip()]
    names: list[str] = []
    for part in parts:  # "A B, C D" (two people) but not "Roberts, Simon" (one)
        pieces = [p.strip() for p in part.split(",") if p.strip()]
        several = len(pieces) > 1 and all(_person(p) for p in pieces)
        names.extend(pieces if several else [part])
    return names


def _joined(names: list[str], inverted: bool) -> str:
    shown = [_inverted(n) for n in names] if inverted else names
    if len(shown) >= 4:
        return f"{shown[0]} et al."
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _person(name: str) -> bool:
    return bool(_PERSON.fullmatch(name)) and not _ORGANISATION & set(name.split())


def _inverted(name: str) -> str:
    """ "Simon Roberts" → "Roberts, S."; anything else as it is."""
    if not _person(name):
        return name
    *given, family = name.split()
    initials = " ".join(f"{g[0]}." for g in given)
    return f"{family}, {initials}"


def _family(name: str) -> str:
    if "," in name:
        return name.split(",")[0].strip()
    return name.split()[-1] if _person(name) else name


def _year(date: str | None) -> str:
    found = _YEAR.search(date or "")
    return found.group() if found else "n.d."


def _day(day: dt.date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
