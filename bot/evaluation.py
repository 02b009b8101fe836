"""Measure retrieval on BEIR collections, and cache the indexes evaluation builds.

``evaluate_beir`` indexes a BEIR collection (cached, so a second run embeds nothing),
ranks documents for every test query with the app's own retrieval, and scores
the ranking. Gold questions live in ``bot.gold``; ``readings_with_distractors`` and
``cached_index`` give them an index of their own. The CLI prints the reports.
"""

from __future__ import annotations

import csv
import hashlib
import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot import metrics
from bot.embedding import Embedder
from bot.errors import ConfigError, IndexMissingError
from bot.generations import FORMAT_VERSION
from bot.gold import read_jsonl
from bot.retrieval import retrieve
from bot.store import IndexInfo, Store
from bot.sync import SyncProgress, index_documents
from bot.types import Document

# -- BEIR -----------------------------------------------------------------------


@dataclass(frozen=True)
class BeirCollection:
    """A BEIR collection: documents, test queries (id → text) and judgements."""

    name: str
    documents: list[Document]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    fingerprint: str  # changes whenever the corpus file does


@dataclass(frozen=True)
class BeirReport:
    collection: str
    queries: int
    documents: int
    chunks: int
    ndcg_at_10: float
    recall_at_10: float
    recall_at_100: float
    mrr_at_10: float
    index_seconds: float
    chunks_embedded: int
    query_ms_p50: float
    query_ms_p95: float


def load_beir(folder: Path, split: str = "test") -> BeirCollection:
    """Read ``corpus.jsonl``, ``queries.jsonl`` (``_id``, ``text`` only), ``qrels/<split>.tsv``."""
    paths = {name: folder / name for name in ("corpus.jsonl", "queries.jsonl")}
    paths["qrels"] = folder / "qrels" / f"{split}.tsv"
    for path in paths.values():
        if not path.is_file():
            raise ConfigError(f"{str(path)!r} not found; is {str(folder)!r} a BEIR collection?")
    digest = hashlib.sha256()
    documents = []
    for row in read_jsonl(paths["corpus.jsonl"]):
        line = json.dumps([row["_id"], row.get("title", ""), row.get("text", "")])
        digest.update(line.encode())
        documents.append(
            Document(
                doc_id=str(row["_id"]),
                text=row.get("text", ""),
                title=row.get("title", ""),
                content_hash="sha256:" + hashlib.sha256(line.encode()).hexdigest(),
            )
        )
    qrels: dict[str, dict[str, int]] = {}
    with open(paths["qrels"], encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t")
        next(reader, None)  # header: query-id, corpus-id, score
        for query_id, doc_id, score in reader:
            qrels.setdefault(query_id, {})[doc_id] = int(score)
    # Only _id and text: other fields (SciFact's "metadata") can name the answers.
    queries = {
        str(row["_id"]): row["text"]
        for row in read_jsonl(paths["queries.jsonl"])
        if str(row["_id"]) in qrels
    }
    return BeirCollection(folder.resolve().name, documents, queries, qrels, digest.hexdigest())


@dataclass(frozen=True)
class CachedIndex:
    store: Store
    chunks_embedded: int  # chunk vectors made (on their own or pooled); 0 when loaded
    seconds: float  # building it, 0.0 when loaded


def cached_index(
    name: str,
    fingerprint: str,
    documents: Sequence[Document],
    embedder: Embedder,
    info: IndexInfo,
    cache_dir: Path,
    progress: SyncProgress | None = None,
) -> CachedIndex:
    """The index of ``documents`` from ``cache_dir``, built (and saved) on first use."""
    key = hashlib.sha256(f"{FORMAT_VERSION}|{asdict(info)}|{fingerprint}".encode()).hexdigest()
    folder = cache_dir / f"{name}-{key[:12]}"
    try:
        return CachedIndex(Store.load(folder, model=info.model), 0, 0.0)
    except IndexMissingError:
        pass
    began = time.perf_counter()
    built = index_documents(documents, embedder, info, progress=progress)
    built.store.save(folder)
    made = built.made.chunks_embedded + built.made.chunks_pooled
    return CachedIndex(built.store, made, time.perf_counter() - began)


def rank_documents(
    store: Store, query: str, embedder: Embedder, depth: int = 100, **options: Any
) -> list[tuple[str, float]]:
    """Documents ranked by their best chunk, as the app retrieves chunks."""
    vector = embedder.embed([query])[0]
    hits = retrieve(store, query, vector, top_k=len(store), candidates=3 * depth, **options)
    ranked: dict[str, float] = {}
    for hit in hits:
        ranked.setdefault(hit.chunk.doc_id, hit.score)
        if len(ranked) == depth:
            break
    return list(ranked.items())


def evaluate_beir(
    collection: BeirCollection,
    embedder: Embedder,
    info: IndexInfo,
    cache_dir: Path,
    run_file: Path | None = None,
    progress: SyncProgress | None = None,
    **options: Any,
) -> BeirReport:
    """Score the app's retrieval on a BEIR collection (and optionally write a TREC run)."""
    index = cached_index(
        collection.name, collection.fingerprint, collection.documents, embedder, info,
        cache_dir, progress,
    )  # fmt: skip
    store = index.store
    run: dict[str, list[tuple[str, float]]] = {}
    timings = []
    for query_id, text in collection.queries.items():
        began = time.perf_counter()
        run[query_id] = rank_documents(store, text, embedder, **options)
        timings.append((time.perf_counter() - began) * 1000)
    if run_file is not None:
        write_trec_run(run, run_file)
    ranked = {q: [d for d, _ in hits] for q, hits in run.items()}
    return BeirReport(
        collection=collection.name,
        queries=len(collection.queries),
        documents=len(store.documents),
        chunks=len(store),
        ndcg_at_10=metrics.ndcg_at(collection.qrels, ranked, 10),
        recall_at_10=metrics.recall_at(collection.qrels, ranked, 10),
        recall_at_100=metrics.recall_at(collection.qrels, ranked, 100),
        mrr_at_10=metrics.mrr_at(collection.qrels, ranked, 10),
        index_seconds=index.seconds,
        chunks_embedded=index.chunks_embedded,
        query_ms_p50=statistics.median(timings) if timings else 0.0,
        query_ms_p95=_percentile(timings, 0.95),
    )


def write_trec_run(run: dict[str, list[tuple[str, float]]], path: Path, tag: str = "bot") -> None:
    """``qid Q0 docid rank score tag`` lines, the format trec_eval and ir_measures read."""
    with open(path, "w", encoding="utf-8") as f:
        for query_id, hits in run.items():
            for rank, (doc_id, score) in enumerate(hits, start=1):
                f.write(f"{query_id} Q0 {doc_id} {rank} {score:.6f} {tag}\n")


def readings_with_distractors(
    readings: Sequence[Document], distractors: BeirCollection, count: int
) -> tuple[list[Document], str]:
    """The readings hidden among the first ``count`` documents of a collection, and a
    fingerprint of that mix for the index cache."""
    mix = list(readings) + distractors.documents[:count]
    taken = {d.doc_id for d in readings}
    if len(taken) + min(count, len(distractors.documents)) != len({d.doc_id for d in mix}):
        raise ConfigError("a reading and a distractor share a document id; rename the reading")
    digest = hashlib.sha256(f"{distractors.fingerprint}|{count}".encode())
    for doc in readings:
        digest.update(f"|{doc.doc_id}|{doc.content_hash}".encode())
    return mix, digest.hexdigest()


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
