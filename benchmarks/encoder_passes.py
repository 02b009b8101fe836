"""Texts and tokens each way through the encoder reads to index a BEIR collection.

    python benchmarks/encoder_passes.py [--beir DIR] [--passes chunks+sentences chunks windows]

Runs the app's own ``bot.sync.index_documents`` for each ``encoder_passes`` with a
stand-in embedder that tokenizes exactly as the packaged model does (its tokenizer, its
256-token truncation, the same offsets, so the same spans are cut) but encodes nothing:
the counts of texts, real (not padding) tokens and spans embedded on their own are
exact, and take a minute or two instead of the build. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import ENCODER_PASSES, apply_offline_env  # noqa: E402
from bot.embedding import Pooled, SentenceTransformerEmbedder, _pool_spans  # noqa: E402
from bot.types import Span  # noqa: E402


class TokenCounter:
    """An embedder that reads like the real one and encodes nothing (zero vectors)."""

    def __init__(self, real: SentenceTransformerEmbedder) -> None:
        self.real = real
        self.name = real.name
        self.dim = 1
        self.texts = 0
        self.tokens = 0

    @property
    def max_tokens(self) -> int:
        return self.real.max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.real.count_tokens(texts)

    def embed(self, texts: Sequence[str], progress: object = None) -> np.ndarray:
        self.texts += len(texts)
        self.tokens += sum(min(n, self.max_tokens) for n in self.count_tokens(texts))
        return np.zeros((len(texts), self.dim), np.float32)

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], progress: object = None
    ) -> Pooled:
        tokenizer = self.real._load().tokenizer
        encoded = tokenizer(
            list(texts), truncation=True, max_length=self.max_tokens, return_offsets_mapping=True
        )
        sums, counts, cut, tokens = [], [], [], 0
        for text, text_spans, offsets in zip(texts, spans, encoded["offset_mapping"], strict=True):
            offsets = np.array(offsets, dtype=np.int64).reshape(-1, 2)
            tokens += len(offsets)
            pooled = _pool_spans(
                text,
                text_spans,
                np.zeros((len(offsets), self.dim), np.float32),
                offsets,
                truncated=len(offsets) >= self.max_tokens,
            )
            sums.append(pooled[0])
            counts.append(pooled[1])
            cut.append(pooled[2])
        self.texts += len(texts)
        self.tokens += tokens
        return Pooled(
            np.zeros((len(texts), self.dim), np.float32),
            np.concatenate(sums) if sums else np.zeros((0, self.dim), np.float32),
            np.concatenate(counts) if counts else np.zeros(0, np.int64),
            np.concatenate(cut) if cut else np.zeros(0, bool),
            tokens,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beir", type=Path, default=REPO.parent / "shared/beir/scifact")
    parser.add_argument("--passes", nargs="+", default=list(ENCODER_PASSES))
    args = parser.parse_args()
    apply_offline_env()

    from bot.evaluation import load_beir
    from bot.store import IndexInfo
    from bot.sync import index_documents

    collection = load_beir(args.beir)
    real = SentenceTransformerEmbedder()
    print(f"{collection.name}: {len(collection.documents):,} documents\n")
    print("| encoder passes | texts encoded | tokens encoded | windows | chunks pooled / alone "
          "| sentences pooled / alone |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    for passes in args.passes:
        counter = TokenCounter(real)
        info = IndexInfo(counter.name, 800, 1, encoder_passes=passes)
        made = index_documents(collection.documents, counter, info).made  # type: ignore[arg-type]
        print(
            f"| {passes} | {counter.texts:,} | {counter.tokens:,} | {made.windows_embedded:,} "
            f"| {made.chunks_pooled:,} / {made.chunks_embedded:,} "
            f"| {made.sentences_pooled:,} / {made.sentences_embedded:,} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
