"""The store at scale: index size on disk, server memory, search and answer latency for a
synthetic index of N chunks (the figures of docs/scaling.md).

Usage: python benchmarks/bench_scale.py [--chunks 1000 10000 100000] [--asks 100]

Nothing is embedded: for each N it builds an index of N chunks of synthetic text
(words drawn from a Zipf distribution over a 60,000-word vocabulary, 4 sentences a
chunk with 1 shared with the next, as the app's chunking gives, so ~3 sentences per
chunk) with random unit vectors of dimension 384 for chunks and sentences, and BM25
over the text as usual; it is saved as a generation stamped with the packaged model's
name, so the app serves it. Then it measures

1. the generation's size on disk, and the time to build and to load it;
2. here, for 200 random query vectors and questions: FAISS over the chunk vectors,
   FAISS over the sentence vectors, BM25 over the chunks, and the whole retrieval
   (``bot.retrieval.retrieve``: all of those, fused), p50 and p95;
3. a server on it (``bot serve --follow``: it never indexes): start-up to its first
   answer, ``--asks`` questions to ``/api/ask`` one after another (p50, p95: one query
   embedding, retrieval and the answer's sentence scoring), and its resident memory
   after them (VmRSS) and at its peak (VmHWM).

Random vectors make retrieval's cost real but its answers meaningless; only the
figures count. Bounded: one server at a time, on loopback.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from loadgen import free_port  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.embedding import make_embedder  # noqa: E402
from bot.retrieval import retrieve  # noqa: E402
from bot.store import IndexInfo, Store  # noqa: E402
from bot.types import Chunk, Document, Span  # noqa: E402

REPO = HERE.parent
DIM = 384
VOCABULARY = 60_000
CHUNKS_PER_READING = 20
SENTENCES_PER_CHUNK = 4  # the last one is the next chunk's first (overlap 1)


def vocabulary(rng: np.random.Generator) -> list[str]:
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["qu", "th", "sh"]
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(syllables, size=rng.integers(1, 5))))
    return sorted(words, key=lambda w: (len(w), w))  # short words first: the common ones


def synthetic_store(chunks: int, info: IndexInfo, rng: np.random.Generator) -> Store:
    words = np.array(vocabulary(rng))
    weights = 1.0 / np.arange(1, len(words) + 1)
    weights /= weights.sum()
    per_reading = CHUNKS_PER_READING * (SENTENCES_PER_CHUNK - 1) + 1
    documents, all_chunks = [], []
    for n in range((chunks + CHUNKS_PER_READING - 1) // CHUNKS_PER_READING):
        lengths = rng.integers(18, 34, size=per_reading)
        drawn = iter(rng.choice(words, size=int(lengths.sum()), p=weights))
        sentences = [
            " ".join(next(drawn) for _ in range(length)).capitalize() + "." for length in lengths
        ]
        text = " ".join(sentences)
        spans, at = [], 0
        for sentence in sentences:
            spans.append(Span(at, at + len(sentence)))
            at += len(sentence) + 1
        doc_id = f"reading-{n:06d}.txt"
        documents.append(
            Document(
                doc_id, text, f"Synthetic reading {n}", hashlib.sha256(text.encode()).hexdigest()
            )
        )
        for c in range(min(CHUNKS_PER_READING, chunks - len(all_chunks))):
            own = tuple(spans[c * 3 : c * 3 + SENTENCES_PER_CHUNK])
            start, end = own[0].start, own[-1].end
            all_chunks.append(Chunk(f"{doc_id}#{c}", doc_id, start, end, text[start:end], own))
    sentence_count = len({(c.doc_id, s.start) for c in all_chunks for s in c.sentences})
    return Store(
        info, documents, all_chunks, unit_rows(rng, chunks), unit_rows(rng, sentence_count)
    )


def unit_rows(rng: np.random.Generator, count: int) -> np.ndarray:
    rows = rng.standard_normal((count, DIM), dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def p50_p95(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    return f"{statistics.median(ms):.1f} / {ms[int(0.95 * (len(ms) - 1))]:.1f}"


def timed(call, *args):  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    call(*args)
    return time.perf_counter() - began


def questions(rng: np.random.Generator, count: int) -> list[str]:
    words = vocabulary(np.random.default_rng(0))[:20_000]  # the index's (seed 0), commoner half
    return [  # an ordinary question: not one across the readings, which costs more
        "Why did the {} {} the {} {}?".format(*rng.choice(words, size=4)) for _ in range(count)
    ]


def measure_here(index: Path, model: str, rng: np.random.Generator) -> tuple[float, dict[str, str]]:
    began = time.perf_counter()
    store = Store.load(index, model=model)
    loaded = time.perf_counter() - began
    asked = questions(rng, 200)
    vectors = unit_rows(rng, len(asked))
    steps: dict[str, list[float]] = {"chunks": [], "sentences": [], "bm25": [], "retrieve": []}
    for question, vector in zip(asked, vectors, strict=True):
        steps["chunks"].append(timed(store.dense_search, vector, 100))
        steps["sentences"].append(timed(store.sentence_search, vector, 100))
        steps["bm25"].append(timed(store.keyword.scores, question))
        steps["retrieve"].append(timed(retrieve, store, question, vector, 5))
    return loaded, {name: p50_p95(seconds) for name, seconds in steps.items()}


def measure_server(
    index: Path, folder: Path, asks: int, rng: np.random.Generator
) -> tuple[float, str, float, float]:
    """Start-up to first answer (s), ask p50/p95 (ms), VmRSS and VmHWM (MB)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    (folder / "documents").mkdir(exist_ok=True)
    command = [sys.executable, "-m", "bot", "serve", "--follow", "--port", str(port),
               "--docs", str(folder / "documents"), "--index-dir", str(index)]  # fmt: skip
    log = (folder / "server.log").open("wb")
    began = time.monotonic()
    server = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=base, timeout=120) as http:
            first = questions(rng, 1)[0]
            while True:
                if server.poll() is not None:
                    raise SystemExit((folder / "server.log").read_text())
                try:
                    if http.post("/api/ask", json={"question": first}).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            started = time.monotonic() - began
            latencies = []
            for question in questions(rng, asks):
                t = time.perf_counter()
                http.post("/api/ask", json={"question": question}).raise_for_status()
                latencies.append(time.perf_counter() - t)
        status = dict(
            line.split(":", 1)
            for line in Path(f"/proc/{server.pid}/status").read_text().splitlines()
        )
        rss, peak = (int(status[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))
        return started, p50_p95(latencies), rss, peak
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--asks", type=int, default=100)
    args = parser.parse_args()

    model = make_embedder(load_settings()).name  # the configured backend; loads nothing
    info = IndexInfo(model=model, chunk_chars=800, overlap_sentences=1)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    rows = []
    for count in args.chunks:
        rng = np.random.default_rng(0)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            began = time.perf_counter()
            store = synthetic_store(count, info, rng)
            built = time.perf_counter() - began
            generation = store.save(folder / "index")
            size = sum(p.stat().st_size for p in generation.rglob("*") if p.is_file())
            sentences = len(store.sentences)
            del store
            loaded, here = measure_here(folder / "index", model, rng)
            started, asks, rss, peak = measure_server(folder / "index", folder, args.asks, rng)
        rows.append(
            f"| {count:,} | {sentences:,} | {size / 1e6:.0f} | {built:.0f} | {loaded:.1f} | "
            f"{here['chunks']} | {here['sentences']} | {here['bm25']} | {here['retrieve']} | "
            f"{started:.1f} | {asks} | {rss:.0f} | {peak:.0f} |"
        )
        print(rows[-1], flush=True)
    print(
        "\n| chunks | sentences | on disk MB | build s | load s | FAISS chunks ms p50/p95 "
        "| FAISS sentences ms | BM25 ms | retrieval ms | server start → 1st answer s "
        "| /api/ask ms p50/p95 | server RSS MB | peak MB |"
    )
    print("|" + "---:|" * 13)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
