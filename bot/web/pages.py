"""The app's own HTML pages: a reading with a passage highlighted, and the embeddable widget.

Pages are plain HTML built here with every piece of untrusted text escaped by
``render.html_text``; their scripts are static files under ``/static``, so the
pages can send a Content-Security-Policy that forbids inline script altogether.
Titles, examples and language come from the course (``bot.course``); every link
starts at ``base``, where the course is served (``""``, or ``/courses/<slug>``),
and the page tells its scripts that base in ``<body data-base>``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse

from bot.course import Course
from bot.guide import ReadingGuide, guide_for
from bot.pipeline import Bot
from bot.types import Document, Span, version_of
from bot.web.reading import guide_section, is_markdown, reading_html
from bot.web.render import byline, html_text, http_url, new_tab_link

STATIC_DIR = Path(__file__).resolve().parent / "static"

#: Our pages load only their own scripts and styles; nothing inline, nothing from elsewhere.
#: ``frame-ancestors`` is added for every response by ``security.FrameAncestors``.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)


def page(
    title: str,
    body: str,
    *,
    base: str = "",
    lang: str = "en",
    script: str | None = None,
    body_class: str = "",
    scripts: tuple[str, ...] = (),
) -> str:
    """A whole HTML page; ``title`` is plain text, ``body`` is HTML already escaped;
    ``script`` and ``scripts`` name our static scripts it loads."""
    script_tag = "\n".join(
        f'<script src="{base}/static/{name}" defer></script>'
        for name in ((script,) if script else ()) + scripts
    )
    return f"""<!doctype html>
<html lang="{html_text(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html_text(title)}</title>
<link rel="stylesheet" href="{base}/static/style.css">
{script_tag}
</head>
<body class="{body_class}" data-base="{html_text(base)}">
{body}
</body>
</html>
"""


def html_response(text: str, csp: str = PAGE_CSP, status: int = 200) -> HTMLResponse:
    """One of our pages, with its Content-Security-Policy."""
    return HTMLResponse(text, status_code=status, headers={"Content-Security-Policy": csp})


def missing_reading_page(doc_id: str, course: Course, base: str = "") -> str:
    """What a link to a reading that is no longer in the index opens (a page, not JSON)."""
    body = f"""<main class="reading">
<p class="crumbs"><a href="{base}/chat/">← Ask the readings</a></p>
<h1>This reading is no longer in the course</h1>
<p>The link points to <span class="doc-id">{html_text(doc_id)}</span>, which has been removed
or renamed since the answer was given. Ask the question again for passages from the readings
as they are now.</p>
</main>"""
    return page(f"Reading not found — {course.title}", body, base=base, lang=course.language)


def document_page(
    doc: Document,
    start: int | None,
    end: int | None,
    course: Course,
    *,
    base: str = "",
    changed: bool = False,
    guide: ReadingGuide | None = None,
) -> str:
    """The whole reading (Markdown rendered, ``bot.web.reading``), with ``text[start:end]``
    marked from ``#extract`` on when given, under its guide ("In brief", open unless a
    passage is marked); ``changed``: the link was made for an earlier version, so
    nothing is marked."""
    marked = Span(start, end) if start is not None and end is not None else None
    reading = reading_html(doc.text, is_markdown(doc.doc_id), marked)
    if marked is None:
        jump = (
            '<p class="jump" role="note">This reading has changed since the answer was given, '
            "so the cited passage may have moved: it is not highlighted. Ask the question again "
            "for passages from the reading as it is now.</p>"
            if changed
            else ""
        )
    else:
        where = f"characters {marked.start}–{marked.end}"
        page_no = doc.page_at(marked.start)
        where += f", page {page_no}" if page_no else ""
        jump = f'<p class="jump"><a href="#extract">Go to the cited passage ({where})</a></p>'
    details = []
    by = byline(doc.author, doc.date)
    if by:
        details.append(f'<p class="byline">{html_text(by)}</p>')
    source = http_url(doc.source)
    if source:
        details.append(f'<p class="source">Source: {new_tab_link(source, source)}</p>')
    elif doc.source:
        details.append(f'<p class="source">Source: {html_text(doc.source)}</p>')
    if doc.licence:
        details.append(f'<p class="licence">Licence: {html_text(doc.licence)}</p>')
    brief = guide_section(doc, guide, base, open_=marked is None) if guide else ""
    body = f"""<header class="reading-head">
