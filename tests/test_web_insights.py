"""Insights over HTTP: recorded by /api/ask (never by Bot.ask), feedback, the admin's JSON
and CSV, nothing identifying stored, and the off switch. The app runs the fake embedder."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.insights import FILE
from tests.conftest import FIXTURES, SEED_ID, SHIPPED_DOCS, FakeEmbedder
from tests.test_web_api import ASPLEY, AUTH, GREENHOUSE, HOSTILE_ID, TOKEN, serve_app

FRANCE = "What is the capital of France?"
COOKIE = "session-cookie-value-5b1f0c"


@pytest.fixture
def web(tmp_path: Path) -> Iterator:  # type: ignore[no-untyped-def]
    readings = [SHIPPED_DOCS / SEED_ID, FIXTURES / HOSTILE_ID]
    yield from serve_app(tmp_path, FakeEmbedder(), readings, admin_token=TOKEN)


def stored(web) -> Path:  # type: ignore[no-untyped-def]
    return web.bot.settings.docs_dir.parent / FILE


def insights(web) -> dict:  # type: ignore[no-untyped-def, type-arg]
    response = web.get("/api/admin/insights", headers=AUTH)
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    return response.json()  # type: ignore[no-any-return]


def ask(web, question: str, **headers: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    response = web.post("/api/ask", json={"question": question}, headers=headers)
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_questions_asked_are_counted_for_the_admin(web) -> None:  # type: ignore[no-untyped-def]
    assert not stored(web).exists()
    web.bot.ask(ASPLEY)  # the library (the CLI, evaluations) records nothing
    assert not stored(web).exists()
    ask(web, ASPLEY)
    ask(web, "  why did co-production FAIL in Aspley? ")
    ask(web, FRANCE)
    ask(web, GREENHOUSE)
    report = insights(web)
    assert report["enabled"] is True and report["days"] == 90
    assert (report["asked"], report["answered"]) == (4, 3)
    by_question = {q["question"]: q for q in report["questions"]}
    assert by_question["why did co-production FAIL in Aspley?"]["count"] == 2  # merged; last text
    assert by_question[FRANCE] == {**by_question[FRANCE], "count": 1, "answered": False}
    assert [q["question"] for q in report["unanswered"]] == [FRANCE]
    assert {r["doc_id"]: r["cited"] for r in report["readings"]} == {SEED_ID: 2, HOSTILE_ID: 1}
    titles = {r["doc_id"]: r["title"] for r in report["readings"]}
    assert titles[SEED_ID] == "Whatever happened to Cameron's Big Society?"
    assert [d["asked"] for d in report["per_day"]] == [4]


def test_feedback_counts_for_an_asked_question_and_says_nothing_more(web) -> None:  # type: ignore[no-untyped-def]
    never = web.post("/api/feedback", json={"question": "Never asked?", "helpful": True})
    assert never.status_code == 202 and never.json() == {"received": True}
    ask(web, ASPLEY)
    for helpful in (True, False, True):  # one ask: one verdict counts, the answer is the same
        response = web.post("/api/feedback", json={"question": ASPLEY, "helpful": helpful})
        assert response.status_code == 202 and response.json() == {"received": True}
    (aspley,) = insights(web)["questions"]
    assert (aspley["helpful"], aspley["not_helpful"]) == (1, 0)
    assert [q["question"] for q in insights(web)["questions"]] == [ASPLEY]  # no row made
    bad = web.post("/api/feedback", json={"question": " ", "helpful": True})
    assert bad.status_code == 422 and "the question is empty" in bad.json()["detail"]
    assert web.post("/api/feedback", json={"question": ASPLEY}).status_code == 422
    huge = web.post("/api/feedback", content=b'{"question": "' + b"x" * 200_000 + b'"}')
    assert huge.status_code == 413


def test_nothing_identifying_is_stored(web) -> None:  # type: ignore[no-untyped-def]
    headers = {
        "Cookie": f"session={COOKIE}",
        "User-Agent": "Mozilla/5.0 (Student laptop) agent-7c1d",
        "X-Forwarded-For": "203.0.113.77",
    }
    ask(web, ASPLEY, **headers)
    web.post("/api/feedback", json={"question": ASPLEY, "helpful": True}, headers=headers)
    time.sleep(0.2)
    course = web.bot.settings.docs_dir.parent
    written = b"".join(p.read_bytes() for p in course.glob(FILE + "*"))
    assert ASPLEY.encode() in written  # the question is what is kept
    for secret in ("testclient", COOKIE, "agent-7c1d", "203.0.113.77", "Mozilla"):
        assert secret.encode() not in written, secret


def test_the_csv_has_every_question_and_needs_the_token(web) -> None:  # type: ignore[no-untyped-def]
    ask(web, "=1+1 is it?")
    ask(web, ASPLEY)
    assert web.get("/api/admin/insights.csv").status_code == 401
    assert web.get("/api/admin/insights").status_code == 401
    response = web.get("/api/admin/insights.csv", headers=AUTH)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["question"] for r in rows} == {"'=1+1 is it?", ASPLEY}  # no formula


def test_the_off_switch_stores_nothing(tmp_path: Path) -> None:
    client = serve_app(
        tmp_path, FakeEmbedder(), [SHIPPED_DOCS / SEED_ID], admin_token=TOKEN, insights_days=0
    )
    web = next(client)
    ask(web, ASPLEY)
    web.post("/api/feedback", json={"question": ASPLEY, "helpful": True})
    report = insights(web)
    assert report["enabled"] is False and report["questions"] == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course.toml", "documents", "index"]
    client.close()


def test_insights_survive_reindexing(web) -> None:  # type: ignore[no-untyped-def]
    ask(web, ASPLEY)
    assert web.post("/api/admin/reindex?rebuild=true", headers=AUTH).status_code == 202
    deadline = time.monotonic() + 60
    while web.get("/api/admin/progress", headers=AUTH).json()["running"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert [q["question"] for q in insights(web)["questions"]] == [ASPLEY]
