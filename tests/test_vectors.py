"""The vector rows (FAISS), tested with random unit vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.vectors import Vectors


def unit(rows: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    array = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def test_rows_come_back_as_they_went_in() -> None:
    array = unit(500)
    vectors = Vectors.of(array)
    assert len(vectors) == 500 and vectors.dim == 384
    rows = vectors[[7, 3, 499]]
    assert rows.dtype == np.float32 and rows.shape == (3, 384)
    np.testing.assert_array_equal(rows, array[[7, 3, 499]])
    np.testing.assert_array_equal(vectors[-1], array[-1])
    assert vectors[np.array([], dtype=np.int64)].shape == (0, 384)
    with pytest.raises(IndexError):
        vectors[500]


def test_search_ranks_as_the_exact_inner_product_does() -> None:
    array = unit(2000)
    vectors = Vectors.of(array)
    for seed in range(5):
        query = unit(1, seed=100 + seed)[0]
        exact = array @ query
        found = vectors.search(query, 10)
        assert [row for row, _ in found] == list(np.argsort(-exact)[:10])
        np.testing.assert_allclose([s for _, s in found], np.sort(exact)[::-1][:10], atol=1e-5)
    assert len(vectors.search(unit(1, seed=9)[0], 5000)) == 2000  # k over the count


def test_saved_vectors_load_the_same_and_a_wrong_width_is_refused(tmp_path: Path) -> None:
    vectors = Vectors.of(unit(50))
    vectors.save(tmp_path / "v.faiss")
    loaded = Vectors.load(tmp_path / "v.faiss", 384)
    np.testing.assert_array_equal(loaded.all(), vectors.all())
    with pytest.raises(ValueError, match="384 dimensions, not 128"):
        Vectors.load(tmp_path / "v.faiss", 128)
    empty = Vectors.of(np.zeros((0, 0), np.float32), dim=384)
    empty.save(tmp_path / "e.faiss")
    assert len(Vectors.load(tmp_path / "e.faiss", 384)) == 0 and empty.search(unit(1)[0], 3) == []


def test_one_copy_of_the_vectors() -> None:
    import faiss

    vectors = Vectors.of(unit(10_000))
    codes = faiss.vector_to_array(vectors._index.codes)  # type: ignore[union-attr]
    assert codes.nbytes == 10_000 * 384 * 4
