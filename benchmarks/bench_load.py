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
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import Tally, ask_for, client_for, free_port, table_header, wait_until_healthy  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TOKEN = "load-benchmark-token-0123456789"
WORDS = "council volunteers Aspley co-production society cuts libraries the of and in".split()


def _expensive_body() -> dict[str, object]:
    rng = random.Random(7)
    history = [" ".join(rng.choice(WORDS) for _ in range(400))[:1990] + "?" for _ in range(20)]
    return {"question": "what else did the study find?", "history": history}


async def _phase(
    app: str, clients: int, seconds: float, expensive: int, reindex: bool
) -> tuple[Tally, Tally]:
    async with client_for(app, clients + expensive) as http:
        if reindex:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            started = await http.post("/api/admin/reindex?rebuild=true", headers=auth)
            started.raise_for_status()
        normal, costly = await asyncio.gather(
            ask_for(http, clients, seconds),
            ask_for(http, expensive, seconds, _expensive_body()),
        )
    return normal, costly


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--expensive", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(REPO / "documents", root / "documents")
        port = free_port()
        app = f"http://127.0.0.1:{port}"
        env = {**os.environ, "BOT_ADMIN_TOKEN": TOKEN, "HF_HUB_OFFLINE": "1"}
        command = [sys.executable, "app.py", "--docs", str(root / "documents"),
                   "--index-dir", str(root / "index"), "--port", str(port)]  # fmt: skip
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
        try:
            wait_until_healthy(app)
            print(f"{args.clients} clients, {args.seconds:g} s per phase, 2 cores, loopback\n")
            print(table_header("phase"))
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
