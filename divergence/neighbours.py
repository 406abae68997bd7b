"""Nearest neighbours by inner product, exact in blocks or approximate with an index.

Vectors are L2-normalised, so the inner product is the cosine. :func:`nearest` returns,
for each query row, the ``k`` rows of highest inner product, best first (ties by lower
index), with their scores:

- ``method="exact"`` scores a block of query rows against every vector at a time and
  keeps the block's top ``k`` with :func:`numpy.argpartition`: memory is
  O(``block_rows`` x n), never an n x n matrix, and ``block_rows`` shrinks automatically
  so one block stays under :data:`BLOCK_BYTES`.
- ``method="ann"`` builds a faiss inverted-file index (``IndexIVFFlat``, inner product,
  spherical k-means centroids) and searches it for every query row, ``probes`` lists at a
  time. faiss is an optional extra (``pip install divergence[ann]``) imported only here.
- ``method="auto"`` (the default) is exact up to :data:`ANN_THRESHOLD` rows and ANN above
  it, falling back to exact with a warning when faiss is not installed.

Determinism: exact search is deterministic. For the ANN index, divergence draws the
k-means training sample itself with a seeded numpy generator and fixes faiss's k-means
seed, so building the index twice on one machine gives the same centroids and the same
lists; each result row is then sorted by (-score, index), so ties never depend on the
order faiss returns them in. What can still change the result is a different faiss or
BLAS build or thread count (float sums in another order move near-ties between
centroids). HNSW is not used because its multi-threaded construction inserts vectors in
a nondeterministic order.

Rows an IVF search cannot fill (fewer than ``k`` vectors in the probed lists) are padded
with index ``-1`` and score ``-inf``.
"""

from __future__ import annotations

import importlib
import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

log = logging.getLogger("divergence.neighbours")

#: Rows above which ``method="auto"`` searches an approximate index.
ANN_THRESHOLD = 100_000
#: Query rows scored at once by the exact search (fewer when a block would be too big).
BLOCK_ROWS = 1024
#: Most bytes one exact block may take: its scores (4 bytes a cell) and the partition's
#: indices (8 bytes a cell).
BLOCK_BYTES = 384 * 2**20
#: Query rows searched at once in the ANN index.
ANN_BLOCK_ROWS = 16_384
#: Seed of the ANN index's training sample and k-means.
SEED = 0


class Method(str, Enum):
    """How :func:`nearest` searches: exact blocks, an approximate index, or by size."""

    AUTO = "auto"
    EXACT = "exact"
    ANN = "ann"


@dataclass(frozen=True)
class IVFParams:
    """An inverted-file index: ``lists`` k-means cells, ``probes`` of them searched per query.

    :meth:`for_size` takes about 2 sqrt(n) lists and probes 32 of them (more past 2,048
    lists). Measured recall@10 against exact search: 1.000 on 1M clustered synthetic 384-d
    vectors (``benchmarks/pairing_scale.py``; 0.98 with 8 probes, 0.85 with 4) and 0.96 on
    12k real MiniLM embeddings of NLI and news sentences (``benchmarks/pruning_recall.py``;
    0.92 with 16 probes), which are harder for an inverted file than the synthetic clusters.
    """

    lists: int
    probes: int
    train_size: int
    niter: int = 10
    seed: int = SEED

    @classmethod
    def for_size(cls, n: int) -> IVFParams:
        lists = max(1, min(4096, int(2 * math.sqrt(n))))
        probes = min(lists, max(32, math.ceil(lists / 64)))
        return cls(lists=lists, probes=probes, train_size=min(n, 40 * lists))


def faiss_available() -> bool:
    """Whether the optional ANN library can be imported."""
    try:
        _faiss()
    except ImportError:
        return False
    return True


def _faiss() -> ModuleType:
    try:
        return importlib.import_module("faiss")
    except ImportError as e:
        raise ImportError(
            "approximate neighbour search needs faiss: pip install 'divergence[ann]'"
        ) from e


def resolve_method(n: int, method: Method | str = Method.AUTO) -> Method:
    """The method :func:`nearest` uses for ``n`` rows: ``auto`` resolved by size and by
    whether faiss is installed."""
    chosen = Method(method)
    if chosen is not Method.AUTO:
        return chosen
    if n <= ANN_THRESHOLD:
        return Method.EXACT
    if faiss_available():
        return Method.ANN
    log.warning("%d vectors: faiss is not installed, so neighbour search is exact (slow)", n)
    return Method.EXACT


