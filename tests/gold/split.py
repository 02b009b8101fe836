"""Split the course's gold questions into dev (tune on it) and test (report only).

Run once, before any tuning: ``python tests/gold/split.py``. Within each kind the
questions are ordered by a hash of their text and dealt alternately to dev and test,
so both splits hold every kind in the same proportion and the split does not depend
on the order the questions were written in.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).parent
SOURCES = ("questions-a.jsonl", "questions-b.jsonl")


def main() -> None:
    rows = [json.loads(line) for name in SOURCES for line in (HERE / name).open() if line.strip()]
    splits: dict[str, list[dict]] = {"dev": [], "test": []}
    for kind in sorted({row["kind"] for row in rows}):
        same = [row for row in rows if row["kind"] == kind]
        same.sort(key=lambda row: hashlib.sha256(row["question"].encode()).hexdigest())
        for i, row in enumerate(same):
            splits["dev" if i % 2 == 0 else "test"].append(row)
    for name, chosen in splits.items():
        with (HERE / f"course-{name}.jsonl").open("w") as out:
            for row in chosen:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"course-{name}.jsonl: {len(chosen)} questions")


if __name__ == "__main__":
    main()
