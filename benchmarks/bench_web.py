"""Web app figures: ``/api/ask`` latency over HTTP, start-up to first answer, peak memory.

Usage: python benchmarks/bench_web.py [--asks N]

Starts ``python app.py`` on a copy of the shipped readings (``documents/``) in a
temporary folder, twice: first with no index (it builds one, as on a fresh clone),
then again with the index in place. For each start it measures the time from
launching the command to the first answer of ``POST /api/ask``. Then it sends N
questions one after another over one keep-alive connection and reports the median
and p95 latency, and the server's peak resident memory (VmHWM). Prints a Markdown
table for the README.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_core import QUESTIONS as CORE_QUESTIONS  # beside this script

REPO = Path(__file__).resolve().parent.parent

#: The core benchmark's questions about the shipped reading (and one it doesn't answer),
#: each asked alone, plus a follow-up asking for more, sent with the Aspley question as history
#: (the app asks that again to learn which passages were already shown).
QUESTIONS: list[tuple[str, list[str]]] = [
    *((q, []) for q in CORE_QUESTIONS[:6]),
    ("what else did the study find?", [CORE_QUESTIONS[0]]),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ask(
    conn: http.client.HTTPConnection, question: str, history: list[str] | None = None
) -> tuple[int, dict]:  # type: ignore[type-arg]
    body = json.dumps({"question": question, "history": history or []})
    conn.request("POST", "/api/ask", body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def start_and_first_answer(
    docs: Path, index: Path, log: Path
) -> tuple[subprocess.Popen, int, float]:  # type: ignore[type-arg]
    """Launch ``python app.py``; return it, its port and seconds until the first answer."""
    port = free_port()
    command = [sys.executable, "app.py", "--docs", str(docs), "--index-dir", str(index)]
    began = time.perf_counter()
    server = subprocess.Popen(
        [*command, "--port", str(port)], cwd=REPO, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    while True:
        if server.poll() is not None:
            sys.exit(f"the app exited:\n{log.read_text()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            status, payload = ask(conn, QUESTIONS[0][0])
            conn.close()
            if status == 200 and payload["answered"]:
                return server, port, time.perf_counter() - began
        except (ConnectionError, OSError):
            time.sleep(0.05)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def stop(server: subprocess.Popen) -> None:  # type: ignore[type-arg]
    server.terminate()
    server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asks", type=int, default=200, help="questions to time (default 200)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        work = Path(tmp)
        docs, index = work / "documents", work / "index"
        shutil.copytree(REPO / "documents", docs)

        server, _, cold = start_and_first_answer(docs, index, work / "cold.log")
        stop(server)
        server, port, warm = start_and_first_answer(docs, index, work / "warm.log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for question, history in QUESTIONS:  # warm the path once
                ask(conn, question, history)
            latencies = []
            for i in range(args.asks):
                began = time.perf_counter()
                status, _ = ask(conn, *QUESTIONS[i % len(QUESTIONS)])
                latencies.append((time.perf_counter() - began) * 1000)
                if status != 200:
                    sys.exit(f"/api/ask answered {status}")
            conn.close()
            peak = peak_rss_mb(server.pid)
        finally:
            stop(server)

    readings = len(list((REPO / "documents").iterdir()))
    print(f"| figure ({readings} shipped reading(s), {args.asks} asks) | value |")
    print("|---|---:|")
    print(f"| `/api/ask` latency p50 (HTTP, sequential) | {statistics.median(latencies):.0f} ms |")
    print(f"| `/api/ask` latency p95 | {percentile(latencies, 0.95):.0f} ms |")
    print(f"| `python app.py` → first answer, no index yet (builds it) | {cold:.1f} s |")
    print(f"| `python app.py` → first answer, index in place | {warm:.1f} s |")
    print(f"| server peak resident memory (VmHWM) | {peak:.0f} MB |")


if __name__ == "__main__":
    main()
