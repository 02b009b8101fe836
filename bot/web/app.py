"""The web app assembled: JSON API, pages, admin and the Gradio chat on one FastAPI app.

/                 → /chat/
/chat/            Gradio chat for students
/widget           compact chat for course pages (``/embed.js`` inserts it)
/documents/{id}   a reading, with ``?start=&end=`` highlighted
/admin            readings admin (``BOT_ADMIN_TOKEN``)
/api/ask, /api/documents, /healthz, /docs (OpenAPI)
"""

from __future__ import annotations

import errno
import os
import socket

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from bot import __version__
from bot.config import apply_offline_env
from bot.errors import BotError, ConfigError
from bot.pipeline import Bot
from bot.web.admin import IndexJob, admin_router
from bot.web.api import api_router
from bot.web.errors import public_message, status_of
from bot.web.limits import RequestLimits
from bot.web.pages import APP_TITLE, STATIC_DIR, pages_router
from bot.web.security import add_security

#: The chat has no file input; Gradio's upload route still exists, so keep it tiny.
GRADIO_MAX_FILE_SIZE = "1mb"


def create_app(bot: Bot) -> FastAPI:
    """The whole app around ``bot``; serve it with any ASGI server."""
    apply_offline_env()  # before Gradio is imported: no analytics, no version check
    import gradio as gr

    from bot.web.ui import build_chat

    app = FastAPI(
        title=APP_TITLE,
        version=__version__,
        description="Answers about the course readings made of verbatim, cited extracts.",
        docs_url=None,
        redoc_url=None,
    )

    async def bot_error(request: Request, exc: Exception) -> JSONResponse:
        """A library error as ``{"detail": ...}``, without the server's folder paths."""
        assert isinstance(exc, BotError)  # registered for BotError only
        detail = public_message(str(exc), bot.settings)
        return JSONResponse({"detail": detail}, status_code=status_of(exc))

    app.add_exception_handler(BotError, bot_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.include_router(api_router(bot))
    app.include_router(pages_router(bot))
    app.include_router(admin_router(bot, IndexJob()))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _add_offline_docs(app)
    add_security(app, bot.settings.embed_origins)
    app.add_middleware(RequestLimits)
    return gr.mount_gradio_app(
        app,
        build_chat(bot),
        path="/chat",
        max_file_size=GRADIO_MAX_FILE_SIZE,
        footer_links=[],
        ssr_mode=False,
        css_paths=[STATIC_DIR / "chat.css"],
        js=(STATIC_DIR / "chat.js").read_text(encoding="utf-8"),
    )


def _add_offline_docs(app: FastAPI) -> None:
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
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{APP_TITLE} — HTTP API",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
            # Deep links put a link inside each operation's toggle button (nested controls).
            swagger_ui_parameters={"deepLinking": False},
        )
        page = bytes(swagger.body).replace(b"<html>", b'<html lang="en">', 1)
        # Swagger UI's own colours fail contrast; ours darken them (static/docs.css).
        ours = b'<link rel="stylesheet" href="/static/docs.css">\n</head>'
        page = page.replace(b"</head>", ours, 1)
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
    """Load the model and the index, then serve on ``sock`` (from ``listen``)."""
    import uvicorn

    bot.embedder.embed(["warm up"])  # the first student should not wait for the model
    _ = bot.store
    app = create_app(bot)
    host, port = bot.settings.host, bot.settings.port
    shown = f"[{host}]" if ":" in host else host
    print(f"serving on http://{shown}:{port}/chat/ (admin /admin, widget /widget, API /docs)")
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