<p class="crumbs"><a href="{base}/chat/">← Ask the readings</a> ·
<a href="{base}/guide">Guide to the readings</a> ·
<span class="doc-id">{html_text(doc.doc_id)}</span></p>
<h1>{html_text(doc.title)}</h1>
{"".join(details)}
{jump}
{brief}
</header>
<main>{reading}</main>"""
    return page(
        f"{doc.title} — {course.title}",
        body,
        base=base,
        lang=course.language,
        script="document.js",
        body_class="document",
    )


def widget_page(course: Course, max_question_chars: int, base: str = "") -> str:
    """The compact chat for course pages: a question box, answers and their sources."""
    examples = "".join(
        f'<button type="button" class="example">{html_text(q)}</button>' for q in course.examples
    )
    body = f"""<header class="widget-head">
<h1>{html_text(course.ask_title)}</h1>
<p id="readings" class="muted">Answers are verbatim, cited extracts from the course readings.
<a href="{base}/guide" target="_blank" rel="noopener">Guide to the readings</a></p>
</header>
<main class="widget-main">
<div id="log" aria-live="polite"></div>
<div class="examples" id="examples" role="group" aria-label="Example questions">{examples}</div>
<form id="ask" class="ask">
<label for="question" class="visually-hidden">Your question</label>
<textarea id="question" name="question" rows="2" maxlength="{max_question_chars}" required
 placeholder="Ask a question about the readings"></textarea>
<button type="submit" id="ask-button">Ask</button>
</form>
<div class="conversation-tools" id="conversation-tools">
<button type="button" id="export">Export conversation (Markdown)</button>
<button type="button" id="new">New conversation</button>
</div>
</main>"""
    return page(
        f"Ask — {course.title}",
        body,
        base=base,
        lang=course.language,
        scripts=("tools.js", "widget.js"),
        body_class="widget",
    )


def pages_router(bot: Bot, base: str = "") -> APIRouter:
    """``/``, ``/documents/{doc_id}``, ``/widget`` and ``/embed.js``."""
    router = APIRouter(include_in_schema=False)
    course = bot.course

    @router.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse(f"{base}/chat/")

    @router.get("/documents/{doc_id:path}", response_class=HTMLResponse)
    def document(
        doc_id: str,
        start: int | None = Query(None, ge=0),
        end: int | None = Query(None, ge=0),
        v: str | None = Query(None, max_length=64),
    ) -> HTMLResponse:
        store = bot.store  # one index for the whole page
        doc = store.documents.get(doc_id)
        if doc is None:
            return html_response(missing_reading_page(doc_id, course, base), status=404)
        if (start is None) != (end is None) or (
            start is not None and end is not None and not start <= end <= len(doc.text)
        ):
            raise HTTPException(
                422,
                f"start={start!r}, end={end!r} is not a passage of {doc_id!r}; give both, "
                f"with 0 <= start <= end <= {len(doc.text)}",
            )
        guide = guide_for(store, doc_id)
        if v is not None and v != version_of(doc):  # changed since the answer: no highlight
            changed = document_page(doc, None, None, course, base=base, changed=True, guide=guide)
            return html_response(changed)
        return html_response(document_page(doc, start, end, course, base=base, guide=guide))

    @router.get("/widget", response_class=HTMLResponse)
    def widget() -> HTMLResponse:
        return html_response(widget_page(course, bot.settings.max_question_chars, base))

    @router.get("/embed/check")
    def embed_check(request: Request) -> JSONResponse:
        """Whether the page asking (its ``Origin``) may frame the widget: ``embed.js`` asks
        first, so a refused course page shows why instead of a broken frame. The list of
        allowed sites is not a secret, so any page may read the answer."""
        origin = request.headers.get("origin", "")
        allowed = embed_origins(bot)
        ok = "*" in allowed or origin in allowed
        how = (
            ""
            if ok
            else (
                f"{origin or 'This page'} is not on the list of sites allowed to show the reading "
                "assistant; the course's administrator can add it to embed_origins in "
                "course.toml (or BOT_EMBED_ORIGINS)."
            )
        )
        return JSONResponse(
            {"allowed": ok, "origin": origin, "how": how, "title": course.ask_title},
            headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"},
        )

    @router.get("/embed.js")
    def embed_script() -> FileResponse:
        return FileResponse(STATIC_DIR / "embed.js", media_type="text/javascript")

    return router


def embed_origins(bot: Bot) -> tuple[str, ...]:
    """The sites that may frame this course and call its API: the server's
    ``BOT_EMBED_ORIGINS`` and the course's own ``embed_origins``."""
    return tuple(dict.fromkeys((*bot.settings.embed_origins, *bot.course.embed_origins)))
