"""Load on the web app: many students at once, expensive requests, a reindex meanwhile.

Usage: python benchmarks/bench_load.py [--clients 50] [--seconds 30] [--expensive 20]

Starts ``python app.py`` on a copy of the shipped readings in a temporary folder
(loopback only) and runs three phases, each for ``--seconds``:

1. ``--clients`` clients asking ordinary questions of ``POST /api/ask`` back to back;
2. the same, while ``--expensive`` more clients send the costliest request there is:
   "what else did the study find?" with 20 earlier questions of 2,000 characters;
3. the same as 1, while the admin API rebuilds the index from scratch.

For each phase it prints throughput, p50/p95/p99 latency of the ordinary asks, how
many got 503 (told to retry: an answer, not silence) and how many connections were
dropped (no response at all), and the expensive requests' outcome. Bounded: every
client waits for its answer before asking again, and nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import QUESTIONS  # noqa: E402  beside this script

TOKEN = "load-benchmark-token-0123456789"
WORDS = "council volunteers Aspley co-production society cuts libraries the of and in".split()


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    busy: int = 0
    dropped: int = 0
    errors: int = 0

    def line(self, name: str, seconds: float) -> str:
        ms = sorted(x * 1000 for x in self.latencies)

        def pct(p: float) -> float:
            return ms[min(len(ms) - 1, int(p * len(ms)))] if ms else float("nan")

        rate = len(ms) / seconds
        return (
            f"| {name} | {rate:.1f} | {statistics.median(ms) if ms else float('nan'):.0f} | "
            f"{pct(0.95):.0f} | {pct(0.99):.0f} | {self.busy} | {self.dropped} | {self.errors} |"
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
        elif response.status_code == 503:
            tally.busy += 1
            await asyncio.sleep(float(response.headers.get("retry-after", "1")))
        else:
            tally.errors += 1


def _expensive_body() -> dict[str, object]:
    rng = random.Random(7)
    history = [" ".join(rng.choice(WORDS) for _ in range(400))[:1990] + "?" for _ in range(20)]
    return {"question": "what else did the study find?", "history": history}


async def _phase(
    app: str, clients: int, seconds: float, expensive: int, reindex: bool
) -> tuple[Tally, Tally]:
    normal, costly = Tally(), Tally()
    limits = httpx.Limits(max_connections=clients + expensive + 4)
    async with httpx.AsyncClient(base_url=app, limits=limits) as http:
        until = time.monotonic() + seconds
        tasks = [_client(http, until, normal, None) for _ in range(clients)]
        body = _expensive_body()
        tasks += [_client(http, until, costly, body) for _ in range(expensive)]
        if reindex:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            started = await http.post("/api/admin/reindex?rebuild=true", headers=auth)
            started.raise_for_status()
        await asyncio.gather(*tasks)
    return normal, costly


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--expensive", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(REPO / "documents", root / "documents")
        port = _free_port()
        app = f"http://127.0.0.1:{port}"
        env = {**os.environ, "BOT_ADMIN_TOKEN": TOKEN, "HF_HUB_OFFLINE": "1"}
        command = [sys.executable, "app.py", "--docs", str(root / "documents"),
                   "--index-dir", str(root / "index"), "--port", str(port)]  # fmt: skip
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    if httpx.get(app + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            else:
                raise SystemExit("the app did not start within 300 s")
            print(f"{args.clients} clients, {args.seconds:g} s per phase, 2 cores, loopback\n")
            print("| phase | asks/s | p50 ms | p95 ms | p99 ms | 503 | dropped | errors |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|")
            phases = [
                ("ordinary asks", 0, False),
                (f"… with {args.expensive} expensive clients", args.expensive, False),
                ("… during a rebuild of the index", 0, True),
            ]
            for name, expensive, reindex in phases:
                normal, costly = asyncio.run(
                    _phase(app, args.clients, args.seconds, expensive, reindex)
                )
                print(normal.line(name, args.seconds), flush=True)
                if expensive:
                    print(costly.line("  (the expensive requests)", args.seconds), flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
