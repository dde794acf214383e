"""The dense search structure: FAISS exact inner product for small indexes, an approximate index above a limit.

The structure is chosen when the index is built (`dense_index_for`) and saved as `dense.faiss`; the retriever
searches whatever that file holds (`DenseSearch`). Approximate indexes only propose candidates: the retriever
scores every candidate again from the stored vectors, so a quantised approximate index costs no precision in the
scores, only (rarely) a missed candidate. The figures behind the defaults are in knowledge/README.md
(`python -m knowledge.bench_index`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

ApproximateKind = Literal["hnsw", "ivf"]
# Up to this many vectors the exact flat index is searched (measured: 11.8 ms of CPU time per query at 100,000
# vectors on one thread of this 2-core machine, so the approximate index takes over well before that).
EXACT_SEARCH_LIMIT = 50_000


@dataclass(frozen=True)
class DenseSearchSettings:
    """How the dense search structure is built and searched.

    `exact_limit`: indexes with at most this many vectors are searched exactly (`IndexFlatIP`); larger ones
    through `approximate`: "ivf" (default; `nlist` ≈ √n inverted lists of which `nprobe` are scanned) or "hnsw" (a
    graph, `hnsw_m` links per node, `ef_construction` / `ef_search` beam widths). Approximate indexes store 8-bit
    scalar-quantised codes (a quarter of the float size); candidates are rescored exactly from the vectors.
    Chosen by `python -m knowledge.bench_index` on this 2-core host: at 100,000 chunks both reach recall@10 ≥ 0.999
    (HNSW searches faster, 0.3 ms vs 1.1 ms, but takes 6× longer to build); at 1,000,000 IVF with nprobe 64 reaches
    0.993 at 10.7 / 12.5 ms per query (p50 / p95, load ≈ 4.5) and builds in 25 s, while HNSW (efSearch 96) reached
    only 0.919 after a 320 s build (knowledge/README.md). The flat index costs 11.6 ms CPU per query at 100,000
    chunks, hence the limit at 50,000.
    `search_threads`: FAISS's OpenMP threads in a searching process. One: measured on this shared 2-core host at
    load ≈ 16, a single query on a 10,000-vector flat index took 66 ms at the median with two threads (the
    threads wait for each other's pre-empted peer) and 0.27 ms with one."""

    exact_limit: int = EXACT_SEARCH_LIMIT
    approximate: ApproximateKind = "ivf"
    hnsw_m: int = 32
    ef_construction: int = 64
    ef_search: int = 96
    nprobe: int = 64
    search_threads: int = 1

    def describe(self) -> dict[str, object]:
        """The settings as a plain dict (for reports)."""
        return {
            "exact_limit": self.exact_limit,
            "approximate": self.approximate,
            "hnsw_m": self.hnsw_m,
            "ef_construction": self.ef_construction,
            "ef_search": self.ef_search,
            "nprobe": self.nprobe,
            "search_threads": self.search_threads,
        }


def dense_index_for(vectors: npt.NDArray[np.float32], settings: DenseSearchSettings | None = None) -> Any:
    """A FAISS index over `vectors` (L2-normalised rows, inner product = cosine): exact flat up to the limit,
    else the configured approximate kind."""
    import faiss

    settings = settings or DenseSearchSettings()
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    count, dimension = data.shape if data.ndim == 2 else (0, int(data.shape[-1]) if data.ndim else 0)
    if count <= settings.exact_limit:
        flat = faiss.IndexFlatIP(dimension)
        if count:
            flat.add(data)
        return flat
    if settings.approximate == "hnsw":
        index: Any = faiss.index_factory(dimension, f"HNSW{settings.hnsw_m},SQ8", faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = settings.ef_construction
        index.train(_training_sample(data))
    else:
        nlist = _nlist(count)
        index = faiss.index_factory(dimension, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
        index.train(_training_sample(data, 40 * nlist))
    index.add(data)
    configure(index, settings)
    return index


def configure(index: Any, settings: DenseSearchSettings) -> None:
    """Set the search-time parameters (beam width or lists scanned) of a loaded index."""
    import faiss

    hnsw = getattr(index, "hnsw", None)
    if hnsw is not None:
        hnsw.efSearch = settings.ef_search
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        ivf.nprobe = settings.nprobe


def use_threads(threads: int) -> None:
    """Set FAISS's OpenMP thread count for this process (search: `search_threads`; building: all cores)."""
    import faiss

    faiss.omp_set_num_threads(max(1, threads))


def kind_of(index: Any) -> str:
    """ "exact", "hnsw" or "ivf": what kind of search a loaded FAISS index does."""
    import faiss

    if getattr(index, "hnsw", None) is not None:
        return "hnsw"
    if faiss.try_extract_index_ivf(index) is not None:
        return "ivf"
    return "exact"


def search(index: Any, query: npt.NDArray[np.float32], k: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Ids and inner products of the (up to) k nearest vectors to one query vector, best first."""
    k = min(k, int(index.ntotal))
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    scores, ids = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
    keep = ids[0] >= 0
    return ids[0][keep].astype(np.int64), scores[0][keep].astype(np.float32)


def _nlist(count: int) -> int:
    """Inverted lists for `count` vectors: about √n, with at least 39 training vectors per list (FAISS's floor)."""
    return max(1, min(int(np.sqrt(count)), count // 39))


def _training_sample(data: npt.NDArray[np.float32], size: int = 65_536) -> npt.NDArray[np.float32]:
    """Evenly spaced rows for training the quantiser and the coarse lists (the whole matrix when small)."""
    if len(data) <= size:
        return data
    rows = np.linspace(0, len(data) - 1, size).astype(np.int64)
    return np.ascontiguousarray(data[rows])
