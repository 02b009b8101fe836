"""The evaluation harness: BEIR loading, caching and run files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.evaluation import evaluate_beir, load_beir, readings_with_distractors
from bot.store import IndexInfo
from bot.types import Document
from tests.conftest import FakeEmbedder

CORPUS = [
    {
        "_id": "d1",
        "title": "Volunteers",
        "text": "Volunteers ran the village library. It closed later.",
    },
    {"_id": "d2", "title": "Pools", "text": "The parish council took over the swimming pool."},
    {"_id": "d3", "title": "Society", "text": "Cameron launched the Big Society in 2010."},
]
QUERIES = [
    {"_id": "q1", "text": "swimming pool council", "metadata": {"d2": "leak"}},
    {"_id": "q2", "text": "village library volunteers", "metadata": {}},
    {"_id": "q9", "text": "a train-split query without judgements", "metadata": {}},
]


@pytest.fixture
def beir_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in CORPUS))
    (folder / "queries.jsonl").write_text("".join(json.dumps(r) + "\n" for r in QUERIES))
    (folder / "qrels" / "test.tsv").write_bytes(
        b"query-id\tcorpus-id\tscore\r\nq1\td2\t1\r\nq2\td1\t1\r\n"
    )
    return folder


def test_load_beir_reads_ids_and_text_only(beir_dir: Path) -> None:
    collection = load_beir(beir_dir)
    assert [d.doc_id for d in collection.documents] == ["d1", "d2", "d3"]
    assert collection.documents[0].title == "Volunteers"
    assert collection.queries == {"q1": "swimming pool council", "q2": "village library volunteers"}
    assert collection.qrels == {"q1": {"d2": 1}, "q2": {"d1": 1}}  # CRLF handled


def test_load_beir_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"corpus.jsonl' not found"):
        load_beir(tmp_path)


def test_evaluate_beir_scores_writes_a_run_and_caches(
    beir_dir: Path, tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    info = IndexInfo(fake_embedder.name, 800, 1)
    run_file = tmp_path / "run.trec"
    report = evaluate_beir(load_beir(beir_dir), fake_embedder, info, tmp_path / "cache", run_file)
    assert report.queries == 2 and report.documents == 3
    assert report.ndcg_at_10 == pytest.approx(1.0) and report.mrr_at_10 == pytest.approx(1.0)
    assert report.recall_at_100 == pytest.approx(1.0)
    assert report.chunks_embedded == report.chunks > 0

    lines = [line.split() for line in run_file.read_text().splitlines()]
    assert all(len(parts) == 6 and parts[1] == "Q0" and parts[5] == "bot" for parts in lines)
    q1 = [parts for parts in lines if parts[0] == "q1"]
    assert q1[0][2] == "d2" and [p[3] for p in q1] == [str(i) for i in range(1, len(q1) + 1)]
    assert len({p[2] for p in q1}) == len(q1)  # documents, not chunks
    scores = [float(p[4]) for p in q1]
    assert scores == sorted(scores, reverse=True)

    before = fake_embedder.embedded
    again = evaluate_beir(load_beir(beir_dir), fake_embedder, info, tmp_path / "cache")
    assert again.chunks_embedded == 0
    assert fake_embedder.embedded - before == 2  # only the two query vectors
    assert again.ndcg_at_10 == report.ndcg_at_10


def test_readings_with_distractors(beir_dir: Path) -> None:
    reading = Document("reading.md", "Some text.", "A reading", "sha256:x")
    mix, fingerprint = readings_with_distractors([reading], load_beir(beir_dir), 2)
    assert [d.doc_id for d in mix] == ["reading.md", "d1", "d2"]
    _, other = readings_with_distractors([reading], load_beir(beir_dir), 3)
    assert fingerprint != other
    clash = Document("d1", "x", "x", "sha256:y")
    with pytest.raises(ConfigError, match="share a document id"):
        readings_with_distractors([clash], load_beir(beir_dir), 3)
