"""Indexing throughput, unchanged re-index time and warm ``ask`` latency.

Usage: python benchmarks/bench_core.py [--scifact DIR] [--docs N] [--asks N]

Indexes the shipped readings plus N SciFact abstracts (default 1,000, from
../shared/beir/scifact) into a temporary folder, then re-indexes unchanged (in
this process, and as a fresh ``bot index`` command), then asks questions with the
model already loaded. Prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import Settings, apply_offline_env  # noqa: E402

QUESTIONS = [
    "Why did co-production fail in Aspley?",
    "What did Cameron promise?",
    "What is co-production?",
    "What happened to public parks and libraries?",
    "What is needed for co-production to work?",
    "What is the capital of France?",
    "Does vitamin D deficiency increase the risk of fractures?",
    "How do antibiotics affect the gut microbiome?",
]


def write_scifact(source: Path, target: Path, count: int) -> int:
    """Write the first ``count`` SciFact abstracts as Markdown readings with a title."""
    target.mkdir(parents=True)
    written = 0
    with open(source / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            if written == count:
                break
            row = json.loads(line)
            title = json.dumps(row["title"].strip())
            (target / f"{row['_id']}.md").write_text(f"---\ntitle: {title}\n---\n{row['text']}\n")
            written += 1
    return written


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", type=Path, default=REPO.parent / "shared/beir/scifact")
    parser.add_argument("--docs", type=int, default=1000, help="SciFact abstracts to add")
    parser.add_argument("--asks", type=int, default=200, help="questions to time")
    args = parser.parse_args()
    apply_offline_env()

    import torch

    from bot.pipeline import Bot

    work = Path(tempfile.mkdtemp(prefix="bench-core-"))
    try:
        docs = work / "documents"
        shutil.copytree(REPO / "documents", docs)
        added = write_scifact(args.scifact, docs / "scifact", args.docs) if args.docs else 0
        settings = Settings(docs_dir=docs, index_dir=work / "index")

        bot = Bot(settings)
        began = time.perf_counter()
        bot.embedder.embed(["load the model"])
        load_s = time.perf_counter() - began

        began = time.perf_counter()
        report = bot.index()
        index_s = time.perf_counter() - began

        began = time.perf_counter()
        again = bot.index()
        unchanged_s = time.perf_counter() - began
        assert again.chunks_embedded == 0

        began = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bot",
                "index",
                "--docs",
                str(docs),
                "--index-dir",
                str(work / "index"),
            ],
            check=True,
            capture_output=True,
            cwd=REPO,
        )
        unchanged_cli_s = time.perf_counter() - began

        for q in QUESTIONS:
            bot.ask(q)  # warm up caches and allocator
        latencies = []
        for i in range(args.asks):
            began = time.perf_counter()
            bot.ask(QUESTIONS[i % len(QUESTIONS)])
            latencies.append((time.perf_counter() - began) * 1000)

        print(f"machine: {torch.get_num_threads()} torch threads, Python {sys.version.split()[0]}")
        print(
            f"documents: shipped readings + {added} SciFact abstracts = {len(bot.store.documents)}"
        )
        print()
        print("| figure | value |")
        print("|---|---:|")
        texts = report.chunks_embedded + report.sentences_embedded
        counts = f"{report.chunks_embedded:,} + {report.sentences_embedded:,}"
        print(f"| chunks + sentences indexed | {counts} |")
        print(f"| full index (load, chunk, embed, save) | {index_s:.1f} s |")
        print(
            f"| indexing throughput | {report.chunks_embedded / index_s:.1f} chunks/s "
            f"({texts / index_s:.0f} embedded texts/s) |"
        )
        print(f"| model load (after import) | {load_s:.2f} s |")
        print(f"| unchanged re-index, in process | {unchanged_s * 1000:.0f} ms |")
        print(f"| unchanged re-index, `bot index` command | {unchanged_cli_s:.2f} s |")
        print(
            f"| warm `ask` latency p50 ({args.asks} asks) | {statistics.median(latencies):.0f} ms |"
        )
        print(f"| warm `ask` latency p95 | {percentile(latencies, 0.95):.0f} ms |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
