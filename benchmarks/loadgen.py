"""Many clients on ``POST /api/ask`` at once, and what they got: shared by
``bench_load.py`` (one server) and ``bench_replicas.py`` (replicas behind haproxy).

Each client asks, waits for its answer, and asks again (a 503 waits its
``Retry-After``), so the load is bounded by the number of clients; nothing leaves
127.0.0.1.
"""

from __future__ import annotations

import asyncio
import random
import socket
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
from bench_core import QUESTIONS  # beside this script


def table_header(what: str, *more: str) -> str:
    """The header of a Markdown table of ``Tally.line`` rows (``more``: columns after them)."""
    columns = [what, "asks/s", "p50 ms", "p95 ms", "p99 ms", "503", "dropped", "errors", *more]
    rule = ["---"] + ["---:"] * 7 + ["---"] * len(more)
    return f"| {' | '.join(columns)} |\n|{'|'.join(rule)}|"


@dataclass
class Tally:
    """What the clients of one phase got: answer latencies, 503s, dropped connections,
    other errors, and which replica (haproxy's ``X-Replica``) gave each answer."""

    latencies: list[float] = field(default_factory=list)
    busy: int = 0
    dropped: int = 0
    errors: int = 0
    replicas: Counter[str] = field(default_factory=Counter)

    def percentile(self, p: float) -> float:
        ms = sorted(x * 1000 for x in self.latencies)
        return ms[min(len(ms) - 1, int(p * len(ms)))] if ms else float("nan")

    def line(self, name: str, seconds: float) -> str:
        ms = [x * 1000 for x in self.latencies]
        median = statistics.median(ms) if ms else float("nan")
        return (
            f"| {name} | {len(ms) / seconds:.1f} | {median:.0f} | {self.percentile(0.95):.0f} | "
            f"{self.percentile(0.99):.0f} | {self.busy} | {self.dropped} | {self.errors} |"
        )


async def _client(
    http: httpx.AsyncClient, until: float, tally: Tally, body: dict[str, object] | None
) -> None:
    rng = random.Random()
    while time.monotonic() < until:
        payload = body or {"question": rng.choice(QUESTIONS)}
        began = time.monotonic()
        try:
            response = await http.post("/api/ask", json=payload, timeout=60)
        except httpx.HTTPError:
            tally.dropped += 1
            continue
        if response.status_code == 200:
            tally.latencies.append(time.monotonic() - began)
            tally.replicas[response.headers.get("X-Replica", "")] += 1
        elif response.status_code == 503:
            tally.busy += 1
            await asyncio.sleep(float(response.headers.get("retry-after", "1")))
        else:
            tally.errors += 1


async def ask_for(
    http: httpx.AsyncClient, clients: int, seconds: float, body: dict[str, object] | None = None
) -> Tally:
    """``clients`` clients asking through ``http`` for ``seconds``: ordinary questions, or
    ``body`` again and again."""
    tally = Tally()
    until = time.monotonic() + seconds
    await asyncio.gather(*(_client(http, until, tally, body) for _ in range(clients)))
    return tally


def client_for(base: str, connections: int) -> httpx.AsyncClient:
    """An HTTP client on ``base`` with a connection for each client (none waits for one)."""
    return httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=connections + 4))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_healthy(url: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:g} s")
