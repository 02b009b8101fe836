"""Servers follow their index (``bot.web.follow``): what another process writes is answered
within a tick, with no restart; a server started with ``--follow`` never writes."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SEED_ID, SHIPPED_DOCS, FakeEmbedder, make_settings

TOKEN = "follow-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FOODBANK = "How many volunteers staff the Sneinton foodbank?"
FOODBANK_TEXT = "Twelve volunteers staff the Sneinton foodbank on Saturday mornings.\n"


@pytest.fixture(autouse=True)
def quick_ticks(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.web import follow, site

    monkeypatch.setattr(follow, "FOLLOW_SECONDS", 0.05)
    monkeypatch.setattr(site, "WATCH_SECONDS", 0.1)


def eventually(check: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def cited(client: Any, question: str, prefix: str = "") -> set[str]:
    response = client.post(prefix + "/api/ask", json={"question": question})
    assert response.status_code == 200, response.text
    return {c["doc_id"] for c in response.json()["citations"]}


@pytest.fixture
def follower(tmp_path: Path, docs_dir: Path) -> Iterator[Any]:
    """A server started with --follow on an index that a writer ``Bot`` (``.writer``) owns."""
    from fastapi.testclient import TestClient

    from bot.pipeline import Bot
    from bot.web.app import create_app

    index = tmp_path / "index"
    writer = Bot(make_settings(docs_dir, index), embedder=FakeEmbedder())
    writer.index()
    settings = make_settings(docs_dir, index, follow=True, admin_token=TOKEN)
    with TestClient(create_app(Bot(settings, embedder=FakeEmbedder()))) as client:
        client.writer = writer  # type: ignore[attr-defined]
        client.docs = docs_dir  # type: ignore[attr-defined]
        yield client


def test_a_server_answers_from_what_another_process_indexed(follower) -> None:  # type: ignore[no-untyped-def]
    before = follower.get("/healthz").json()
    assert before["generation"] == follower.writer.store.generation
    (follower.docs / "foodbank.txt").write_text(FOODBANK_TEXT)
    follower.writer.index()

    eventually(lambda: follower.get("/healthz").json()["generation"] != before["generation"])
    assert follower.get("/healthz").json() == {
        "status": "ok",
        "documents": 2,
        "chunks": before["chunks"] + 1,
        "generation": follower.writer.store.generation,
    }
    assert "foodbank.txt" in cited(follower, FOODBANK)


def test_a_follower_never_writes_and_points_admin_to_the_writer(follower) -> None:  # type: ignore[no-untyped-def]
    index = follower.writer.settings.index_dir
    files = sorted(p.name for p in index.iterdir())
    response = follower.put("/api/admin/documents/foodbank.txt", content=b"x", headers=AUTH)
    assert response.status_code == 403
    assert "only follows the index" in response.json()["detail"]
    assert follower.get("/api/admin/documents", headers=AUTH).status_code == 403
    page = follower.get("/admin")
    assert "only follows the index" in page.text and 'id="token"' not in page.text
    assert sorted(p.name for p in index.iterdir()) == files
    assert not (follower.docs / "foodbank.txt").exists()


def test_a_follow_bot_refuses_every_write(tmp_path: Path, docs_dir: Path) -> None:
    from bot.errors import IndexReadOnlyError
    from bot.pipeline import Bot

    bot = Bot(make_settings(docs_dir, tmp_path / "index", follow=True), embedder=FakeEmbedder())
    new = tmp_path / "foodbank.txt"
    new.write_text(FOODBANK_TEXT)
    for write in (bot.index, lambda: bot.add([new]), lambda: bot.remove([SEED_ID])):
        with pytest.raises(IndexReadOnlyError, match="follows the index.*BOT_FOLLOW"):
            write()
    assert sorted(p.name for p in docs_dir.iterdir()) == [SEED_ID]
    assert not (tmp_path / "index").exists()


def test_a_server_started_before_any_index_answers_once_one_is_written(
    tmp_path: Path, docs_dir: Path
) -> None:
    from fastapi.testclient import TestClient

    from bot.pipeline import Bot
    from bot.web.app import create_app

    settings = make_settings(docs_dir, tmp_path / "index", follow=True)
    with TestClient(create_app(Bot(settings, embedder=FakeEmbedder()))) as client:
        assert client.get("/healthz").status_code == 503
        Bot(make_settings(docs_dir, tmp_path / "index"), embedder=FakeEmbedder()).index()
        eventually(lambda: client.get("/healthz").status_code == 200)
        assert cited(client, "Why did co-production fail in Aspley?") == {SEED_ID}


def test_a_following_site_waits_for_the_writer_to_index_a_new_course(tmp_path: Path) -> None:
    """``bot serve --courses --follow``: every course follows its index; a new course is
    opened without a request, and answers once the writer has indexed it."""
    from fastapi.testclient import TestClient

    from bot.config import Settings
    from bot.pipeline import Bot
    from bot.web.site import create_site

    root = tmp_path / "courses"
    big = root / "big-society" / "documents"
    shutil.copytree(SHIPPED_DOCS, big)
    writer = Bot(make_settings(big, big.parent / "index"), embedder=FakeEmbedder())
    writer.index()
    app = create_site(root, Settings(follow=True), FakeEmbedder())
    with TestClient(app) as site:
        assert cited(site, "Why did co-production fail in Aspley?", "/courses/big-society")
        food = root / "foodbanks" / "documents"
        food.mkdir(parents=True)
        (food / "foodbank.txt").write_text(FOODBANK_TEXT)
        eventually(lambda: "foodbanks" in site.app.state.courses.entries)  # no request needed
        assert site.get("/courses/foodbanks/healthz").status_code == 503
        assert not (food.parent / "index").exists()  # a follower never indexes it
        Bot(make_settings(food, food.parent / "index"), embedder=FakeEmbedder()).index()
        eventually(lambda: site.get("/courses/foodbanks/healthz").status_code == 200)
        assert cited(site, FOODBANK, "/courses/foodbanks") == {"foodbank.txt"}
        health = site.get("/healthz").json()["courses"]
        assert health["big-society"]["generation"] == writer.store.generation
