"""Replicas of the app behind haproxy, on loopback: the reference deployment of
``deploy/`` started whole, for ``tests/test_replicas.py`` and
``benchmarks/bench_replicas.py`` (no pytest here, so the benchmark can import it).

Replica 1 is the writer (``python -m bot serve``), the others follow
(``python -m bot serve --follow``); all share one documents and one index folder.
haproxy runs ``deploy/haproxy.cfg`` with only its addresses changed: the sample's
``127.0.0.1:7860`` (the balancer) and ``127.0.0.1:7861``–``7863`` (replicas 1–3)
become free ports, and the server lines of replicas not started are left out.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "deploy" / "haproxy.cfg"
#: Debian puts haproxy in /usr/sbin, which is not on every user's PATH.
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
#: The sample's balancer address, then replicas 1 (the writer), 2 and 3.
SAMPLE_ADDRESSES = ("127.0.0.1:7860", "127.0.0.1:7861", "127.0.0.1:7862", "127.0.0.1:7863")
#: Server names in the sample (haproxy's ``X-Replica`` header), replica 1 first.
NAMES = ("r1", "r2", "r3")


@dataclass(frozen=True)
class Deployment:
    balancer: str  # http://127.0.0.1:PORT: what students use
    replicas: tuple[str, ...]  # http://127.0.0.1:PORT of each replica, the writer first
    folder: Path  # documents/, index/, the logs and haproxy.cfg
    pids: tuple[int, ...]  # of each replica, the writer first


def haproxy_config(balancer_port: int, replica_ports: list[int]) -> str:
    """``deploy/haproxy.cfg`` with its addresses replaced by these loopback ports."""
    if not 1 <= len(replica_ports) <= len(NAMES):
        raise ValueError(f"the sample has {len(NAMES)} replicas, not {len(replica_ports)}")
    unused = SAMPLE_ADDRESSES[1 + len(replica_ports) :]
    lines = [
        line
        for line in SAMPLE.read_text().splitlines()
        if not (line.strip().startswith("server ") and any(a in line for a in unused))
    ]
    ports = dict(zip(SAMPLE_ADDRESSES, [balancer_port, *replica_ports], strict=False))
    pattern = "|".join(re.escape(a) for a in ports)
    return re.sub(pattern, lambda m: f"127.0.0.1:{ports[m.group(0)]}", "\n".join(lines) + "\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def status(url: str) -> tuple[int, str]:
    """The status of GET ``url`` and the replica that answered (0 if none answered)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers.get("X-Replica", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("X-Replica", "")
    except OSError:  # refused, or accepted but not served yet (still starting)
        return 0, ""


@contextlib.contextmanager
def deployment(
    folder: Path, replicas: int, env: Mapping[str, str] | None = None, start_seconds: float = 300
) -> Iterator[Deployment]:
    """``replicas`` replicas on ``folder``/documents and ``folder``/index behind haproxy,
    until the block ends; ready when haproxy has seen every replica healthy."""
    env = {**os.environ, **(env or {})}
    with _Processes() as running:
        ports = [free_port() for _ in range(replicas)]
        for n, port in enumerate(ports):
            command = [sys.executable, "-m", "bot", "serve", "--docs", str(folder / "documents"),
                       "--index-dir", str(folder / "index"), "--port", str(port)]  # fmt: skip
            if n > 0:
                command.append("--follow")
            running.start(command, env, folder / f"replica-{n + 1}.log")
        urls = tuple(f"http://127.0.0.1:{port}" for port in ports)
        running.wait(start_seconds, lambda: all(status(u + "/healthz")[0] == 200 for u in urls))
        pids = tuple(process.pid for process, _ in running.processes)
        with balancer(folder, urls) as url:
            yield Deployment(url, urls, folder, pids)


@contextlib.contextmanager
def balancer(folder: Path, replicas: tuple[str, ...], name: str = "haproxy") -> Iterator[str]:
    """haproxy (``deploy/haproxy.cfg``) in front of ``replicas`` (their URLs, the writer
    first) until the block ends; its URL, once it has seen every replica healthy."""
    port = free_port()
    config = folder / f"{name}.cfg"
    config.write_text(haproxy_config(port, [int(url.rsplit(":", 1)[1]) for url in replicas]))
    url = f"http://127.0.0.1:{port}"
    seen: set[str] = set()

    def every_replica_seen() -> bool:
        code, replica = status(url + "/healthz")
        seen.add(replica if code == 200 else "")
        return seen >= set(NAMES[: len(replicas)])

    with _Processes() as running:
        running.start([HAPROXY, "-f", str(config), "-db"], dict(os.environ), folder / f"{name}.log")
        running.wait(60, every_replica_seen)
        yield url


class _Processes:
    """Processes started for a block, each with its log; stopped when the block ends."""

    def __init__(self) -> None:
        self.processes: list[tuple[subprocess.Popen[bytes], Path]] = []

    def __enter__(self) -> _Processes:
        return self

    def start(self, command: list[str], env: dict[str, str], log: Path) -> None:
        with log.open("wb") as out:  # the child keeps its own descriptor
            process = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        self.processes.append((process, log))

    def wait(self, seconds: float, ready: Callable[[], bool]) -> None:
        """Until ``ready()``; raises ``RuntimeError`` with the logs if a process exits
        or ``seconds`` pass."""
        deadline = time.monotonic() + seconds
        while not ready():
            for process, log in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{log.name}: exited with {process.returncode}:\n{log.read_text()}"
                    )
            if time.monotonic() > deadline:
                logs = "\n".join(
                    f"--- {log.name}\n{log.read_text()[-2000:]}" for _, log in self.processes
                )
                raise RuntimeError(f"not ready within {seconds:g} s:\n{logs}")
            time.sleep(0.3)

    def __exit__(self, *exc: object) -> None:
        for process, _ in reversed(self.processes):
            process.terminate()
        for process, _ in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
