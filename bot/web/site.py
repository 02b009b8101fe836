"""Many courses on one server: every course folder ``DIR/<slug>/`` under ``/courses/<slug>/``.

/                        the list of courses
/courses/<slug>/...      that course's whole app (``bot.web.app``): chat, widget, embed.js,
                         documents, admin and API, exactly as one course served alone
/healthz                 every course, and whether it can answer

Each course has its own ``Bot`` — its readings, its index (``DIR/<slug>/index/``, or
``<indexes>/<slug>/``), its ``course.toml`` with its own admin token and embedding
allowlist — so no answer of one course can cite another's reading; all courses share
one embedding model. A course folder added while the server runs is found without a
restart: when a request names a course the site does not know yet, or the list of
courses is shown (at most once every ``RESCAN_SECONDS``), and in any case within
``WATCH_SECONDS``. A course without an index is indexed in the background; it answers
503 until then. Each course follows its index (``bot.web.follow``); on a server that
only follows (``--follow``) a new course waits for the writer to index it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from bot.config import Settings
from bot.course import COURSE_FILE, Course, course_slug, load_course
from bot.embedding import Embedder
from bot.errors import BotError
from bot.pipeline import Bot
from bot.web.pages import STATIC_DIR, html_response, page
from bot.web.render import html_text
from bot.web.security import SecurityHeaders

#: A new course folder is looked for at most this often when requests ask for it...
RESCAN_SECONDS = 2.0
#: ... and this often in any case (a writer replica may get no request for it at all).
WATCH_SECONDS = 5.0
_COURSE_PATH = re.compile(r"^/([^/]+)(/.*)?$")


@dataclass
class CourseEntry:
    """A course being served: its folder, its bot and app, or why it cannot be served."""

    slug: str
    folder: Path
    bot: Bot | None = None
    app: FastAPI | None = None
    error: str | None = None
    stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)


class Courses:
    """The course folders of ``root``, each opened (bot, app, app lifespan) when found."""

    def __init__(
        self, root: Path, settings: Settings, embedder: Embedder, indexes: Path | None = None
    ) -> None:
        self.root, self.settings, self.embedder, self.indexes = root, settings, embedder, indexes
        self.entries: dict[str, CourseEntry] = {}
        self._lock = asyncio.Lock()
        self._scanned = 0.0

    def folders(self) -> dict[str, Path]:
        """The course folders there are now: a folder with a course.toml or documents/."""
        found = {}
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            slug = course_slug(folder)
            if slug and ((folder / COURSE_FILE).is_file() or (folder / "documents").is_dir()):
                found[slug] = folder
        return found

    def bot_for(self, slug: str, folder: Path, course: Course) -> Bot:
        index = (self.indexes / slug) if self.indexes else folder / "index"
        settings = self.settings.with_overrides(docs_dir=folder / "documents", index_dir=index)
        return Bot(settings, embedder=self.embedder, course=course)

    async def rescan(self, force: bool = False) -> None:
        """Open the course folders that appeared and close those that went (rate-limited)."""
        if not force and time.monotonic() - self._scanned < RESCAN_SECONDS:
            return
        async with self._lock:
            self._scanned = time.monotonic()
            found = await asyncio.to_thread(self.folders)
            for slug in [s for s in self.entries if s not in found]:
                await self.entries.pop(slug).stack.aclose()
            for slug, folder in found.items():
                if slug not in self.entries:
                    self.entries[slug] = await self._open(slug, folder)

    async def _open(self, slug: str, folder: Path) -> CourseEntry:
        from bot.web.app import create_app

        entry = CourseEntry(slug, folder)
        try:
            course = load_course(folder / COURSE_FILE)
        except BotError as exc:  # shown on a public page: no server paths
            entry.error = str(exc).replace(str(self.root), "the courses folder")
            return entry
        entry.bot = self.bot_for(slug, folder, course)
        entry.app = create_app(entry.bot, base=f"/courses/{slug}")
        await entry.stack.enter_async_context(entry.app.router.lifespan_context(entry.app))
        if not entry.bot.has_index() and not self.settings.follow:  # 503 until it is indexed
            threading.Thread(target=_index_quietly, args=(entry.bot,), daemon=True).start()
        return entry

    async def close(self) -> None:
        for entry in self.entries.values():
            await entry.stack.aclose()
        self.entries.clear()


async def _watch(courses: Courses) -> None:
    """Open new course folders, and close those that went, without waiting for a request."""
    while True:
        await asyncio.sleep(WATCH_SECONDS)
        await courses.rescan(force=True)


def _index_quietly(bot: Bot) -> None:
    with contextlib.suppress(BotError):  # the course's pages say why it cannot answer
        bot.index()


class CourseDispatch:
    """``/courses/<slug>/...`` → that course's app, the slug added to its root path."""

    def __init__(self, courses: Courses) -> None:
        self.courses = courses

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        root = scope.get("root_path", "")
        path = scope["path"][len(root) :] if scope["path"].startswith(root) else scope["path"]
        match = _COURSE_PATH.match(path)
        slug = match.group(1) if match else ""
        if slug not in self.courses.entries:
            await self.courses.rescan()
        entry = self.courses.entries.get(slug)
        if scope["type"] != "http" and (entry is None or entry.app is None):
            return
        response: Response
        if entry is None:
            response = html_response(_missing_course_page(slug), status=404)
        elif entry.app is None:
            response = html_response(_broken_course_page(entry), status=503)
        elif match is None or match.group(2) is None:  # /courses/<slug> → its chat
            response = RedirectResponse(f"{root}/{slug}/chat/")
        else:
            await entry.app({**scope, "root_path": f"{root}/{slug}"}, receive, send)
            return
        await response(scope, receive, send)


