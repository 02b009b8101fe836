"""The web app in real Chromium, for the browser tests: the app, course pages, a browser.

The app runs once per session in a subprocess (``python app.py``) on a free port,
on a copy of ``documents/`` plus the hostile reading, with an admin token and one
allowed embedding origin. Two static servers stand in for course pages: one on the
allowed origin, one on an origin that is not allowed. Every test's ``page`` also
checks that no JavaScript dialog opened and that the browser asked no other host
for anything.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``make test``); without it
the browser tests are skipped with a reason locally and fail in CI. axe-core (for the
accessibility tests) comes from npm: ``make test`` unpacks it into ``.venv/axe-core/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import FIXTURES, REPO, SHIPPED_DOCS

CHROMIUM = Path("/usr/bin/chromium")
#: axe-core's engine, unpacked from its npm package by ``make test`` (or BOT_TEST_AXE).
AXE = Path(os.environ.get("BOT_TEST_AXE", REPO / ".venv" / "axe-core" / "axe.min.js"))
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "browser-test-token-0123456789"
ASPLEY = "Why did co-production fail in Aspley?"
GREENHOUSE = "Who repaired the community greenhouse in Lenton?"
TREASURER = "Where did the treasurer keep the greenhouse accounts?"
HOSTILE_ID = "hostile-reading.md"
FOODBANK = "How many volunteers staff the Sneinton foodbank?"
FOODBANK_ID = "sneinton-foodbank.txt"
FOODBANK_TEXT = (
    "The Sneinton foodbank rota.\n\nTwelve volunteers staff the Sneinton foodbank on Saturday "
    "mornings, sorting tins donated by three local churches.\n"
)
SOURCES = re.compile(r"^Sources \(\d+\)$")


@dataclass(frozen=True)
class Site:
    app: str  # http://127.0.0.1:PORT of the bot
    allowed: str  # a course page origin listed in BOT_EMBED_ORIGINS
    blocked: str  # a course page origin that is not
    root: Path  # the course folder: course.toml, documents/, index/, insights.sqlite3


#: Where the browser tests save the README's screenshots: ``BOT_SCREENSHOTS=docs`` (unset:
#: none are saved, and no test depends on the committed ones).
SCREENSHOTS = os.environ.get("BOT_SCREENSHOTS", "")


def screenshot(target: Any, name: str) -> None:
    """Save ``target`` (a page or an element) as ``$BOT_SCREENSHOTS/name``, when that is set."""
    if SCREENSHOTS:
        target.screenshot(path=str(Path(SCREENSHOTS) / name), animations="disabled")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests (make test installs Chromium)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _static_server(folder: Path) -> ThreadingHTTPServer:
    handler = partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def api_ask(site: Site, question: str) -> dict[str, Any]:
    return api(site, "POST", "/api/ask", {"question": question})


def api(site: Site, method: str, path: str, body: Any = None, token: str = "") -> Any:
    """A JSON request to the app (with the admin token when given), its JSON answer."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(site.app + path, data, headers, method=method)
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)


@dataclass(frozen=True)
class CoursePages:
    """A folder of course pages served on two origins: one allowed to embed, one not."""

    folder: Path
    allowed: str
    blocked: str


#: The hosts the browser may ask: our app servers and the course pages.
_OURS: set[str] = set()


@pytest.fixture(scope="session")
def course_pages(tmp_path_factory) -> Iterator[CoursePages]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("pages")
    allowed, blocked = _static_server(folder), _static_server(folder)
    pages = CoursePages(
        folder,
        f"http://127.0.0.1:{allowed.server_address[1]}",
        f"http://127.0.0.1:{blocked.server_address[1]}",
    )
    _OURS.update(urlsplit(origin).netloc for origin in (pages.allowed, pages.blocked))
    yield pages
    allowed.shutdown()
    blocked.shutdown()


