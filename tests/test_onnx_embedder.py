"""The ONNX backends against the reference (sentence-transformers on torch), its cache,
and an index that records which backend made its vectors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.config import PACKAGED_MODEL, Settings
from bot.errors import IndexMismatchError
from tests.conftest import REPO, SEED_ID, SHIPPED_DOCS, make_settings

QUESTIONS = [
    "Why did co-production fail in Aspley?",
    "What did Cameron promise with the Big Society?",
    "What happened to public parks and libraries?",
    "Who wrote the article?",
    "What is the capital of France?",
]


def real_text() -> list[str]:
    """Every sentence of the shipped reading, with its title as indexed, and questions."""
    from bot.chunking import split_sentences
    from bot.documents import load_document

    doc = load_document(SHIPPED_DOCS / SEED_ID, SHIPPED_DOCS)
    texts = [f"{doc.title}\n{doc.text[s.start : s.end]}" for s in split_sentences(doc.text)]
    return texts + QUESTIONS


def test_onnx_vectors_are_the_references(real_embedder, torch_embedder) -> None:  # type: ignore[no-untyped-def]
    """The default (fused float32) gives sentence-transformers' vectors."""
    texts = real_text()
    cosines = (real_embedder.embed(texts) * torch_embedder.embed(texts)).sum(axis=1)
    assert cosines.min() >= 0.9999, cosines.min()
    norms = np.linalg.norm(real_embedder.embed(texts), axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)


def test_int8_vectors_hold_to_the_reference(torch_embedder) -> None:  # type: ignore[no-untyped-def]
    """int8 stays within cosine 0.99 of the reference on average, 0.98 at worst."""
    from bot.onnx_embedder import OnnxEmbedder

    int8 = OnnxEmbedder(backend="onnx-int8")
    texts = real_text()
    cosines = (int8.embed(texts) * torch_embedder.embed(texts)).sum(axis=1)
    assert cosines.mean() >= 0.99 and cosines.min() >= 0.98, (cosines.mean(), cosines.min())
    assert int8.name == f"{torch_embedder.name}+int8-fused-v1"


def test_the_backend_is_part_of_the_models_name(real_embedder, torch_embedder) -> None:  # type: ignore[no-untyped-def]
    assert real_embedder.name.startswith(PACKAGED_MODEL + "@")
    assert real_embedder.name == f"{torch_embedder.name}+fp32-fused-v1"
    assert real_embedder.dim == torch_embedder.dim == 384
    assert real_embedder.max_tokens == torch_embedder.max_tokens == 256


def test_an_index_made_by_one_backend_is_not_searched_with_the_other(
    tmp_path: Path, docs_dir: Path, real_embedder, torch_embedder
) -> None:  # type: ignore[no-untyped-def]
    from bot.pipeline import Bot

    settings = make_settings(docs_dir, tmp_path / "index")
    Bot(settings, embedder=torch_embedder).index()
    with pytest.raises(IndexMismatchError, match=r"fp32-fused-v1.*bot index --rebuild"):
        _ = Bot(settings, embedder=real_embedder).store
    report = Bot(settings, embedder=real_embedder).index(rebuild=True)
    assert report.added == (SEED_ID,)


def test_the_quantized_model_is_built_once_and_cached(tmp_path: Path) -> None:
    from bot.embedding import model_fingerprint, resolve_model_path
    from bot.onnx_embedder import RECIPES, onnx_model_for

    folder = resolve_model_path(PACKAGED_MODEL)
    fingerprint = model_fingerprint(folder)
    recipe = RECIPES["onnx-int8"]
    built = onnx_model_for(folder, fingerprint, tmp_path, recipe)
    assert built == tmp_path / "onnx" / f"{fingerprint}-{recipe}" / "model.onnx"
    assert 10e6 < built.stat().st_size < 40e6  # int8: a quarter of the float model
    stamp = built.stat().st_mtime_ns
    assert onnx_model_for(folder, fingerprint, tmp_path, recipe) == built
    assert built.stat().st_mtime_ns == stamp  # reused, not rebuilt
    assert sorted(p.name for p in built.parent.iterdir()) == ["model.onnx", "recipe.json"]


def test_asking_with_the_onnx_backend_never_imports_torch(tmp_path: Path, docs_dir: Path) -> None:
    """A question (and ``bot list``) costs no torch import: it is the slow part of start-up."""
    from bot.pipeline import Bot

    Bot(make_settings(docs_dir, tmp_path / "index")).index()  # the model, built and cached
    script = (
        "import sys\n"
        "from bot.cli import main\n"
        f"paths = ['--docs', {str(docs_dir)!r}, '--index-dir', {str(tmp_path / 'index')!r}]\n"
        "assert main(['ask', *paths, 'Why did co-production fail in Aspley?']) == 0\n"
        "assert main(['list', *paths]) == 0\n"
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False False"
    assert "Aspley" in done.stdout


def test_torch_stays_selectable() -> None:
    from bot.config import load_settings
    from bot.embedding import SentenceTransformerEmbedder, make_embedder

    torch = make_embedder(load_settings({"BOT_BACKEND": "torch"}))
    assert isinstance(torch, SentenceTransformerEmbedder)
    assert Settings().backend == "onnx"


def tiny_bert(folder: Path) -> Path:
    """A local model of another shape than MiniLM (2 layers, 4 heads, 32 wide; random
    weights), with the packaged model's tokenizer: as a user's own BOT_MODEL folder."""
    import shutil

    import torch
    from transformers import BertConfig, BertModel

    from bot.embedding import resolve_model_path

    packaged = resolve_model_path(PACKAGED_MODEL)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=128,
    )  # fmt: skip
    BertModel(config).save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(packaged / name, folder / name)
    (folder / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    return folder


def test_a_local_bert_of_another_shape_gets_its_own_onnx_model(tmp_path: Path) -> None:
    from bot.embedding import SentenceTransformerEmbedder
    from bot.onnx_embedder import OnnxEmbedder

    folder = tiny_bert(tmp_path / "tiny")
    onnx = OnnxEmbedder(str(folder), cache_dir=tmp_path / "cache")
    reference = SentenceTransformerEmbedder(str(folder))
    texts = real_text()
    cosines = (onnx.embed(texts) * reference.embed(texts)).sum(axis=1)
    assert onnx.dim == 32 and cosines.min() >= 0.9999, cosines.min()
    assert onnx.name.startswith("local:tiny@") and onnx.name.endswith("+fp32-fused-v1")


def test_a_model_that_is_not_bert_shaped_is_refused_with_the_way_out(tmp_path: Path) -> None:
    from transformers import GPT2Config, GPT2Model

    from bot.errors import ConfigError
    from bot.onnx_embedder import OnnxEmbedder

    folder = tiny_bert(tmp_path / "gpt")
    config = GPT2Config(vocab_size=30522, n_embd=32, n_layer=2, n_head=4, n_positions=128)
    GPT2Model(config).save_pretrained(folder)  # overwrites the BERT's config and weights
    with pytest.raises(ConfigError, match=r"BERT-shaped.*BOT_BACKEND=torch"):
        OnnxEmbedder(str(folder), cache_dir=tmp_path / "cache").embed(["a question"])
    assert not list((tmp_path / "cache" / "onnx").glob("*/model.onnx"))  # nothing half-built
