"""The web app over HTTP (FastAPI TestClient) with the real model: every endpoint and error."""

from __future__ import annotations

import errno
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO, SEED_ID, SHIPPED_DOCS

TOKEN = "test-admin-token-0123456789"
ALLOWED = "http://127.0.0.1:8999"
ASPLEY = "Why did co-production fail in Aspley?"
HOSTILE_ID = "hostile-reading.md"
GREENHOUSE = "Who repaired the community greenhouse in Lenton?"
FOODBANK = "How many volunteers staff the Sneinton foodbank?"
FOODBANK_TEXT = (
    "The Sneinton foodbank rota.\n\nTwelve volunteers staff the Sneinton foodbank on Saturday "
    "mornings, sorting tins donated by three local churches.\n"
)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def serve_app(root: Path, embedder, readings: list[Path], **settings) -> Iterator:  # type: ignore[no-untyped-def]
    """A TestClient on the app over ``readings`` (indexed), with ``client.bot`` set."""
    from fastapi.testclient import TestClient

    from bot.config import Settings
    from bot.course import load_course
    from bot.pipeline import Bot
    from bot.web.app import create_app

    docs = root / "documents"
    docs.mkdir()
    shutil.copy(REPO / "course.toml", root / "course.toml")  # the shipped course, as served
    for path in readings:
        shutil.copy(path, docs / path.name)
    course = load_course(root / "course.toml")
    settings = Settings(docs_dir=docs, index_dir=root / "index", **settings)
    bot = Bot(settings, embedder=embedder, course=course)
    bot.index()
    with TestClient(create_app(bot)) as client:
        client.bot = bot  # type: ignore[attr-defined]
        yield client


@pytest.fixture(scope="module")
def web(tmp_path_factory, real_embedder) -> Iterator:  # type: ignore[no-untyped-def]
    """The app on the seed reading and the hostile one, admin on, one allowed origin."""
    yield from serve_app(
        tmp_path_factory.mktemp("web"),
        real_embedder,
        [SHIPPED_DOCS / SEED_ID, FIXTURES / HOSTILE_ID],
        admin_token=TOKEN,
        embed_origins=(ALLOWED,),
        max_upload_mb=0.01,
    )


@pytest.fixture(scope="module")
def plain(tmp_path_factory, real_embedder) -> Iterator:  # type: ignore[no-untyped-def]
    """The app with default settings: no admin token, no other origins."""
    yield from serve_app(tmp_path_factory.mktemp("plain"), real_embedder, [SHIPPED_DOCS / SEED_ID])


def cited(payload: dict) -> set[str]:  # type: ignore[type-arg]
    return {c["doc_id"] for c in payload["citations"]}


# -- /api/ask ------------------------------------------------------------------


def test_ask_returns_exactly_the_cli_json(web) -> None:  # type: ignore[no-untyped-def]
    from bot.contract import answer_to_dict

    response = web.post("/api/ask", json={"question": ASPLEY})
    assert response.status_code == 200
    payload = response.json()
    assert payload == answer_to_dict(web.bot.ask(ASPLEY))
    assert payload["answered"] and "closest" not in payload
    assert cited(payload) == {SEED_ID}
    assert any("Aspley" in c["extract"] for c in payload["citations"])
    text = web.bot.store.documents[SEED_ID].text
    for c in payload["citations"]:
        assert text[c["start"] : c["end"]] == c["extract"]


def test_ask_refuses_plainly_with_closest_passages(web) -> None:  # type: ignore[no-untyped-def]
    payload = web.post("/api/ask", json={"question": "What is the capital of France?"}).json()
    assert payload["answered"] is False and payload["citations"] == []
    # the course's subject named (course.toml)
    assert (
        payload["answer"]
        == "The readings on the UK “Big Society” debate don't answer this question."
    )
    assert payload["closest"]


