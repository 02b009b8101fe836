"""The instructors' insights over HTTP: ``GET /api/admin/insights`` (JSON) and
``GET /api/admin/insights.csv``, behind the admin token (``bot.web.admin``).

``questions`` has, per distinct question, ``question``, ``count`` and ``answered`` (the
contract), and its feedback, days and cited readings; ``unanswered`` is the readings'
gaps; ``per_day`` the counts over time; ``readings`` the most cited. What is stored, and
what never is, is ``bot.insights``'s docstring.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from bot.insights import AskedQuestion, Insights
from bot.pipeline import Bot


class QuestionOut(BaseModel):
    question: str
    count: int = Field(description="Times it was asked in the days kept.")
    answered: bool = Field(description="Whether it was answered, the last time it was asked.")
    helpful: int
    not_helpful: int
    first_day: str
    last_day: str
    cited: list[str] = Field(description="The readings its answer cited, the last time.")


class DayOut(BaseModel):
    day: str
    asked: int
    answered: int


class CitedReadingOut(BaseModel):
    doc_id: str
    title: str = Field(description="Its title now, or its id if it is no longer a reading.")
    cited: int = Field(description="Questions asked whose answers cited it.")


class InsightsOut(BaseModel):
    enabled: bool = Field(description="False when BOT_INSIGHTS_DAYS is 0: nothing is recorded.")
    days: int = Field(description="How many days questions are kept (BOT_INSIGHTS_DAYS).")
    since: str | None = Field(description="The first day kept (UTC).")
    asked: int
    answered: int
    helpful: int
    not_helpful: int
    per_day: list[DayOut]
    questions: list[QuestionOut] = Field(description="Every distinct question, most asked first.")
    unanswered: list[QuestionOut] = Field(description="The questions the readings did not answer.")
    readings: list[CitedReadingOut] = Field(description="The readings cited, most first.")


def insights_router(bot: Bot, insights: Insights) -> APIRouter:
    """The insights routes; include them in the admin's guarded router."""
    router = APIRouter()

    @router.get(
        "/insights",
        response_model=InsightsOut,
        summary="What students asked: questions, answered or not, feedback, counts per day",
    )
    async def report(response: Response) -> dict[str, Any]:
        response.headers["Cache-Control"] = "no-store"
        found = await run_in_threadpool(insights.report)
        documents = bot.store.documents if bot.has_index() else {}
        titles = {doc_id: d.title for doc_id, d in documents.items()}
        return {
            "enabled": found.enabled,
            "days": found.days,
            "since": found.since,
            "asked": sum(d.asked for d in found.per_day),
            "answered": sum(d.answered for d in found.per_day),
            "helpful": sum(q.helpful for q in found.questions),
            "not_helpful": sum(q.not_helpful for q in found.questions),
            "per_day": [asdict(d) for d in found.per_day],
            "questions": [_question(q) for q in found.questions],
            "unanswered": [_question(q) for q in found.unanswered],
            "readings": [
                {"doc_id": doc_id, "title": titles.get(doc_id, doc_id), "cited": n}
                for doc_id, n in found.cited
            ],
        }

    @router.get(
        "/insights.csv",
        summary="The questions asked, one row per day and question, as CSV",
        response_class=Response,
        responses={200: {"content": {"text/csv": {}}}},
    )
    async def csv() -> Response:
        text = await run_in_threadpool(insights.csv_text)
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="insights.csv"',
                "Cache-Control": "no-store",
            },
        )

    return router


def _question(q: AskedQuestion) -> dict[str, Any]:
    return {**asdict(q), "cited": list(q.cited)}
