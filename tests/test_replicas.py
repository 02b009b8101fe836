"""Two replicas behind haproxy (the reference deployment of ``deploy/``), as whole processes
on loopback: answers spread over both, an upload through the writer is answered by the
follower within 10 s while no question fails, admin goes to the writer, and the chat in
Chromium keeps to one replica (sticky cookie).

The deployment is started by ``tests/replicas.py`` (shared with
``benchmarks/bench_replicas.py``) with ``deploy/haproxy.cfg``, only its ports changed.
haproxy is Debian's (``make test`` installs it); without it these tests are skipped with
a reason locally, and fail when ``CI`` is set.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser_site import (
    _OURS,
    ASPLEY,
    FOODBANK,
    FOODBANK_ID,
    FOODBANK_TEXT,
    SOURCES,
    _unavailable,
    wait_for_chat_answer,
)
from tests.conftest import REPO, SEED_ID, SHIPPED_DOCS
from tests.replicas import HAPROXY, Deployment, deployment

TOKEN = "replica-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
#: The issue's bound on how long a follower may take to answer from an upload.
SWITCH_SECONDS = 10


@pytest.fixture(scope="module")
def replicas(tmp_path_factory) -> Iterator[Deployment]:  # type: ignore[no-untyped-def]
    """The writer and one follower on the shipped course, behind haproxy."""
    if not Path(HAPROXY).is_file():
        _unavailable(f"no haproxy at {HAPROXY}; make test installs Debian's haproxy")
    folder = tmp_path_factory.mktemp("replicas")
    shutil.copytree(SHIPPED_DOCS, folder / "documents")
    shutil.copy(REPO / "course.toml", folder / "course.toml")
    try:
        with deployment(folder, 2, {"BOT_ADMIN_TOKEN": TOKEN}) as running:
            _OURS.update(urlsplit(url).netloc for url in (running.balancer, *running.replicas))
            yield running
    except RuntimeError as exc:  # a replica or haproxy did not start: its log says why
        pytest.fail(str(exc))


def ask(base: str, question: str) -> tuple[set[str], str]:
    """The readings an answer from ``base`` cites, and the replica that gave it."""
    import httpx

    response = httpx.post(base + "/api/ask", json={"question": question}, timeout=60)
    assert response.status_code == 200, response.text
    cited = {c["doc_id"] for c in response.json()["citations"]}
    return cited, response.headers.get("X-Replica", "")


def test_answers_through_the_balancer_come_from_both_replicas(replicas: Deployment) -> None:
    served: Counter[str] = Counter()
    for _ in range(6):
        cited, replica = ask(replicas.balancer, ASPLEY)
        assert cited == {SEED_ID}
        served[replica] += 1
    assert set(served) == {"r1", "r2"}, served


def test_an_upload_through_the_writer_is_answered_by_the_follower_within_10_s(
    replicas: Deployment,
) -> None:
    """Meanwhile two clients keep asking the follower and the balancer: none may fail."""
    import httpx

    writer, follower = replicas.replicas
    outcomes: list[tuple[str, int | str]] = []
    stop = threading.Event()

    def keep_asking() -> None:
        with httpx.Client(timeout=60) as http:
            while not stop.is_set():
                for base in (follower, replicas.balancer):
                    try:
                        response = http.post(base + "/api/ask", json={"question": ASPLEY})
                        outcomes.append((base, response.status_code))
                    except httpx.HTTPError as exc:
                        outcomes.append((base, repr(exc)))

    askers = [threading.Thread(target=keep_asking) for _ in range(2)]
    for asker in askers:
        asker.start()
    try:
        upload = httpx.put(
            f"{writer}/api/admin/documents/{FOODBANK_ID}",
            content=FOODBANK_TEXT.encode(),
            headers=AUTH,
            timeout=120,
        )
        assert upload.status_code == 200, upload.text
        uploaded = time.monotonic()
        while FOODBANK_ID not in ask(follower, FOODBANK)[0]:
            waited = time.monotonic() - uploaded
            assert waited < SWITCH_SECONDS, (
                f"the follower still answers without it after {waited:.1f} s"
            )
            time.sleep(0.2)
        time.sleep(1.0)  # and keep asking a moment after the switch
    finally:
        stop.set()
        for asker in askers:
            asker.join(60)
    failed = [outcome for outcome in outcomes if outcome[1] != 200]
    assert len(outcomes) > 10 and not failed, failed
    generations = {httpx.get(url + "/healthz").json()["generation"] for url in replicas.replicas}
    assert len(generations) == 1
    assert all(FOODBANK_ID in ask(replicas.balancer, FOODBANK)[0] for _ in range(4))


def test_admin_goes_to_the_writer_and_a_follower_points_there(replicas: Deployment) -> None:
    import httpx

    for _ in range(3):
        response = httpx.get(replicas.balancer + "/api/admin/documents", headers=AUTH)
        assert response.status_code == 200 and response.headers["X-Replica"] == "r1"
    refused = httpx.get(replicas.replicas[1] + "/api/admin/documents", headers=AUTH)
    assert refused.status_code == 403 and "only follows the index" in refused.json()["detail"]


@pytest.mark.browser
def test_the_chat_through_the_balancer_keeps_to_one_replica(page, replicas: Deployment) -> None:  # type: ignore[no-untyped-def]
    """A follow-up is answered only by the replica that holds the conversation."""
    from playwright.sync_api import expect

    answered_by: list[str] = []
    page.on(
        "response",
        lambda r: (
            answered_by.append(r.headers.get("x-replica", "")) if "/gradio_api/" in r.url else None
        ),
    )
    page.goto(replicas.balancer + "/chat/")
    page.get_by_role("button", name=ASPLEY).click()
    wait_for_chat_answer(page, 1)
    expect(page.locator("#chat")).to_contain_text("Aspley, a ward in Nottingham")
    page.get_by_role("textbox").fill("what else did the study find?")
    page.get_by_role("button", name="Ask").click()
    wait_for_chat_answer(page, 2)
    expect(page.get_by_text(SOURCES)).to_have_count(2)  # answered, read with the first question
    sticky = [c["value"] for c in page.context.cookies() if c["name"] == "BOTREPLICA"]
    assert len(sticky) == 1 and answered_by and set(answered_by) == set(sticky), answered_by
