"""Bounds on what an anonymous request may cost: answers at once, body size, uploads.

- ``AnswerGate``: at most ``running`` answers of ``/api/ask`` are computed at once
  and at most ``waiting`` more wait for a turn (each for at most ``patience``
  seconds); beyond that the request gets a fast ``503`` with ``Retry-After``
  instead of a place in an unbounded pile. A client that has gone while waiting
  costs nothing more. Follow-ups, which replay earlier answers, first take a turn of
  their own (``FOLLOW_UPS_RUNNING``), so they cannot crowd out first questions.
  (The Gradio chat has its own bounded queue: ``bot.web.ui``.)
- ``RequestLimits`` (pure ASGI middleware, so Gradio's event streams are not
  buffered): a body larger than ``max_body`` bytes on the public routes is refused
  with ``413`` before it is read whole, and Gradio's file-upload route, which the
  chat does not use (it has no file input), is closed. Instructors add readings
  through ``/admin``, which checks its own upload limit.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Answers computed at once for /api/ask. One: with the ONNX encoder an answer is a few ms
#: of mostly Python (one GIL), so a second one in parallel gained no throughput and, beside
#: expensive follow-ups, gave ordinary asks a p95 of ~3 s and dropped connections; with one,
#: 0.5-0.9 s and none (BENCHMARKS.md, "Load").
ANSWERS_RUNNING = 1
#: Requests that may wait for a turn; more are told to come back (503).
ANSWERS_WAITING = 16
#: Follow-ups (questions with a history) computed at once and waiting, within the above:
#: each may replay several earlier answers, so they never hold every slot.
FOLLOW_UPS_RUNNING = 1
FOLLOW_UPS_WAITING = 8
#: How long a request waits for a turn before it is told to come back.
PATIENCE_SECONDS = 10.0
#: How long a turned-away client should wait before trying again (Retry-After).
RETRY_AFTER_SECONDS = 2
#: The largest request body the public routes read: a question and its history are
#: a few kilobytes at most (2,000 characters each, 20 earlier questions).
MAX_BODY_BYTES = 128 * 1024


class Busy(Exception):
    """No turn for this answer now; the client should retry after a moment."""


class AnswerGate:
    """A bounded queue of answers: ``running`` at once, ``waiting`` more in line."""

    def __init__(
        self,
        running: int = ANSWERS_RUNNING,
        waiting: int = ANSWERS_WAITING,
        patience: float = PATIENCE_SECONDS,
    ) -> None:
        self.running, self.waiting, self.patience = running, waiting, patience
        self._slots: asyncio.Semaphore | None = None
        self._in_line = 0

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold one of the running slots; raises ``Busy`` if the line is full or slow."""
        if self._slots is None:  # created on the server's event loop
            self._slots = asyncio.Semaphore(self.running)
        slots = self._slots
        if not slots.locked():
            await slots.acquire()  # a free slot: taken at once
        elif self._in_line >= self.waiting:
            raise Busy
        else:
            self._in_line += 1
            try:
                await asyncio.wait_for(slots.acquire(), timeout=self.patience)
            except TimeoutError:
                raise Busy from None
            finally:
                self._in_line -= 1
        try:
            yield
        finally:
            slots.release()


def busy_response_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)}


#: Routes whose bodies are small by nature. An upload of a reading (``PUT`` there) is
#: not: the admin route checks its token first, then ``BOT_MAX_UPLOAD_MB`` as it streams.
_SMALL_BODIES = ("/api/", "/chat/")
_READING_UPLOAD = "/api/admin/documents/"
_UPLOAD = "/gradio_api/upload"


class RequestLimits:
    """Refuses oversized bodies on the public routes and closes Gradio's upload route."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/chat") and _UPLOAD in path:
            await _reply(send, 404, "this app takes no uploads here; readings are added at /admin")
            return
        upload = scope["method"] == "PUT" and path.startswith(_READING_UPLOAD)
        if not path.startswith(_SMALL_BODIES) or upload:
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await _reply(send, 413, self._too_large())
            return
        seen, started, refused = 0, False, False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body and not refused:
                    refused = True  # answer now; the app sees the client go away
                    if not started:
                        await _reply(send, 413, self._too_large())
                    return {"type": "http.disconnect"}
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if not refused:
                raise

    def _too_large(self) -> str:
        return (
            f"the request body is over {self.max_body // 1024} KB; "
            "send one question and at most 20 earlier ones"
        )


async def _reply(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
