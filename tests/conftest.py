"""Shared fixtures: a deterministic fake embedder, the real packaged model, sample folders."""

from __future__ import annotations

import os
import re
import shutil
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

# Before anything imports huggingface_hub, gradio or transformers.
os.environ.update(
    {
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TOKENIZERS_PARALLELISM": "false",
    }
)

#: The browser tests' app, course pages and Chromium (session fixtures, shared by modules).
pytest_plugins = ["tests.browser_site"]

REPO = Path(__file__).resolve().parent.parent
SHIPPED_DOCS = REPO / "documents"
SEED_ID = "whatever-happened-to-camerons-big-society.md"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCIFACT = REPO.parent / "shared" / "beir" / "scifact"


class FakeEmbedder:
    """Bag-of-words vectors from crc32 hashes: deterministic, fast, shares words ⇒ similar.

    Its tokens are words; it reads at most ``max_tokens`` - 2 of a text (two places
    stand for the special tokens), so a test can lower ``max_tokens`` to truncate.
    """

    name = "fake:crc32-64"
    dim = 64

    def __init__(self, max_tokens: int = 100_000) -> None:
        self.calls: list[int] = []
        self.max_tokens = max_tokens

    def _words(self, text: str) -> list[tuple[str, int, int]]:
        """The words the fake reads, with their character offsets."""
        found = []
        for match in re.finditer(r"\S+", text):
            word = match.group().lower().strip(".,;:!?\"'()")
            if word:
                found.append((word, match.start(), match.end()))
        return found[: self.max_tokens - 2]

    def _bag(self, words: Sequence[str]) -> np.ndarray:
        out = np.zeros(self.dim, dtype=np.float32)
        for word in words:
            out[zlib.crc32(word.encode()) % self.dim] += 1.0
        return out

    def embed(self, texts: Sequence[str], progress=None) -> np.ndarray:  # type: ignore[no-untyped-def]
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self._bag([w for w, _, _ in self._words(text)])
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
        if progress is not None:
            progress(len(texts))
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(re.findall(r"\S+", t)) + 2 for t in texts]

    def embed_with_spans(self, texts, spans, progress=None):  # type: ignore[no-untyped-def]
        from bot.embedding import Pooled

        vectors = self.embed(texts, progress)
        sums, counts, cut, tokens = [], [], [], 0
        for text, text_spans in zip(texts, spans, strict=True):
            words = self._words(text)
            tokens += len(words) + 2
            read_to = words[-1][2] if words else 0
            lost = bool(text[read_to:].strip()) and len(words) == self.max_tokens - 2
            for span in text_spans:
                inside = [w for w, start, end in words if span.start <= start and end <= span.end]
                sums.append(self._bag(inside))
                counts.append(len(inside))
                cut.append(not inside or (lost and span.end > read_to))
        return Pooled(
            vectors,
            np.array(sums, dtype=np.float32).reshape(-1, self.dim),
            np.array(counts, dtype=np.int64),
            np.array(cut, dtype=bool),
            tokens,
        )

    @property
    def embedded(self) -> int:
        return sum(self.calls)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    """The packaged all-MiniLM-L6-v2 on the default backend (int8 ONNX), loaded once per
    test session, as the app runs it."""
    from bot.config import Settings
    from bot.embedding import make_embedder

    embedder = make_embedder(Settings())
    embedder.embed(["warm up"])
    return embedder


@pytest.fixture(scope="session")
def torch_embedder():  # type: ignore[no-untyped-def]
    """The packaged model on sentence-transformers (torch): the reference."""
    from bot.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    embedder.embed(["warm up"])
    return embedder


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    """A documents folder holding the shipped seed article."""
    folder = tmp_path / "documents"
    folder.mkdir()
    shutil.copy(SHIPPED_DOCS / SEED_ID, folder / SEED_ID)
    return folder


@pytest.fixture
def corpus_docs_dir(docs_dir: Path) -> Path:
    """The seed article plus two BSD-licensed blog posts on the Big Society (tests/fixtures)."""
    for path in sorted(FIXTURES.glob("ianrenton-*.md")):
        shutil.copy(path, docs_dir / path.name)
    return docs_dir


def make_settings(docs: Path, index: Path, **overrides):  # type: ignore[no-untyped-def]
    from bot.config import Settings

    return Settings(docs_dir=docs, index_dir=index, **overrides)
