"""Unit vectors by row, searchable by inner product: the one module that imports FAISS.

``Vectors`` keeps one copy of its vectors, inside a flat FAISS index, and reads rows
back from it: ``vectors[rows] @ query`` (a store used to hold a NumPy copy besides).
Float16 storage would halve the memory again, but its 1e-3 changes in cosine flipped
borderline answers of the development questions (BENCHMARKS.md), so vectors stay
float32. ``search`` is FAISS's exhaustive scan on one
thread (a single query gains nothing from more: measured 3-5× slower with FAISS's
default OpenMP threads, see docs/scaling.md). Another vector engine (an ANN index, a
vector database) would replace this module: the store and everything above it use
only ``search``, ``[rows]``, ``len`` and ``dim``, plus ``save``/``load``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faiss
import numpy as np


class Vectors:
    """Rows of unit vectors: search them, read some back."""

    def __init__(self, index: faiss.Index | None, dim: int) -> None:
        self._index = index  # None when there are no rows
        self.dim = dim

    @classmethod
    def of(cls, array: np.ndarray, dim: int | None = None) -> Vectors:
        array = np.ascontiguousarray(array, dtype=np.float32)
        width = array.shape[1] if array.ndim == 2 and array.shape[1] else dim or 0
        if len(array) == 0:
            return cls(None, width)
        index = faiss.IndexFlatIP(width)
        index.add(array)
        return cls(index, width)

    def __len__(self) -> int:
        return int(self._index.ntotal) if self._index is not None else 0

    def __getitem__(self, rows: int | np.ndarray | list[int]) -> np.ndarray:
        """The float32 vector of a row, or an array of the vectors of ``rows``."""
        if isinstance(rows, int | np.integer):
            if not -len(self) <= rows < len(self):
                raise IndexError(f"row {rows} of {len(self)}")
            return self[np.array([rows % len(self)])][0]
        ids = np.asarray(rows, dtype=np.int64)
        if len(ids) == 0 or self._index is None:
            return np.zeros((len(ids), self.dim), dtype=np.float32)
        return self._index.reconstruct_batch(ids)

    def all(self) -> np.ndarray:
        """Every row, as one float32 array."""
        return self[np.arange(len(self))]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.all() if dtype is None else self.all().astype(dtype)

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` rows with the highest inner product with ``query``, best first."""
        k = min(k, len(self))
        if k <= 0 or self._index is None:
            return []
        faiss.omp_set_num_threads(1)
        scores, rows = self._index.search(query.reshape(1, -1).astype(np.float32), k)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def save(self, path: Path) -> None:
        faiss.write_index(self._index or faiss.IndexFlatIP(max(self.dim, 1)), str(path))

    @classmethod
    def load(cls, path: Path, dim: int) -> Vectors:
        """Raises ``ValueError`` if the file holds another kind of index or width."""
        index = faiss.read_index(str(path))
        if not isinstance(index, faiss.IndexFlatIP):
            raise ValueError(f"{path.name} is not a flat inner-product index")
        if index.ntotal == 0:
            return cls(None, dim)
        if index.d != dim:
            raise ValueError(f"{path.name} holds vectors of {index.d} dimensions, not {dim}")
        return cls(index, dim)
