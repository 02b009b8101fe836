"""The admin API: upload, list, correct (title, author, date), preview and delete readings,
reindex with progress, and the insights (``admin_insights``); the page is ``admin_page``.

Everything under ``/api/admin`` needs ``Authorization: Bearer <token>``, the token
being the server's ``BOT_ADMIN_TOKEN`` or the course's own (its SHA-256 is in
``course.toml``): 401 without it, 403 with a wrong one. With no token configured,
admin is disabled and says how to enable it; on a server that only follows the index
(``--follow``) it is disabled and points to the server that writes it. Updates go
through ``Bot``, which builds the new index beside the old one and swaps it in, so
questions are answered throughout.
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from bot.documents import SUPPORTED_SUFFIXES
from bot.errors import BotError, IndexBusyError
from bot.insights import Insights
from bot.metadata import MAX_AUTHOR_CHARS, MAX_TITLE_CHARS
from bot.pipeline import Bot
from bot.sync import SyncProgress
from bot.types import SyncReport
from bot.web.admin_insights import insights_router
from bot.web.admin_page import HOW_TO_ENABLE, admin_page
from bot.web.errors import public_message, status_of
from bot.web.pages import PAGE_CSP, html_response

#: The admin page must not be framed by anyone (clickjacking).
ADMIN_CSP = PAGE_CSP + "; frame-ancestors 'none'"

FOLLOWER = (
    "This server only follows the index (bot serve --follow): readings are added, removed "
    "and reindexed on the server that writes it. Send /admin and /api/admin to that server "
    "(the load balancer's admin route does: see deploy/README.md)."
)


@dataclass(frozen=True)
class JobState:
    """The latest index update started from the admin page, as the page polls it."""

    action: str = ""
    running: bool = False
    done: int = 0
    total: int = 0
    report: SyncReport | None = None
    error: str | None = None


class IndexJob:
    """One index update at a time from the admin page, and how far it got."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = JobState()

    @property
    def state(self) -> JobState:
        return self._state

    def run(self, action: str, work: Callable[[SyncProgress], SyncReport]) -> SyncReport:
        """Run ``work`` here, recording its progress and outcome."""
        self._begin(action)
        return self._finish(work)

    def start(self, action: str, work: Callable[[SyncProgress], SyncReport]) -> None:
        """Run ``work`` in a background thread; the page polls ``state``."""
        self._begin(action)
        threading.Thread(target=self._background, args=(work,), daemon=True).start()

    def _begin(self, action: str) -> None:
        with self._lock:
            if self._state.running:
                raise IndexBusyError(
                    f"an index update is already running ({self._state.action}); "
                    "wait for it to finish, then try again"
                )
            self._state = JobState(action=action, running=True)

    def _finish(self, work: Callable[[SyncProgress], SyncReport]) -> SyncReport:
        report = None
        try:
            report = work(self._progress)
        except BotError as exc:  # a full disk is a StorageError: the index before is kept
            self._update(error=str(exc))
            raise
        finally:
            self._update(running=False, report=report)
        return report

    def _background(self, work: Callable[[SyncProgress], SyncReport]) -> None:
        with contextlib.suppress(BotError):  # recorded in the state, for the page
            self._finish(work)

    def _progress(self, done: int, total: int) -> None:
        self._update(done=done, total=total)

    def _update(self, **changes: Any) -> None:
        with self._lock:
            self._state = replace(self._state, **changes)


