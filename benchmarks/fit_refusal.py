"""Fit the refusal model (bot/refusal.json) on the development gold questions.

    python benchmarks/fit_refusal.py [--dev GOLD:READINGS ...] [--max-false-refusals 0.10]
        [--write]

Each ``--dev`` pairs a development gold file with the folder of readings it is asked
of; by default the course's dev split over its readings and the shipped reading's own
questions over ``documents/``, so the model sees a collection of many readings and one
of a single reading. Asks every question through the app's own retrieval and scoring,
takes the signals of ``bot.refusal.Evidence``, and fits a logistic regression of "the
readings answer this" on them (questions about the readings themselves are answered
from metadata and left out; "foreign" ones are refused before retrieval; follow-ups
lean on their history). Prints the fit and, with --write, saves it where the app reads
it. Never fit on a test split.
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

DEFAULT_DEV = (
    f"{REPO / 'tests/gold/course-dev.jsonl'}:{REPO / 'tests/gold/course'}",
    f"{REPO / 'tests/gold/shipped.jsonl'}:{REPO / 'documents'}",
)


def main() -> None:
    from bot import evaluation, gold, refusal
    from bot.config import load_settings
    from bot.pipeline import Bot
    from bot.sync import load_folder

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", action="append", metavar="GOLD:READINGS")
    parser.add_argument("--max-false-refusals", type=float, default=0.10)
    parser.add_argument("--write", action="store_true", help="save bot/refusal.json")
    args = parser.parse_args()

    settings = load_settings()
    embedder = Bot(settings).embedder
    evidence, labels = [], []
    for pair in args.dev or DEFAULT_DEV:
        gold_file, folder = Path(pair.split(":")[0]), Path(pair.split(":")[1])
        if "test" in gold_file.name or "heldout" in gold_file.name:
            raise SystemExit(f"refusing to fit on {gold_file.name}: it is for reporting only")
        readings = load_folder(folder)
        fingerprint = "|".join(f"{d.doc_id}:{d.content_hash}" for d in readings)
        cached = evaluation.cached_index(
            f"readings-{folder.name}", fingerprint, readings, embedder, Bot(settings).info,
            settings.cache_dir,
        )  # fmt: skip
        bot = Bot(settings, embedder=embedder, store=cached.store)
        questions = [
            q
            for q in gold.load_gold(gold_file)
            if q.kind not in ("about", "foreign") and not q.history
        ]
        evidence += [bot.evidence(q.question) for q in questions]
        labels += [q.answerable for q in questions]
        print(f"{len(questions)} questions ({sum(q.answerable for q in questions)} answerable) "
              f"from {gold_file.name} over {folder.name}/")  # fmt: skip
    model = refusal.fit(evidence, labels, args.max_false_refusals)
    answered = [model.answers(e) for e in evidence]
    false_refusals = sum(a and not b for a, b in zip(labels, answered, strict=True)) / max(
        1, sum(labels)
    )
    refusals = sum(not a and not b for a, b in zip(labels, answered, strict=True)) / max(
        1, len(labels) - sum(labels)
    )
    print(json.dumps(model.to_json(), indent=2))
    print(f"on the fitting questions: false refusals {false_refusals:.3f}, refusals {refusals:.3f}")
    if args.write:
        refusal.MODEL_FILE.write_text(json.dumps(model.to_json(), indent=2) + "\n")
        print(f"wrote {refusal.MODEL_FILE}")


if __name__ == "__main__":
    main()