def test_ask_follow_up_uses_history(web) -> None:  # type: ignore[no-untyped-def]
    follow_up = "Why did it fail there?"
    alone = web.post("/api/ask", json={"question": follow_up}).json()
    in_context = web.post("/api/ask", json={"question": follow_up, "history": [ASPLEY]}).json()
    assert not alone["answered"]
    assert in_context["answered"] and in_context["question"] == follow_up
    assert cited(in_context) == {SEED_ID}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"question": ""}, "the question is empty"),
        ({"question": " \n\t "}, "the question is empty"),
        ({"question": "why " * 1000}, "over the limit of 2,000"),
        ({"question": ASPLEY, "history": ["ok", "x" * 3000]}, "history[1]: the question is 3,000"),
    ],
)
def test_ask_bad_question_is_422_with_a_clear_message(web, body, message) -> None:  # type: ignore[no-untyped-def]
    response = web.post("/api/ask", json=body)
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_ask_malformed_body_is_422(web) -> None:  # type: ignore[no-untyped-def]
    assert web.post("/api/ask", json={"q": ASPLEY}).status_code == 422
    assert web.post("/api/ask", content=b"not json").status_code == 422


# -- readings, health, docs ----------------------------------------------------


def test_documents_lists_the_readings(web) -> None:  # type: ignore[no-untyped-def]
    rows = web.get("/api/documents").json()
    assert [r["doc_id"] for r in rows] == [HOSTILE_ID, SEED_ID]
    seed = rows[1]
    assert seed["title"] == "Whatever happened to Cameron's Big Society?"
    assert seed["author"] == "Simon Roberts and Bruce Stafford" and seed["chunks"] >= 1
    assert seed["url"] == f"/documents/{SEED_ID}"


def test_healthz_and_openapi(web) -> None:  # type: ignore[no-untyped-def]
    assert web.get("/healthz").json() == {
        "status": "ok",
        "documents": 2,
        "chunks": len(web.bot.store),
        "generation": web.bot.store.generation,
    }
    spec = web.get("/openapi.json").json()
    assert {"/api/ask", "/api/documents", "/healthz", "/api/admin/reindex"} <= set(spec["paths"])
    assert web.get("/", follow_redirects=False).headers["location"] == "/chat/"


def test_the_documented_citation_matches_the_contract() -> None:
    from dataclasses import fields

    from bot.types import Citation
    from bot.web.api import CitationOut

    assert list(CitationOut.model_fields) == [
        *(f.name for f in fields(Citation)),
        "reference",
        "in_text",
    ]


def test_api_docs_page_loads_nothing_from_other_hosts(web) -> None:  # type: ignore[no-untyped-def]
    page = web.get("/docs")
    assert page.status_code == 200
    links = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert links and all(link.startswith(("/docs-assets/", "/static/")) for link in links), links
    for link in links:
        assert web.get(link).status_code == 200, link


