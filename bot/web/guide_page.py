"""The guide to the readings, as students see it: ``/guide`` and ``/api/guide`` (the
"In brief" section on top of each reading is ``reading.guide_section``).

For each reading: its key terms and its most central sentences (``bot.guide``), each
sentence linked to its place in the reading; and the course's example questions.
Everything untrusted is escaped here (``render``); a Markdown reading's sentences are
rendered inline, safely (``reading.inline_html``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from bot.course import Course
from bot.guide import ReadingGuide, course_guide
from bot.pipeline import Bot
from bot.types import Document
from bot.web.pages import html_response, page
from bot.web.reading import guide_body
from bot.web.render import byline, document_url, html_text, passage_url


def guide_page(guides: list[tuple[Document, ReadingGuide]], course: Course, base: str) -> str:
    """``/guide``: every reading with its key terms and central passages, and the
    course's example questions."""
    readings = []
    for doc, guide in guides:
        by = byline(doc.author, doc.date)
        readings.append(
            f'<section class="guide-reading"><h2><a href="{document_url(doc.doc_id, base)}">'
            f"{html_text(doc.title)}</a></h2>"
            + (f'<p class="byline">{html_text(by)}</p>' if by else "")
            + guide_body(doc, guide, base)
            + "</section>"
        )
    examples = "".join(f"<li>{html_text(q)}</li>" for q in course.examples)
    asks = (
        f'<section class="examples-list"><h2>Questions to start with</h2><ul>{examples}</ul>'
        f'<p><a href="{base}/chat/">Ask them in the chat</a></p></section>'
        if examples
        else ""
    )
    count = f"{len(guides)} reading" + ("" if len(guides) == 1 else "s")
    body = f"""<main class="guide-page">
<p class="crumbs"><a href="{base}/chat/">← Ask the readings</a></p>
<h1>Guide to the readings</h1>
<p class="muted">{html_text(course.title)}: {count}. For each, its key terms and the sentences
most central to it, in its own words; each opens the reading at that place.</p>
{asks}
{"".join(readings)}
</main>"""
    return page(
        f"Guide to the readings — {course.title}", body, base=base, lang=course.language,
        body_class="guide",
    )  # fmt: skip


class GuideSentence(BaseModel):
    n: int
    start: int = Field(description="The sentence is document_text[start:end].")
    end: int
    extract: str
    page: int | None
    url: str = Field(description="The reading with this sentence highlighted.")


class ReadingGuideOut(BaseModel):
    doc_id: str
    title: str
    author: str | None
    date: str | None
    url: str
    key_terms: list[str]
    sentences: list[GuideSentence] = Field(description="Its most central sentences, in order.")


class GuideOut(BaseModel):
    examples: list[str] = Field(description="The course's example questions.")
    readings: list[ReadingGuideOut]


def guide_router(bot: Bot, base: str = "") -> APIRouter:
    """``/guide`` and ``/api/guide``."""
    router = APIRouter()

    def guides() -> list[tuple[Document, ReadingGuide]]:
        store = bot.store
        return [(store.documents[g.doc_id], g) for g in course_guide(store)]

    @router.get("/guide", response_class=HTMLResponse, include_in_schema=False)
    def guide() -> HTMLResponse:
        return html_response(guide_page(guides(), bot.course, base))

    @router.get(
        "/api/guide",
        tags=["readings"],
        response_model=GuideOut,
        summary="A guide to the readings: key terms and central sentences of each",
    )
    def guide_json() -> dict[str, Any]:
        return {
            "examples": list(bot.course.examples),
            "readings": [_reading_out(doc, g, base) for doc, g in guides()],
        }

    return router


def _reading_out(doc: Document, guide: ReadingGuide, base: str) -> dict[str, Any]:
    return {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "author": doc.author,
        "date": doc.date,
        "url": document_url(doc.doc_id, base),
        "key_terms": list(guide.key_terms),
        "sentences": [
            {
                "n": c.n,
                "start": c.start,
                "end": c.end,
                "extract": c.extract,
                "page": c.page,
                "url": passage_url(c.doc_id, c.start, c.end, c.version, base),
            }
            for c in guide.sentences
        ],
    }
