"""Questions about the readings themselves, answered from their metadata.

"Who wrote the report on community rights?", "When was Okafor's report published?",
"What licence is the article under?", "What readings are there?": the answer comes
from the reading's title, author, date, source and licence, and cites the reading
with a verbatim extract (the line of its text naming the author or title, else its
first line). Anything else returns None and goes to the passages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.keyword import terms
from bot.types import Answer, Citation, Document

_FIELDS = {
    "author": re.compile(
        r"\b(who (wrote|writes|authored|is the author)|author|written by|whose)\b"
    ),
    "date": re.compile(
        r"\b(when (was|were) .{0,60}\b(published|written|posted|released|dated)|"
        r"(what|which) (year|date)\b.{0,40}\b(published|written|posted)|publication date)\b"
    ),
    "licence": re.compile(r"\blicen[cs]e[ds]?\b|\bcopyright\b"),
    "source": re.compile(r"\b(where (was|is) .{0,60}\b(published|posted|from)|source|url|link)\b"),
    "title": re.compile(r"\b(what is|what's|whats) the (title|name)\b|\bcalled\b|\btitled\b"),
}
_LIST = re.compile(
    r"^\W*(what|which) (readings|documents|articles|texts|sources) (are there|do (you|we) have|"
    r"are (in|on|available))\b|\blist (the|all|of the)? ?(readings|documents|sources)\b",
    re.IGNORECASE,
)
_READING_WORDS = frozenset(
    terms(
        "reading article report post blog paper essay piece interview evaluation letter "
        "letters document text review brief chapter book study pamphlet"
    )
)


@dataclass(frozen=True)
class _Field:
    name: str
    value: str | None


def about_readings(question: str, documents: dict[str, Document]) -> Answer | None:
    """The answer to a question about the readings themselves, or None if it is not one."""
    if not documents:
        return None
    if _LIST.search(question):
        docs = sorted(documents.values(), key=lambda d: (d.date or "", d.title))
        citations = [_cite(n, d, d.author or d.title) for n, d in enumerate(docs, start=1)]
        lines = [f"The readings ({len(docs)}):"]
        lines += [f"{_describe(d)} [{c.n}]" for d, c in zip(docs, citations, strict=True)]
        return Answer(question, True, "\n".join(lines), tuple(citations))
    lowered = question.lower()
    field = next((name for name, pattern in _FIELDS.items() if pattern.search(lowered)), None)
    if field is None:
        return None
    doc = _named_reading(question, documents)
    if doc is None:
        return None
    value = getattr(doc, field)
    if value is None:
        text = f"“{doc.title}” does not give its {field}."
    elif field == "author":
        text = f"“{doc.title}” is by {doc.author}" + (f" ({doc.date})." if doc.date else ".")
    elif field == "date":
        text = f"“{doc.title}” is dated {doc.date}" + (f", by {doc.author}." if doc.author else ".")
    elif field == "title":
        text = f"The reading is “{doc.title}”" + (f", by {doc.author}." if doc.author else ".")
    else:
        text = f"The {field} of “{doc.title}” is {value}."
    citation = _cite(1, doc, doc.author if field in ("author", "date") else doc.title)
    return Answer(question, True, f"{text} [1]", (citation,))


def _named_reading(question: str, documents: dict[str, Document]) -> Document | None:
    """The reading a question names (by title words, author or file name), or the only one."""
    wanted = set(terms(question)) - _READING_WORDS
    scores = sorted(
        (
            (
                len(
                    wanted & set(terms(f"{d.title} {d.author or ''} {d.doc_id.rsplit('.', 1)[0]}"))
                ),
                d,
            )
            for d in documents.values()
        ),
        key=lambda pair: -pair[0],
    )
    if len(scores) == 1:
        return scores[0][1]
    (best_score, best), (second, _) = scores[0], scores[1]
    if best_score > second or (best_score and _by_author(question, best)):
        return best
    return None


def _by_author(question: str, doc: Document) -> bool:
    surnames = {
        name.split()[-1].lower() for name in re.split(r",| and ", doc.author or "") if name.strip()
    }
    return any(s in question.lower() for s in surnames)


def _describe(doc: Document) -> str:
    byline = ", ".join(x for x in (doc.author, doc.date) if x)
    return f"“{doc.title}”" + (f" — {byline}" if byline else "")


def _cite(n: int, doc: Document, wanted: str | None) -> Citation:
    """A citation of ``doc``: the first line of its text naming ``wanted``, else its first line."""
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", doc.text)]
    names = [w for w in re.split(r",| and ", wanted or "") if w.strip()]
    head = lines[:40]
    start, end = next(
        ((a, b) for a, b in head if any(n.strip().split()[-1] in doc.text[a:b] for n in names)),
        lines[0] if lines else (0, 0),
    )
    stop = doc.text.rfind(". ", start, start + 400)
    if end - start > 400 and stop > start:  # a long paragraph: its first sentences
        end = stop + 1
    return Citation.of(n, doc, start, end, 1.0)


_COMPARE = re.compile(
    r"\b(differ\w*|compar\w*|contrast\w*|agree\w*|disagree\w*|versus|vs\.?|both|between|"
    r"similar\w*|same)\b",
    re.IGNORECASE,
)


def compared_readings(question: str, documents: dict[str, Document]) -> list[Document]:
    """The readings a question sets side by side ("How does Okafor's view differ from
    Lloyd's?"): two or more named by author or by title, with a word that compares."""
    if not _COMPARE.search(question):
        return []
    wanted = set(terms(question)) - _READING_WORDS
    named = [
        d
        for d in documents.values()
        if _by_author(question, d) or len(wanted & set(terms(d.title))) >= 2
    ]
    return named if len(named) >= 2 else []
