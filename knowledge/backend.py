"""Where a knowledge base's indexes live: the seam between the KB store and its vector and keyword indexes.

The KB store (``knowledge.store``: SQLite per KB) keeps documents, chunks, vectors and tokens, and stays the
source of truth; an index backend is a derived copy of the enabled chunks, tagged with the store generation it
reflects and rebuilt from the store when that does not match. Two backends answer the same protocol with the
same scores: ``EmbeddedBackend`` (FAISS + in-memory BM25, files beside the KB; the default) and
``knowledge.pg.PostgresBackend`` (pgvector HNSW + PostgreSQL full-text, ``LOOM_KNOWLEDGE_BACKEND=postgres``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

from knowledge.index import VectorIndex
from knowledge.keyword import KeywordIndex, KeywordScores

if TYPE_CHECKING:
    from knowledge.store import KBStore


class VectorSearch(Protocol):
    """Unit vectors by chunk id; scores are cosines."""

    dimension: int
    kind: str  # "exact" or "hnsw"

    def __len__(self) -> int: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: np.ndarray | list[int]) -> None: ...

    def restore(self, ids: np.ndarray | list[int], vectors: np.ndarray) -> None: ...

    def search(self, query: np.ndarray, k: int,
               allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]: ...

    def similarities(self, query: np.ndarray, ids: list[int]) -> np.ndarray: ...


class KeywordSearch(Protocol):
    """Token lists by chunk id; scores are BM25 over that of a full average match, capped at 1."""

    def __len__(self) -> int: ...

    def add(self, chunk_id: int, tokens: list[str]) -> None: ...

    def add_many(self, chunk_ids: list[int], tokens: list[list[str]]) -> None: ...

    def remove(self, chunk_ids: list[int]) -> None: ...

    def query(self, tokens: list[str]) -> KeywordScores: ...


class IndexBackend(Protocol):
    """Opens, saves and drops the two indexes of a KB store."""

    name: str

    def open_vectors(self, store: KBStore, dimension: int) -> VectorSearch: ...

    def open_keywords(self, store: KBStore) -> KeywordSearch: ...

    def save(self, store: KBStore) -> None:
        """Record that the loaded indexes reflect the store's current generation."""

    def close(self, store: KBStore) -> None: ...

    def drop(self, store: KBStore) -> None:
        """Remove what the backend holds for a KB being deleted."""


class EmbeddedBackend:
    """FAISS (``vectors.faiss`` beside the KB, saved now and then) and BM25 held in memory."""

    name = "embedded"

    def open_vectors(self, store: KBStore, dimension: int) -> VectorSearch:
        loaded = VectorIndex.load(store.directory, dimension, store.settings.index, store.generation)
        if loaded is None:
            loaded = VectorIndex(dimension, store.settings.index)
            ids, vectors = store.enabled_vectors()
            if len(ids):
                loaded.add(ids, vectors)
            store.mark_unsaved()
        return loaded

    def open_keywords(self, store: KBStore) -> KeywordSearch:
        keywords = KeywordIndex()
        for chunk_id, tokens in store.enabled_tokens():
            keywords.add(chunk_id, tokens)
        return keywords

    def save(self, store: KBStore) -> None:
        if isinstance(store.vectors, VectorIndex):
            store.vectors.save(store.directory, store.generation)

    def close(self, store: KBStore) -> None:
        pass

    def drop(self, store: KBStore) -> None:
        pass  # the files go with the KB's folder
