"""Bounds on anonymous requests: answers at once, body size, Gradio's upload route,
and how much of a conversation a follow-up replays."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest

from bot import conversation
from bot.web.limits import AnswerGate, Busy
from tests.conftest import SEED_ID, SHIPPED_DOCS
from tests.test_web_api import ASPLEY, serve_app


def _run(coroutine):  # type: ignore[no-untyped-def]
    """Run ``coroutine`` on a fresh event loop in its own thread (the browser tests' sync
    Playwright leaves a loop running in this one)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_the_gate_runs_some_queues_a_few_and_turns_the_rest_away() -> None:
    async def scenario() -> list[str]:
        gate = AnswerGate(running=1, waiting=1, patience=5)
        events: list[str] = []
        release = asyncio.Event()

        async def ask(name: str, hold: bool) -> None:
            try:
                async with gate.turn():
                    events.append(f"{name} runs")
                    if hold:
                        await release.wait()
            except Busy:
                events.append(f"{name} busy")

        first = asyncio.create_task(ask("a", hold=True))
        await asyncio.sleep(0)
        second = asyncio.create_task(ask("b", hold=False))  # waits in line
        await asyncio.sleep(0)
        await ask("c", hold=False)  # the line is full: turned away at once
        release.set()
        await asyncio.gather(first, second)
        return events

    assert _run(scenario()) == ["a runs", "c busy", "b runs"]


def test_a_request_that_waits_too_long_is_turned_away() -> None:
    async def scenario() -> bool:
        gate = AnswerGate(running=1, waiting=4, patience=0.05)
        async with gate.turn():
            try:
                async with gate.turn():
                    return False
            except Busy:
                return True

    assert _run(scenario())


class _FullGate(AnswerGate):
    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        raise Busy
        yield  # pragma: no cover


@pytest.fixture(scope="module")
def web(tmp_path_factory, real_embedder) -> Iterator:  # type: ignore[no-untyped-def]
    yield from serve_app(tmp_path_factory.mktemp("limits"), real_embedder, [SHIPPED_DOCS / SEED_ID])


def test_an_overloaded_server_answers_503_with_retry_after(web, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from bot.web import api
    from bot.web.app import create_app

    monkeypatch.setattr(api, "AnswerGate", _FullGate)
    with TestClient(create_app(web.bot)) as full:
        response = full.post("/api/ask", json={"question": ASPLEY})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert "ask again in a moment" in response.json()["detail"]
    assert web.post("/api/ask", json={"question": ASPLEY}).json()["answered"]  # the real gate


def test_an_oversized_body_is_refused_before_it_is_read(web) -> None:  # type: ignore[no-untyped-def]
    big = '{"question": "' + "x" * 200_000 + '"}'
    response = web.post("/api/ask", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "over 128 KB" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"question": "'
        for _ in range(300):
            yield b"y" * 1000
        yield b'"}'

    streamed = web.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413


def test_an_admin_upload_may_be_larger_than_a_question(tmp_path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    token = "limits-admin-token-0123456789"
    client = serve_app(tmp_path, fake_embedder, [SHIPPED_DOCS / SEED_ID], admin_token=token)
    web = next(client)
    body = ("Volunteers kept the parks and libraries open. " * 5000).encode()  # 230 KB
    assert len(body) > 128 * 1024
    response = web.put(
        "/api/admin/documents/parks.txt", content=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["report"]["added"] == ["parks.txt"]
    anonymous = web.put("/api/admin/documents/parks.txt", content=body)
    assert anonymous.status_code == 401  # the token is still checked first
    client.close()


def test_gradios_upload_route_is_closed(web) -> None:  # type: ignore[no-untyped-def]
    response = web.post("/chat/gradio_api/upload", files={"files": ("x.txt", b"hello")})
    assert response.status_code == 404
    assert "/admin" in response.json()["detail"]
    assert web.get("/chat/").status_code == 200  # the chat itself still loads


def test_a_follow_up_replays_a_bounded_part_of_a_long_conversation() -> None:
    long = "Why did co-production fail in Aspley and what did the study find " * 30
    history = [long] + ["what else?"] * 30
    window = conversation.replayed(history)
    assert len(window) <= conversation.MAX_REPLAYED
    assert sum(len(history[n]) for n in window) <= conversation.MAX_REPLAYED_CHARS
    topic = conversation.topic(history)
    assert topic is not None and len(topic) <= conversation.MAX_TOPIC_CHARS
    assert topic.startswith("Why did co-production fail in Aspley")
    short = ["Why did co-production fail in Aspley?", "why did they fail there?", "what else?"]
    assert conversation.topic(short) == " ".join(short)  # a short one is kept whole
    assert list(conversation.replayed(short)) == [0, 1, 2]
