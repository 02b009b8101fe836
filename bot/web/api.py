"""The JSON API: ``POST /api/ask``, ``POST /api/feedback``, ``GET /api/documents`` and
``GET /healthz``.

``/api/ask`` answers with exactly the JSON of ``bot ask --json``
(``bot.contract.answer_to_dict``); the models below only document it in OpenAPI.
Errors are ``{"detail": "<message>"}``, mapped from ``BotError`` in ``app.py``.
"""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from bot.contract import answer_to_dict
from bot.conversation import MAX_HISTORY
from bot.errors import QuestionError
from bot.insights import Insights
from bot.pipeline import Bot
from bot.web.limits import (
    FOLLOW_UPS_RUNNING,
    FOLLOW_UPS_WAITING,
    AnswerGate,
    Busy,
    busy_response_headers,
)
from bot.web.render import document_url


class AskRequest(BaseModel):
    question: str = Field(
        description="The question about the readings.",
        examples=["What does the first reading argue?"],
    )
    history: list[str] = Field(
        default_factory=list,
        max_length=MAX_HISTORY,
        description="Earlier questions of the conversation, oldest first; lets a follow-up "
        "such as 'what else did the study find?' be understood.",
    )


class CitationOut(BaseModel):
    n: int
    doc_id: str
    title: str
    author: str | None
    date: str | None
    source: str | None
    page: int | None
    start: int = Field(description="The extract is document_text[start:end].")
    end: int
    extract: str = Field(description="Verbatim text of the reading.")
    score: float = Field(description="Relevance to the question; higher is better.")
    version: str = Field(
        description="The reading's version when the answer was given (a link with ?v= "
        "can tell if the reading has changed since)."
    )
    reference: str = Field(
        description="The reading as a Harvard-style reference-list entry, accessed today.",
        examples=["Roberts, S. and Stafford, B. (2015) Whatever happened to Cameron's Big "
                  "Society? Available at: https://… (Accessed: 3 December 2025)."],
    )  # fmt: skip
    in_text: str = Field(
        description="The Harvard in-text citation, with the page when there is one.",
        examples=["(Roberts and Stafford, 2015)"],
    )


class ReadingOut(BaseModel):
    doc_id: str
    title: str
    author: str | None
    date: str | None
    citations: list[int] = Field(description="The numbers n of this reading's citations.")


class AnswerOut(BaseModel):
    question: str
    answered: bool
    answer: str = Field(description="Extracts with [n] markers, or the refusal text.")
    citations: list[CitationOut]
    readings: list[ReadingOut] = Field(
        description="The citations grouped by reading, in the order first cited."
    )
    closest: list[CitationOut] | None = Field(
        None, description="Only when answered is false: the nearest passages, NOT an answer."
    )


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    author: str | None
    date: str | None
    source: str | None
    licence: str | None
    chunks: int
    url: str = Field(description="The reading in the app's document view.")


class Health(BaseModel):
    status: str
    documents: int
    chunks: int
    generation: str = Field(
        description="The index generation answered from (replicas that agree on it give "
        "the same answers)."
    )


class ErrorOut(BaseModel):
    detail: str


def _earlier(bot: Bot, n: int, question: str) -> str:
    """An earlier question of the conversation, checked like the question itself."""
    try:
        return bot.check_question(question)
    except QuestionError as exc:
        raise QuestionError(f"history[{n}]: {exc}") from None


class FeedbackRequest(BaseModel):
    question: str = Field(
        description="The question whose answer this is about, as it was asked.",
        examples=["Why did co-production fail in Aspley?"],
    )
    helpful: bool = Field(description="Whether the answer helped.")


class FeedbackOut(BaseModel):
    received: bool = Field(
        description="Always true: whether it was counted is not said (that would tell "
        "who asks what)."
    )


def api_router(
    bot: Bot,
    base: str = "",
    gate: AnswerGate | None = None,
    insights: Insights | None = None,
) -> APIRouter:
    """The public JSON routes; questions answered and feedback go to ``insights``."""
    router = APIRouter()
    gate = gate or AnswerGate()
    follow_ups = AnswerGate(running=FOLLOW_UPS_RUNNING, waiting=FOLLOW_UPS_WAITING)

    @router.post(
        "/api/ask",
        tags=["questions"],
        response_model=AnswerOut,
        responses={422: {"model": ErrorOut}, 503: {"model": ErrorOut}},
        summary="Answer a question with cited extracts (same JSON as `bot ask --json`)",
    )
    async def ask(body: AskRequest, request: Request) -> JSONResponse:
        history = [_earlier(bot, n, q) for n, q in enumerate(body.history) if q.strip()]
        try:
            # A follow-up replays earlier answers (bounded, but several answers' work):
            # follow-ups take a turn of their own first, so they never hold every slot.
            async with follow_ups.turn() if history else contextlib.nullcontext():
                async with gate.turn():
                    if await request.is_disconnected():  # gone while waiting: no work for it
                        return JSONResponse({"detail": "the client went away"}, status_code=499)
                    answer = await run_in_threadpool(bot.ask, body.question, history)
        except Busy:
            return JSONResponse(
                {"detail": "too many questions at once; please ask again in a moment"},
                status_code=503,
                headers=busy_response_headers(),
            )
        # Not through response_model: the contract is answer_to_dict's, byte for byte.
        # Counted once the answer is on its way (the question, its day and outcome only).
        counted = BackgroundTask(insights.record, answer) if insights else None
        return JSONResponse(answer_to_dict(answer), background=counted)

    @router.post(
        "/api/feedback",
        tags=["questions"],
        status_code=202,
        response_model=FeedbackOut,
        responses={422: {"model": ErrorOut}},
        summary="Say whether an answer helped (counted for the instructors' insights)",
    )
    async def feedback(body: FeedbackRequest) -> FeedbackOut:
        """Counted only for a question asked in the days insights keep, at most once per
        time it was asked; nothing about who sends it is kept. The answer is the same
        either way."""
        question = bot.check_question(body.question)
        if insights is not None:
            await run_in_threadpool(insights.feedback, question, body.helpful)
        return FeedbackOut(received=True)

    @router.get(
        "/api/documents",
        tags=["readings"],
        response_model=list[DocumentOut],
        responses={503: {"model": ErrorOut}},
        summary="The readings the bot answers from",
    )
    def documents() -> list[DocumentOut]:
        store = bot.store
        return [
            DocumentOut(
                doc_id=d.doc_id,
                title=d.title,
                author=d.author,
                date=d.date,
                source=d.source,
                licence=d.licence,
                chunks=store.chunk_count(d.doc_id),
                url=document_url(d.doc_id, base),
            )
            for d in sorted(store.documents.values(), key=lambda d: d.doc_id)
        ]

    @router.get(
        "/healthz",
        tags=["service"],
        response_model=Health,
        responses={503: {"model": ErrorOut}},
        summary="Whether the app can answer: an index is loaded",
    )
    def healthz() -> Health:
        store = bot.store
        return Health(
            status="ok",
            documents=len(store.documents),
            chunks=len(store),
            generation=store.generation or "",
        )

    return router
