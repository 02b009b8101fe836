"""The ONNX embedder: the packaged model, converted once, run by ONNX Runtime.

``OnnxEmbedder`` reads text with the model's own fast tokenizer (``tokenizers``) and
ONNX Runtime, and mean-pools the token vectors in NumPy, as sentence-transformers
does: no torch at question time. Tests hold its vectors to sentence-transformers'
(the reference). Its ``name`` carries the recipe, so an index records which backend
made its vectors and is never searched with another.

``onnx_model_for(model_dir, fingerprint, cache_dir, recipe)`` returns the path of a
model that reads ``input_ids`` and ``attention_mask`` and gives the token vectors
(``last_hidden_state``). It is built from the model folder once, then cached under
``cache_dir/onnx/<fingerprint>-<recipe>/``:

1. export the transformer with ``torch.onnx.export`` (TorchScript, eager attention, so the
   graph has the attention pattern ONNX Runtime knows how to fuse);
2. fuse it with ONNX Runtime's BERT optimizer: one ``Attention`` op per layer,
   ``EmbedLayerNormalization``, ``SkipLayerNormalization``, ``BiasGelu`` — the
   ``fp32-fused`` recipe (``BOT_BACKEND=onnx``, the default: the reference's vectors);
3. for ``int8-fused`` (``BOT_BACKEND=onnx-int8``), quantize dynamically to int8
   (``QAttention``, ``MatMulInteger`` with per-channel symmetric weights, int8 embedding
   tables), except the first layer's feed-forward output, whose error is the largest.

Quantizing the fused graph is what makes int8 fast here (quantizing the plain export
leaves attention in float and gains little: BENCHMARKS.md). torch, transformers and
onnx are imported only while building.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.config import PACKAGED_MODEL, apply_offline_env
from bot.embedding import (
    Pooled,
    Progress,
    model_fingerprint,
    pool_spans,
    readable_name,
    resolve_model_path,
    unit_rows,
)
from bot.errors import ConfigError
from bot.types import Span

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

#: The two forms, by ``BOT_BACKEND``: fused float32 (the reference's vectors, cosine 1.0000)
#: and fused int8 (faster; cosine ≥ 0.99 on average). A recipe's name changes whenever its
#: steps do, so a cached model of older steps is rebuilt, and an index made by one form
#: is never searched with another.
RECIPES = {"onnx": "fp32-fused-v1", "onnx-int8": "int8-fused-v1"}


def onnx_model_for(model_dir: Path, fingerprint: str, cache_dir: Path, recipe: str) -> Path:
    """The cached ONNX model of ``model_dir`` (``fingerprint``: its files) made by
    ``recipe`` (one of ``RECIPES``' values), built if missing. Raises ``ConfigError``
    when the model cannot be converted."""
    folder = cache_dir / "onnx" / f"{fingerprint}-{recipe}"
    model = folder / "model.onnx"
    if model.is_file():
        return model
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        _build(model_dir, staging, quantized=recipe.startswith("int8"))
        (staging / "recipe.json").write_text(
            json.dumps({"recipe": recipe, "fingerprint": fingerprint, "source": str(model_dir)})
        )
        with contextlib.suppress(OSError):  # another process built it meanwhile: keep theirs
            os.rename(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not model.is_file():
        raise ConfigError(f"could not write the ONNX model to {str(folder)!r}; check BOT_CACHE_DIR")
    return model


def _build(model_dir: Path, out: Path, quantized: bool) -> None:
    raw, fused = out / "raw.onnx", out / "fused.onnx"
    logging.disable(logging.WARNING)  # the quantizer's advice, logged to the root logger
    try:
        with warnings.catch_warnings():  # the exporter's tracing warnings: expected here
            warnings.simplefilter("ignore")
            apply_offline_env()
            _export(model_dir, raw)
            _fuse(raw, fused, model_dir)
            if quantized:
                _quantize(fused, out / "model.onnx")
    finally:
        logging.disable(logging.NOTSET)
    raw.unlink()
    if quantized:
        fused.unlink()
    else:
        fused.rename(out / "model.onnx")


def _export(model_dir: Path, path: Path) -> None:
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(
        str(model_dir), attn_implementation="eager", local_files_only=True
    ).eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            out = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    ids = torch.tensor([[101, 7592, 2088, 2003, 1037, 3231, 102, 0]] * 2)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    with torch.no_grad():
        torch.onnx.export(
            LastHiddenState().eval(),
            (ids, (ids != 0).long(), torch.zeros_like(ids)),
            str(path),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=18,
            do_constant_folding=True,
            dynamo=False,
        )


def bert_shape(model_dir: Path) -> tuple[int, int, int]:
    """Attention heads, width and layers of a BERT-shaped model; raises ``ConfigError``
    for a model of another kind (the ONNX backend fuses only BERT's graph)."""
    try:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        shape = [config[k] for k in ("num_attention_heads", "hidden_size", "num_hidden_layers")]
        return int(shape[0]), int(shape[1]), int(shape[2])
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigError(
            f"the ONNX backend fuses BERT-shaped models, and {str(model_dir)!r} is not one "
            "(its config.json names no attention heads, hidden size and layers); "
            "set BOT_BACKEND=torch"
        ) from None


def _fuse(raw: Path, path: Path, model_dir: Path) -> None:
    """Fuse a BERT-shaped export; raises ``ConfigError`` for any other shape."""
    from onnxruntime.transformers.optimizer import optimize_model

    heads, hidden, layers = bert_shape(model_dir)
    model = optimize_model(
        str(raw), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0
    )
    found = model.get_fused_operator_statistics()
    expected = {
        "EmbedLayerNormalization": 1,
        "Attention": layers,
        "SkipLayerNormalization": 2 * layers,
    }
    if any(found.get(op, 0) != n for op, n in expected.items()):
        raise ConfigError(
            f"the ONNX backend fuses BERT-shaped models, and {str(model_dir)!r} did not fuse as "
            f"one ({found}); set BOT_BACKEND=torch"
        )
    _drop_token_types(model.model)
    model.save_model_to_file(str(path))


def _drop_token_types(model) -> None:  # type: ignore[no-untyped-def]
    """Fold the token-type embedding of type 0 (all we feed) into the position embeddings
    and drop the ``token_type_ids`` input."""
    import numpy as np
    from onnx import numpy_helper

    graph = model.graph
    embed = next(n for n in graph.node if n.op_type == "EmbedLayerNormalization")
    # inputs: ids, segment ids, word, position and segment embeddings, gamma, beta, mask
    tables = {t.name: t for t in graph.initializer}
    position, segment = tables[embed.input[3]], tables[embed.input[4]]
    merged = numpy_helper.to_array(position) + numpy_helper.to_array(segment)[0][None, :]
    position.CopyFrom(numpy_helper.from_array(merged.astype(np.float32), position.name))
    cast = embed.input[1]
    embed.input[1] = embed.input[4] = ""
    for node in [n for n in graph.node if cast in n.output]:
        graph.node.remove(node)
    for given in [i for i in graph.input if i.name == "token_type_ids"]:
        graph.input.remove(given)
    if not any(segment.name in n.input for n in graph.node):
        graph.initializer.remove(segment)


def _quantize(fused: Path, path: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    names = [n.name for n in onnx.load(str(fused)).graph.node]
    first_ffn_out = [n for n in names if n.endswith("/encoder/layer.0/output/dense/MatMul")]
    quantize_dynamic(
        str(fused),
        str(path),
        op_types_to_quantize=["MatMul", "Attention", "EmbedLayerNormalization"],
        per_channel=True,
        reduce_range=False,
        weight_type=QuantType.QInt8,
        nodes_to_exclude=first_ffn_out,
        extra_options={
            "WeightSymmetric": True,
            "ActivationSymmetric": False,
            "MatMulConstBOnly": True,
            "DefaultTensorType": onnx.TensorProto.FLOAT,  # fused ops defeat shape inference
        },
    )


class OnnxEmbedder:
    """The ONNX form of a local model (built on first use, fused float32 or int8), on the CPU.

    Batches are small: on index-like texts (chunks and sentences, length-sorted) 8 texts
    a batch ran 1.2× faster than 32 and 1.5× faster than 128 (``benchmarks/bench_encoder.py
    --batch-sizes``, BENCHMARKS.md); smaller gained nothing more.
    """

    def __init__(
        self,
        model: str = PACKAGED_MODEL,
        cache_dir: Path | None = None,
        backend: str = "onnx",
        batch_size: int = 8,
    ) -> None:
        self.recipe = RECIPES[backend]
        self._model_setting = model
        self._path = resolve_model_path(model)
        self._cache_dir = cache_dir or Path("~/.cache/big-society-bot").expanduser()
        self._batch_size = batch_size
        self._fingerprint: str | None = None
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None
        self._dim: int | None = None

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = model_fingerprint(self._path)
        return self._fingerprint

    @property
    def name(self) -> str:
        """As sentence-transformers' name, plus the recipe: ``…@<sha256[:16]>+fp32-fused-v1``."""
        readable = readable_name(self._model_setting, self._path)
        return f"{readable}@{self.fingerprint}+{self.recipe}"

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = bert_shape(self._path)[1]
        return self._dim

    @property
    def max_tokens(self) -> int:
        """The model's own limit, as sentence-transformers reads it (sentence_bert_config.json)."""
        try:
            config = json.loads((self._path / "sentence_bert_config.json").read_text("utf-8"))
            return int(config.get("max_seq_length") or 512)
        except (OSError, ValueError):
            return 512

    def _load(self) -> tuple[onnxruntime.InferenceSession, Tokenizer]:
        if self._session is None or self._tokenizer is None:
            import onnxruntime
            from tokenizers import Tokenizer

            model = onnx_model_for(self._path, self.fingerprint, self._cache_dir, self.recipe)
            options = onnxruntime.SessionOptions()
            options.inter_op_num_threads = 1
            options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            self._session = onnxruntime.InferenceSession(
                str(model), options, providers=["CPUExecutionProvider"]
            )
            tokenizer = Tokenizer.from_file(str(self._path / "tokenizer.json"))
            tokenizer.enable_truncation(max_length=self.max_tokens)
            tokenizer.no_padding()  # batches are padded here, to their longest text
            self._tokenizer = tokenizer
        return self._session, self._tokenizer

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        from tokenizers import Tokenizer

        whole = Tokenizer.from_file(str(self._path / "tokenizer.json"))
        whole.no_truncation()
        whole.no_padding()
        return [len(e.ids) for e in whole.encode_batch(list(texts))]

    def _hidden(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[Any]]:
        """Token vectors, attention mask and encodings of one batch."""
        session, tokenizer = self._load()
        encodings = tokenizer.encode_batch(list(texts))
        longest = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), longest), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return hidden, mask, encodings

    def _batches(self, texts: Sequence[str]) -> list[list[int]]:
        """Rows of ``texts`` in batches of similar length (less padding)."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        return [order[b : b + self._batch_size] for b in range(0, len(order), self._batch_size)]

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        done = 0
        for rows in self._batches(texts):
            hidden, mask, _ = self._hidden([texts[i] for i in rows])
            weights = mask[..., None].astype(np.float32)
            out[rows] = unit_rows((hidden * weights).sum(axis=1) / weights.sum(axis=1))
            done += len(rows)
            if progress is not None and (done % (self._batch_size * 8) == 0 or done == len(texts)):
                progress(done)
        return out

    def embed_with_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[Span]],
        progress: Progress | None = None,
    ) -> Pooled:
        first_row = np.cumsum([0] + [len(s) for s in spans])
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        sums = np.zeros((int(first_row[-1]), self.dim), dtype=np.float32)
        counts = np.zeros(len(sums), dtype=np.int64)
        cut = np.zeros(len(sums), dtype=bool)
        tokens = done = 0
        for rows in self._batches(texts):
            hidden, mask, encodings = self._hidden([texts[i] for i in rows])
            for at, (i, encoding) in enumerate(zip(rows, encodings, strict=True)):
                n = len(encoding.ids)
                tokens += n
                out[i] = unit_rows(hidden[at, :n].mean(axis=0, keepdims=True))[0]
                span_rows = slice(int(first_row[i]), int(first_row[i + 1]))
                sums[span_rows], counts[span_rows], cut[span_rows] = pool_spans(
                    texts[i],
                    spans[i],
                    hidden[at, :n],
                    np.array(encoding.offsets, dtype=np.int64).reshape(-1, 2),
                    truncated=n >= self.max_tokens,
                )
            done += len(rows)
            if progress is not None:
                progress(done)
        return Pooled(out, sums, counts, cut, tokens)
