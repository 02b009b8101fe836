"""Replicas behind haproxy: how soon a follower answers from an upload, and load with 1–3.

Usage: python benchmarks/bench_replicas.py [--switches 5] [--clients 50] [--seconds 20]
                                           [--rounds 3] [--replicas 1 2 3]

Runs the reference deployment (``deploy/haproxy.cfg``, started by ``tests/replicas.py``)
on a copy of the shipped course, loopback only, whole processes: a writer and followers,
and one haproxy for each number of ``--replicas`` in front of the first 1, 2 or 3.

1. Load: ``--clients`` clients ask ordinary questions for ``--seconds`` through each
   haproxy in turn, and through none (straight to the writer), for ``--rounds`` rounds
   (``benchmarks/loadgen.py``, as ``bench_load.py``); taking turns lets the noise of a
   shared machine weigh on every configuration alike. Prints each phase, then the median
   over rounds of answers/s, p50 and p95, the 503s, dropped connections and errors, the
   answers each replica gave, and each replica's resident memory.
2. The switch: a new reading is uploaded through the writer's admin API, then the first
   follower's ``/api/ask`` is polled until it cites that reading; ``--switches`` times, a
   different reading each time. Prints each time (from the upload's answer to the
   follower's first citation) and the median, the upload's own time (the writer embeds
   and swaps in the new index), and the outcome of two clients that keep asking the
   follower and the balancer meanwhile.

Set ``OMP_NUM_THREADS`` to give each replica that many torch and FAISS threads.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
from loadgen import Tally, ask_for, client_for  # noqa: E402

from tests.replicas import Deployment, balancer, deployment  # noqa: E402

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
    """A copy of the shipped course (its readings and course.toml) in ``parent``/``name``."""
    folder = parent / name
    shutil.copytree(REPO / "documents", folder / "documents")
    shutil.copy(REPO / "course.toml", folder / "course.toml")
    return folder


def cites(base: str, question: str, doc_id: str) -> bool:
    response = httpx.post(base + "/api/ask", json={"question": question}, timeout=60)
    response.raise_for_status()
    return any(c["doc_id"] == doc_id for c in response.json()["citations"])


def switches(replicas: Deployment, count: int) -> None:
    writer, follower = replicas.replicas[:2]
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
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 3], choices=[1, 2, 3])
    args = parser.parse_args()

    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start, "
          f"OMP_NUM_THREADS {threads}\n")  # fmt: skip
    most = max(args.replicas)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        replicas = stack.enter_context(
            deployment(course_folder(Path(tmp), "course"), max(most, 2), {"BOT_ADMIN_TOKEN": TOKEN})
        )
        # One haproxy per number of replicas, in front of the same running replicas, so the
        # rounds below can take turns: on a shared machine, noise then weighs on each alike.
        targets = {
            f"{count}": stack.enter_context(
                balancer(replicas.folder, replicas.replicas[:count], f"haproxy-{count}")
            )
            for count in sorted(args.replicas)
        }
        if 1 in args.replicas:
            targets["1, no balancer"] = replicas.replicas[0]
        results: dict[str, list[Tally]] = {name: [] for name in targets}
        print(f"{args.clients} clients, {args.seconds:g} s a phase, {args.rounds} rounds\n")
        for round_ in range(1, args.rounds + 1):
            for name, base in targets.items():
                tally = asyncio.run(load(base, args.clients, args.seconds))
                results[name].append(tally)
                print(
                    f"round {round_}: {tally.line(name, args.seconds)} {shares(tally)} |",
                    flush=True,
                )
        sizes = [rss_mb(pid) for pid in replicas.pids]
        switches(replicas, args.switches)

    print(f"\nmedian of {args.rounds} rounds (503: per phase, on average)\n")
    print("| replicas | asks/s | p50 ms | p95 ms | 503 | dropped | errors | answers by replica |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, tallies in results.items():
        rate = statistics.median(len(t.latencies) / args.seconds for t in tallies)
        p50 = statistics.median(t.percentile(0.5) for t in tallies)
        p95 = statistics.median(t.percentile(0.95) for t in tallies)
        busy = sum(t.busy for t in tallies) / len(tallies)
        total = Tally()
        for t in tallies:
            total.replicas.update(t.replicas)
        print(
            f"| {name} | {rate:.1f} | {p50:.0f} | {p95:.0f} | {busy:.0f} | "
            f"{sum(t.dropped for t in tallies)} | {sum(t.errors for t in tallies)} | "
            f"{shares(total) or '–'} |"
        )
    shown = ", ".join(f"{now:.0f} MB (peak {peak:.0f})" for now, peak in sizes)
    print(f"\nresident memory of each replica after the load: {shown}")


def shares(tally: Tally) -> str:
    return " ".join(f"{name}:{count}" for name, count in sorted(tally.replicas.items()) if name)


if __name__ == "__main__":
    main()
