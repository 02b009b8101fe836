"""The three encoder backends side by side: batch speed, one query, and their vectors.

Usage: python benchmarks/bench_encoder.py [--abstracts 256] [--queries 200] [--rounds 3]
                                         [--batch-sizes 4 8 16 32 64]

Embeds the same SciFact abstracts ("title\\ntext", as the index reads them) with
``torch`` (sentence-transformers, the reference), ``onnx`` (fused float32) and
``onnx-int8``, in turn, round after round (A B C A B C …, a short idle gap before each
timed call so one engine's spinning threads do not slow the next), then one query at a
time. Prints medians, the ratio to torch, and each backend's cosine to torch's vectors.

With ``--batch-sizes``, it then times the ``onnx`` backend alone at each batch size on
what an index encodes: each abstract and, separately, each of its sentences (title in
front), in one length-sorted call, round after round.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import Settings, apply_offline_env  # noqa: E402

BACKENDS = ("torch", "onnx", "onnx-int8")


def read(path: Path, count: int, field: str) -> list[str]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if len(rows) == count:
                break
            row = json.loads(line)
            rows.append(f"{row['title']}\n{row['text']}" if field == "abstract" else row["text"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", type=Path, default=REPO.parent / "shared/beir/scifact")
    parser.add_argument("--abstracts", type=int, default=256)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-sizes", type=int, nargs="*", default=[])
    args = parser.parse_args()
    apply_offline_env()
    from bot.embedding import make_embedder

    abstracts = read(args.scifact / "corpus.jsonl", args.abstracts, "abstract")
    queries = read(args.scifact / "queries.jsonl", args.queries, "query")
    embedders = {b: make_embedder(Settings(backend=b)) for b in BACKENDS}
    for embedder in embedders.values():
        embedder.embed(["warm up"])
    batch: dict[str, list[float]] = {b: [] for b in BACKENDS}
    for _ in range(args.rounds):
        for name, embedder in embedders.items():
            time.sleep(0.2)
            began = time.perf_counter()
            embedder.embed(abstracts)
            batch[name].append(time.perf_counter() - began)
    single: dict[str, list[float]] = {b: [] for b in BACKENDS}
    for query in queries:
        for name, embedder in embedders.items():
            began = time.perf_counter()
            embedder.embed([query])
            single[name].append(time.perf_counter() - began)
    reference = embedders["torch"].embed(abstracts), embedders["torch"].embed(queries)
    base = statistics.median(batch["torch"])
    print(f"{len(abstracts)} abstracts, {len(queries)} queries, {args.rounds} rounds")
    print("| backend | batch s (median) | × torch | one query p50 ms | p90 ms | cosine to torch: "
          "abstracts min / mean | queries min / mean |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---|---|")
    for name, embedder in embedders.items():
        seconds = statistics.median(batch[name])
        ms = sorted(1000 * t for t in single[name])
        cos_a = (embedder.embed(abstracts) * reference[0]).sum(axis=1)
        cos_q = (embedder.embed(queries) * reference[1]).sum(axis=1)
        print(
            f"| {name} | {seconds:.2f} | {base / seconds:.2f} | {statistics.median(ms):.1f} | "
            f"{ms[int(0.9 * (len(ms) - 1))]:.1f} | {cos_a.min():.4f} / {cos_a.mean():.4f} | "
            f"{cos_q.min():.4f} / {np.mean(cos_q):.4f} |"
        )
    if args.batch_sizes:
        sweep_batch_sizes(abstracts, args.batch_sizes, args.rounds)


def sweep_batch_sizes(abstracts: list[str], sizes: list[int], rounds: int) -> None:
    """The onnx backend's time at each batch size, on abstracts and their sentences."""
    from bot.chunking import split_sentences
    from bot.onnx_embedder import OnnxEmbedder

    texts = list(abstracts)
    for abstract in abstracts:
        title, _, body = abstract.partition("\n")
        texts += [f"{title}\n{body[s.start : s.end]}" for s in split_sentences(body)]
    embedders = {size: OnnxEmbedder(batch_size=size) for size in sizes}
    tokens = sum(embedders[sizes[0]].count_tokens(texts))
    times: dict[int, list[float]] = {size: [] for size in sizes}
    for _ in range(rounds):
        for size, embedder in embedders.items():
            time.sleep(0.2)
            began = time.perf_counter()
            embedder.embed(texts)
            times[size].append(time.perf_counter() - began)
    print(f"\nonnx by batch size: {len(texts)} texts ({len(abstracts)} abstracts and their "
          f"sentences), {tokens:,} tokens, {rounds} rounds")  # fmt: skip
    print("| batch size | s (median) | tokens/s |")
    print("|---:|---:|---:|")
    for size in sizes:
        seconds = statistics.median(times[size])
        print(f"| {size} | {seconds:.2f} | {tokens / seconds:,.0f} |")


if __name__ == "__main__":
    main()
