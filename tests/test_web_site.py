"""Many courses on one server (``bot serve --courses``) over HTTP, with the real model:
each course answers only from its own readings, with its own admin token and allowlist,
and a course folder added while the server runs is served without a restart."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.course import COURSE_FILE
from tests.conftest import FIXTURES, REPO, SEED_ID, SHIPPED_DOCS

SERVER_TOKEN = "server-admin-token-0123456789"
GREENHOUSE_TOKEN = "greenhouse-admin-token-0123456789"
GREENHOUSE_SITE = "https://allotments.example.org"
ASPLEY = "Why did co-production fail in Aspley?"
GREENHOUSE = "Who repaired the community greenhouse in Lenton?"
HOSTILE_ID = "hostile-reading.md"


def make_course(root: Path, slug: str, readings: list[Path], toml: str) -> Path:
    folder = root / slug
    (folder / "documents").mkdir(parents=True)
    (folder / COURSE_FILE).write_text(toml, encoding="utf-8")
    for path in readings:
        shutil.copy(path, folder / "documents" / path.name)
    return folder


def sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def site(tmp_path_factory, real_embedder) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """Two courses: the shipped Big Society course, and a greenhouse course with its own
    admin token and one allowed site; the server has a token of its own too."""
    from fastapi.testclient import TestClient

    from bot.config import Settings
    from bot.web import site as site_module

    root = tmp_path_factory.mktemp("courses")
    big = make_course(root, "big-society", [SHIPPED_DOCS / SEED_ID], "")
    shutil.copy(REPO / COURSE_FILE, big / COURSE_FILE)
    make_course(
        root,
        "greenhouses",
        [FIXTURES / HOSTILE_ID],
        f'name = "Greenhouses"\nsubject = "allotment greenhouses"\n'
        f'embed_origins = ["{GREENHOUSE_SITE}"]\n'
        f'admin_token_sha256 = "{sha256(GREENHOUSE_TOKEN)}"\n',
    )
    settings = Settings(admin_token=SERVER_TOKEN)
    app = site_module.create_site(root, settings, real_embedder)
    with pytest.MonkeyPatch.context() as patch, TestClient(app) as client:
        patch.setattr(site_module, "RESCAN_SECONDS", 0.0)
        client.root = root  # type: ignore[attr-defined]
        wait_until_answerable(client, "big-society")
        wait_until_answerable(client, "greenhouses")
        yield client


def wait_until_answerable(client: Any, slug: str, seconds: float = 120) -> None:
    """New courses are indexed in the background: until then they answer 503."""
    deadline = time.monotonic() + seconds
    while client.get(f"/courses/{slug}/healthz").status_code != 200:
        assert time.monotonic() < deadline, f"course {slug!r} never became answerable"
        time.sleep(0.2)


def cited(client: Any, slug: str, question: str) -> set[str]:
    response = client.post(f"/courses/{slug}/api/ask", json={"question": question})
    assert response.status_code == 200, response.text
    return {c["doc_id"] for c in response.json()["citations"]}


def test_the_root_page_lists_the_courses(site) -> None:  # type: ignore[no-untyped-def]
    page = site.get("/")
    assert page.status_code == 200
    assert "Big Society reading bot" in page.text and "Greenhouses reading bot" in page.text
    assert 'href="/courses/greenhouses/chat/"' in page.text
    health = site.get("/healthz").json()["courses"]
    assert health["big-society"]["documents"] == 1 and health["greenhouses"]["documents"] == 1


def test_each_course_answers_only_from_its_own_readings(site) -> None:  # type: ignore[no-untyped-def]
    assert cited(site, "big-society", ASPLEY) == {SEED_ID}
    assert cited(site, "greenhouses", GREENHOUSE) == {HOSTILE_ID}
    assert cited(site, "greenhouses", ASPLEY) <= {HOSTILE_ID}  # never the other course's
    assert cited(site, "big-society", GREENHOUSE) <= {SEED_ID}
    refused = site.post("/courses/greenhouses/api/ask", json={"question": "Capital of France?"})
    assert refused.json()["answer"] == (
        "The readings on allotment greenhouses don't answer this question."
    )
    readings = site.get("/courses/greenhouses/api/documents").json()
    assert [r["doc_id"] for r in readings] == [HOSTILE_ID]
    assert readings[0]["url"] == f"/courses/greenhouses/documents/{HOSTILE_ID}"


def test_every_page_of_a_course_lives_under_its_address(site) -> None:  # type: ignore[no-untyped-def]
    widget = site.get("/courses/greenhouses/widget")
    assert "<h1>Ask the Greenhouses readings</h1>" in widget.text
    assert 'data-base="/courses/greenhouses"' in widget.text
    assert 'href="/courses/greenhouses/static/style.css"' in widget.text
    assert site.get("/courses/greenhouses/static/widget.js").status_code == 200
    assert site.get("/courses/greenhouses/embed.js").status_code == 200
    reading = site.get(f"/courses/big-society/documents/{SEED_ID}?start=715&end=978")
    assert (
        '<mark id="extract"' in reading.text and 'href="/courses/big-society/chat/"' in reading.text
    )
    chat = site.get("/courses/big-society/chat/")
    assert chat.status_code == 200 and "Big Society reading bot" in chat.text
    docs = site.get("/courses/big-society/docs")
    assert "/courses/big-society/openapi.json" in docs.text
    assert site.get("/courses/big-society/openapi.json").status_code == 200
    moved = site.get("/courses/big-society", follow_redirects=False)
    assert moved.status_code in (302, 307) and moved.headers["location"].endswith(
        "/courses/big-society/chat/"
    )
    missing = site.get("/courses/no-such-course/widget")
    assert missing.status_code == 404 and "There is no course" in missing.text


def test_admin_tokens_are_per_course_plus_the_servers(site) -> None:  # type: ignore[no-untyped-def]
    def admin(slug: str, token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        return int(site.get(f"/courses/{slug}/api/admin/documents", headers=headers).status_code)

    assert admin("greenhouses", GREENHOUSE_TOKEN) == 200
    assert admin("big-society", GREENHOUSE_TOKEN) == 403  # another course's token
    assert admin("greenhouses", SERVER_TOKEN) == 200 and admin("big-society", SERVER_TOKEN) == 200
    assert admin("greenhouses", "wrong-token-wrong-token") == 403


def test_embedding_allowlists_are_per_course(site) -> None:  # type: ignore[no-untyped-def]
    green = site.get("/courses/greenhouses/widget").headers["content-security-policy"]
    big = site.get("/courses/big-society/widget").headers["content-security-policy"]
    assert green.endswith(f"frame-ancestors 'self' {GREENHOUSE_SITE}")
    assert big.endswith("frame-ancestors 'self'")
    origin = {"Origin": GREENHOUSE_SITE}
    assert site.get("/courses/greenhouses/embed/check", headers=origin).json()["allowed"]
    assert not site.get("/courses/big-society/embed/check", headers=origin).json()["allowed"]
    preflight = {**origin, "Access-Control-Request-Method": "POST"}
    ok = site.options("/courses/greenhouses/api/ask", headers=preflight)
    refused = site.options("/courses/big-society/api/ask", headers=preflight)
    assert ok.headers.get("access-control-allow-origin") == GREENHOUSE_SITE
    assert "access-control-allow-origin" not in refused.headers


def test_a_new_course_folder_is_served_without_a_restart(site) -> None:  # type: ignore[no-untyped-def]
    foodbank = site.root / "foodbanks"
    (foodbank / "documents").mkdir(parents=True)
    (foodbank / "documents" / "sneinton.txt").write_text(
        "The Sneinton foodbank rota.\n\nTwelve volunteers staff the Sneinton foodbank on "
        "Saturday mornings, sorting tins donated by three local churches.\n"
    )
    try:
        assert "Course reading bot" in site.get("/").text  # found, with the default course
        wait_until_answerable(site, "foodbanks")
        question = "How many volunteers staff the Sneinton foodbank?"
        assert cited(site, "foodbanks", question) == {"sneinton.txt"}
        assert "sneinton.txt" not in cited(site, "big-society", question)
    finally:
        shutil.rmtree(foodbank)
    assert "foodbanks" not in site.get("/healthz").json()["courses"]  # gone with its folder


def test_a_course_with_a_broken_course_file_says_why_without_server_paths(site) -> None:  # type: ignore[no-untyped-def]
    broken = make_course(site.root, "broken", [], 'name = "Broken"\nexamples = "not a list"\n')
    try:
        page = site.get("/courses/broken/chat/")
        assert page.status_code == 503 and "examples must be a list" in page.text
        assert str(site.root) not in page.text and "the courses folder" in page.text
        assert site.get("/courses/big-society/healthz").status_code == 200  # the others serve
    finally:
        shutil.rmtree(broken)
