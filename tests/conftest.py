"""Shared fixtures: a deterministic fake embedder, the real packaged model, sample folders."""

from __future__ import annotations

import os
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
    """Bag-of-words vectors from crc32 hashes: deterministic, fast, shares words ⇒ similar."""

    name = "fake:crc32-64"
    dim = 64

    def __init__(self) -> None:
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str], progress=None) -> np.ndarray:  # type: ignore[no-untyped-def]
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                word = word.strip(".,;:!?\"'()")
                if word:
                    out[i, zlib.crc32(word.encode()) % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
        if progress is not None:
            progress(len(texts))
        return out

    @property
    def embedded(self) -> int:
        return sum(self.calls)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    """The packaged all-MiniLM-L6-v2, loaded once per test session."""
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