@contextlib.contextmanager
def running(command: list[str], env: dict[str, str], log_path: Path, ready: str) -> Iterator[None]:
    """``command`` run from the checkout until the block ends, once ``ready`` answers 200."""
    log = log_path.open("w")
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    _OURS.add(urlsplit(ready).netloc)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(ready, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:  # refused, or accepted but not served yet (still indexing)
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the app did not start:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory, course_pages: CoursePages) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    """``python app.py`` on the shipped course plus the hostile reading."""
    root = tmp_path_factory.mktemp("browser")
    docs = root / "documents"
    shutil.copytree(SHIPPED_DOCS, docs)
    shutil.copy(REPO / "course.toml", root / "course.toml")  # the shipped course, beside them
    shutil.copy(FIXTURES / HOSTILE_ID, docs / HOSTILE_ID)
    port = _free_port()
    app = f"http://127.0.0.1:{port}"
    (course_pages.folder / "embed.html").write_text(
        f'<!doctype html><title>Course</title><h1>Week 7</h1>\n<script src="{app}/embed.js" '
        "async></script>\n"
    )
    (course_pages.folder / "iframe.html").write_text(
        f'<!doctype html><title>Course</title><iframe src="{app}/widget"></iframe>\n'
    )
    env = {**os.environ, "BOT_ADMIN_TOKEN": TOKEN, "BOT_EMBED_ORIGINS": course_pages.allowed}
    command = [sys.executable, "app.py", "--docs", str(docs), "--index-dir", str(root / "index")]
    with running([*command, "--port", str(port)], env, root / "server.log", app + "/healthz"):
        yield Site(app, course_pages.allowed, course_pages.blocked, root)


@dataclass(frozen=True)
class CourseSite:
    """``bot serve --courses`` with two courses: the shipped one, and a greenhouse course
    that the allowed course page (and only it) may embed."""

    app: str
    allowed: str
    blocked: str


@pytest.fixture(scope="session")
def course_site(tmp_path_factory, course_pages: CoursePages) -> Iterator[CourseSite]:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("courses")
    big, green = root / "big-society" / "documents", root / "greenhouses" / "documents"
    shutil.copytree(SHIPPED_DOCS, big)
    shutil.copy(REPO / "course.toml", big.parent / "course.toml")
    green.mkdir(parents=True)
    shutil.copy(FIXTURES / HOSTILE_ID, green / HOSTILE_ID)
    (green.parent / "course.toml").write_text(
        f'name = "Greenhouses"\nembed_origins = ["{course_pages.allowed}"]\n'
        'examples = ["Who repaired the community greenhouse in Lenton?"]\n'
    )
    port = _free_port()
    app = f"http://127.0.0.1:{port}"
    for slug in ("big-society", "greenhouses"):
        (course_pages.folder / f"{slug}.html").write_text(
            f"<!doctype html><title>Course</title><h1>Week 7</h1>\n<script "
            f'src="{app}/courses/{slug}/embed.js" async></script>\n'
        )
    command = [sys.executable, "-m", "bot", "serve", "--courses", str(root), "--port", str(port)]
    with running(command, dict(os.environ), root / "server.log", app + "/healthz"):
        yield CourseSite(app, course_pages.allowed, course_pages.blocked)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A fresh page; afterwards, no dialog opened and no other host was asked anything."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.set_default_timeout(30_000)
    hosts: set[str] = set()
    dialogs: list[str] = []
    context.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    context.on("page", lambda p: p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss())))
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    yield page
    page.wait_for_timeout(300)  # let late scripts run
    context.close()
    assert hosts <= _OURS, f"requests to other hosts: {sorted(hosts - _OURS)}"
    assert dialogs == [], f"a script ran: {dialogs}"


def wait_for_chat_answer(page, count: int) -> None:  # type: ignore[no-untyped-def]
    """Until the chat shows ``count`` answers and is ready for the next question."""
    from playwright.sync_api import expect

    expect(page.locator("#chat .message.bot, #chat .bot-row")).not_to_have_count(0)
    expect(page.get_by_text(re.compile(r"^(Sources|Closest passages)"))).to_have_count(count)
    expect(page.get_by_role("button", name="Ask")).to_be_enabled()


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe-core's engine, to run inside a page (``make test`` unpacks it from npm)."""
    if not AXE.is_file():
        _unavailable(f"no axe-core at {AXE}; run 'make test', which unpacks it from npm")
    return AXE.read_text(encoding="utf-8")
