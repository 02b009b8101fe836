"""Which other sites may frame the app and call its API (``BOT_EMBED_ORIGINS``).

Default: none but the app itself. Every response gets
``Content-Security-Policy: frame-ancestors 'self' <origins>`` (Gradio sends no
framing policy of its own), and CORS answers only the listed origins. Both are
pure ASGI middleware: ``BaseHTTPMiddleware`` would buffer Gradio's event streams.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_CSP = b"content-security-policy"
_NOSNIFF = b"x-content-type-options"
_REFERRER = b"referrer-policy"


def frame_ancestors(origins: Sequence[str]) -> str:
    """The CSP directive that lets the app itself and ``origins`` frame its pages."""
    return " ".join(["frame-ancestors", "'self'", *origins])


class SecurityHeaders:
    """Adds the framing policy, ``nosniff`` and ``Referrer-Policy: no-referrer`` (a
    reading's source link does not tell its site which page it came from) to every
    HTTP response, and answers ``HEAD`` as ``GET`` without the body (FastAPI's routes
    take only the methods they name; monitors and link checkers send ``HEAD``).

    A response that already names ``frame-ancestors`` in its own CSP keeps it (the
    admin page forbids all framing); otherwise the directive is appended.
    """

    def __init__(self, app: ASGIApp, origins: Sequence[str]) -> None:
        self.app = app
        self.directive = frame_ancestors(origins).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                csp = b"; ".join(v for k, v in headers if k.lower() == _CSP)
                if b"frame-ancestors" not in csp:
                    csp = csp + b"; " + self.directive if csp else self.directive
                ours = (_CSP, _NOSNIFF, _REFERRER)
                kept = [(k, v) for k, v in headers if k.lower() not in ours]
                added = [(_CSP, csp), (_NOSNIFF, b"nosniff"), (_REFERRER, b"no-referrer")]
                message = {**message, "headers": [*kept, *added]}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_security(app: FastAPI, origins: Sequence[str]) -> None:
    """Framing policy and CORS for ``origins`` (``*`` allows any site)."""
    # The admin API needs the Authorization header, which is not allowed cross-origin:
    # only the public API can be called from a course page.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        allow_credentials=False,
        max_age=600,
    )
    app.add_middleware(SecurityHeaders, origins=origins)