def exact_block_rows(n: int, block_rows: int | None = None) -> int:
    """Query rows per exact block: ``block_rows`` (default :data:`BLOCK_ROWS`), fewer when
    the block's scores and partition indices would pass :data:`BLOCK_BYTES`."""
    requested = BLOCK_ROWS if block_rows is None else block_rows
    if requested < 1:
        raise ValueError(f"block_rows must be positive, got {requested}")
    if block_rows is not None:
        return requested  # an explicit size is respected as given
    return max(1, min(requested, BLOCK_BYTES // (12 * max(n, 1))))


def iter_nearest(
    vectors: NDArray[np.float32],
    k: int,
    *,
    method: Method | str = Method.AUTO,
    block_rows: int | None = None,
    rows: Sequence[int] | NDArray[np.integer[Any]] | None = None,
    params: IVFParams | None = None,
) -> Iterator[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float32]]]:
    """:func:`nearest` a block of query rows at a time: yields ``(query_rows, indices,
    scores)``, so a caller can consume the neighbours without holding them all."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n = vectors.shape[0]
    queries = np.arange(n, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    k = min(k, n)
    if queries.size == 0 or k == 0:
        if queries.size:
            yield (
                queries,
                np.zeros((queries.size, 0), dtype=np.int64),
                np.zeros((queries.size, 0), dtype=np.float32),
            )
        return
    if resolve_method(n, method) is Method.ANN:
        yield from _iter_ann(vectors, k, queries, params or IVFParams.for_size(n), block_rows)
    else:
        yield from _iter_exact(vectors, k, queries, exact_block_rows(n, block_rows))


def nearest(
    vectors: NDArray[np.float32],
    k: int,
    *,
    method: Method | str = Method.AUTO,
    block_rows: int | None = None,
    rows: Sequence[int] | NDArray[np.integer[Any]] | None = None,
    params: IVFParams | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """The ``k`` nearest vectors of each row (itself included) by inner product.

    Returns ``(indices, scores)``, both of shape ``(len(rows), min(k, n))``, each row best
    first with ties broken by lower index. ``rows`` picks the query rows (default: all).

    >>> v = np.eye(3, dtype=np.float32)
    >>> v[2] = [0.6, 0.8, 0.0]
    >>> indices, scores = nearest(v, 2, method="exact")
    >>> indices.tolist()
    [[0, 2], [1, 2], [2, 1]]
    >>> [[round(float(s), 2) for s in row] for row in scores]
    [[1.0, 0.6], [1.0, 0.8], [1.0, 0.8]]
    """
    blocks = list(
        iter_nearest(vectors, k, method=method, block_rows=block_rows, rows=rows, params=params)
    )
    width = min(max(k, 0), vectors.shape[0])
    if not blocks:
        return np.zeros((0, width), dtype=np.int64), np.zeros((0, width), dtype=np.float32)
    return (
        np.concatenate([b[1] for b in blocks]),
        np.concatenate([b[2] for b in blocks]),
    )


def _sort_rows(
    indices: NDArray[np.int64], scores: NDArray[np.float32]
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Each row by score descending, then index ascending; padding (-1, -inf) last."""
    keyed = np.where(indices < 0, np.iinfo(np.int64).max, indices)
    order = np.lexsort((keyed, -scores.astype(np.float64)), axis=1)
    return (
        np.take_along_axis(indices, order, axis=1),
        np.take_along_axis(scores, order, axis=1),
    )


def _iter_exact(
    vectors: NDArray[np.float32], k: int, queries: NDArray[np.int64], block_rows: int
) -> Iterator[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float32]]]:
    n = vectors.shape[0]
    for start in range(0, queries.size, block_rows):
        block = queries[start : start + block_rows]
        if block.size and block[-1] - block[0] == block.size - 1 and block[0] >= 0:
            left = vectors[int(block[0]) : int(block[-1]) + 1]  # a view, as pairing always did
        else:
            left = vectors[block]
        sims = left @ vectors.T
        if k < n:  # the k largest, without a negated copy of the block
            top = np.argpartition(sims, n - k, axis=1)[:, n - k :]
        else:
            top = np.broadcast_to(np.arange(n, dtype=np.int64), sims.shape)
        top = np.ascontiguousarray(top, dtype=np.int64)
        scores = np.take_along_axis(sims, top, axis=1)
        del sims
        indices, scores = _sort_rows(top, scores)
        yield block, indices, scores


class IVFIndex:
    """A faiss ``IndexIVFFlat`` over normalised vectors, built reproducibly."""

    def __init__(self, vectors: NDArray[np.float32], params: IVFParams) -> None:
        faiss = _faiss()
        self.params = params
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        lists = min(params.lists, n)
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, lists, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = params.seed
        index.cp.niter = params.niter
        index.cp.spherical = True
        index.cp.max_points_per_centroid = max(1, -(-params.train_size // lists))
        index.cp.min_points_per_centroid = 1  # small samples are fine: no warning on stderr
        rng = np.random.default_rng(params.seed)
        size = min(n, max(params.train_size, lists))
        sample = np.sort(rng.choice(n, size=size, replace=False)) if size < n else None
        index.train(vectors if sample is None else vectors[sample])
        index.add(vectors)
        self.lists = lists
        self._index: Any = index
        self._quantizer: Any = quantizer  # faiss does not own it: keep it alive

    def search(
        self, queries: NDArray[np.float32], k: int, *, probes: int | None = None
    ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """The ``k`` best of each query, sorted; ``probes`` overrides the lists searched."""
        self._index.nprobe = min(self.params.probes if probes is None else probes, self.lists)
        scores, indices = self._index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        indices = np.asarray(indices, dtype=np.int64)
        scores = np.where(indices < 0, -np.inf, scores).astype(np.float32)
        return _sort_rows(indices, scores)


def _iter_ann(
    vectors: NDArray[np.float32],
    k: int,
    queries: NDArray[np.int64],
    params: IVFParams,
    block_rows: int | None,
) -> Iterator[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float32]]]:
    index = IVFIndex(vectors, params)
    step = ANN_BLOCK_ROWS if block_rows is None else block_rows
    if step < 1:
        raise ValueError(f"block_rows must be positive, got {step}")
    for start in range(0, queries.size, step):
        block = queries[start : start + step]
        indices, scores = index.search(vectors[block], k)
        yield block, indices, scores