class CorrectionIn(BaseModel):
    """Fields to correct; one left out stays as it is, ``null`` goes back to the file's own."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, max_length=MAX_TITLE_CHARS, examples=["The Big Society"])
    author: str | None = Field(
        None, max_length=MAX_AUTHOR_CHARS, description='"" for no author', examples=["Jo Bloggs"]
    )
    date: str | None = Field(
        None, description='YYYY-MM-DD, YYYY-MM or YYYY; "" for none',
        examples=["2015-04-10"],
    )  # fmt: skip


def admin_router(
    bot: Bot, job: IndexJob, base: str = "", insights: Insights | None = None
) -> APIRouter:
    """``/admin`` and ``/api/admin/...`` (with the insights routes when ``insights``)."""
    token = bot.settings.admin_token
    enabled = bool(token or bot.course.admin_token_sha256)
    disabled = FOLLOWER if bot.settings.follow else None if enabled else HOW_TO_ENABLE
    limit_bytes = int(bot.settings.max_upload_mb * 1024 * 1024)

    def check_token(authorization: str | None = Header(None)) -> None:
        if disabled is not None:
            raise HTTPException(403, disabled)
        if not authorization:
            raise HTTPException(
                401,
                "the admin API needs the header 'Authorization: Bearer <BOT_ADMIN_TOKEN>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        scheme, _, given = authorization.partition(" ")
        given = given.strip()
        server = bool(token) and secrets.compare_digest(given.encode(), token.encode())
        if scheme.lower() != "bearer" or not (server or bot.course.accepts_admin_token(given)):
            raise HTTPException(
                403, "wrong admin token; use the course's token or the server's BOT_ADMIN_TOKEN"
            )

    router = APIRouter()
    guarded = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(check_token)])

    @router.get("/admin", include_in_schema=False)
    def admin() -> HTMLResponse:
        html = admin_page(bot.course, disabled, bot.settings.max_upload_mb, base)
        return html_response(html, ADMIN_CSP)

    @guarded.get("/documents", summary="Every reading and its index status (as `bot list --json`)")
    def documents() -> list[dict[str, Any]]:
        return [asdict(row) for row in bot.status()]

    @guarded.put(
        "/documents/{name:path}",  # a name holding "/" gets the plain-name error, not a 405
        summary="Upload a reading (the request body is the file) and index it; "
        "a reading of the same name is replaced",
        responses={413: {"description": "over BOT_MAX_UPLOAD_MB"}},
    )
    async def upload(name: str, request: Request) -> dict[str, Any]:
        _check_name(name)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit_bytes:
            raise _too_large(name, bot.settings.max_upload_mb)
        with tempfile.TemporaryDirectory(prefix="bot-upload-") as folder:
            path = Path(folder) / name
            size = 0
            try:
                with path.open("wb") as out:
                    async for part in request.stream():
                        size += len(part)
                        if size > limit_bytes:
                            raise _too_large(name, bot.settings.max_upload_mb)
                        out.write(part)
            except OSError as exc:  # a full disk, say
                raise HTTPException(
                    507,
                    f"{name!r} could not be received ({exc.strerror}); nothing was changed. "
                    "Free some disk space on the server, then upload it again",
                ) from None
            rejected: list[str] = []

            def add(progress: SyncProgress) -> SyncReport:
                added = bot.add([path], replace=True, progress=progress)
                rejected.extend(why for _, why in added.rejected)
                return added.index

            copy = {str(path): repr(name), folder: "the upload"}  # messages name the file

            try:
                await run_in_threadpool(bot.check_file, path)
                report = await run_in_threadpool(job.run, f"upload {name}", add)
            except BotError as exc:
                detail = public_message(str(exc), bot.settings, copy)
                raise HTTPException(status_of(exc), detail) from None
            if rejected:  # nothing was copied: say why, not an empty success
                raise HTTPException(422, public_message(rejected[0], bot.settings, copy))
        return {"doc_id": name, "report": asdict(report)}

    @guarded.patch(
        "/documents/{doc_id:path}",
        summary="Correct a reading's title, author or date (kept beside the file) and re-index it",
    )
    def correct(doc_id: str, body: CorrectionIn) -> dict[str, Any]:
        fields = body.model_dump(exclude_unset=True)
        if not fields:
            raise HTTPException(422, "nothing to correct; give title, author or date")
        _check_reading(doc_id)
        report = job.run(f"edit {doc_id}", lambda progress: bot.correct(doc_id, fields, progress))
        doc = bot.store.documents.get(doc_id)
        shown = {"title": doc.title, "author": doc.author, "date": doc.date} if doc else {}
        return {"doc_id": doc_id, **shown, "report": asdict(report)}

    @guarded.get(
        "/documents/{doc_id:path}/text",
        summary="The text extracted from a reading, as it is indexed and cited",
    )
    def text(doc_id: str) -> dict[str, Any]:
        _check_reading(doc_id)
        doc = bot.reading(doc_id)
        return {
            "doc_id": doc.doc_id,
            "title": doc.title,
            "chars": len(doc.text),
            "pages": len(doc.pages),
            "text": doc.text,
        }

    @guarded.delete(
        "/documents/{doc_id:path}", summary="Delete a reading and drop it from the index"
    )
    def delete(doc_id: str) -> dict[str, Any]:
        _check_reading(doc_id)
        report = job.run(f"delete {doc_id}", lambda _: bot.remove([doc_id]))
        return {"doc_id": doc_id, "report": asdict(report)}

    @guarded.post("/reindex", status_code=202, summary="Start a reindex; poll /api/admin/progress")
    def reindex(rebuild: bool = False) -> dict[str, Any]:
        action = "rebuild" if rebuild else "reindex"
        job.start(action, lambda progress: bot.index(rebuild=rebuild, progress=progress))
        return {"started": action}

    @guarded.get("/progress", summary="The latest index update: progress and outcome")
    def progress() -> dict[str, Any]:
        return asdict(job.state)

    if insights is not None:
        guarded.include_router(insights_router(bot, insights))
    router.include_router(guarded)
    return router


def _check_reading(doc_id: str) -> None:
    if Path(doc_id).suffix.lower() not in SUPPORTED_SUFFIXES:  # readings only
        raise HTTPException(
            404, f"{doc_id!r} is not a reading; GET /api/admin/documents lists them"
        )


#: The longest file name a file system takes is 255 bytes (not characters).
MAX_NAME_BYTES = 255


def _check_name(name: str) -> None:
    suffix = Path(name).suffix.lower()
    plain = not any(c in name for c in "/\\\0") and not name.startswith(".")
    if not plain or not name.isprintable():
        raise HTTPException(
            422, f"{name!r} is not a plain file name; upload it as e.g. 'reading.pdf'"
        )
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise HTTPException(
            422,
            f"the file name {name[:40]!r}… is {len(name.encode('utf-8'))} bytes long, over the "
            f"{MAX_NAME_BYTES} a file system takes; rename the file",
        )
    if suffix not in SUPPORTED_SUFFIXES:
        raise HTTPException(
            422,
            f"{name!r} is a {suffix or 'suffix-less'} file, which we do not read; "
            f"upload one of: {' '.join(SUPPORTED_SUFFIXES)}",
        )


def _too_large(name: str, limit_mb: float) -> HTTPException:
    return HTTPException(
        413,
        f"{name!r} is over the {limit_mb:g} MB upload limit; split it or raise BOT_MAX_UPLOAD_MB",
    )
