"""Fit the refusal model (bot/refusal.json) on the development gold questions.

    python benchmarks/fit_refusal.py [--gold tests/gold/course-dev.jsonl]
        [--readings tests/gold/course] [--max-false-refusals 0.05] [--write]

Asks every development question through the app's own retrieval and scoring, takes
the signals of ``bot.refusal.Evidence``, and fits a logistic regression of "the
readings answer this" on them (questions about the readings themselves are answered
from metadata and left out; "foreign" ones are refused before retrieval). Prints the
fit and, with --write, saves it where the app reads it. Never fit on the test split.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    from bot import evaluation, gold, refusal
    from bot.config import load_settings
    from bot.pipeline import Bot
    from bot.sync import load_folder

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, default=REPO / "tests/gold/course-dev.jsonl")
    parser.add_argument("--readings", type=Path, default=REPO / "tests/gold/course")
    parser.add_argument("--max-false-refusals", type=float, default=0.05)
    parser.add_argument("--write", action="store_true", help="save bot/refusal.json")
    args = parser.parse_args()
    if "test" in args.gold.name:
        raise SystemExit("refusing to fit on a test split")

    settings = load_settings()
    bot = Bot(settings)
    readings = load_folder(args.readings)
    fingerprint = "|".join(f"{d.doc_id}:{d.content_hash}" for d in readings)
    cached = evaluation.cached_index(
        f"readings-{args.readings.name}", fingerprint, readings, bot.embedder, bot.info,
        settings.cache_dir,
    )  # fmt: skip
    bot = Bot(settings, embedder=bot.embedder, store=cached.store)
    questions = [
        q for q in gold.load_gold(args.gold) if q.kind not in ("about", "foreign") and not q.history
    ]
    evidence = [bot.evidence(q.question) for q in questions]
    labels = [q.answerable for q in questions]
    model = refusal.fit(evidence, labels, args.max_false_refusals)
    answered = [model.answers(e) for e in evidence]
    false_refusals = sum(a and not b for a, b in zip(labels, answered, strict=True)) / max(
        1, sum(labels)
    )
    refusals = sum(not a and not b for a, b in zip(labels, answered, strict=True)) / max(
        1, len(labels) - sum(labels)
    )
    print(f"{len(questions)} questions ({sum(labels)} answerable) from {args.gold}")
    print(json.dumps(model.to_json(), indent=2))
    print(f"on the fitting questions: false refusals {false_refusals:.3f}, refusals {refusals:.3f}")
    if args.write:
        refusal.MODEL_FILE.write_text(json.dumps(model.to_json(), indent=2) + "\n")
        print(f"wrote {refusal.MODEL_FILE}")


if __name__ == "__main__":
    main()
