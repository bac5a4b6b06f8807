"""Vector index: FAISS inner product over unit vectors (= cosine); exact below a size threshold, HNSW above.

Ids are chunk ids (int64). The index is a cache of the vectors kept in the KB store: it is saved with the
store generation it reflects, and rebuilt from the store when that does not match.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import faiss
import numpy as np

from knowledge.settings import IndexSettings

# An HNSW graph cannot drop nodes; deleted ids are masked at search and the graph is rebuilt past this share.
_REBUILD_DELETED_SHARE = 0.2


class VectorIndex:
    """Add, remove and search unit vectors by chunk id."""

    def __init__(self, dimension: int, settings: IndexSettings | None = None):
        self.dimension = dimension
        self.settings = settings or IndexSettings()
        self.deleted: set[int] = set()
        self.kind = "exact"
        self.index = self._new_index(hnsw=False)

    def __len__(self) -> int:
        return int(self.index.ntotal) - len(self.deleted)

    def _new_index(self, hnsw: bool) -> faiss.IndexIDMap2:
        self.kind = "hnsw" if hnsw else "exact"
        inner: faiss.Index
        if hnsw:
            inner = faiss.IndexHNSWFlat(self.dimension, self.settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = 64
        else:
            inner = faiss.IndexFlatIP(self.dimension)
        return faiss.IndexIDMap2(inner)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors (rows) under ``ids``; switches to HNSW once the exact threshold is passed."""
        if len(ids) == 0:
            return
        ids = np.asarray(ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.kind == "exact" and len(self) + len(ids) > self.settings.exact_threshold:
            self._rebuild(hnsw=True, extra=(ids, vectors))
        else:
            self.index.add_with_ids(vectors, ids)

    def remove(self, ids: np.ndarray | list[int]) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return
        if self.kind == "exact":
            self.index.remove_ids(faiss.IDSelectorBatch(ids))
            return
        self.deleted.update(int(i) for i in ids)
        if len(self.deleted) > _REBUILD_DELETED_SHARE * self.index.ntotal:
            self._rebuild(hnsw=len(self) > self.settings.exact_threshold)

    def restore(self, ids: np.ndarray | list[int], vectors: np.ndarray) -> None:
        """Put back removed ids (a chunk enabled again): an HNSW node still in the graph is just unmasked."""
        ids = np.asarray(ids, dtype=np.int64)
        masked = np.isin(ids, np.fromiter(self.deleted, dtype=np.int64)) if self.deleted else np.zeros(len(ids), bool)
        self.deleted.difference_update(int(i) for i in ids[masked])
        self.add(ids[~masked], np.asarray(vectors, dtype=np.float32)[~masked])

    def _rebuild(self, hnsw: bool, extra: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        ids, vectors = self.items()
        if extra is not None:
            ids, vectors = np.concatenate([ids, extra[0]]), np.concatenate([vectors, extra[1]])
        self.index, self.deleted = self._new_index(hnsw), set()
        if len(ids):
            self.index.add_with_ids(vectors, ids)

    def items(self) -> tuple[np.ndarray, np.ndarray]:
        """Every live (id, vector) pair."""
        ids = faiss.vector_to_array(self.index.id_map).astype(np.int64)
        if self.deleted:
            ids = ids[~np.isin(ids, np.fromiter(self.deleted, dtype=np.int64))]
        if len(ids) == 0:
            return ids, np.zeros((0, self.dimension), dtype=np.float32)
        return ids, self.index.reconstruct_batch(ids)

    def vectors(self, ids: np.ndarray | list[int]) -> np.ndarray:
        return self.index.reconstruct_batch(np.asarray(ids, dtype=np.int64))

    def similarities(self, query: np.ndarray, ids: list[int]) -> np.ndarray:
        """The cosine of ``query`` with each of ``ids`` (indexed ids)."""
        return self.vectors(ids) @ np.asarray(query, dtype=np.float32)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Best ``k`` (ids, cosine scores), optionally only among ``allowed`` ids."""
        if len(self) == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        if allowed is not None:
            # A filter is exact: score just those vectors, whatever the index kind.
            allowed = np.asarray(allowed, dtype=np.int64)
            if self.deleted:
                allowed = allowed[~np.isin(allowed, np.fromiter(self.deleted, dtype=np.int64))]
            if len(allowed) == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            scores = self.vectors(allowed) @ query[0]
            order = np.argsort(-scores)[:k]
            return allowed[order], scores[order]
        if self.kind == "hnsw":
            params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]  # missing from faiss's own stubs
            params.efSearch = max(self.settings.hnsw_ef_search, k)
            if self.deleted:
                params.sel = faiss.IDSelectorNot(faiss.IDSelectorBatch(np.fromiter(self.deleted, dtype=np.int64)))
            scores, ids = self.index.search(query, min(k, len(self)), params=params)
        else:
            scores, ids = self.index.search(query, min(k, len(self)))
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def save(self, directory: Path, generation: int) -> None:
        """Write ``vectors.faiss`` + ``vectors.json`` atomically (temp file, then rename)."""
        tmp = directory / "vectors.faiss.tmp"
        faiss.write_index(self.index, str(tmp))
        os.replace(tmp, directory / "vectors.faiss")
        meta = {"generation": generation, "dimension": self.dimension, "deleted": sorted(self.deleted)}
        (directory / "vectors.json.tmp").write_text(json.dumps(meta))
        os.replace(directory / "vectors.json.tmp", directory / "vectors.json")

    @classmethod
    def load(cls, directory: Path, dimension: int, settings: IndexSettings, generation: int) -> VectorIndex | None:
        """The saved index if it reflects ``generation``, else ``None`` (the caller rebuilds it)."""
        try:
            meta = json.loads((directory / "vectors.json").read_text())
            if meta.get("generation") != generation or meta.get("dimension") != dimension:
                return None
            index = faiss.read_index(str(directory / "vectors.faiss"))
        except (OSError, ValueError, RuntimeError):
            return None
        if not isinstance(index, faiss.IndexIDMap2):  # not what save() writes: rebuilt from the store
            return None
        loaded = cls(dimension, settings)
        # read_index returns the owning IndexIDMap2; keep that object (a downcast copy would not own it).
        loaded.index, loaded.deleted = index, set(meta.get("deleted", []))
        loaded.kind = "hnsw" if isinstance(faiss.downcast_index(index.index), faiss.IndexHNSW) else "exact"
        return loaded
