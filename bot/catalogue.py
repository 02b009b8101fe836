"""Questions about the readings themselves, answered from their metadata.

"Who wrote the report on community rights?", "When was Okafor's report published?",
"What licence is the article under?", "What readings are there?": the answer comes
from the reading's title, author, date, source and licence, and cites the reading
with a verbatim extract (the line of its text naming the author or title, else its
first line). Anything else returns None and goes to the passages.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.keyword import content_terms, terms
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
#: "Which author says ...?", "Whose report argues ...": asks who said something, not the metadata.
_WHO_SAYS = re.compile(
    r"\b(which|what|whose) (authors?|readings?|writers?|reports?|articles?|posts?|essays?)\b"
    r".{0,20}\b(says?|argues?|claims?|thinks?|suggests?|believes?|describes?|points? out|"
    r"writes?|warns?|finds?|found|compares?|calls?|notes?|reports?)\b"
)
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
    if _WHO_SAYS.search(lowered):  # who says something is a question about the passages
        return None
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
    citation = _cite(1, doc, doc.author if field in ("author", "date") else doc.title, field)
    return Answer(question, True, f"{text} [1]", (citation,))


def _named_reading(question: str, documents: dict[str, Document]) -> Document | None:
    """The reading a question names (by title words, author or file name), or the only one."""
    wanted = set(content_terms(question)) - _READING_WORDS
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
    """Whether the question names one of the reading's authors by surname."""
    asked = set(re.findall(r"[^\W\d_]+", question.lower()))
    return bool(asked & surnames(doc))


#: Words that make an author field's part an organisation, not a person.
_ORGANISATION = re.compile(
    r"\b(university|institute|college|school|centre|center|council|trust|society|blog|"
    r"review|press|foundation|department|office|group|the)\b",
    re.IGNORECASE,
)


def surnames(doc: Document) -> set[str]:
    """The surnames of a reading's authors ("Dr Miriam Okafor, The Hearth Institute" →
    okafor; "Simon Roberts and Bruce Stafford" → roberts, stafford)."""
    author = re.sub(r"\([^)]*\)", " ", doc.author or "")
    people = [p for p in re.split(r",|;|&|\band\b", author) if p.strip()]
    return {
        re.findall(r"[^\W\d_]+", p)[-1].lower()
        for p in people
        if not _ORGANISATION.search(p) and re.findall(r"[^\W\d_]+", p)
    }


def _describe(doc: Document) -> str:
    byline = ", ".join(x for x in (doc.author, doc.date) if x)
    return f"“{doc.title}”" + (f" — {byline}" if byline else "")


#: Lines of a reading that state its licence, or where it appeared (a dated byline).
_STATES = {
    "licence": re.compile(r"licen[cs]|creative commons|\bCC[- ]BY\b|copyright|©", re.I),
    "source": re.compile(r"(?<!\d)(1[89]|20)\d\d(?!\d)|\bpublished\b", re.I),
}


def _cite(n: int, doc: Document, wanted: str | None, field: str = "author") -> Citation:
    """A citation of ``doc``: the first line of its text stating the licence or source
    (for those fields) or naming ``wanted``, else its first line."""
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", doc.text)]
    names = [w for w in re.split(r",| and ", wanted or "") if w.strip()]
    head = lines[:40]
    states = _STATES.get(field)
    stating = [(a, b) for a, b in (lines if field == "licence" else head[:8])
               if states and states.search(doc.text[a:b])]  # fmt: skip
    start, end = next(
        iter(stating),
        next(
            ((a, b) for a, b in head if any(n.strip().split()[-1] in doc.text[a:b] for n in names)),
            lines[0] if lines else (0, 0),
        ),
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
    Lloyd's?"): two or more named by an author's surname or by two words of their title
    that no other title has, with a word that compares."""
    if not _COMPARE.search(question):
        return []
    wanted = set(content_terms(question)) - _READING_WORDS
    titles = {d.doc_id: set(terms(d.title)) for d in documents.values()}
    shared = Counter(t for words in titles.values() for t in words)
    heads = {d.doc_id: _names(d.text[:_HEAD_CHARS]) for d in documents.values()}
    subjects = Counter(n for names in heads.values() for n in names)
    asked = _names(question)
    named = [
        d
        for d in documents.values()
        if _by_author(question, d)
        or len({t for t in wanted & titles[d.doc_id] if shared[t] == 1}) >= 2
        or any(subjects[n] == 1 for n in asked & heads[d.doc_id])  # whom it is about
    ]
    return named if len(named) >= 2 else []


#: A reading's opening, where it says whom it is about ("Councillor Anita Sorensen has led ...").
_HEAD_CHARS = 800


def _names(text: str) -> set[str]:
    """Capitalised words after another word (names, not sentence openings), lower-cased."""
    return {m.lower() for m in re.findall(r"(?<=\w[ ])([A-Z][a-z]{3,})\b", text)}


_ACROSS = re.compile(
    r"^\W*(?:(?:which|what) (?:of the )?(?:readings|documents|articles|texts|sources|authors)"
    r" (?:discuss|discusses|mention|mentions|talk about|cover|deal with|deals with|are about|"
    r"say anything about|write about|consider|look at)"
    r"|(?:what|how) (?:do|does) (?:the|our|these|all the|each of the|each) ?(?:readings?|authors?|"
    r"documents?|articles?|texts?) (?:say|think|argue|write|tell us) about"
    r"|(?:what|how) (?:do|does) (?:the|our|these|all the|each) ?(?:readings?|authors?|documents?|"
    r"articles?|texts?) (?:see|view|treat|discuss|describe))\s+(?P<topic>.+?)\W*$",
    re.IGNORECASE,
)


def across_readings(question: str) -> str | None:
    """The topic of a question asked across the readings ("Which readings discuss food
    banks?", "What do the readings say about co-production?"), or None."""
    match = _ACROSS.match(question.strip())
    return match.group("topic") if match else None
