"""Replicas behind haproxy: how soon a follower answers from an upload, and load with 1–3.

Usage: python benchmarks/bench_replicas.py [--switches 5] [--clients 50] [--seconds 20]
                                           [--replicas 1 2 3]

Runs the reference deployment (``deploy/haproxy.cfg``, started by ``tests/replicas.py``)
on copies of the shipped readings, loopback only, whole processes:

1. The switch, with the writer and one follower: a new reading is uploaded through the
   writer's admin API, then the follower's ``/api/ask`` is polled until it cites that
   reading; ``--switches`` times, a different reading each time. Prints each time (from
   the upload's answer to the follower's first citation) and the median, the upload's
   own time (the writer embeds and swaps in the new index), and the outcome of two
   clients that keep asking the follower and the balancer meanwhile.
2. Load: for each number of ``--replicas``, ``--clients`` clients ask ordinary questions
   through haproxy for ``--seconds`` (``benchmarks/loadgen.py``, as ``bench_load.py``);
   prints answers/s, p50/p95/p99, 503s, dropped connections and errors, the share of
   answers per replica, and each replica's resident memory. With one replica the same
   load is also sent to it directly, which shows what haproxy costs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # tests.replicas: the deployment the replica test runs
from loadgen import Tally, ask_for, client_for, table_header  # noqa: E402

from tests.replicas import Deployment, deployment  # noqa: E402

REPO = HERE.parent
TOKEN = "replica-benchmark-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
#: Readings uploaded one per switch, each with a question only it answers.
NEW_READINGS = [
    ("sneinton-foodbank.txt", "How many volunteers staff the Sneinton foodbank?",
     "Twelve volunteers staff the Sneinton foodbank on Saturday mornings, sorting tins "
     "donated by three local churches."),
    ("bulwell-repair-cafe.txt", "When does the Bulwell repair café meet?",
     "The Bulwell repair café fixes toasters and bicycles on the first Sunday of every month "
     "in the Methodist hall."),
    ("clifton-tool-library.txt", "What does the Clifton tool library lend?",
     "The Clifton tool library lends ladders, drills and wallpaper steamers to its members "
     "for a yearly fee of five pounds."),
    ("wollaton-beekeepers.txt", "Where did the Wollaton beekeepers move their hives?",
     "Beekeepers in Wollaton moved forty hives to the cemetery meadow after the council "
     "stopped mowing it."),
    ("radford-swimming-club.txt", "How much did the Radford swimming club raise?",
     "The Radford swimming club raised eleven thousand pounds to reopen the Victorian baths "
     "on Ilkeston Road."),
    ("lenton-orchard.txt", "How many apple trees did the Lenton community orchard plant?",
     "The Lenton community orchard planted sixty apple trees along the old canal towpath."),
    ("mapperley-lunch-club.txt", "Who does the Mapperley lunch club serve?",
     "The Mapperley lunch club serves hot meals to ninety pensioners every Wednesday in the "
     "scout hut."),
]  # fmt: skip
ASPLEY = "Why did co-production fail in Aspley?"


def course_folder(parent: Path, name: str) -> Path:
    folder = parent / name
    shutil.copytree(REPO / "documents", folder / "documents")
    shutil.copy(REPO / "course.toml", folder / "course.toml")
    return folder


def cites(base: str, question: str, doc_id: str) -> bool:
    response = httpx.post(base + "/api/ask", json={"question": question}, timeout=60)
    response.raise_for_status()
    return any(c["doc_id"] == doc_id for c in response.json()["citations"])


def switches(replicas: Deployment, count: int) -> None:
    writer, follower = replicas.replicas
    outcomes: list[int | str] = []
    stop = threading.Event()

    def keep_asking() -> None:
        with httpx.Client(timeout=60) as http:
            while not stop.is_set():
                for base in (follower, replicas.balancer):
                    try:
                        outcomes.append(
                            http.post(base + "/api/ask", json={"question": ASPLEY}).status_code
                        )
                    except httpx.HTTPError as exc:
                        outcomes.append(repr(exc))

    askers = [threading.Thread(target=keep_asking) for _ in range(2)]
    for asker in askers:
        asker.start()
    seen, uploads = [], []
    try:
        for doc_id, question, text in NEW_READINGS[:count]:
            began = time.monotonic()
            put = httpx.put(f"{writer}/api/admin/documents/{doc_id}", content=text.encode(),
                            headers=AUTH, timeout=300)  # fmt: skip
            put.raise_for_status()
            uploaded = time.monotonic()
            while not cites(follower, question, doc_id):
                if time.monotonic() - uploaded > 60:
                    raise SystemExit(f"the follower did not cite {doc_id!r} within 60 s")
                time.sleep(0.05)
            seen.append(time.monotonic() - uploaded)
            uploads.append(uploaded - began)
            print(f"{doc_id}: upload {uploads[-1]:.2f} s, then the follower cites it after "
                  f"{seen[-1]:.2f} s", flush=True)  # fmt: skip
            time.sleep(1.0)
    finally:
        stop.set()
        for asker in askers:
            asker.join(60)
    failed = [o for o in outcomes if o != 200]
    print(f"\nswitch time (upload answered → follower cites it), {len(seen)} runs: median "
          f"{statistics.median(seen):.2f} s, max {max(seen):.2f} s; upload itself: median "
          f"{statistics.median(uploads):.2f} s")  # fmt: skip
    print(f"questions asked meanwhile (follower and balancer): {len(outcomes)}, not answered "
          f"200: {len(failed)} {failed[:5]}\n")  # fmt: skip


def rss_mb(pid: int) -> tuple[float, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM) of a process, in MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return tuple(int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))  # type: ignore[return-value]


async def load(base: str, clients: int, seconds: float) -> Tally:
    async with client_for(base, clients) as http:
        await ask_for(http, min(clients, 4), 3)  # warm up: first requests load lazy parts
        return await ask_for(http, clients, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--switches", type=int, default=5, choices=range(1, len(NEW_READINGS) + 1))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 3], choices=[1, 2, 3])
    args = parser.parse_args()

    env = {"BOT_ADMIN_TOKEN": TOKEN}
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start\n")
    with tempfile.TemporaryDirectory() as tmp:
        with deployment(course_folder(Path(tmp), "switch"), 2, env) as replicas:
            switches(replicas, args.switches)

        rows, memory = [], []
        for count in args.replicas:
            with deployment(course_folder(Path(tmp), f"load-{count}"), count, env) as replicas:
                if count == 1:
                    direct = asyncio.run(load(replicas.replicas[0], args.clients, args.seconds))
                    rows.append(direct.line("1, no balancer", args.seconds) + " – |")
                tally = asyncio.run(load(replicas.balancer, args.clients, args.seconds))
                shares = " ".join(f"{k}:{v}" for k, v in sorted(tally.replicas.items()))
                rows.append(tally.line(f"{count}", args.seconds) + f" {shares} |")
                sizes = [rss_mb(pid) for pid in replicas.pids]
                shown = ", ".join(f"{now:.0f} MB (peak {peak:.0f})" for now, peak in sizes)
                memory.append(f"{count} replica(s): {shown}")
                print(rows[-1], flush=True)
        print(f"\n{args.clients} clients, {args.seconds:g} s each, through haproxy (loopback)\n")
        print(table_header("replicas", "answers by replica"))
        print("\n".join(rows))
        print("\nresident memory per replica after the load:\n" + "\n".join(memory))


if __name__ == "__main__":
    main()
