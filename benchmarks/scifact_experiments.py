"""The retrieval settings tried on BEIR SciFact, each measured the same way.

Usage: python benchmarks/scifact_experiments.py [--beir DIR] [--cache-dir DIR]
                                               [--chunking 800/1 1200/1 ...] [--no-title]

For each chunking (``chunk_chars/overlap_sentences``) the collection is indexed once
(cached) and then ranked with every fusion setting: dense only, keyword only,
min-max mixes and reciprocal rank fusion. Prints one Markdown row per setting.
``--no-title`` embeds and keyword-indexes chunks without their document's title.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import apply_offline_env  # noqa: E402

FUSIONS: list[tuple[str, dict[str, object]]] = [
    ("dense only", {"alpha": 1.0}),
    ("keyword only", {"alpha": 0.0}),
    ("keyword only, chunk BM25 only", {"alpha": 0.0, "document_weight": 0.0}),
    ("min-max α=0.5, w_doc=0.7", {"alpha": 0.5}),
    ("min-max α=0.6, w_doc=0.7 (default)", {}),
    ("min-max α=0.7, w_doc=0.7", {"alpha": 0.7}),
    ("min-max α=0.6, w_doc=0 (chunk BM25 only)", {"document_weight": 0.0}),
    ("min-max α=0.6, w_doc=0.5", {"document_weight": 0.5}),
    ("min-max α=0.6, w_doc=1 (document BM25 only)", {"document_weight": 1.0}),
    ("RRF k=60, w_doc=0.7", {"fusion": "rrf"}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beir", type=Path, default=REPO.parent / "shared/beir/scifact")
    parser.add_argument("--cache-dir", type=Path, default=REPO / ".benchmarks-cache")
    parser.add_argument("--chunking", nargs="+", default=["800/1"])
    parser.add_argument("--no-title", action="store_true")
    parser.add_argument("--only", nargs="*", help="fusion names to run (default: all)")
    args = parser.parse_args()
    apply_offline_env()

    from bot import chunking, evaluation, store, sync
    from bot.config import load_settings
    from bot.embedding import make_embedder
    from bot.store import IndexInfo

    name_suffix = ""
    if args.no_title:

        def without_title(document, span):  # type: ignore[no-untyped-def]
            return document.text[span.start : span.end]

        chunking.passage_text = without_title  # type: ignore[assignment]
        sync.passage_text = without_title  # type: ignore[attr-defined]
        store.passage_text = without_title  # type: ignore[attr-defined]
        name_suffix = "-notitle"

    collection = evaluation.load_beir(args.beir)
    collection = evaluation.BeirCollection(
        collection.name + name_suffix, collection.documents, collection.queries,
        collection.qrels, collection.fingerprint,
    )  # fmt: skip
    embedder = make_embedder(load_settings())
    print("| chunking | title | fusion | nDCG@10 | R@10 | R@100 | MRR@10 | query ms p50 |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for spec in args.chunking:
        chars, overlap = (int(x) for x in spec.split("/"))
        info = IndexInfo(embedder.name, chars, overlap)
        began = time.perf_counter()
        embedded = evaluation.cached_index(
            collection.name, collection.fingerprint, collection.documents, embedder, info,
            args.cache_dir,
        ).chunks_embedded  # fmt: skip
        if embedded:
            print(
                f"<!-- built {spec}: {embedded} chunks in {time.perf_counter() - began:.0f} s -->"
            )
        for label, options in FUSIONS:
            if args.only and label not in args.only:
                continue
            r = evaluation.evaluate_beir(collection, embedder, info, args.cache_dir, **options)
            print(
                f"| {spec} | {'no' if args.no_title else 'yes'} | {label} | {r.ndcg_at_10:.3f} "
                f"| {r.recall_at_10:.3f} | {r.recall_at_100:.3f} | {r.mrr_at_10:.3f} "
                f"| {r.query_ms_p50:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
