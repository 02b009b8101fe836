"""The web app of one course assembled: JSON API, pages, admin and the Gradio chat on one
FastAPI app. Served alone (``python app.py``) its paths are these; with many courses
(``bot.web.site``) each course's app answers under ``/courses/<slug>`` (its ``base``).

/                 → /chat/
/chat/            Gradio chat for students
/widget           compact chat for course pages (``/embed.js`` inserts it)
/documents/{id}   a reading, with ``?start=&end=`` highlighted, under its guide
/guide            the guide to the readings: key terms and central passages of each
/admin            readings admin (``BOT_ADMIN_TOKEN``)
/api/ask, /api/feedback, /api/documents, /api/guide, /healthz, /docs (OpenAPI)

While it is served, the app follows its index folder (``bot.web.follow``): an index
written by another process (a replica, ``bot index``) is answered from within seconds.
"""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from bot import __version__
from bot.config import Settings, apply_offline_env
from bot.embedding import Embedder
from bot.errors import BotError, ConfigError
from bot.insights import Insights, insights_file
from bot.pipeline import Bot
from bot.web.admin import IndexJob, admin_router
from bot.web.api import api_router
from bot.web.errors import public_message, status_of
from bot.web.follow import following
from bot.web.guide_page import guide_router
from bot.web.limits import RequestLimits
from bot.web.pages import STATIC_DIR, embed_origins, pages_router
from bot.web.security import add_security

#: The chat has no file input; Gradio's upload route still exists, so keep it tiny.
GRADIO_MAX_FILE_SIZE = "1mb"


def create_app(bot: Bot, base: str = "") -> FastAPI:
    """The whole app around ``bot``; serve it with any ASGI server. ``base`` is the path
    it is served under (``""``, or ``/courses/<slug>``): every link starts there."""
    apply_offline_env()  # before Gradio is imported: no analytics, no version check
    import gradio as gr

    from bot.web.ui import build_chat

    app = FastAPI(
        title=bot.course.title,
        version=__version__,
        description="Answers about the course readings made of verbatim, cited extracts.",
        docs_url=None,
        redoc_url=None,
        lifespan=lambda _: following(bot),  # an index written by another process is swapped in
    )

    async def bot_error(request: Request, exc: Exception) -> JSONResponse:
        """A library error as ``{"detail": ...}``, without the server's folder paths."""
        assert isinstance(exc, BotError)  # registered for BotError only
        detail = public_message(str(exc), bot.settings)
        return JSONResponse({"detail": detail}, status_code=status_of(exc))

    app.add_exception_handler(BotError, bot_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    insights = Insights(
        insights_file(bot.settings.docs_dir.absolute().parent), bot.settings.insights_days
    )
    app.include_router(api_router(bot, base, insights=insights))
    app.include_router(pages_router(bot, base))
    app.include_router(guide_router(bot, base))
    app.include_router(admin_router(bot, IndexJob(), base, insights))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _add_offline_docs(app, bot.course.title, base)
    add_security(app, embed_origins(bot))
    app.add_middleware(RequestLimits)
    return gr.mount_gradio_app(
        app,
        build_chat(bot, base, insights),
        path="/chat",
        max_file_size=GRADIO_MAX_FILE_SIZE,
        footer_links=[],
        ssr_mode=False,
        css_paths=[STATIC_DIR / "chat.css"],
        js=(STATIC_DIR / "chat.js").read_text(encoding="utf-8"),
        head=(
            f'<link rel="stylesheet" href="{base}/static/chat-page.css">'
            f'<script src="{base}/static/tools.js" defer></script>'
        ),
    )


def _add_offline_docs(app: FastAPI, title: str, base: str) -> None:
    """``/docs``: Swagger UI 5 (which reads OpenAPI 3.1) from the fastapi-swagger package's
    files, so it works offline (FastAPI's own page loads it from a CDN)."""
    from importlib.resources import files

    from fastapi.openapi.docs import get_swagger_ui_html

    assets = "/docs-assets"
    swagger_files = str(files("fastapi_swagger") / "resources")
    app.mount(assets, StaticFiles(directory=swagger_files), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        swagger = get_swagger_ui_html(
            openapi_url=base + (app.openapi_url or "/openapi.json"),
            title=f"{title} — HTTP API",
            swagger_js_url=f"{base}{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{base}{assets}/swagger-ui.css",
            swagger_favicon_url=f"{base}{assets}/favicon-32x32.png",
            # Deep links put a link inside each operation's toggle button (nested controls).
            swagger_ui_parameters={"deepLinking": False},
        )
        page = bytes(swagger.body).replace(b"<html>", b'<html lang="en">', 1)
        # Swagger UI's own colours fail contrast; ours darken them (static/docs.css).
        ours = f'<link rel="stylesheet" href="{base}/static/docs.css">\n</head>'
        page = page.replace(b"</head>", ours.encode(), 1)
        return HTMLResponse(page, status_code=swagger.status_code)


def listen(host: str, port: int) -> socket.socket:
    """The server's listening socket; raises ``ConfigError`` if it cannot be had."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((host, port), family=family)
    except socket.gaierror as exc:
        raise ConfigError(f"cannot listen on {host!r} ({exc.strerror}); check --host") from None
    except OSError as exc:
        hint = (
            "is the app already running there? pass --port N (or BOT_PORT) for another port"
            if exc.errno == errno.EADDRINUSE
            else "check --host and --port"
        )
        raise ConfigError(
            f"cannot listen on {host}:{port} ({os.strerror(exc.errno or 0)}); {hint}"
        ) from None
    # Connections accepted from it inherit this; without it small responses wait ~40 ms
    # for delayed ACKs (measured: /api/ask p50 64 ms instead of 16 ms).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def serve(bot: Bot, sock: socket.socket) -> None:
    """Load the model and the index, then serve the course on ``sock`` (from ``listen``)."""
    bot.embedder.embed(["warm up"])  # the first student should not wait for the model
    bot.has_index()  # loaded now if there is one; if not, 503 until the follower finds one
    _run(create_app(bot), bot.settings, sock, "/chat/ (admin /admin, widget /widget, API /docs)")


def serve_courses(
    root: Path, settings: Settings, embedder: Embedder, sock: socket.socket, indexes: Path | None
) -> None:
    """Serve every course folder of ``root`` (``bot.web.site``) on ``sock``."""
    from bot.web.site import create_site

    embedder.embed(["warm up"])
    site = create_site(root, settings, embedder, indexes)
    _run(site, settings, sock, f"/ (one course per folder of {str(root)!r}, at /courses/<slug>/)")


def _run(app: Any, settings: Settings, sock: socket.socket, what: str) -> None:
    import uvicorn

    host, port = settings.host, settings.port
    shown = f"[{host}]" if ":" in host else host
    print(f"serving on http://{shown}:{port}{what}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    server.run(sockets=[sock])


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """A request the API cannot read: one short message naming the field, never the
    request echoed back (a 10,000-entry history would come back whole)."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    first = errors[0] if errors else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
    what = str(first.get("msg", "invalid request"))[:200]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    detail = f"{where}: {what}{more}; see /docs for the request format"
    return JSONResponse({"detail": detail}, status_code=422)