def create_site(
    root: Path, settings: Settings, embedder: Embedder, indexes: Path | None = None
) -> FastAPI:
    """The app serving every course folder of ``root`` (see the module's docstring)."""
    courses = Courses(root, settings, embedder, indexes)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await courses.rescan(force=True)
        watch = asyncio.create_task(_watch(courses))
        yield
        watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch
        await courses.close()

    site = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    site.state.courses = courses

    @site.get("/", response_class=HTMLResponse)
    async def listing() -> HTMLResponse:
        await courses.rescan()
        return html_response(_listing_page(list(courses.entries.values())))

    @site.get("/healthz")
    async def healthz() -> JSONResponse:
        await courses.rescan()
        report: dict[str, dict[str, object]] = {}
        for slug, entry in courses.entries.items():
            try:
                if entry.bot is None:
                    raise BotError(entry.error or "not opened")
                store = entry.bot.store
                report[slug] = {
                    "documents": len(store.documents),
                    "chunks": len(store),
                    "generation": store.generation or "",
                }
            except BotError as exc:
                report[slug] = {"error": str(exc)}
        return JSONResponse({"status": "ok", "courses": report})

    site.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    site.mount("/courses", CourseDispatch(courses))
    # Framing headers for the list of courses; no CORS here: each course answers its own.
    site.add_middleware(SecurityHeaders, origins=settings.embed_origins)
    return site


def _listing_page(entries: list[CourseEntry]) -> str:
    rows = []
    for entry in entries:
        base = f"/courses/{entry.slug}"
        if entry.bot is None:
            rows.append(
                f'<li><span class="doc-id">{html_text(entry.slug)}</span>: '
                f'<span class="error">{html_text(entry.error or "")}</span></li>'
            )
            continue
        course = entry.bot.course
        about = f"<p>{html_text(course.description)}</p>" if course.description else ""
        rows.append(
            f'<li><h2><a href="{base}/chat/">{html_text(course.title)}</a></h2>{about}'
            f'<p class="muted"><a href="{base}/widget">widget</a> · '
            f'<a href="{base}/admin">admin</a> · <a href="{base}/docs">API</a></p></li>'
        )
    listed = "".join(rows) or "<li>No course yet: create one with <code>bot init</code>.</li>"
    body = f"""<main class="admin">
<h1>Courses</h1>
<ul class="courses">{listed}</ul>
</main>"""
    return page("Courses — reading bot", body, body_class="admin")


def _missing_course_page(slug: str) -> str:
    body = f"""<main class="admin">
<h1>No such course</h1>
<p>There is no course <span class="doc-id">{html_text(slug)}</span> on this server.</p>
<p><a href="/">All courses</a></p>
</main>"""
    return page("No such course", body, body_class="admin")


def _broken_course_page(entry: CourseEntry) -> str:
    body = f"""<main class="admin">
<h1>This course cannot be shown</h1>
<p class="notice">{html_text(entry.error or "")}</p>
<p><a href="/">All courses</a></p>
</main>"""
    return page("Course unavailable", body, body_class="admin")
