"""The app's own HTML pages: a reading with a passage highlighted, and the embeddable widget.

Pages are plain HTML built here with every piece of untrusted text escaped by
``render.html_text``; their scripts are static files under ``/static``, so the
pages can send a Content-Security-Policy that forbids inline script altogether.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse

from bot.pipeline import Bot
from bot.types import Document, version_of
from bot.web.render import byline, html_text, http_url, new_tab_link

STATIC_DIR = Path(__file__).resolve().parent / "static"

APP_TITLE = "Big Society reading bot"

EXAMPLE_QUESTIONS = (
    "Why did co-production fail in Aspley?",
    "What did Cameron promise with the Big Society?",
    "What happened to public parks and libraries?",
    "What is needed for co-production to work?",
)

#: Our pages load only their own scripts and styles; nothing inline, nothing from elsewhere.
#: ``frame-ancestors`` is added for every response by ``security.FrameAncestors``.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)


def page(title: str, body: str, *, script: str | None = None, body_class: str = "") -> str:
    """A whole HTML page; ``title`` is plain text, ``body`` is HTML already escaped."""
    script_tag = f'<script src="/static/{script}" defer></script>' if script else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html_text(title)}</title>
<link rel="stylesheet" href="/static/style.css">
{script_tag}
</head>
<body class="{body_class}">
{body}
</body>
</html>
"""


def html_response(text: str, csp: str = PAGE_CSP, status: int = 200) -> HTMLResponse:
    """One of our pages, with its Content-Security-Policy."""
    return HTMLResponse(text, status_code=status, headers={"Content-Security-Policy": csp})


def missing_reading_page(doc_id: str) -> str:
    """What a link to a reading that is no longer in the index opens (a page, not JSON)."""
    body = f"""<main class="reading">
<p class="crumbs"><a href="/chat/">← Ask the readings</a></p>
<h1>This reading is no longer in the course</h1>
<p>The link points to <span class="doc-id">{html_text(doc_id)}</span>, which has been removed
or renamed since the answer was given. Ask the question again for passages from the readings
as they are now.</p>
</main>"""
    return page(f"Reading not found — {APP_TITLE}", body)


def document_page(
    doc: Document, start: int | None, end: int | None, *, changed: bool = False
) -> str:
    """The whole reading, with ``text[start:end]`` marked as ``#extract`` when given;
    ``changed``: the link was made for an earlier version, so nothing is marked."""
    text = doc.text
    if start is None or end is None:
        reading = html_text(text)
        jump = (
            '<p class="jump" role="note">This reading has changed since the answer was given, '
            "so the cited passage may have moved: it is not highlighted. Ask the question again "
            "for passages from the reading as it is now.</p>"
            if changed
            else ""
        )
    else:
        reading = (
            html_text(text[:start])
            + f'<mark id="extract" tabindex="-1">{html_text(text[start:end])}</mark>'
            + html_text(text[end:])
        )
        where = f"characters {start}–{end}"
        page_no = doc.page_at(start)
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
    body = f"""<header class="reading-head">
<p class="crumbs"><a href="/chat/">← Ask the readings</a> ·
<span class="doc-id">{html_text(doc.doc_id)}</span></p>
<h1>{html_text(doc.title)}</h1>
{"".join(details)}
{jump}
</header>
<main><div class="reading" id="reading">{reading}</div></main>"""
    return page(f"{doc.title} — {APP_TITLE}", body, script="document.js", body_class="document")


def widget_page(max_question_chars: int) -> str:
    """The compact chat for course pages: a question box, answers and their sources."""
    examples = "".join(
        f'<button type="button" class="example">{html_text(q)}</button>' for q in EXAMPLE_QUESTIONS
    )
    body = f"""<header class="widget-head">
<h1>Ask the Big Society readings</h1>
<p id="readings" class="muted">Answers are verbatim, cited extracts from the course readings.</p>
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
</main>"""
    return page(f"Ask — {APP_TITLE}", body, script="widget.js", body_class="widget")


def pages_router(bot: Bot) -> APIRouter:
    """``/``, ``/documents/{doc_id}``, ``/widget`` and ``/embed.js``."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse("/chat/")

    @router.get("/documents/{doc_id:path}", response_class=HTMLResponse)
    def document(
        doc_id: str,
        start: int | None = Query(None, ge=0),
        end: int | None = Query(None, ge=0),
        v: str | None = Query(None, max_length=64),
    ) -> HTMLResponse:
        doc = bot.store.documents.get(doc_id)
        if doc is None:
            return html_response(missing_reading_page(doc_id), status=404)
        if (start is None) != (end is None) or (
            start is not None and end is not None and not start <= end <= len(doc.text)
        ):
            raise HTTPException(
                422,
                f"start={start!r}, end={end!r} is not a passage of {doc_id!r}; give both, "
                f"with 0 <= start <= end <= {len(doc.text)}",
            )
        if v is not None and v != version_of(doc):  # changed since the answer: no highlight
            return html_response(document_page(doc, None, None, changed=True))
        return html_response(document_page(doc, start, end))

    @router.get("/widget", response_class=HTMLResponse)
    def widget() -> HTMLResponse:
        return html_response(widget_page(bot.settings.max_question_chars))

    @router.get("/embed/check")
    def embed_check(request: Request) -> JSONResponse:
        """Whether the page asking (its ``Origin``) may frame the widget: ``embed.js`` asks
        first, so a refused course page shows why instead of a broken frame. The list of
        allowed sites is not a secret, so any page may read the answer."""
        origin = request.headers.get("origin", "")
        allowed = bot.settings.embed_origins
        ok = "*" in allowed or origin in allowed
        how = (
            ""
            if ok
            else (
                f"{origin or 'This page'} is not on the list of sites allowed to show the reading "
                "assistant; the course's administrator can add it to BOT_EMBED_ORIGINS."
            )
        )
        return JSONResponse(
            {"allowed": ok, "origin": origin, "how": how},
            headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"},
        )

    @router.get("/embed.js")
    def embed_script() -> FileResponse:
        return FileResponse(STATIC_DIR / "embed.js", media_type="text/javascript")

    return router