def test_healthz_without_index_is_503(tmp_path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from bot.config import Settings
    from bot.pipeline import Bot
    from bot.web.app import create_app

    bot = Bot(Settings(docs_dir=tmp_path, index_dir=tmp_path / "index"), embedder=real_embedder)
    with TestClient(create_app(bot)) as client:
        response = client.get("/healthz")
        assert response.status_code == 503 and "bot index" in response.json()["detail"]
        assert client.post("/api/ask", json={"question": ASPLEY}).status_code == 503


# -- document view ---------------------------------------------------------------


def test_document_view_highlights_the_extract(web) -> None:  # type: ignore[no-untyped-def]
    c = web.post("/api/ask", json={"question": ASPLEY}).json()["citations"][1]
    response = web.get(f"/documents/{SEED_ID}", params={"start": c["start"], "end": c["end"]})
    assert response.status_code == 200
    html = response.text
    marked = re.search(r'<mark id="extract" tabindex="-1">(.*?)</mark>', html, re.S)
    assert marked and marked.group(1) == c["extract"].replace("'", "&#x27;")
    assert "Go to the cited passage" in html
    assert '<script src="/static/document.js" defer></script>' in html
    assert 'target="_blank" rel="noopener"' in html  # the source link


@pytest.mark.parametrize(
    ("query", "status"),
    [("?start=10", 422), ("?start=20&end=10", 422), ("?start=0&end=99999999", 422)],
)
def test_document_view_bad_range(web, query, status) -> None:  # type: ignore[no-untyped-def]
    response = web.get(f"/documents/{SEED_ID}{query}")
    assert response.status_code == status and "start" in response.json()["detail"]


def test_document_view_unknown_is_a_404_page(web) -> None:  # type: ignore[no-untyped-def]
    response = web.get("/documents/no-such-<b>reading</b>.md?start=0&end=5")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "no longer in the course" in response.text
    assert "no-such-&lt;b&gt;reading&lt;/b&gt;.md" in response.text  # the name, inert


def test_hostile_reading_is_served_inert(web) -> None:  # type: ignore[no-untyped-def]
    payload = web.post("/api/ask", json={"question": GREENHOUSE}).json()
    assert cited(payload) == {HOSTILE_ID}
    c = payload["citations"][0]
    assert "<script>" in c["extract"]  # the API gives the text verbatim; pages escape it
    html = web.get(f"/documents/{HOSTILE_ID}?start={c['start']}&end={c['end']}").text
    tags = re.findall(r"<\s*([a-zA-Z]+)", html)
    assert not {"img", "iframe", "svg", "b"} & {t.lower() for t in tags}
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/document.js" defer>']
    assert "javascript:" not in "".join(re.findall(r'href="([^"]*)"', html))
    assert "&lt;script&gt;alert(&#x27;script&#x27;)&lt;/script&gt;" in html
    assert "Source: javascript:alert(&#x27;source&#x27;)" in html  # shown, not linked


# -- headers: framing and CORS ---------------------------------------------------


@pytest.mark.parametrize("path", ["/widget", "/chat/", f"/documents/{SEED_ID}", "/healthz"])
def test_frame_ancestors_allow_the_listed_origin(web, path) -> None:  # type: ignore[no-untyped-def]
    response = web.get(path)
    csp = response.headers["content-security-policy"]
    assert csp.endswith(f"frame-ancestors 'self' {ALLOWED}")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    head = web.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == response.headers["content-type"]


def test_our_pages_forbid_inline_script(web) -> None:  # type: ignore[no-untyped-def]
    csp = web.get("/widget").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_admin_page_cannot_be_framed(web) -> None:  # type: ignore[no-untyped-def]
    csp = web.get("/admin").headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and ALLOWED not in csp


def test_default_is_same_origin_only(plain) -> None:  # type: ignore[no-untyped-def]
    assert (
        plain.get("/widget").headers["content-security-policy"].endswith("frame-ancestors 'self'")
    )
    response = plain.post("/api/ask", json={"question": ASPLEY}, headers={"Origin": ALLOWED})
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers


def test_cors_allows_the_listed_origin(web) -> None:  # type: ignore[no-untyped-def]
    preflight = web.options(
        "/api/ask",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ALLOWED
    response = web.post("/api/ask", json={"question": ASPLEY}, headers={"Origin": ALLOWED})
    assert response.headers["access-control-allow-origin"] == ALLOWED


def test_cors_refuses_other_origins(web) -> None:  # type: ignore[no-untyped-def]
    other = "http://evil.example"
    preflight = web.options(
        "/api/ask",
        headers={"Origin": other, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    response = web.get("/api/documents", headers={"Origin": other})
    assert "access-control-allow-origin" not in response.headers


def test_cors_refuses_the_admin_api_even_to_listed_origins(web) -> None:  # type: ignore[no-untyped-def]
    preflight = web.options(
        "/api/admin/documents",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 400


# -- Gradio's own routes ----------------------------------------------------------


def test_gradio_api_and_its_upload_route_are_closed(web) -> None:  # type: ignore[no-untyped-def]
    config = web.get("/chat/config").json()
    assert all(d.get("api_visibility") != "public" for d in config["dependencies"])
    # Running an event directly would skip the queue and its concurrency limit.
    direct = web.post("/chat/gradio_api/api/respond", json={"data": [ASPLEY, [], []]})
    assert direct.status_code == 404 and "join the queue" in direct.json()["detail"]
    big = web.post(
        "/chat/gradio_api/upload", files={"files": ("big.txt", b"x" * (2 * 1024 * 1024))}
    )
    assert big.status_code == 404  # closed: the chat has no file input (test_web_limits.py)


# -- admin -------------------------------------------------------------------------


def test_admin_without_token_is_401_and_wrong_token_403(web) -> None:  # type: ignore[no-untyped-def]
    missing = web.get("/api/admin/documents")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in missing.json()["detail"]
    wrong = web.get("/api/admin/documents", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and "wrong admin token" in wrong.json()["detail"]
    for method, path in [
        ("put", "/api/admin/documents/x.txt"),
        ("delete", f"/api/admin/documents/{SEED_ID}"),
        ("post", "/api/admin/reindex"),
        ("get", "/api/admin/progress"),
    ]:
        assert web.request(method, path).status_code == 401
    assert (web.bot.settings.docs_dir / SEED_ID).is_file()


def test_admin_disabled_without_token_says_how_to_enable(plain) -> None:  # type: ignore[no-untyped-def]
    page = plain.get("/admin")
    assert page.status_code == 200 and "BOT_ADMIN_TOKEN" in page.text
    assert 'id="token-form"' not in page.text
    response = plain.get("/api/admin/documents", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 403 and "BOT_ADMIN_TOKEN" in response.json()["detail"]


def test_admin_lists_readings_with_status(web) -> None:  # type: ignore[no-untyped-def]
    rows = web.get("/api/admin/documents", headers=AUTH).json()
    assert {(r["doc_id"], r["status"]) for r in rows} == {
        (HOSTILE_ID, "indexed"),
        (SEED_ID, "indexed"),
    }


def test_upload_then_delete_changes_what_is_cited(web) -> None:  # type: ignore[no-untyped-def]
    before = web.post("/api/ask", json={"question": FOODBANK}).json()
    assert "sneinton.txt" not in cited(before)
    upload = web.put("/api/admin/documents/sneinton.txt", content=FOODBANK_TEXT, headers=AUTH)
    assert upload.status_code == 200, upload.text
    assert upload.json()["report"]["added"] == ["sneinton.txt"]
    after = web.post("/api/ask", json={"question": FOODBANK}).json()
    assert after["answered"] and cited(after) == {"sneinton.txt"}
    assert web.get("/api/admin/progress", headers=AUTH).json()["running"] is False

    delete = web.delete("/api/admin/documents/sneinton.txt", headers=AUTH)
    assert delete.status_code == 200 and delete.json()["report"]["removed"] == ["sneinton.txt"]
    gone = web.post("/api/ask", json={"question": FOODBANK}).json()
    assert "sneinton.txt" not in cited(gone)
    assert not (web.bot.settings.docs_dir / "sneinton.txt").exists()


def test_oversized_upload_is_413(web) -> None:  # type: ignore[no-untyped-def]
    big = b"word " * 4000  # 20 kB over the 0.01 MB limit of this app
    response = web.put("/api/admin/documents/big.txt", content=big, headers=AUTH)
    assert response.status_code == 413
    assert (
        "'big.txt'" in response.json()["detail"]
        and "BOT_MAX_UPLOAD_MB" in response.json()["detail"]
    )

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        yield from (big[i : i + 4096] for i in range(0, len(big), 4096))

    assert (
        web.put("/api/admin/documents/big.txt", content=chunks(), headers=AUTH).status_code == 413
    )
    assert not (web.bot.settings.docs_dir / "big.txt").exists()


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("notes.exe", b"MZ", "'notes.exe' is a .exe file"),
        (".hidden.txt", b"text", "not a plain file name"),
        ("broken.pdf", b"%PDF-1.4 not really", "'broken.pdf'"),
        ("latin1.txt", "caf\u00e9".encode("latin-1"), "'latin1.txt'"),
        ("a%2Fb.txt", b"text", "not a plain file name"),  # an encoded "/": not a 405
        ("nul%00.txt", b"text", "not a plain file name"),
        ("\u00e9" * 130 + ".txt", b"text", "264 bytes long, over the 255"),
    ],
)
def test_unreadable_upload_is_422_naming_the_file(web, name, body, message) -> None:  # type: ignore[no-untyped-def]
    response = web.put(f"/api/admin/documents/{name}", content=body, headers=AUTH)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert message in detail and "bot-upload-" not in detail
    assert name not in {p.name for p in web.bot.settings.docs_dir.iterdir()}
    assert web.post("/api/ask", json={"question": ASPLEY}).json()["answered"]


def test_delete_unknown_is_404(web) -> None:  # type: ignore[no-untyped-def]
    response = web.delete("/api/admin/documents/nope.md", headers=AUTH)
    assert response.status_code == 404 and "'nope.md'" in response.json()["detail"]
    detail = response.json()["detail"]
    assert "the readings folder" in detail and str(web.bot.settings.docs_dir) not in detail


def test_an_upload_the_library_rejects_is_422_not_an_empty_success(web) -> None:  # type: ignore[no-untyped-def]
    folder = web.bot.settings.docs_dir / "clash.txt"
    folder.mkdir()
    try:
        response = web.put("/api/admin/documents/clash.txt", content=b"Some text.", headers=AUTH)
        assert response.status_code == 422 and "is a folder" in response.json()["detail"]
    finally:
        folder.rmdir()


def test_delete_removes_readings_only(web) -> None:  # type: ignore[no-untyped-def]
    other = web.bot.settings.docs_dir / "notes.bak"
    other.write_text("not a reading")
    response = web.delete("/api/admin/documents/notes.bak", headers=AUTH)
    assert response.status_code == 404 and "is not a reading" in response.json()["detail"]
    assert other.exists()
    other.unlink()


def test_an_unreadable_request_gets_one_short_message(web) -> None:  # type: ignore[no-untyped-def]
    response = web.post("/api/ask", json={"question": ASPLEY, "history": ["q"] * 10_000})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.startswith("history:") and len(response.text) < 400
    wrong = web.post("/api/ask", json={"question": 42})
    assert wrong.status_code == 422 and wrong.json()["detail"].startswith("question:")


def test_reindex_runs_in_the_background_with_progress(web) -> None:  # type: ignore[no-untyped-def]
    import time

    response = web.post("/api/admin/reindex?rebuild=true", headers=AUTH)
    assert response.status_code == 202 and response.json() == {"started": "rebuild"}
    deadline = time.monotonic() + 60
    while (state := web.get("/api/admin/progress", headers=AUTH).json())["running"]:
        assert web.post("/api/ask", json={"question": ASPLEY}).json()["answered"]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert state["action"] == "rebuild" and state["error"] is None
    assert state["done"] == state["total"] > 0
    assert sorted(state["report"]["added"]) == [HOSTILE_ID, SEED_ID]


def _disk_full(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise OSError(errno.ENOSPC, "No space left on device")


def test_an_upload_on_a_full_disk_is_507_and_changes_nothing(web, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.store import Store

    before = sorted(p.name for p in web.bot.settings.docs_dir.iterdir())
    monkeypatch.setattr(Store, "save", _disk_full)
    response = web.put("/api/admin/documents/sneinton.txt", content=FOODBANK_TEXT, headers=AUTH)
    assert response.status_code == 507
    detail = response.json()["detail"]
    assert "No space left on device" in detail and "previous index is kept" in detail
    assert str(web.bot.settings.index_dir) not in detail  # no server paths
    assert sorted(p.name for p in web.bot.settings.docs_dir.iterdir()) == before
    rows = web.get("/api/admin/documents", headers=AUTH).json()
    assert "sneinton.txt" not in {r["doc_id"] for r in rows}
    assert web.get("/api/admin/progress", headers=AUTH).json()["error"].startswith("cannot write")

    monkeypatch.setattr(Path, "open", _disk_full)  # not even the upload can be received
    response = web.put("/api/admin/documents/sneinton.txt", content=FOODBANK_TEXT, headers=AUTH)
    monkeypatch.undo()
    assert response.status_code == 507 and "'sneinton.txt' could not be received" in response.text
    assert sorted(p.name for p in web.bot.settings.docs_dir.iterdir()) == before


def test_a_reindex_on_a_full_disk_reports_why(web, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time

    from bot.store import Store

    monkeypatch.setattr(Store, "save", _disk_full)
    assert web.post("/api/admin/reindex?rebuild=true", headers=AUTH).status_code == 202
    deadline = time.monotonic() + 60
    while (state := web.get("/api/admin/progress", headers=AUTH).json())["running"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert state["report"] is None and "No space left on device" in state["error"]
    assert web.post("/api/ask", json={"question": ASPLEY}).json()["answered"]


def test_second_update_while_one_runs_is_409() -> None:
    import threading

    from bot.errors import IndexBusyError
    from bot.types import SyncReport
    from bot.web.admin import IndexJob

    job, release = IndexJob(), threading.Event()

    def slow(progress):  # type: ignore[no-untyped-def]
        progress(1, 2)
        release.wait(10)
        return SyncReport(added=("a.md",))

    job.start("reindex", slow)
    with pytest.raises(IndexBusyError, match="already running"):
        job.run("upload b.md", lambda progress: SyncReport())
    assert job.state.running and job.state.done == 1 and job.state.total == 2
    release.set()
    for _ in range(200):
        if not job.state.running:
            break
        threading.Event().wait(0.01)
    assert job.state.report == SyncReport(added=("a.md",))


# -- the pages themselves ---------------------------------------------------------


def test_widget_and_embed_script(web) -> None:  # type: ignore[no-untyped-def]
    page = web.get("/widget")
    assert page.status_code == 200 and 'src="/static/widget.js"' in page.text
    assert "Why did co-production fail in Aspley?" in page.text
    script = web.get("/embed.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert '"/widget"' in script.text
    assert web.get("/static/widget.js").status_code == 200
    assert web.get("/static/../pages.py").status_code == 404


def test_admin_page_when_enabled(web) -> None:  # type: ignore[no-untyped-def]
    page = web.get("/admin").text
    assert 'id="token-form"' in page and 'src="/static/admin.js"' in page
    assert "0.01 MB" in page


def test_example_course_page_uses_the_one_line_snippet() -> None:
    from tests.conftest import REPO

    page = (REPO / "examples" / "course-page.html").read_text()
    assert '<script src="http://127.0.0.1:7860/embed.js" async></script>' in page


def test_web_package_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import bot.web, sys; print(sorted(m for m in ('gradio', 'fastapi') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_listen_reports_a_busy_port_and_sends_without_delay() -> None:
    import socket

    from bot.errors import ConfigError
    from bot.web.app import listen

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=rf"cannot listen on 127.0.0.1:{port} .*--port"):
            listen("127.0.0.1", port)
    with pytest.raises(ConfigError, match=r"cannot listen on 'nosuch\.invalid' .*--host"):
        listen("nosuch.invalid", port)
    with listen("127.0.0.1", port) as free:  # released: now it can be had
        assert free.getsockname()[1] == port
        # answers leave at once rather than waiting on delayed ACKs (~40 ms each)
        assert free.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_embed_check_tells_any_page_whether_it_may_frame_the_widget(web) -> None:  # type: ignore[no-untyped-def]
    refused = web.get("/embed/check", headers={"Origin": "http://elsewhere.example"})
    assert refused.headers["access-control-allow-origin"] == "*"
    assert refused.json()["allowed"] is False and "BOT_EMBED_ORIGINS" in refused.json()["how"]
    allowed = web.get("/embed/check", headers={"Origin": ALLOWED}).json()
    assert allowed == {
        "allowed": True,
        "origin": ALLOWED,
        "how": "",
        "title": "Ask the Big Society readings",  # the embedded frame's title
    }


def test_a_passage_link_to_a_changed_reading_says_so_instead_of_highlighting(web) -> None:  # type: ignore[no-untyped-def]
    c = web.post("/api/ask", json={"question": ASPLEY}).json()["citations"][0]
    assert c["version"]
    link = f"/documents/{SEED_ID}?start={c['start']}&end={c['end']}"
    fresh = web.get(f"{link}&v={c['version']}")
    assert '<mark id="extract"' in fresh.text and "has changed" not in fresh.text
    stale = web.get(f"{link}&v=0123456789ab")
    assert stale.status_code == 200 and '<mark id="extract"' not in stale.text
    assert "This reading has changed since the answer was given" in stale.text
